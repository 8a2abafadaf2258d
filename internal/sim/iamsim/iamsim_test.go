package iamsim

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

const stream = "arn:aws:kinesis:us-east-1:123456789012:stream/app-logs"

func simulate(t *testing.T, s *Sim, principal string, max int32, marker string, actions ...string) *iam.SimulatePrincipalPolicyOutput {
	t.Helper()
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(principal), ActionNames: actions, ResourceArns: []string{stream}}
	if max > 0 {
		in.MaxItems = aws.Int32(max)
	}
	if marker != "" {
		in.Marker = aws.String(marker)
	}
	out, err := s.SimulatePrincipalPolicy(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDemoDecisions(t *testing.T) {
	s := NewDemo()
	out := simulate(t, s, DemoProcessor, 0, "", "kinesis:GetRecords", "kinesis:getshardIterator", "kinesis:DescribeStreamSummary", "kinesis:DeleteStream")
	want := []types.PolicyEvaluationDecisionType{"implicitDeny", "allowed", "allowed", "implicitDeny"}
	for i, r := range out.EvaluationResults {
		if r.EvalDecision != want[i] {
			t.Errorf("%s: %s, want %s", aws.ToString(r.EvalActionName), r.EvalDecision, want[i])
		}
	}
	if m := out.EvaluationResults[1].MatchedStatements; len(m) != 1 || aws.ToString(m[0].SourcePolicyId) != "AppLogsProcessor" || m[0].StartPosition.Line < 4 {
		t.Fatalf("matched %+v", m)
	}
	deny := simulate(t, s, DemoAnalyst, 0, "", "kinesis:PutRecords", "kinesis:GetRecords")
	if r := deny.EvaluationResults[0]; r.EvalDecision != "explicitDeny" || aws.ToString(r.MatchedStatements[0].SourcePolicyId) != DemoDenyWrites {
		t.Fatalf("explicit deny wins over the managed allow: %+v", r)
	}
	if r := deny.EvaluationResults[1]; r.EvalDecision != "allowed" {
		t.Fatalf("kinesis:Get* allows GetRecords: %+v", r)
	}
}

func TestPaginationAndErrors(t *testing.T) {
	s := NewDemo()
	first := simulate(t, s, DemoPipeline, 2, "", "kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards")
	if !first.IsTruncated || len(first.EvaluationResults) != 2 {
		t.Fatalf("%+v", first)
	}
	rest := simulate(t, s, DemoPipeline, 2, aws.ToString(first.Marker), "kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards")
	if rest.IsTruncated || len(rest.EvaluationResults) != 1 || aws.ToString(rest.EvaluationResults[0].EvalActionName) != "kinesis:ListShards" {
		t.Fatalf("%+v", rest)
	}
	_, err := s.SimulatePrincipalPolicy(context.Background(), &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/nope"), ActionNames: []string{"kinesis:ListShards"}})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("unknown principal: %v", err)
	}
	if err := s.Attach("arn:aws:iam::1:role/x", Policy{}); err == nil {
		t.Fatal("attach to an unknown principal")
	}
	if s.Calls() != 3 {
		t.Fatalf("calls %d", s.Calls())
	}
}
