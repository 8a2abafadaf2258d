package kinesissim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
)

// A generator makes a demo stream alive. Computed on each call from the
// clock, one simulated second at a time, it:
//   - publishes the stream's offered load to CloudWatch (IncomingBytes,
//     IncomingRecords, write throttles when a shard is over 1 MiB/s), spread
//     over the open shards by where its partition keys hash to;
//   - models a consumer with a fixed read capacity per shard, whose iterator
//     age grows on a shard that takes more than it can process and shrinks
//     once a reshard spreads the load;
//   - materialises a small sample of real records (Materialise per second)
//     through the normal put path, so tails and decoders have data.
//
// The published volume is the nominal load, not the sample: storing 1 MiB/s
// per shard for 24 hours would not fit in memory. Metrics count both.
type generator struct {
	rnd *rand.Rand
	// last is the last simulated second generated.
	last time.Time

	offeredBytes   float64 // nominal bytes/s offered to the stream
	avgRecordBytes float64
	bands          []band
	keys           [][]string // per band, partition keys that hash into it
	materialise    float64    // real records per second
	carry          float64
	sampleWindow   time.Duration // only materialise records this close to now
	makeRecord     func(g *generator, pk string, at time.Time) []byte

	consumerBytes float64 // per-shard consumer capacity, bytes/s; 0 = keeps up
	ages          map[string]float64
	initialAge    float64 // seconds, for the shards open at start
	topology      int
	shares        map[string]float64
}

// band is a part of the keyspace that takes weight of the traffic.
type band struct {
	weight float64
	rng    analysis.HashRange
}

// run generates every second from the last one up to now (at most
// MetricHistory back, so a clock jump costs bounded work).
func (g *generator) run(now time.Time, st *stream, s *Sim) {
	if st.status == types.StreamStatusCreating {
		return
	}
	if floor := now.Add(-s.opts.MetricHistory); g.last.Before(floor) {
		g.last = floor.Truncate(time.Second)
	}
	for t := g.last.Add(time.Second); !t.After(now); t = t.Add(time.Second) {
		g.second(t, now, st, s)
		g.last = t
	}
}

func (g *generator) second(t, now time.Time, st *stream, s *Sim) {
	if g.topology != st.topology || g.shares == nil {
		g.reshape(st)
	}
	// Slow swell plus noise, so sparklines move.
	phase := float64(t.Unix()%1020) / 1020 * 2 * math.Pi
	factor := 1 + 0.12*math.Sin(phase) + 0.06*(g.rnd.Float64()-0.5)

	var inBytes, inRecords, throttled, outBytes, maxAge float64
	for _, sh := range st.openShards() {
		offered := g.offeredBytes * factor * g.shares[sh.id]
		accepted := offered
		if st.mode == types.StreamModeProvisioned {
			accepted = math.Min(offered, analysis.ShardWriteBytesPerSec)
			accepted = math.Min(accepted, analysis.ShardWriteRecordsPerSec*g.avgRecordBytes)
		}
		recs := accepted / g.avgRecordBytes
		thr := (offered - accepted) / g.avgRecordBytes
		inBytes += accepted
		inRecords += recs
		throttled += thr
		s.metrics.shardMetric(st, sh, types.MetricsNameIncomingBytes, accepted, t)
		s.metrics.shardMetric(st, sh, types.MetricsNameIncomingRecords, recs, t)
		s.metrics.shardMetric(st, sh, types.MetricsNameWriteProvisionedThroughputExceeded, thr, t)

		age, out := g.consume(sh.id, accepted)
		outBytes += out
		maxAge = math.Max(maxAge, age)
		s.metrics.shardMetric(st, sh, types.MetricsNameIteratorAgeMilliseconds, age*1000, t)
		s.metrics.shardMetric(st, sh, types.MetricsNameOutgoingBytes, out, t)
		s.metrics.shardMetric(st, sh, types.MetricsNameOutgoingRecords, out/g.avgRecordBytes, t)
	}
	s.metrics.add(metricKey{st.name, "", mIncomingBytes}, inBytes, t)
	s.metrics.add(metricKey{st.name, "", mIncomingRecords}, inRecords, t)
	s.metrics.add(metricKey{st.name, "", mWriteThrottled}, throttled, t)
	s.metrics.add(metricKey{st.name, "", mStreamIteratorAge}, maxAge*1000, t)
	s.metrics.add(metricKey{st.name, "", mGetRecordsBytes}, outBytes, t)
	s.metrics.add(metricKey{st.name, "", mGetRecordsRecords}, outBytes/g.avgRecordBytes, t)
	s.metrics.add(metricKey{st.name, "", mReadThrottled}, 0, t)

	if now.Sub(t) > g.sampleWindow {
		return
	}
	g.carry += g.materialise * factor
	for ; g.carry >= 1; g.carry-- {
		pk := g.pickKey()
		sh, err := st.route(pk, nil)
		if err != nil {
			continue
		}
		// A sample record over the shard's write limit is dropped, as a
		// throttled producer's would be.
		_, _ = s.put(st, sh, pk, g.makeRecord(g, pk, t), t)
	}
}

