package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// fakeAWS is an httptest server speaking Kinesis (JSON 1.1) and CloudWatch
// (RPC v2 CBOR) that records every request, so tests check what the SDK
// really puts on the wire.
type fakeAWS struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	// kinesis answers by X-Amz-Target operation: status and JSON body.
	kinesis func(op string, n int, body map[string]any) (int, string)
	// cloudwatch answers GetMetricData requests.
	cloudwatch func(n int, req cbor.Map) cbor.Map
	calls      map[string]int
	cwRequests []cbor.Map
	auth       []string
}

func newFakeAWS(t *testing.T) *fakeAWS {
	f := &fakeAWS{t: t, calls: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	if strings.HasPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/operation/") {
		op := strings.TrimPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/operation/")
		f.calls["CloudWatch."+op]++
		if op != "GetMetricData" || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" || r.Header.Get("Content-Type") != "application/cbor" {
			f.t.Errorf("unexpected CloudWatch request %s %v", r.URL.Path, r.Header)
		}
		v, err := cbor.Decode(raw)
		if err != nil {
			f.t.Errorf("request body is not CBOR: %v", err)
		}
		req, _ := v.(cbor.Map)
		f.cwRequests = append(f.cwRequests, req)
		resp := cbor.Map{"MetricDataResults": cbor.List{}}
		if f.cloudwatch != nil {
			resp = f.cloudwatch(len(f.cwRequests), req)
		}
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		_, _ = w.Write(cbor.Encode(resp))
		return
	}
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	f.calls[op]++
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	status, out := 400, `{"__type":"UnknownOperationException","message":"not faked"}`
	if f.kinesis != nil {
		status, out = f.kinesis(op, f.calls[op], body)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

func (f *fakeAWS) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// staticEnv points the SDK's default chain at static keys and empty config
// files, so nothing from the developer's ~/.aws leaks into a test.
func staticEnv(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_KINESIS": "", "AWS_ENDPOINT_URL_STS": "",
		"AWS_ENDPOINT_URL": "", "AWS_RETRY_MODE": "", "AWS_MAX_ATTEMPTS": "",
	} {
		t.Setenv(k, v)
	}
}

// noDelay makes the read retryer retry at once (the count is what matters).
type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

func (f *fakeAWS) connect(t *testing.T, o Options) *Backend {
	t.Helper()
	b, err := Connect(context.Background(), Config{KinesisEndpoint: f.srv.URL, CloudWatchEndpoint: f.srv.URL, readBackoff: noDelay{}}, o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type wireQuery struct {
	ID, Namespace, Metric, Stat string
	Dims                        map[string]string
	Period                      int64
}

func decodeQueries(t *testing.T, req cbor.Map) []wireQuery {
	t.Helper()
	var out []wireQuery
	list, _ := req["MetricDataQueries"].(cbor.List)
	for _, v := range list {
		q := v.(cbor.Map)
		ms := q["MetricStat"].(cbor.Map)
		m := ms["Metric"].(cbor.Map)
		period, err := cbor.AsInt64(ms["Period"])
		if err != nil {
			t.Fatal(err)
		}
		wq := wireQuery{ID: string(q["Id"].(cbor.String)), Namespace: string(m["Namespace"].(cbor.String)),
			Metric: string(m["MetricName"].(cbor.String)), Stat: string(ms["Stat"].(cbor.String)), Period: period, Dims: map[string]string{}}
		dims, _ := m["Dimensions"].(cbor.List)
		for _, d := range dims {
			dm := d.(cbor.Map)
			wq.Dims[string(dm["Name"].(cbor.String))] = string(dm["Value"].(cbor.String))
		}
		out = append(out, wq)
	}
	return out
}

// replay turns a recorded GetMetricData response (JSON) into CBOR.
func replay(t *testing.T, file string) cbor.Map {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "cloudwatch", file))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		MetricDataResults []struct {
			ID         string      `json:"Id"`
			Label      string      `json:"Label"`
			Timestamps []time.Time `json:"Timestamps"`
			Values     []float64   `json:"Values"`
			StatusCode string      `json:"StatusCode"`
		}
		NextToken string
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	results := cbor.List{}
	for _, r := range rec.MetricDataResults {
		ts, vs := cbor.List{}, cbor.List{}
		for _, x := range r.Timestamps {
			ts = append(ts, &cbor.Tag{ID: 1, Value: cbor.Float64(float64(x.Unix()))})
		}
		for _, x := range r.Values {
			vs = append(vs, cbor.Float64(x))
		}
		results = append(results, cbor.Map{"Id": cbor.String(r.ID), "Label": cbor.String(r.Label), "Timestamps": ts,
			"Values": vs, "StatusCode": cbor.String(r.StatusCode)})
	}
	out := cbor.Map{"MetricDataResults": results}
	if rec.NextToken != "" {
		out["NextToken"] = cbor.String(rec.NextToken)
	}
	return out
}

