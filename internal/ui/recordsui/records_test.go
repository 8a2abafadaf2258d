package recordsui

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/opsconsole/opsconsole/internal/aws/tail"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
	"github.com/opsconsole/opsconsole/internal/ui/pane"
)

func TestListShowsNewestAtBottomAt80x24And120x40(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			p := newTestPane(t, true, 1000)
			for i := range 100 {
				feed(p, ev(i, []string{"info", "warn", "error"}[i%3], fmt.Sprintf("request %03d handled", i)))
			}
			lines := checkFrame(t, p.View(size[0], size[1]), size[0], size[1])
			if !strings.Contains(lines[0], "TIME (UTC)") || !strings.Contains(lines[0], "MESSAGE") {
				t.Errorf("no header: %q", lines[0])
			}
			list := lines[1 : size[1]-2]
			if last := list[len(list)-1]; !strings.Contains(last, "request 099 handled") || !strings.Contains(last, "▶") {
				t.Errorf("the newest event should be the selected last line: %q", last)
			}
			if first := list[0]; !strings.Contains(first, fmt.Sprintf("request %03d handled", 100-len(list))) {
				t.Errorf("first visible line %q", first)
			}
			status := strings.Join(lines[size[1]-2:], "\n")
			for _, want := range []string{"following", "app-logs from latest", "buffer 100/1k"} {
				if !strings.Contains(status, want) {
					t.Errorf("status lacks %q:\n%s", want, status)
				}
			}
			if size[0] >= 100 && !strings.Contains(list[0], "/ecs/checkout-api") {
				t.Errorf("no source column at %d columns: %q", size[0], list[0])
			}
		})
	}
}

