// Package panicsafe keeps a panic in a background goroutine from killing the
// process: `opsconsole serve` runs every operator's console in one process,
// so one bad record or API object must cost an error, not every session.
// (Bubble Tea recovers panics in commands itself; this is for goroutines
// the backends start.)
package panicsafe

import (
	"fmt"
	"runtime/debug"
)

// Recover must be deferred directly by the goroutine's function. It turns a
// panic into report(err), with the stack in the error for the log.
func Recover(report func(error)) {
	if r := recover(); r != nil {
		report(fmt.Errorf("internal error (recovered from a panic: %v); please report it with the log\n%s", r, debug.Stack()))
	}
}