func TestGetMetricDataWireShapeStatisticsAndNextToken(t *testing.T) {
	staticEnv(t)
	f := newFakeAWS(t)
	f.cloudwatch = func(n int, req cbor.Map) cbor.Map {
		if n == 1 {
			return replay(t, "page1.json")
		}
		return replay(t, "page2.json")
	}
	now := time.Date(2025, 6, 1, 9, 30, 25, 0, time.UTC)
	b := f.connect(t, Options{Now: func() time.Time { return now }})
	m, err := b.StreamMetrics(context.Background(), []string{"app-logs"}, LastHour(now))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.cwRequests) != 2 {
		t.Fatalf("%d GetMetricData calls, want 2 (page + NextToken follow-up)", len(f.cwRequests))
	}
	first, second := f.cwRequests[0], f.cwRequests[1]
	if _, ok := first["NextToken"]; ok {
		t.Error("first request carries a NextToken")
	}
	if tok, _ := second["NextToken"].(cbor.String); tok != "cGFnZS0y" {
		t.Errorf("follow-up NextToken %v", second["NextToken"])
	}
	start, _ := cbor.AsTime(first["StartTime"])
	end, _ := cbor.AsTime(first["EndTime"])
	if !end.Equal(time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC)) || end.Sub(start) != time.Hour {
		t.Errorf("window %v..%v, want the last complete hour ending 09:30", start, end)
	}
	want := map[string][2]string{
		"s0_in_bytes": {"IncomingBytes", "Sum"}, "s0_in_records": {"IncomingRecords", "Sum"},
		"s0_out_bytes": {"GetRecords.Bytes", "Sum"}, "s0_write_thr": {"WriteProvisionedThroughputExceeded", "Sum"},
		"s0_read_thr": {"ReadProvisionedThroughputExceeded", "Sum"}, "s0_iter_age": {"GetRecords.IteratorAgeMilliseconds", "Maximum"},
	}
	for i, req := range []cbor.Map{first, second} {
		qs := decodeQueries(t, req)
		if len(qs) != len(want) {
			t.Fatalf("request %d has %d queries", i+1, len(qs))
		}
		for _, q := range qs {
			w, ok := want[q.ID]
			if !ok || q.Metric != w[0] || q.Stat != w[1] || q.Namespace != "AWS/Kinesis" || q.Period != 60 ||
				len(q.Dims) != 1 || q.Dims["StreamName"] != "app-logs" {
				t.Errorf("request %d query %+v", i+1, q)
			}
		}
	}
	am := m["app-logs"]
	// Sums per minute become per-second rates; gaps are 0 for sums, NaN for age.
	if last, _ := am.IncomingBytesPerSec.Last(); last != 62914560.0/60 {
		t.Errorf("in bytes/s %v", last)
	}
	vs := am.IncomingRecordsPerSec.Values
	if vs[59] != 750 || vs[58] != 500 || vs[57] != 0 {
		t.Errorf("records/s tail %v (merged from both pages)", vs[55:])
	}
	if am.WriteThrottled.Values[59] != 12 {
		t.Errorf("throttles %v", am.WriteThrottled.Values[59])
	}
	age := am.IteratorAgeMS.Values
	if age[59] != 2460000 || !math.IsNaN(age[58]) || age[57] != 2400000 || am.IteratorAge() != 41*time.Minute {
		t.Errorf("iterator age tail %v", age[55:])
	}
}

