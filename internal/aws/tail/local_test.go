package tail_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws"
	"github.com/opsconsole/opsconsole/internal/aws/kinesislocal"
	"github.com/opsconsole/opsconsole/internal/aws/tail"
	"github.com/opsconsole/opsconsole/internal/decode"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

// The tail against kinesis-local (a real Kinesis wire protocol through the
// real SDK client): CloudWatch Logs envelopes, KPL aggregates, control
// messages and hostile payloads are put while the tail runs, the stream is
// resharded 2 -> 4 in the middle, and every event must arrive exactly once,
// in order per partition key and in sequence order per shard.
func TestTailThroughReshardAgainstKinesisLocal(t *testing.T) {
	p := kinesislocal.Start(t)
	p.Env(t)
	ctx := context.Background()
	b, err := aws.Connect(ctx, aws.Config{}, aws.Options{PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	k := b.Kinesis()
	const stream = "tail-local"
	if _, err := k.(aws.StreamAdmin).CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: sdkaws.String(stream), ShardCount: sdkaws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, b, stream)
	initial := shardIDs(t, b, stream)

	tl, err := tail.Start(ctx, b, stream, tail.Options{ReadsPerSecond: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Stop()
	for tl.Stats().Positioned < 2 { // both shards hold their LATEST iterator
		poll()
	}

	pr := &producer{t: t, k: k, stream: stream, want: map[string]int{}}
	keys := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"}
	for round := 0; round < 3; round++ {
		pr.round(keys, round == 0)
	}
	if _, err := k.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: sdkaws.String(stream),
		TargetShardCount: sdkaws.Int32(4), ScalingType: types.ScalingTypeUniformScaling}); err != nil {
		t.Fatal(err)
	}
	pr.round(keys, false) // during UPDATING
	waitActive(t, b, stream)
	for round := 0; round < 3; round++ {
		pr.round(keys, false)
	}

	var evs []decode.Event
	var control int
	for len(evs) < pr.events {
		bt, ok := tl.Next(ctx)
		if !ok {
			t.Fatalf("tail ended after %d of %d events: %v", len(evs), pr.events, bt.Err)
		}
		for _, err := range bt.Errors {
			t.Logf("tail reported: %v", err)
		}
		evs = append(evs, bt.Events...)
		control += bt.Decoded.ControlMessages
		if bt.Dropped > 0 {
			t.Fatalf("%d events dropped", bt.Dropped)
		}
	}
	pr.check(evs)
	if control != pr.control {
		t.Errorf("%d control messages counted, %d put", control, pr.control)
	}
	children := 0
	for _, e := range evs {
		if !containsStr(initial, e.Origin.ShardID) {
			children++
		}
	}
	st := tl.Stats()
	if children == 0 || st.ShardsDone < 2 || st.ShardsReading != 4 {
		t.Errorf("the tail did not follow the reshard: %d events from children, stats %+v", children, st)
	}
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// poll paces a polling loop on a real peer.
func poll() { time.Sleep(20 * time.Millisecond) }

func waitActive(t *testing.T, b *aws.Backend, stream string) {
	t.Helper()
	for i := 0; ; i++ {
		s, err := b.DescribeStream(context.Background(), stream)
		if err == nil && s.Status == aws.StatusActive {
			return
		}
		if i > 3000 {
			t.Fatalf("%s never became ACTIVE: %v", stream, err)
		}
		poll()
	}
}

func shardIDs(t *testing.T, b *aws.Backend, stream string) []string {
	t.Helper()
	shards, err := b.ListOpenShards(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range shards {
		ids = append(ids, s.ID)
	}
	return ids
}

// producer puts records of every kind, each event marked "key=K n=N
// part=P" so the test can find it again and check its order.
type producer struct {
	t       *testing.T
	k       aws.KinesisAPI
	stream  string
	next    int
	want    map[string]int // "key n part" -> 1
	events  int
	control int
}

var marker = regexp.MustCompile(`key=(\w+) n=(\d+) part=(\d+)`)

func (p *producer) expect(key string, n, part int) string {
	id := fmt.Sprintf("key=%s n=%d part=%d", key, n, part)
	p.want[id]++
	p.events++
	return id
}

// round puts, for every key, one record of each kind (and, once, a huge
// line), in one PutRecords call so a key's records keep their order.
func (p *producer) round(keys []string, huge bool) {
	now := time.Now()
	var recs []types.PutRecordsRequestEntry
	add := func(key string, data []byte) {
		recs = append(recs, types.PutRecordsRequestEntry{PartitionKey: sdkaws.String(key), Data: data})
	}
	for _, key := range keys {
		n := p.next
		p.next++
		// A CloudWatch Logs envelope of three ECS lines.
		var lines []encode.LogEvent
		for part := 0; part < 3; part++ {
			msg := p.expect(key, n, part)
			lines = append(lines, encode.LogEvent{Timestamp: now, Message: encode.ECSLog{Timestamp: now, Level: "error", Message: msg, Service: "checkout-api"}.JSON()})
		}
		add(key, encode.CWLEnvelope(encode.Envelope{Owner: "123456789012", LogGroup: "/ecs/checkout-api", LogStream: "task/" + key, LogEvents: lines}))
		// A KPL aggregate of two sub-records (their own keys, as the KPL
		// packs them; the aggregate is routed by the record's key).
		n = p.next
		p.next++
		add(key, encode.KPLAggregate([]encode.KPLRecord{
			{PartitionKey: key + "-a", Data: []byte(p.expect(key, n, 0))},
			{PartitionKey: key + "-b", Data: []byte(p.expect(key, n, 1))},
		}))
		// Hostile payloads: escape sequences that would retitle, clear or
		// write the clipboard of a terminal; invalid UTF-8.
		n = p.next
		p.next++
		add(key, []byte("\x1b]0;pwned\x07\x1b[2J\x1b]52;c;ZWNobyBvd25lZA==\x07 "+p.expect(key, n, 0)))
		n = p.next
		p.next++
		add(key, append([]byte{0xff, 0xfe, 0x00, 0x9b}, p.expect(key, n, 0)...))
		if huge && key == keys[0] {
			n = p.next
			p.next++
			add(key, []byte(p.expect(key, n, 0)+" "+strings.Repeat("A", 900_000)))
		}
	}
	recs = append(recs, types.PutRecordsRequestEntry{PartitionKey: sdkaws.String("cwl-health"), Data: encode.CWLControl(now)})
	p.control++
	// PutRecords allows 5 MiB per call; the huge line goes alone.
	for len(recs) > 0 {
		n, size := 0, 0
		for n < len(recs) && (n == 0 || size+len(recs[n].Data) < 4<<20) {
			size += len(recs[n].Data)
			n++
		}
		out, err := p.k.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: &p.stream, Records: recs[:n]})
		if err != nil || sdkaws.ToInt32(out.FailedRecordCount) != 0 {
			p.t.Fatalf("PutRecords: %v (%d failed)", err, sdkaws.ToInt32(out.FailedRecordCount))
		}
		recs = recs[n:]
	}
}

// check: every expected event exactly once; per key, in the order put;
// per shard, sequence numbers (compared as big integers) never go back.
func (p *producer) check(evs []decode.Event) {
	t := p.t
	seen := map[string]int{}
	lastByKey := map[string][2]int{}
	lastSeq := map[string]string{}
	for i, e := range evs {
		text := e.Message
		if e.Kind == decode.KindBinary {
			text = string(e.Raw)
		}
		m := marker.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("event %d carries no marker: %.200q", i, e.Message)
		}
		id := m[0]
		seen[id]++
		n, _ := strconv.Atoi(m[2])
		part, _ := strconv.Atoi(m[3])
		if prev, ok := lastByKey[m[1]]; ok && (n < prev[0] || n == prev[0] && part <= prev[1]) {
			t.Fatalf("event %d: key %s n=%d part=%d after n=%d part=%d: out of order", i, m[1], n, part, prev[0], prev[1])
		}
		lastByKey[m[1]] = [2]int{n, part}
		if prev, ok := lastSeq[e.Origin.ShardID]; ok && tail.CompareSeq(prev, e.Origin.SequenceNumber) > 0 {
			t.Fatalf("event %d: shard %s sequence %s after %s", i, e.Origin.ShardID, e.Origin.SequenceNumber, prev)
		}
		lastSeq[e.Origin.ShardID] = e.Origin.SequenceNumber
		if strings.Contains(id, "part=") && strings.HasPrefix(text, "\x1b]0;") && e.Message != text {
			t.Errorf("event %d: the tail changed a payload (sanitising is the UI's job): %q", i, e.Message)
		}
	}
	for id, n := range p.want {
		if seen[id] != n {
			t.Errorf("%s arrived %d times, want %d", id, seen[id], n)
		}
	}
	if len(seen) != len(p.want) {
		t.Errorf("%d distinct events, want %d", len(seen), len(p.want))
	}
}
