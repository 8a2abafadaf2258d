// Package decodecli implements `opsconsole decode [--format text|json]
// [FILE|-]`: it reads what `aws kinesis get-records` prints (or JSON lines of
// such responses or of single records), decodes every record with
// internal/decode, and prints one line per event.
//
// Records are decoded in parallel and printed in input order. The input is
// streamed: memory is bounded by a few batches of records, whatever the file
// size. A record that cannot be read is reported on stderr with its line and
// byte offset and skipped; the rest is still decoded.
package decodecli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/opsconsole/opsconsole/internal/decode"
)

// Output formats.
const (
	FormatText = "text" // time level source message, sanitised, one line per event
	FormatJSON = "json" // NDJSON of decode.Event
)

// Options tune Run. The zero value prints text.
type Options struct {
	Format    string // FormatText ("" too) or FormatJSON
	Workers   int    // decoding goroutines; 0 means GOMAXPROCS
	MaxErrors int    // input problems reported one by one before only counting; 0 means 20
}

// Summary is what Run saw.
type Summary struct {
	decode.Stats
	BadRecords   int // record objects that could not be read (no Data, bad base64, not JSON)
	SyntaxErrors int // places where the input was not JSON and reading resumed on the next line
	Warnings     int // readable records with something odd (an unreadable arrival time)
}

// String is the one-line summary printed on stderr at the end.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "decoded %d records (%.1f MiB) into %d events", s.Records, float64(s.Bytes)/(1<<20), s.Events)
	for _, c := range []struct {
		n    int
		what string
	}{
		{s.ControlMessages, "CloudWatch Logs control messages skipped"},
		{s.KPLSubRecords, "KPL sub-records"},
		{s.Problems, "events with decoding problems"},
		{s.BadRecords, "input records unreadable"},
		{s.SyntaxErrors, "places not valid JSON"},
		{s.Warnings, "warnings"},
	} {
		if c.n > 0 {
			fmt.Fprintf(&b, "; %d %s", c.n, c.what)
		}
	}
	return b.String()
}

// ErrBadInput is returned (wrapped) when some of the input could not be
// read; everything readable was still decoded and printed.
var ErrBadInput = errors.New("some input could not be read")

// batch is a run of consecutive record objects, decoded by one worker.
type batch struct {
	in   []byte
	recs []recRef
	out  []byte
	msgs []string // input problems, in input order
	sum  Summary
	done chan struct{}
}

type recRef struct {
	start, end int
	pos        position
}

const (
	batchBytes   = 1 << 20
	batchRecords = 512
)

// Run decodes in and writes events to out in opts.Format. Input problems
// go to errOut as they are met (the first MaxErrors of them), and are
// counted in the Summary; Run then returns an error wrapping ErrBadInput.
// Other errors (reading, writing, ctx) stop the run.
func Run(ctx context.Context, in io.Reader, out, errOut io.Writer, opts Options) (Summary, error) {
	var format func([]byte, *decode.Event) []byte
	switch opts.Format {
	case "", FormatText:
		format = appendText
	case FormatJSON:
		format = appendJSONLine
	default:
		return Summary{}, fmt.Errorf("unknown format %q: use text or json", opts.Format)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	maxErrors := opts.MaxErrors
	if maxErrors <= 0 {
		maxErrors = 20
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// free bounds the batches in flight, and so the memory.
	inflight := 2*workers + 2
	free := make(chan *batch, inflight)
	for range inflight {
		free <- &batch{}
	}
	work := make(chan *batch, inflight)
	ordered := make(chan *batch, inflight)

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{dec: decode.NewDecoder(decode.Options{}), format: format}
			for b := range work {
				w.process(b)
				close(b.done)
			}
		}()
	}

	var readErr error
	go func() {
		defer close(ordered)
		defer close(work)
		readErr = read(ctx, in, free, work, ordered)
	}()

	var total Summary
	var writeErr error
	reported := 0
	for b := range ordered {
		<-b.done
		if writeErr == nil {
			if _, err := out.Write(b.out); err != nil {
				writeErr = err
				cancel() // stop the reader; keep draining so it can finish
			}
			for _, m := range b.msgs {
				if reported < maxErrors {
					fmt.Fprintf(errOut, "decode: %s\n", m)
				}
				reported++
			}
		}
		addSummary(&total, b.sum)
		free <- b
	}
	wg.Wait()
	if reported > maxErrors {
		fmt.Fprintf(errOut, "decode: %d more input problems not shown\n", reported-maxErrors)
	}
	switch {
	case writeErr != nil:
		return total, fmt.Errorf("writing output: %w", writeErr)
	case parent.Err() != nil:
		return total, parent.Err()
	case readErr != nil:
		return total, readErr
	case total.BadRecords > 0 || total.SyntaxErrors > 0:
		return total, fmt.Errorf("%w: %d unreadable records, %d places not valid JSON (details above)", ErrBadInput, total.BadRecords, total.SyntaxErrors)
	}
	return total, nil
}