// consume advances the modelled consumer on one shard by a second and
// returns its iterator age (s) and the bytes it read.
func (g *generator) consume(shardID string, in float64) (age, out float64) {
	age = g.ages[shardID]
	if g.consumerBytes == 0 || in == 0 {
		return 0.2 + g.rnd.Float64(), in // polling latency only
	}
	// Backlog B = age x in grows by in - capacity each second, so the age
	// changes by 1 - capacity/in (bounded when the shard is nearly idle).
	age += math.Max(1-g.consumerBytes/in, -5)
	if age < 1 {
		age = 0.2 + g.rnd.Float64()
	}
	g.ages[shardID] = age
	if age > 1.5 {
		return age, g.consumerBytes
	}
	return age, in
}

// reshape recomputes each open shard's share of the traffic after the open
// shards changed; a child inherits the larger iterator age of its parents,
// since its consumer starts only when the parents are drained.
func (g *generator) reshape(st *stream) {
	first := g.shares == nil
	g.shares = map[string]float64{}
	for _, sh := range st.openShards() {
		var share float64
		for _, b := range g.bands {
			share += b.weight * analysis.Overlap(sh.rng, b.rng) / b.rng.Share()
		}
		g.shares[sh.id] = share
		if _, ok := g.ages[sh.id]; ok {
			continue
		}
		if first {
			g.ages[sh.id] = g.initialAgeFor(sh)
			continue
		}
		g.ages[sh.id] = math.Max(g.ages[sh.parent], g.ages[sh.adjacent])
	}
	g.topology = st.topology
}

// initialAgeFor gives the shards that start over their consumer's capacity
// the backlog they have built up; the rest start caught up.
func (g *generator) initialAgeFor(sh *shard) float64 {
	if g.consumerBytes > 0 && g.offeredBytes*g.shares[sh.id] > g.consumerBytes {
		return g.initialAge
	}
	return 0
}

func (g *generator) pickKey() string {
	r := g.rnd.Float64()
	for i, b := range g.bands {
		if r < b.weight || i == len(g.bands)-1 {
			pool := g.keys[i]
			return pool[g.rnd.IntN(len(pool))]
		}
		r -= b.weight
	}
	return ""
}

// keyPools finds, for each band, partition keys whose MD5 lands in it, so
// that real records follow the same skew as the published metrics.
func keyPools(rnd *rand.Rand, bands []band, prefix string, perBand int) [][]string {
	pools := make([][]string, len(bands))
	for i, b := range bands {
		for len(pools[i]) < perBand {
			k := fmt.Sprintf("%s%08x%08x", prefix, rnd.Uint32(), rnd.Uint32())
			if b.rng.Contains(HashKeyOf(k)) {
				pools[i] = append(pools[i], k)
			}
		}
	}
	return pools
}
