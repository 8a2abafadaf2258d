package runbook

import (
	"context"
	"fmt"
	"strings"

	"github.com/opsconsole/opsconsole/internal/aws"
)

func iamProbes() []*Probe {
	return []*Probe{{
		Name: "iam.simulate", Backend: BackendIAM,
		Help: "IAM SimulatePrincipalPolicy: may the principal perform the actions on the stream, and which statement decides",
		Params: []ProbeParam{
			{Name: "principal", Required: true, Help: "the IAM role, user or group ARN"},
			streamParam,
			{Name: "actions", Default: strings.Join(aws.StreamActions, ","), Help: "comma-separated kinesis: actions"},
		},
		Outputs: []Output{
			{"denied", KindNumber, "actions denied"}, {"explicitly_denied", KindNumber, "actions denied by a Deny statement"},
			{"allowed", KindNumber, "actions allowed"}, {"denied_actions", KindText, "the denied actions, comma-separated"},
			{"stream_arn", KindText, "the stream ARN simulated against"},
		},
		Thresholds: map[string]Threshold{"denied": mustThreshold("", ">= 1")},
		Run:        probeIAMSimulate,
	}}
}

func probeIAMSimulate(ctx context.Context, env *Env, a Args) (Observation, error) {
	if err := env.has(BackendKinesis); err != nil {
		return Observation{}, err
	}
	s, err := env.Kinesis.DescribeStream(ctx, a.Str("stream"))
	if err != nil {
		return Observation{}, err
	}
	decisions, err := aws.SimulateAccess(ctx, env.IAM, a.Str("principal"), s.ARN, a.List("actions"))
	if err != nil {
		return Observation{}, err
	}
	var denied []string
	explicit := 0
	obs := Observation{}
	for _, d := range decisions {
		mark := "ok  "
		if !d.Allowed() {
			mark = "NO  "
			denied = append(denied, d.Action)
			if d.Decision == aws.DecisionExplicitDeny {
				explicit++
			}
		}
		obs.Evidence = append(obs.Evidence, mark+d.Action+": "+d.Why())
	}
	obs.Outputs = map[string]Value{
		"denied": Number(float64(len(denied))), "explicitly_denied": Number(float64(explicit)),
		"allowed": Number(float64(len(decisions) - len(denied))), "denied_actions": Text(strings.Join(denied, ",")),
		"stream_arn": Text(s.ARN),
	}
	if len(denied) == 0 {
		obs.Summary = fmt.Sprintf("%s may perform all %d actions on %s", a.Str("principal"), len(decisions), s.Name)
	} else {
		obs.Summary = fmt.Sprintf("%s is denied %s on %s", a.Str("principal"), strings.Join(denied, ", "), s.Name)
		obs.Evidence = append(obs.Evidence, "the simulation covers the principal's identity policies, permissions boundary and SCPs, not a resource policy on the stream or KMS key grants")
	}
	return obs, nil
}