// Without colour the level still shows, as a word with a marker.
func TestLevelsReadableWithoutColour(t *testing.T) {
	p := newTestPane(t, false, 100)
	feed(p, ev(1, "error", "boom"), ev(2, "warn", "hmm"), ev(3, "info", "ok"), ev(4, "", "plain"))
	out := p.View(58, 12) // narrow: no source column
	if strings.Contains(out, "\x1b") {
		t.Fatalf("escape sequences in a NO_COLOR view:\n%q", out)
	}
	for _, want := range []string{"!! ERROR boom", "!  WARN  hmm", "   INFO  ok", "   -     plain"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
}

// hostileText holds what a hostile producer could put in a payload to act
// on the operator's terminal: clear screen, retitle, clipboard write (OSC
// 52), a CSI as a C1 byte, a bidi override, a DCS, invalid UTF-8.
const hostileText = "\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIC8K\x07\u009b31m\u202egnp.exe\x1bP+q\x1b\\\xff\xfe end"

func hostileEvents(t *testing.T) []decode.Event {
	evs := decoded(t, ecsEnvelope(encode.ECSLog{Timestamp: t0, Level: "error", Message: hostileText, Service: "x\x1b[31m"}))
	raw := decoded(t, []byte(hostileText))
	return append(evs, raw...)
}

func TestHostilePayloadNeverReachesTheTerminal(t *testing.T) {
	for _, colour := range []bool{false, true} {
		t.Run(fmt.Sprint("colour=", colour), func(t *testing.T) {
			p := newTestPane(t, colour, 100)
			h := hostileEvents(t)
			h[0].Source = "src\x1b]52;c;AAAA\x07"
			h[0].Origin.PartitionKey = "pk\x1b[2J"
			feed(p, h...)
			check := func(where, out string, escaped bool) {
				t.Helper()
				for _, bad := range []string{"\x1b[2J", "\x1b]", "\x07", "\u009b", "\u202e", "\x1bP", "\xff"} {
					if strings.Contains(out, bad) {
						t.Errorf("%s: %q reached the screen", where, bad)
					}
				}
				if !colour && strings.Contains(out, "\x1b") {
					t.Errorf("%s: an ESC byte reached a NO_COLOR screen", where)
				}
				if escaped && !strings.Contains(out, `\x1b`) {
					t.Errorf("%s: the escape should be shown escaped", where)
				}
			}
			check("list", p.View(120, 30), true)
			key(p, "up")
			key(p, "enter")
			check("detail of the JSON event", p.View(120, 60), true)
			p.Back()
			key(p, "down")
			key(p, "enter")
			// Invalid UTF-8: a binary payload, shown as a hex dump.
			out := p.View(120, 60)
			check("detail of the raw event", out, false)
			if !strings.Contains(out, "1b 5b 32 4a") {
				t.Errorf("no hex dump of the raw payload:\n%s", out)
			}
			p.Back()
			key(p, "T")
			check("top messages", p.View(160, 30), true)
		})
	}
}

func TestFilterKinds(t *testing.T) {
	p := newTestPane(t, false, 1000)
	feed(p,
		ev(1, "info", "GET /api/cart 200 in 12ms"),
		ev(2, "warn", "slow query on orders table: 950ms"),
		ev(3, "error", "payment-gateway request failed: context deadline exceeded after 3000ms (order 41234)"),
		ev(4, "error", "payment-gateway request failed: context deadline exceeded after 3000ms (order 50012)"),
		ev(5, "fatal", "out of memory"),
	)
	cases := []struct {
		filter string
		want   []int // event numbers shown
	}{
		{"", []int{1, 2, 3, 4, 5}},
		{"ORDERS", []int{2}},
		{"payment 50012", []int{4}},
		{"level:warn", []int{2, 3, 4, 5}},
		{"level:error gateway", []int{3, 4}},
		{"re:order \\d{5}\\)$", []int{3, 4}},
		{"/^GET|memory$/", []int{1, 5}},
		{"tpl:payment-gateway request failed: context deadline exceeded after <num>ms (order <num>)", []int{3, 4}},
		{"checkout-api", []int{1, 2, 3, 4, 5}}, // the source counts too
	}
	for _, c := range cases {
		p.SetFilter(c.filter)
		if p.filterErr != nil {
			t.Errorf("%q: %v", c.filter, p.filterErr)
			continue
		}
		var got []int
		p.buf.each(func(e *decode.Event) { got = append(got, int(e.Time.Sub(t0).Milliseconds())) })
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("filter %q shows %v, want %v", c.filter, got, c.want)
		}
		if p.Filter() != c.filter {
			t.Errorf("Filter() = %q, want %q", p.Filter(), c.filter)
		}
	}
	for filter, want := range map[string]string{"re:(unclosed": "bad regular expression: missing closing )", "level:loud": `unknown level "loud"`} {
		p.SetFilter(filter)
		out := p.View(100, 12)
		if p.filterErr == nil || !strings.Contains(out, want) || p.buf.viewLen() != 0 {
			t.Errorf("%q: error %v, %d shown; view:\n%s", filter, p.filterErr, p.buf.viewLen(), out)
		}
	}
	// New events are filtered as they arrive.
	p.SetFilter("level:fatal")
	feed(p, ev(6, "info", "noise"), ev(7, "fatal", "again"))
	if p.buf.viewLen() != 2 {
		t.Errorf("%d events shown, want 2", p.buf.viewLen())
	}
}

// Scrolling up stops following: new events no longer move the view; f or
// G follows again.
func TestScrollingUpStopsFollowing(t *testing.T) {
	p := newTestPane(t, false, 1000)
	for i := range 50 {
		feed(p, ev(i, "info", fmt.Sprintf("event %02d", i)))
	}
	p.View(80, 20)
	key(p, "up")
	key(p, "up")
	if p.follow {
		t.Fatal("still following after scrolling up")
	}
	before := p.View(80, 20)
	if !strings.Contains(selectedLine(before), "event 47") {
		t.Fatalf("selected %q, want event 47", selectedLine(before))
	}
	feed(p, ev(50, "info", "event 50"), ev(51, "info", "event 51"))
	if after := p.View(80, 20); listPart(after) != listPart(before) {
		t.Errorf("the view moved while scrolled up:\n%s\n---\n%s", before, after)
	}
	key(p, "f")
	if !p.follow || !strings.Contains(selectedLine(p.View(80, 20)), "event 51") {
		t.Errorf("f should follow again: %q", selectedLine(p.View(80, 20)))
	}
	key(p, "g")
	if p.follow || !strings.Contains(selectedLine(p.View(80, 20)), "event 00") {
		t.Errorf("g should go to the oldest: %q", selectedLine(p.View(80, 20)))
	}
	key(p, "G")
	if !p.follow {
		t.Error("G should follow")
	}
}

