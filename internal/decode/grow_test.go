package decode_test

import (
	"testing"

	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

// Decoding many records into one growing slice (as the record tailer does
// with a GetRecords answer) must grow it geometrically: growing by exactly
// the events of each record copied every earlier event again each time.
func TestDecodeIntoGrowingSliceIsAmortized(t *testing.T) {
	rec := record(encode.CWLEnvelope(appLogEnvelope(50)))
	var evs []decode.Event
	growths := 0
	for range 200 {
		before := cap(evs)
		evs, _ = decode.Decode(rec, evs)
		if cap(evs) != before {
			growths++
		}
	}
	if len(evs) != 200*50 {
		t.Fatalf("%d events, want %d", len(evs), 200*50)
	}
	if growths > 12 {
		t.Errorf("the slice was reallocated %d times for 200 records; want a geometric growth (about log2(200))", growths)
	}
}
