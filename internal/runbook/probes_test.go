package runbook

import (
	"context"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/opsconsole/opsconsole/internal/sim/kinesissim"
)

// probe runs one probe on the rig with its defaults and judges it.
func (g *demoRig) probe(t *testing.T, name string, args Args) (Observation, Status, error) {
	t.Helper()
	p, ok := Probes().Get(name)
	if !ok {
		t.Fatalf("no probe %s", name)
	}
	full := Args{}
	for _, pp := range p.Params {
		if pp.Default != "" {
			full[pp.Name] = pp.Default
		}
	}
	for k, v := range args {
		full[k] = v
	}
	obs, err := runProbe(context.Background(), g.env, p, full, DefaultTimeout)
	if err != nil {
		return obs, Error, err
	}
	s, _ := judge(p, &Check{}, obs)
	return obs, s, nil
}

func TestKinesisProbeEdges(t *testing.T) {
	g := newRig(t)
	obs, s, err := g.probe(t, "kinesis.capacity", Args{"stream": kinesissim.DemoClickstream})
	if err != nil || s != Pass || obs.Outputs["on_demand"].Num != 1 || obs.Outputs["write_use_pct"].Set {
		t.Fatalf("on-demand capacity: %v %s %+v", err, s, obs.Outputs)
	}
	obs, s, err = g.probe(t, "kinesis.hot_shards", Args{"stream": kinesissim.DemoAuditTrail})
	if err != nil || s != Warn || obs.Outputs["unknown"].Num != 2 || !strings.Contains(obs.Summary, "shard-level metrics are off") {
		t.Fatalf("no shard metrics: %v %s %+v %s", err, s, obs.Outputs, obs.Summary)
	}
	_, s, err = g.probe(t, "kinesis.stream_status", Args{"stream": "nope"})
	if s != Error || err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing stream: %s %v", s, err)
	}
	_, s, err = g.probe(t, "kinesis.iterator_age", Args{"stream": kinesissim.DemoAppLogs, "window": "2h"})
	if s != Error || !strings.Contains(err.Error(), "between 1m and 1h") {
		t.Fatalf("window bounds: %v", err)
	}
}

func TestTopErrorsWaitsOutReadThrottling(t *testing.T) {
	g := newRig(t)
	g.demo.Kinesis.FailShard("GetRecords", kinesissim.DemoHotShard, 2,
		&types.ProvisionedThroughputExceededException{Message: sdkaws.String("Rate exceeded for shard")})
	before := g.clock.Now()
	obs, s, err := g.probe(t, "logs.top_errors", Args{"stream": kinesissim.DemoAppLogs})
	if err != nil || s != Fail || obs.Outputs["records"].Num < 1000 {
		t.Fatalf("%v %s %+v %v", err, s, obs.Outputs, obs.Evidence)
	}
	if waited := g.clock.Now().Sub(before); waited < 3e9 {
		t.Fatalf("the throttled shard must back off 1s then 2s, waited %s", waited)
	}
}