func selectedLine(view string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, "▶ ") {
			return l
		}
	}
	return ""
}

// listPart drops the status lines.
func listPart(view string) string {
	lines := strings.Split(view, "\n")
	return strings.Join(lines[:len(lines)-2], "\n")
}

// Pause freezes the screen; what arrives meanwhile waits (the tail keeps
// reading) and shows when the pause ends.
func TestPauseFreezesTheScreenAndKeepsTheArrivals(t *testing.T) {
	p := newTestPane(t, false, 1000)
	feed(p, ev(1, "info", "before the pause"))
	key(p, "p")
	frozen := listPart(p.View(80, 20))
	if !strings.Contains(p.View(80, 20), "PAUSED") {
		t.Error("no PAUSED marker")
	}
	cmd := p.Update(batchMsg{gen: p.gen, b: tail.Batch{Events: []decode.Event{ev(2, "info", "during the pause")}}, ok: true})
	if cmd != nil {
		t.Error("a paused pane must not ask for more (the tail's queue holds, and counts, what waits)")
	}
	if got := listPart(p.View(80, 20)); got != frozen {
		t.Errorf("the screen changed during the pause:\n%s", got)
	}
	cmd = key(p, "p")
	if cmd == nil {
		t.Error("resuming should ask the tail for more")
	}
	if !strings.Contains(p.View(80, 20), "during the pause") {
		t.Error("what arrived during the pause is not shown after it")
	}
}

func TestDetailViewShowsEverything(t *testing.T) {
	p := newTestPane(t, false, 100)
	kpl := encode.KPLAggregate([]encode.KPLRecord{
		{PartitionKey: "order-7", Data: []byte(encode.ECSLog{Timestamp: t0, Level: "warn", Message: "retrying", Service: "checkout-api", Extra: map[string]any{"attempt": 2}}.JSON())},
		{PartitionKey: "order-8", Data: []byte("plain text line")},
	})
	feed(p, decoded(t, kpl)...)
	feed(p, decoded(t, ecsEnvelope(encode.ECSLog{Timestamp: t0, Level: "error", Message: "payment failed", Service: "checkout-api"}))...)
	bad := decoded(t, append(append([]byte{}, encode.KPLMagic...), []byte("not protobuf at all, and no md5")...))
	feed(p, bad...)

	key(p, "g") // the KPL JSON sub-record
	key(p, "enter")
	out := p.View(100, 60)
	for _, want := range []string{
		"shardId-000000000003", "49590338271490256608559692538361571095921575989136588898",
		"KPL sub      0 (user record in the aggregate)", "partition    order-7", "arrival      2025-05-06 07:00:00.000Z",
		"level        !  WARN", "kind         json in kpl", "── fields (JSON)", `"attempt": 2`, `"log.level": "warn"`,
		"── raw (", "00000000  7b 22 6c 6f 67 2e 6c 65  76 65 6c 22 3a 22 77 61  |{\"log.level\":\"wa|",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("KPL detail lacks %q:\n%s", want, out)
		}
	}
	p.Back()
	key(p, "down")
	key(p, "down")
	key(p, "enter")
	out = p.View(100, 60)
	for _, want := range []string{"log group    /ecs/checkout-api", "log stream   ecs/checkout-api/7f3a", "kind         json in gzip+cwlogs", "KPL sub      - (not aggregated)"} {
		if !strings.Contains(out, want) {
			t.Errorf("CloudWatch detail lacks %q:\n%s", want, out)
		}
	}
	p.Back()
	key(p, "down")
	key(p, "enter")
	out = p.View(100, 40)
	if !strings.Contains(out, "!! problem") || !strings.Contains(out, "KPL") {
		t.Errorf("the decoding problem is not shown:\n%s", out)
	}
	if v, ok := p.CopyValue(); !ok || v != bad[0].Message {
		t.Errorf("copy = %q, %v", v, ok)
	}
	checkFrame(t, out, 100, 40)
}

