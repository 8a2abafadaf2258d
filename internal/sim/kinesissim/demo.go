package kinesissim

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/decode/encode"
)

// The demo fleet (DESIGN.md §5). Runbooks and docs rely on these facts.
const (
	// DemoAppLogs is provisioned with 4 shards and enhanced monitoring on;
	// DemoHotShard takes most of its writes (its partition keys cluster in
	// that shard's quarter of the keyspace), is throttled at 1 MiB/s, and its
	// consumer falls further behind every minute. Records are CloudWatch Logs
	// subscription envelopes of ECS JSON logs from /ecs/checkout-api and
	// /ecs/catalog-api, with one repetitive error (DemoRepetitiveError) and
	// an occasional CONTROL_MESSAGE.
	DemoAppLogs  = "app-logs"
	DemoHotShard = "shardId-000000000001"
	// DemoClickstream is on-demand (4 shards), JSON click events, healthy.
	DemoClickstream = "clickstream"
	// DemoAuditTrail is provisioned with 2 shards, 168 h retention and KMS
	// encryption, with a trickle of JSON audit events.
	DemoAuditTrail = "audit-trail"
	// DemoRepetitiveError is the message template of the noisy error; the
	// order number and timeout vary.
	DemoRepetitiveError = "payment-gateway request failed: context deadline exceeded after 3000ms (order %d)"
	// DemoAccount owns the demo log groups.
	DemoAccount = "123456789012"
)

// Demo traffic levels.
const (
	demoAppLogsOffered   = 2.0 * analysis.MiB // bytes/s offered to app-logs
	demoHotWeight        = 0.6                // share of it aimed at the hot shard's range
	demoConsumerCapacity = 0.8 * analysis.MiB // per shard, app-logs' consumer
	demoInitialAge       = 29 * time.Minute   // hot shard's backlog an hour before start
	// demoSampleWindow is how much record history exists at start: real
	// records are made only this far back (metrics go back an hour).
	demoSampleWindow = 5 * time.Minute
)

// NewDemo returns the demo fleet, with an hour of CloudWatch history and ten
// minutes of records already there. opts.Now is honoured (the demo runs on
// the wall clock; tests pass a simclock.Clock); unset delays default to what makes
// UPDATING visible in the console (8 s).
func NewDemo(opts Options) *Sim {
	if opts.UpdateDelay == 0 {
		opts.UpdateDelay = 8 * time.Second
	}
	if opts.CreateDelay == 0 {
		opts.CreateDelay = 2 * time.Second
	}
	if opts.MaxRecordsPerShard == 0 {
		opts.MaxRecordsPerShard = 20_000
	}
	if opts.Account == "" {
		opts.Account = DemoAccount
	}
	s := New(opts)
	now := s.opts.Now()
	created := now.Add(-30 * 24 * time.Hour)
	start := now.Add(-time.Hour).Truncate(time.Second)

	quarters := analysis.UniformRanges(4)

	app := s.addStream(DemoAppLogs, types.StreamModeProvisioned, 4, created)
	for _, m := range shardLevelMetrics {
		app.monitoring[m] = true
	}
	rnd := demoRand(DemoAppLogs)
	appBands := []band{{weight: demoHotWeight, rng: quarters[1]}, {weight: 1 - demoHotWeight, rng: analysis.FullRange}}
	app.gen = &generator{
		rnd: rnd, last: start,
		offeredBytes: demoAppLogsOffered, avgRecordBytes: 1400,
		bands: appBands, keys: keyPools(rnd, appBands, "ecs/checkout-api/", 24),
		materialise: 6, sampleWindow: demoSampleWindow, makeRecord: appLogRecord,
		consumerBytes: demoConsumerCapacity, initialAge: demoInitialAge.Seconds(),
		ages: map[string]float64{},
	}

	click := s.addStream(DemoClickstream, types.StreamModeOnDemand, onDemandShards, created.Add(72*time.Hour))
	rnd = demoRand(DemoClickstream)
	clickBands := []band{{weight: 1, rng: analysis.FullRange}}
	click.gen = &generator{
		rnd: rnd, last: start,
		offeredBytes: 0.2 * analysis.MiB, avgRecordBytes: 350,
		bands: clickBands, keys: keyPools(rnd, clickBands, "sess-", 64),
		materialise: 4, sampleWindow: demoSampleWindow, makeRecord: clickRecord,
		ages: map[string]float64{},
	}

	audit := s.addStream(DemoAuditTrail, types.StreamModeProvisioned, 2, created.Add(-90*24*time.Hour))
	audit.retention = 168
	audit.encryption, audit.keyID = types.EncryptionTypeKms, "alias/aws/kinesis"
	rnd = demoRand(DemoAuditTrail)
	auditBands := []band{{weight: 1, rng: analysis.FullRange}}
	audit.gen = &generator{
		rnd: rnd, last: start,
		offeredBytes: 12 * 1024, avgRecordBytes: 600,
		bands: auditBands, keys: keyPools(rnd, auditBands, "acct-", 8),
		materialise: 0.3, sampleWindow: demoSampleWindow, makeRecord: auditRecord,
		ages: map[string]float64{},
	}

	s.mu.Lock()
	s.advance(now)
	s.mu.Unlock()
	return s
}

