package analysis

import (
	"fmt"
	"testing"
)

// bigStream is 5,000 closed parents each split into two open children:
// 15,000 shards, 10,000 of them open, as after a 5,000 -> 10,000 reshard.
func bigStream() ([]Shard, map[string]ShardRates) {
	parents := layout(5000)
	shards := make([]Shard, 0, 15000)
	shards = append(shards, parents...)
	next := 5000
	for i := range parents {
		shards = split(shards, i, &next)
	}
	rates := make(map[string]ShardRates, 10000)
	for i, s := range shards {
		if s.Open() {
			rates[s.ID] = ShardRates{IncomingBytes: float64(i%97) * 1000, IncomingRecords: float64(i % 89)}
		}
	}
	return shards, rates
}

func BenchmarkAnalysis10kShards(b *testing.B) {
	shards, rates := bigStream()
	b.Run("heat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(AssessHeat(shards, rates)) != 10000 {
				b.Fatal("wrong count")
			}
		}
	})
	b.Run("lineage", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(Lineage(shards)) != 15000 {
				b.Fatal("wrong count")
			}
		}
	})
	b.Run("keyspace-map", func(b *testing.B) {
		heat := AssessHeat(shards, rates)
		b.ReportAllocs()
		for b.Loop() {
			m := BuildKeyspaceMap(shards, heat)
			if !m.Complete || len(m.Widths(80)) != 10000 {
				b.Fatal("incomplete map")
			}
		}
	})
	b.Run("parse-ranges", func(b *testing.B) {
		strs := make([][2]string, len(shards))
		for i, s := range shards {
			strs[i] = [2]string{s.Range.Start.String(), s.Range.End.String()}
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, p := range strs {
				if _, err := ParseHashRange(p[0], p[1]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func ExampleHashRange_Share() {
	r := UniformRanges(3)[0]
	fmt.Printf("%s..%s is %.4f of the keyspace\n", r.Start, r.End, r.Share())
	// Output: 0..113427455640312821154458202477256070484 is 0.3333 of the keyspace
}