// The noisiest error is the first row of the top-messages view; Enter
// shows its events.
func TestTopMessagesFindTheNoisiestError(t *testing.T) {
	p := newTestPane(t, false, 10000)
	n := 0
	for i := range 300 {
		switch {
		case i%3 == 0:
			feed(p, ev(n, "error", fmt.Sprintf("payment-gateway request failed: context deadline exceeded after 3000ms (order %d)", 40000+i)))
		case i%10 == 1:
			feed(p, ev(n, "warn", fmt.Sprintf("slow query on orders table: %dms", 100+i)))
		default:
			feed(p, ev(n, "info", fmt.Sprintf("GET /api/cart/%d 200", i)))
		}
		n++
	}
	key(p, "T")
	out := p.View(160, 30)
	lines := strings.Split(out, "\n")
	if !strings.Contains(lines[2], "GET /api/cart/<num> <num>") || !strings.Contains(lines[2], "INFO") {
		t.Errorf("first row %q", lines[2])
	}
	p.SetFilter("level:error")
	out = p.View(260, 30)
	row := strings.Split(out, "\n")[2]
	for _, want := range []string{"100", "!! ERROR", "payment-gateway request failed: context deadline exceeded after <num>ms (order <num>)", "07:00:00.000", "/ecs/checkout-api"} {
		if !strings.Contains(row, want) {
			t.Errorf("top error row lacks %q: %q", want, row)
		}
	}
	if v, ok := p.CopyValue(); !ok || !strings.Contains(v, "(order 40000)") {
		t.Errorf("copy in the top view = %q", v)
	}
	key(p, "enter")
	if p.top != nil || p.buf.viewLen() != 100 || !strings.HasPrefix(p.Filter(), "tpl:payment-gateway") {
		t.Errorf("enter: top %v, %d shown, filter %q", p.top != nil, p.buf.viewLen(), p.Filter())
	}
	checkFrame(t, p.View(160, 30), 160, 30)
}

func TestExportWritesNDJSONAndRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	p := newTestPane(t, false, 100)
	evs := append(decoded(t, ecsEnvelope(encode.ECSLog{Timestamp: t0, Level: "error", Message: hostileText, Service: "checkout-api"})),
		ev(2, "info", "second"), ev(3, "error", "third"))
	feed(p, evs...)
	path := filepath.Join(dir, "events.ndjson")

	msg := runInit(t, p, []string{}, map[string]string{exportFlag: path})
	if msg.Error || !strings.Contains(msg.Text, "exported 3 buffered events to "+path) {
		t.Fatalf("toast %+v", msg)
	}
	got := readNDJSON(t, path)
	// The JSON export replaces invalid UTF-8 (each byte) with U+FFFD.
	if len(got) != 3 || got[0].Message != strings.ReplaceAll(hostileText, "\xff\xfe", "\ufffd\ufffd") || got[1].Message != "second" || got[0].Origin.SequenceNumber != evs[0].Origin.SequenceNumber {
		t.Errorf("file content %+v", got)
	}
	raw, _ := os.ReadFile(path)
	if strings.ContainsRune(string(raw), 0x1b) {
		t.Error("the export holds a raw ESC byte: it must be safe to cat")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	// A second export does not replace it, and changes nothing.
	p.SetFilter("level:error")
	msg = runInit(t, p, nil, map[string]string{exportFlag: path})
	if !msg.Error || !strings.Contains(msg.Text, "already exists; add --force") {
		t.Errorf("toast %+v", msg)
	}
	if again, _ := os.ReadFile(path); string(again) != string(raw) {
		t.Error("the refused export changed the file")
	}
	// --force replaces it, with what the filter shows.
	msg = runInit(t, p, nil, map[string]string{exportFlag: path, forceFlag: "true"})
	if msg.Error || !strings.Contains(msg.Text, `exported 2 events matching "level:error"`) {
		t.Errorf("toast %+v", msg)
	}
	if got := readNDJSON(t, path); len(got) != 2 || got[1].Message != "third" {
		t.Errorf("forced export %+v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// Nowhere to write: a clear error.
	msg = runInit(t, p, nil, map[string]string{exportFlag: filepath.Join(dir, "missing", "x.ndjson")})
	if !msg.Error || !strings.Contains(msg.Text, "cannot write in") {
		t.Errorf("toast %+v", msg)
	}
	// Over SSH the file would land on the server: refused.
	p.c.Runner.Who.KeyFingerprint = "SHA256:abc"
	msg = runInit(t, p, nil, map[string]string{exportFlag: filepath.Join(dir, "ssh.ndjson")})
	if !msg.Error || !strings.Contains(msg.Text, "not available over SSH") {
		t.Errorf("toast %+v", msg)
	}
}

// runInit passes :export's arguments the way the shell does (SetArgs, then
// Init) and runs the command Init returns.
func runInit(t *testing.T, p *Pane, args []string, flags map[string]string) pane.ToastMsg {
	t.Helper()
	if err := p.SetArgs(args, flags); err != nil {
		t.Fatal(err)
	}
	cmd := p.Init()
	if cmd == nil {
		t.Fatal("Init returned no command")
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		msg = b[0]()
	}
	toast, ok := msg.(pane.ToastMsg)
	if !ok {
		t.Fatalf("Init's command returned %T", msg)
	}
	return toast
}

func readNDJSON(t *testing.T, path string) []decode.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []decode.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e decode.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v: %s", len(out)+1, err, sc.Text())
		}
		out = append(out, e)
	}
	return out
}

