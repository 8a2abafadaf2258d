// Command decode-go runs the `opsconsole decode` code path on its own, for
// scripts/bench-decode.sh (cmd/opsconsole wires the same decodecli.Main).
//
//	go build -o /tmp/decode-go ./bench/decode-go && /tmp/decode-go [--format text|json] [FILE|-]
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/opsconsole/opsconsole/internal/decodecli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := decodecli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
