package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/sim/simclock"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/aws/analysis"
	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

const benchShards = 10000

// BenchmarkListShards10k lists a 10,000-shard stream in pages of 1,000:
// against the simulator (the backend's own cost plus the simulator's), and
// through the real SDK over HTTP against a server replaying the ten pages
// (serialisation, signing, JSON decoding and hash-key parsing included).
func BenchmarkListShards10k(b *testing.B) {
	b.Run("sim", func(b *testing.B) {
		clk := simclock.New(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		s := kinesissim.New(kinesissim.Options{Now: clk.Now})
		if _, err := s.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: sdkaws.String("wide"), ShardCount: sdkaws.Int32(benchShards)}); err != nil {
			b.Fatal(err)
		}
		clk.Advance(time.Minute)
		be := NewBackend(s, s, Options{Now: clk.Now})
		benchList(b, be)
	})
	b.Run("sdk-http", func(b *testing.B) {
		pages := recordedShardPages(b)
		f := newFakeAWS(&testing.T{})
		defer f.srv.Close()
		f.kinesis = func(op string, n int, body map[string]any) (int, string) {
			tok, _ := body["NextToken"].(string)
			page := 0
			fmt.Sscanf(tok, "page-%d", &page)
			return 200, pages[page]
		}
		b.Setenv("AWS_ACCESS_KEY_ID", "AKIDBENCH")
		b.Setenv("AWS_SECRET_ACCESS_KEY", "bench")
		b.Setenv("AWS_REGION", "us-east-1")
		b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		be, err := Connect(context.Background(), Config{KinesisEndpoint: f.srv.URL}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		benchList(b, be)
	})
}

func benchList(b *testing.B, be *Backend) {
	b.ReportAllocs()
	for b.Loop() {
		shards, err := be.ListShards(context.Background(), "wide")
		if err != nil || len(shards) != benchShards {
			b.Fatalf("%d shards, %v", len(shards), err)
		}
	}
	b.ReportMetric(float64(benchShards)*float64(b.N)/b.Elapsed().Seconds(), "shards/s")
}

// recordedShardPages renders ListShards responses for a 10,000-shard
// stream, 1,000 shards a page, chained by NextToken "page-N".
func recordedShardPages(b *testing.B) []string {
	ranges := analysis.UniformRanges(benchShards)
	var pages []string
	for p := 0; p*1000 < benchShards; p++ {
		out := struct {
			Shards    []types.Shard `json:"Shards"`
			NextToken *string       `json:"NextToken,omitempty"`
		}{}
		for i := p * 1000; i < (p+1)*1000; i++ {
			out.Shards = append(out.Shards, types.Shard{
				ShardId:             sdkaws.String(fmt.Sprintf("shardId-%012d", i)),
				HashKeyRange:        &types.HashKeyRange{StartingHashKey: sdkaws.String(ranges[i].Start.String()), EndingHashKey: sdkaws.String(ranges[i].End.String())},
				SequenceNumberRange: &types.SequenceNumberRange{StartingSequenceNumber: sdkaws.String(fmt.Sprintf("4959%052d", i))},
			})
		}
		if (p+1)*1000 < benchShards {
			out.NextToken = sdkaws.String(fmt.Sprintf("page-%d", p+1))
		}
		raw, err := json.Marshal(out)
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, string(raw))
	}
	return pages
}