// demoRand gives each demo stream its own deterministic source, so the fleet
// looks the same on every run at the same clock.
func demoRand(stream string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(stream))
	return rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
}

// demoMessage is a log line template and the range of its number, so the
// demo never logs "attempt 738 of 3".
type demoMessage struct {
	format   string
	min, max int
}

var (
	infoMessages = []demoMessage{
		{"GET /api/cart 200 in %dms", 3, 250},
		{"POST /api/checkout 201 in %dms", 20, 400},
		{"cache hit ratio %d%% over the last minute", 60, 99},
		{"GET /api/products?page=%d 200", 1, 250},
	}
	warnMessages = []demoMessage{
		{"retrying inventory reservation, attempt %d of 3", 2, 3},
		{"slow query on orders table: %dms", 300, 900},
	}
)

func (m demoMessage) render(g *generator) string {
	return fmt.Sprintf(m.format, m.min+g.rnd.IntN(m.max-m.min+1))
}

// appLogRecord is what a CloudWatch Logs subscription filter puts: a gzip'd
// envelope of 1-8 ECS JSON log lines, or now and then a CONTROL_MESSAGE.
func appLogRecord(g *generator, pk string, at time.Time) []byte {
	if g.rnd.IntN(200) == 0 {
		return encode.CWLControl(at)
	}
	group, service := "/ecs/checkout-api", "checkout-api"
	if g.rnd.IntN(4) == 0 {
		group, service = "/ecs/catalog-api", "catalog-api"
	}
	n := 1 + g.rnd.IntN(8)
	events := make([]encode.LogEvent, n)
	for i := range events {
		ts := at.Add(-time.Duration(n-i) * 37 * time.Millisecond)
		line := encode.ECSLog{Timestamp: ts, Service: service, Level: "info",
			Function: "main.(*Server).handle", File: "server.go", Line: 212}
		switch r := g.rnd.IntN(10); {
		case r < 4 && service == "checkout-api":
			line.Level, line.Message = "error", fmt.Sprintf(DemoRepetitiveError, 40000+g.rnd.IntN(60000))
			line.Function, line.File, line.Line = "payments.(*Client).Charge", "payments/client.go", 88
		case r < 5:
			line.Level, line.Message = "warn", warnMessages[g.rnd.IntN(len(warnMessages))].render(g)
		default:
			line.Message = infoMessages[g.rnd.IntN(len(infoMessages))].render(g)
		}
		events[i] = encode.LogEvent{Timestamp: ts, Message: line.JSON()}
	}
	env := encode.Envelope{Owner: DemoAccount, LogGroup: group, LogStream: pk,
		SubscriptionFilters: []string{"to-app-logs"}, LogEvents: events}
	return encode.CWLEnvelope(env)
}

var pages = []string{"/", "/products", "/products/42", "/cart", "/checkout", "/search?q=boots"}

func clickRecord(g *generator, pk string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"event": "click", "ts": at.UTC().Format(time.RFC3339Nano), "session_id": pk,
		"user_id": fmt.Sprintf("u-%05d", g.rnd.IntN(50000)), "page": pages[g.rnd.IntN(len(pages))],
		"element": []string{"buy-button", "nav-link", "add-to-cart", "search-box"}[g.rnd.IntN(4)],
	})
	return b
}

func auditRecord(g *generator, pk string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"time": at.UTC().Format(time.RFC3339), "account": pk,
		"actor":  []string{"alice", "bob", "deploy-bot"}[g.rnd.IntN(3)],
		"action": []string{"login", "update-role", "rotate-key", "logout"}[g.rnd.IntN(4)],
		"result": "success",
	})
	return b
}