func addSummary(total *Summary, s Summary) {
	total.Stats.Add(s.Stats)
	total.BadRecords += s.BadRecords
	total.SyntaxErrors += s.SyntaxErrors
	total.Warnings += s.Warnings
}

// read splits the input into batches and hands each to the workers and, in
// the same order, to the writer.
func read(ctx context.Context, r io.Reader, free <-chan *batch, work, ordered chan<- *batch) error {
	var cur *batch
	take := func() error {
		select {
		case cur = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		cur.in, cur.recs, cur.out, cur.msgs = cur.in[:0], cur.recs[:0], cur.out[:0], cur.msgs[:0]
		cur.sum = Summary{}
		cur.done = make(chan struct{})
		return nil
	}
	send := func() error {
		select {
		case ordered <- cur: // ordered has room for every batch in flight
		case <-ctx.Done():
			return ctx.Err()
		}
		work <- cur
		cur = nil
		return nil
	}
	if err := take(); err != nil {
		return err
	}
	in := newInputReader(r)
	in.onErr = func(pos position, msg string) {
		cur.msgs = append(cur.msgs, pos.String()+": "+msg)
		cur.sum.SyntaxErrors++
	}
	in.emit = func(rec []byte, pos position) error {
		start := len(cur.in)
		cur.in = append(cur.in, rec...)
		cur.recs = append(cur.recs, recRef{start: start, end: len(cur.in), pos: pos})
		if len(cur.in) < batchBytes && len(cur.recs) < batchRecords {
			return nil
		}
		if err := send(); err != nil {
			return err
		}
		return take()
	}
	err := in.run()
	if cur != nil {
		if serr := send(); err == nil {
			err = serr
		}
	}
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("reading input: %w", err)
	}
	return nil
}

// worker decodes batches with its own decoder and buffers.
type worker struct {
	dec    *decode.Decoder
	parser recordParser
	events []decode.Event
	format func([]byte, *decode.Event) []byte
}

func (w *worker) process(b *batch) {
	for _, ref := range b.recs {
		rec, warning, err := w.parser.parse(b.in[ref.start:ref.end])
		if err != nil {
			b.msgs = append(b.msgs, ref.pos.String()+": "+err.Error()+"; record skipped")
			b.sum.BadRecords++
			continue
		}
		if warning != "" {
			b.msgs = append(b.msgs, ref.pos.String()+": "+warning)
			b.sum.Warnings++
		}
		var st decode.Stats
		w.events, st = w.dec.Decode(rec, w.events[:0])
		b.sum.Stats.Add(st)
		for i := range w.events {
			b.out = w.format(b.out, &w.events[i])
		}
	}
	clear(w.events) // drop references to this batch's payloads
}

// Main is the `opsconsole decode` command: args are what follows "decode"
// (global flags already removed). It returns the exit code: 0 when all went
// well, 1 when some input could not be read (the rest was decoded), 2 on a
// usage error or when the input or output failed.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", FormatText, "output format: text (one sanitised line per event) or json (NDJSON)")
	workers := fs.Int("workers", 0, "decoding goroutines (default: one per CPU)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: opsconsole decode [--format text|json] [FILE|-]\n\n"+
			"Decodes the JSON that `aws kinesis get-records` prints, or JSON lines of such\n"+
			"responses or of records, and prints one line per event. Reads stdin without FILE.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "decode: one input file at most, got %d: %s\n", fs.NArg(), strings.Join(fs.Args(), " "))
		return 2
	}
	if *format != FormatText && *format != FormatJSON {
		fmt.Fprintf(stderr, "decode: unknown --format %q: use text or json\n", *format)
		return 2
	}
	in := stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "decode: cannot read the input: %v\n", err)
			return 2
		}
		defer f.Close()
		in = f
	}
	sum, err := Run(ctx, in, stdout, stderr, Options{Format: *format, Workers: *workers})
	fmt.Fprintf(stderr, "decode: %s\n", sum)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrBadInput):
		fmt.Fprintf(stderr, "decode: %v\n", err)
		return 1
	default:
		fmt.Fprintf(stderr, "decode: %v\n", err)
		return 2
	}
}