func TestCommands(t *testing.T) {
	cmds := Commands()
	byName := map[string]pane.Command{}
	for _, c := range cmds {
		byName[c.Name] = c
	}
	c := testContext(t, false, 100)
	rec := byName["records"]
	inv, err := rec.Parse([]string{"app-logs", "--from", "trim-horizon", "--shard", "shardId-000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := rec.Run(c, inv)
	if err != nil {
		t.Fatal(err)
	}
	open, ok := cmd().(pane.OpenMsg)
	if !ok || open.ID != "records" || open.Args[0] != "app-logs" || open.Flags["from"] != "trim-horizon" || open.Flags["shard"] != "shardId-000000000001" {
		t.Errorf("open %+v", open)
	}
	p := New(c, noBackend)
	if err := p.SetArgs(open.Args, open.Flags); err != nil || p.stream != "app-logs" || p.shard != "shardId-000000000001" || p.from.String() != "trim-horizon" {
		t.Errorf("SetArgs: %v %+v", err, p)
	}
	inv, _ = rec.Parse([]string{"app-logs", "--from", "yesterday"})
	if _, err := rec.Run(c, inv); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("bad --from: %v", err)
	}
	c.Names.Set("streams", []string{"app-logs", "clickstream"})
	if got := rec.Complete(c, 0, nil); len(got) != 2 {
		t.Errorf("completion %v", got)
	}
	exp := byName["export"]
	inv, err = exp.Parse([]string{"/tmp/x.ndjson", "--force"})
	if err != nil {
		t.Fatal(err)
	}
	cmd, _ = exp.Run(c, inv)
	if open := cmd().(pane.OpenMsg); open.ID != "records" || open.Flags[exportFlag] != "/tmp/x.ndjson" || open.Flags[forceFlag] != "true" || len(open.Args) != 0 {
		t.Errorf("export open %+v", open)
	}
}

// Memory is bounded: the buffer keeps the newest events, counts what fell
// out, and the filter's matches follow.
func TestBufferIsBounded(t *testing.T) {
	p := newTestPane(t, false, 100)
	p.SetFilter("level:error")
	for i := range 250 {
		feed(p, ev(i, []string{"info", "error"}[i%2], fmt.Sprint("event ", i)))
	}
	if p.buf.size() != 100 || p.buf.evicted != 150 || p.buf.viewLen() != 50 {
		t.Fatalf("size %d evicted %d matches %d", p.buf.size(), p.buf.evicted, p.buf.viewLen())
	}
	if first := p.buf.viewRow(0).ev.Message; first != "event 151" {
		t.Errorf("oldest match %q, want event 151", first)
	}
	// A batch larger than the buffer keeps its newest events.
	big := make([]decode.Event, 300)
	for i := range big {
		big[i] = ev(1000+i, "error", fmt.Sprint("big ", i))
	}
	feed(p, big...)
	if p.buf.size() != 100 || p.buf.viewRow(0).ev.Message != "big 200" || p.buf.evicted != 450 || p.buf.viewLen() != 100 {
		t.Errorf("after a big batch: size %d first %q evicted %d matches %d", p.buf.size(), p.buf.viewRow(0).ev.Message, p.buf.evicted, p.buf.viewLen())
	}
	if !strings.Contains(p.View(120, 10), "450 older out of buffer") {
		t.Errorf("evictions are not shown:\n%s", p.View(120, 10))
	}
}

// The tail's health is on screen: dropped events, throttles, errors.
func TestStatusShowsTheTailsHealth(t *testing.T) {
	p := newTestPane(t, false, 100)
	p.stats = tail.Stats{Stream: "app-logs", ShardsReading: 4, Positioned: 4, ShardsDone: 2, ReadLimit: 1, ReadsPerShard: 0.98,
		BytesPerSec: 3.5 * (1 << 20), EventsPerSec: 1234, MillisBehind: 90_000, Throttles: 3, ExpiredRecovered: 1,
		ControlMessages: 7, Dropped: 4200}
	feed(p, ev(1, "info", "x"))
	p.apply(batchMsg{gen: p.gen, b: tail.Batch{Errors: []error{fmt.Errorf("reading shard 3: \x1b[31mboom")}}, ok: true})
	out := p.View(200, 12)
	for _, want := range []string{"4 shards (+2 drained)", "1.0/1 reads/s/shard", "3.50 MiB/s", "1.2k events/s", "! behind 1m",
		"! dropped 4.2k (screen behind)", "throttled 3", "expired iterators 1", "control msgs 7", `!! reading shard 3: \x1b[31mboom`} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	// The end of the tail says why.
	p.apply(batchMsg{gen: p.gen, b: tail.Batch{Done: true, Err: fmt.Errorf("stream app-logs: not found")}, ok: false})
	if out := p.View(120, 12); !strings.Contains(out, "STOPPED: stream app-logs: not found (r restarts)") {
		t.Errorf("end not shown:\n%s", out)
	}
	checkFrame(t, p.View(80, 24), 80, 24)
}

// A stale batch (from a tail replaced by new arguments) is dropped.
func TestStaleBatchesAreDropped(t *testing.T) {
	p := newTestPane(t, false, 100)
	old := p.gen
	p.gen++
	if cmd := p.Update(batchMsg{gen: old, b: tail.Batch{Events: []decode.Event{ev(1, "info", "stale")}}, ok: true}); cmd != nil || p.buf.size() != 0 {
		t.Error("a stale batch was taken")
	}
}

// Without a backend the pane says why, in the operator's words.
func TestNoBackendIsExplained(t *testing.T) {
	p := New(testContext(t, false, 100), noBackend)
	if out := p.View(80, 20); !strings.Contains(out, ":records STREAM") {
		t.Errorf("no hint to start:\n%s", out)
	}
	if err := p.SetArgs([]string{"app-logs"}, nil); err != nil {
		t.Fatal(err)
	}
	p.SetFilter("level:error")
	p.Init()
	if out := p.View(80, 20); !strings.Contains(out, "cannot tail app-logs") || !strings.Contains(out, errNoBackend.Error()) {
		t.Errorf("view:\n%s", out)
	}
	if p.Filter() != "level:error" {
		t.Errorf("a new tail dropped the filter: %q", p.Filter())
	}
}
