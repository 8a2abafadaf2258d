package kinesissim

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"time"
)

// FixRepetitiveError stands in for the change the logs-repetitive-errors
// runbook asks of the application team: from now on the demo's checkout-api
// stops logging DemoRepetitiveError (records already in the stream keep it
// until they age out of the sample window). It has no effect on a fleet
// without DemoAppLogs.
func (s *Sim) FixRepetitiveError() {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[DemoAppLogs]
	if st == nil || st.gen == nil {
		return
	}
	st.gen.makeRecord = withoutRepetitiveError(st.gen.makeRecord)
}

// withoutRepetitiveError draws records until one does not carry the error
// (the demo's draws are random, so a few tries are enough).
func withoutRepetitiveError(build func(g *generator, pk string, at time.Time) []byte) func(g *generator, pk string, at time.Time) []byte {
	marker := DemoRepetitiveError[:strings.Index(DemoRepetitiveError, "%")]
	return func(g *generator, pk string, at time.Time) []byte {
		var rec []byte
		for range 50 {
			rec = build(g, pk, at)
			if !bytes.Contains(gunzip(rec), []byte(marker)) {
				return rec
			}
		}
		return rec
	}
}

func gunzip(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return b
	}
	defer zr.Close()
	out, err := io.ReadAll(zr)
	if err != nil {
		return b
	}
	return out
}
