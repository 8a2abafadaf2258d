package decodecli

import (
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
)

// walk runs an inputReader over in, reading chunk bytes at a time, and
// returns what it emitted and reported, one line each.
func walk(t *testing.T, in string, chunk int) []string {
	t.Helper()
	r := newInputReader(iotest.OneByteReader(strings.NewReader(in)))
	r.chunk = chunk
	var got []string
	r.onErr = func(pos position, msg string) { got = append(got, fmt.Sprintf("error %s: %s", pos, msg)) }
	r.emit = func(rec []byte, pos position) error {
		got = append(got, fmt.Sprintf("record %s: %s", pos, rec))
		return nil
	}
	if err := r.run(); err != nil {
		t.Fatalf("chunk %d: %v", chunk, err)
	}
	return got
}

// TestInputReaderBoundaries reads the same input with refills of every
// size, so values, literals, numbers and escapes get split at every point.
func TestInputReaderBoundaries(t *testing.T) {
	in := `{
    "MillisBehindLatest": 0,
    "Records": [
        {
            "SequenceNumber": "1",
            "ApproximateArrivalTimestamp": 1756918020.25,
            "Data": "aGVsbG8=",
            "PartitionKey": "a\"b",
            "Extra": [true, false, null, -1.5e3]
        },
        {"Data": "d29ybGQ=", "PartitionKey": "k"}
    ],
    "NextShardIterator": null,
    "ChildShards": [{"ShardId": "shardId-000000000002", "ParentShards": ["shardId-000000000000"]}]
}
{"Records":[]}
{"Data":"eA==","SequenceNumber":"3"}
[{"Data":"eQ=="},{"Records":[{"Data":"eg=="}]}]
oops
{"NoRecordsHere": true}
{}
{"Data":"bGFzdA=="}`
	want := walk(t, in, 1<<20)
	if len(want) != 9 {
		t.Fatalf("baseline:\n%s", strings.Join(want, "\n"))
	}
	at := func(sub string) int { return strings.Index(in, sub) }
	for _, line := range []string{
		fmt.Sprintf("record line 4 (byte %d): {\n", at("{\n            \"Seq")),
		fmt.Sprintf(`record line 11 (byte %d): {"Data": "d29ybGQ=", "PartitionKey": "k"}`, at(`{"Data": "d29y`)),
		fmt.Sprintf(`record line 17 (byte %d): {"Data":"eA==","SequenceNumber":"3"}`, at(`{"Data":"eA==`)),
		fmt.Sprintf(`record line 18 (byte %d): {"Data":"eQ=="}`, at(`{"Data":"eQ==`)),
		fmt.Sprintf(`record line 18 (byte %d): {"Data":"eg=="}`, at(`{"Data":"eg==`)),
		fmt.Sprintf(`error line 19 (byte %d): not valid JSON: expected a get-records response or a record object, found 'o'; skipping to the next line`, at("oops")),
		fmt.Sprintf(`error line 20 (byte %d): a JSON object with neither Records nor Data; skipped`, at(`{"NoRecordsHere`)),
		fmt.Sprintf(`error line 21 (byte %d): an empty JSON object; skipped`, at("{}")),
		fmt.Sprintf(`record line 22 (byte %d): {"Data":"bGFzdA=="}`, at(`{"Data":"bGFzdA`)),
	} {
		found := false
		for _, w := range want {
			found = found || strings.HasPrefix(w, line)
		}
		if !found {
			t.Errorf("baseline lacks %q:\n%s", line, strings.Join(want, "\n"))
		}
	}
	for chunk := 1; chunk <= 70; chunk++ {
		if got := walk(t, in, chunk); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("chunk %d:\n%s\nwant:\n%s", chunk, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// FuzzInputReader checks that any input is walked the same way whatever
// the read sizes, without panicking.
func FuzzInputReader(f *testing.F) {
	for _, s := range []string{
		`{"Records":[{"Data":"aGk=","PartitionKey":"a"}],"NextShardIterator":null}`,
		"{\"Data\":\"eA==\"}\n[{\"Data\":\"eQ==\"}]\noops\n{}",
		`{"MillisBehindLatest":-1.5e3,"Records":[{"Data":"\u0041","x":[true,false,null]}]}`,
		`[`, `{"Records":[`, `{"a":"\`,
	} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, in string, chunk uint8) {
		want := walk(t, in, 1<<20)
		if got := walk(t, in, int(chunk%16)+1); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("chunk %d:\n%s\nwant:\n%s", chunk%16+1, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