func TestGetMetricDataBatchesAtMost500QueriesWithValidIDs(t *testing.T) {
	staticEnv(t)
	f := newFakeAWS(t)
	b := f.connect(t, Options{})
	var streams []string
	for i := range 100 {
		streams = append(streams, fmt.Sprintf("stream-%03d", i))
	}
	if _, err := b.StreamMetrics(context.Background(), streams, LastHour(time.Now())); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	idPattern := regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)
	seen := map[string]bool{}
	for _, req := range f.cwRequests {
		qs := decodeQueries(t, req)
		sizes = append(sizes, len(qs))
		for _, q := range qs {
			if !idPattern.MatchString(q.ID) || seen[q.ID] {
				t.Errorf("bad or repeated query id %q", q.ID)
			}
			seen[q.ID] = true
		}
	}
	if fmt.Sprint(sizes) != "[500 100]" {
		t.Errorf("batches %v, want [500 100]", sizes)
	}

	// Shard-level: two dimensions, the shard metric names.
	f.cwRequests = nil
	if _, err := b.ShardMetrics(context.Background(), "app-logs", []string{"shardId-000000000001"}, LastHour(time.Now())); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, q := range decodeQueries(t, f.cwRequests[0]) {
		if q.Dims["StreamName"] != "app-logs" || q.Dims["ShardId"] != "shardId-000000000001" || len(q.Dims) != 2 {
			t.Errorf("shard query dims %v", q.Dims)
		}
		names[q.Metric] = q.Stat
	}
	if fmt.Sprint(names) != "map[IncomingBytes:Sum IncomingRecords:Sum IteratorAgeMilliseconds:Maximum OutgoingBytes:Sum ReadProvisionedThroughputExceeded:Sum WriteProvisionedThroughputExceeded:Sum]" {
		t.Errorf("shard metrics %v", names)
	}
}

const summaryJSON = `{"StreamDescriptionSummary":{"StreamName":"s","StreamARN":"arn:aws:kinesis:us-east-1:123456789012:stream/s",
"StreamStatus":"ACTIVE","StreamModeDetails":{"StreamMode":"PROVISIONED"},"RetentionPeriodHours":24,
"StreamCreationTimestamp":1.7e9,"EnhancedMonitoring":[{"ShardLevelMetrics":[]}],"EncryptionType":"NONE","OpenShardCount":2,"ConsumerCount":0}}`

const shardsJSON = `{"Shards":[
{"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"170141183460469231731687303715884105727"},"SequenceNumberRange":{"StartingSequenceNumber":"49600000000000000000000000000000000000000000000000000001"}},
{"ShardId":"shardId-000000000001","HashKeyRange":{"StartingHashKey":"170141183460469231731687303715884105728","EndingHashKey":"340282366920938463463374607431768211455"},"SequenceNumberRange":{"StartingSequenceNumber":"49600000000000000000000000000000000000000000000000000002"}}]}`

// TestMutationsAreNeverRetriedAndReadsBackOff: every action's mutation is
// sent exactly once even when AWS answers 500 (which the SDK would retry),
// while a throttled read is retried until it succeeds.
func TestMutationsAreNeverRetriedAndReadsBackOff(t *testing.T) {
	staticEnv(t)
	f := newFakeAWS(t)
	f.kinesis = func(op string, n int, body map[string]any) (int, string) {
		switch op {
		case "DescribeStreamSummary":
			if n <= 2 {
				return 400, `{"__type":"LimitExceededException","message":"Rate exceeded for stream s under account 123456789012."}`
			}
			return 200, summaryJSON
		case "ListShards":
			return 200, shardsJSON
		}
		return 500, `{"__type":"InternalFailure","message":"internal service error"}`
	}
	b := f.connect(t, Options{})
	log, err := ops.OpenAudit(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	r := &ops.Runner{Audit: log}
	for _, c := range []struct {
		a  ops.Action
		op string
	}{
		{b.Reshard("s", 4), "UpdateShardCount"},
		{b.Split("s", "shardId-000000000000", ""), "SplitShard"},
		{b.Merge("s", "shardId-000000000000", "shardId-000000000001"), "MergeShards"},
		{b.Retention("s", 48), "IncreaseStreamRetentionPeriod"},
		{b.Retention("s", 24*7*52), "IncreaseStreamRetentionPeriod"},
		{b.SetShardMetrics("s", true), "EnableEnhancedMonitoring"},
	} {
		before := f.count(c.op)
		p, err := r.Prepare(context.Background(), c.a)
		if err != nil {
			t.Fatalf("%s: %v", c.a.Name(), err)
		}
		typed := []string{}
		for _, cf := range p.Confirmations {
			typed = append(typed, cf.Expect)
		}
		res := r.Execute(context.Background(), p, typed)
		if res.Outcome != ops.OutcomeFailed || f.count(c.op)-before != 1 {
			t.Errorf("%s: outcome %s, %s sent %d times, want once", c.a.Name(), res.Outcome, c.op, f.count(c.op)-before)
		}
	}
	if n := f.count("DescribeStreamSummary"); n < 3 {
		t.Errorf("throttled DescribeStreamSummary was not retried (%d calls)", n)
	}
}
