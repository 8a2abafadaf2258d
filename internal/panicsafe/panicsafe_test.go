package panicsafe

import (
	"strings"
	"testing"
)

func TestRecoverReportsThePanic(t *testing.T) {
	var got error
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer Recover(func(err error) { got = err })
		var m map[string]int
		m["boom"]++ // a nil-map write panics
	}()
	<-done
	if got == nil || !strings.Contains(got.Error(), "assignment to entry in nil map") {
		t.Fatalf("got %v", got)
	}
}

func TestRecoverWithoutPanicReportsNothing(t *testing.T) {
	called := false
	func() {
		defer Recover(func(error) { called = true })
	}()
	if called {
		t.Fatal("reported without a panic")
	}
}
