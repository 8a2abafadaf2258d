package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAMAPI is what the permission check uses from IAM. *iam.Client satisfies
// it; internal/sim/iamsim implements it for the demo.
type IAMAPI interface {
	SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, opts ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error)
}

var _ IAMAPI = (*iam.Client)(nil)

// StreamActions are the Kinesis actions a producer and a polling consumer
// of a stream need, in the order the permissions runbook reports them.
var StreamActions = []string{
	"kinesis:PutRecord", "kinesis:PutRecords",
	"kinesis:GetRecords", "kinesis:GetShardIterator",
	"kinesis:DescribeStream", "kinesis:ListShards",
}

// Decision values of IAM's policy simulator.
const (
	DecisionAllowed      = string(iamtypes.PolicyEvaluationDecisionTypeAllowed)
	DecisionExplicitDeny = string(iamtypes.PolicyEvaluationDecisionTypeExplicitDeny)
	DecisionImplicitDeny = string(iamtypes.PolicyEvaluationDecisionTypeImplicitDeny)
)

// MatchedStatement is a policy statement that decided an action.
type MatchedStatement struct {
	PolicyID   string // SourcePolicyId: the policy's name or ARN
	PolicyType string // user, group, role, aws-managed, user-managed, resource, none
	// StartLine and EndLine locate the statement in the policy document
	// (0 when IAM does not say).
	StartLine, EndLine int
}

func (m MatchedStatement) String() string {
	s := "policy " + m.PolicyID
	if m.PolicyType != "" && m.PolicyType != "none" {
		s += " (" + m.PolicyType + ")"
	}
	if m.StartLine > 0 {
		s += fmt.Sprintf(", statement at lines %d-%d", m.StartLine, m.EndLine)
	}
	return s
}

// ActionDecision is the simulator's verdict on one action and resource.
type ActionDecision struct {
	Action   string
	Resource string
	// Decision is allowed, explicitDeny or implicitDeny.
	Decision string
	// Matched are the statements behind the decision: the allowing ones,
	// or the denying one; empty for an implicit deny (nothing allows it).
	Matched []MatchedStatement
	// MissingContext lists condition keys the simulation could not fill;
	// the decision may differ in real requests that carry them.
	MissingContext []string
	// OrgDenied is set when an Organizations SCP denies the action.
	OrgDenied bool
	// BoundaryDenied is set when a permissions boundary does not allow it.
	BoundaryDenied bool
}

// Allowed reports whether the principal may perform the action.
func (d ActionDecision) Allowed() bool { return d.Decision == DecisionAllowed }

// Why says in words what decided it.
func (d ActionDecision) Why() string {
	var parts []string
	switch d.Decision {
	case DecisionAllowed:
		parts = append(parts, "allowed")
	case DecisionExplicitDeny:
		parts = append(parts, "DENIED explicitly")
	default:
		parts = append(parts, "DENIED implicitly: no policy of the principal allows it")
	}
	if len(d.Matched) > 0 {
		ms := make([]string, len(d.Matched))
		for i, m := range d.Matched {
			ms[i] = m.String()
		}
		parts = append(parts, "by "+strings.Join(ms, "; "))
	}
	if d.OrgDenied {
		parts = append(parts, "an Organizations SCP denies it")
	}
	if d.BoundaryDenied {
		parts = append(parts, "the permissions boundary does not allow it")
	}
	if len(d.MissingContext) > 0 {
		parts = append(parts, "conditions need "+strings.Join(d.MissingContext, ", ")+" (not simulated)")
	}
	return strings.Join(parts, " ")
}

// SimulateAccess asks IAM's policy simulator whether principal (a user,
// group or role ARN) may perform actions on resource, following the
// result pages. The simulator evaluates the principal's identity-based
// policies (and boundary and SCPs); a resource policy on the stream is not
// included. Nothing is changed: SimulatePrincipalPolicy is a read.
func SimulateAccess(ctx context.Context, api IAMAPI, principal, resource string, actions []string) ([]ActionDecision, error) {
	if !strings.HasPrefix(principal, "arn:") || !strings.Contains(principal, ":iam::") {
		return nil, fmt.Errorf("%q is not an IAM principal ARN (arn:aws:iam::ACCOUNT:role/NAME, :user/NAME or :group/NAME)", principal)
	}
	if len(actions) == 0 {
		return nil, errors.New("no actions to simulate")
	}
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: sdkaws.String(principal), ActionNames: actions}
	if resource != "" {
		in.ResourceArns = []string{resource}
	}
	var out []ActionDecision
	for {
		page, err := api.SimulatePrincipalPolicy(ctx, in)
		if err != nil {
			return out, classifyIAM(err, principal)
		}
		for _, r := range page.EvaluationResults {
			out = append(out, decisionFrom(r))
		}
		if !page.IsTruncated || sdkaws.ToString(page.Marker) == "" {
			break
		}
		next := *in
		next.Marker = page.Marker
		in = &next
	}
	order := map[string]int{}
	for i, a := range actions {
		order[strings.ToLower(a)] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		return order[strings.ToLower(out[i].Action)] < order[strings.ToLower(out[j].Action)]
	})
	return out, nil
}

func decisionFrom(r iamtypes.EvaluationResult) ActionDecision {
	d := ActionDecision{Action: sdkaws.ToString(r.EvalActionName), Resource: sdkaws.ToString(r.EvalResourceName),
		Decision: string(r.EvalDecision), MissingContext: r.MissingContextValues}
	matched := r.MatchedStatements
	// With a resource ARN, IAM puts the per-resource answer in
	// ResourceSpecificResults; prefer it when present.
	for _, rs := range r.ResourceSpecificResults {
		if d.Resource == "" || sdkaws.ToString(rs.EvalResourceName) == d.Resource {
			d.Decision = string(rs.EvalResourceDecision)
			if len(rs.MatchedStatements) > 0 {
				matched = rs.MatchedStatements
			}
			d.MissingContext = append(d.MissingContext, rs.MissingContextValues...)
			if rs.PermissionsBoundaryDecisionDetail != nil && !rs.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
				d.BoundaryDenied = true
			}
		}
	}
	for _, m := range matched {
		ms := MatchedStatement{PolicyID: sdkaws.ToString(m.SourcePolicyId), PolicyType: string(m.SourcePolicyType)}
		if m.StartPosition != nil {
			ms.StartLine = int(m.StartPosition.Line)
		}
		if m.EndPosition != nil {
			ms.EndLine = int(m.EndPosition.Line)
		}
		d.Matched = append(d.Matched, ms)
	}
	if r.OrganizationsDecisionDetail != nil && !r.OrganizationsDecisionDetail.AllowedByOrganizations {
		d.OrgDenied = true
	}
	if r.PermissionsBoundaryDecisionDetail != nil && !r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
		d.BoundaryDenied = true
	}
	return d
}

// classifyIAM words the simulator's failures for the operator.
func classifyIAM(err error, principal string) error {
	var noSuch *iamtypes.NoSuchEntityException
	var invalid *iamtypes.InvalidInputException
	switch {
	case errors.As(err, &noSuch):
		return fmt.Errorf("IAM has no principal %s: check the ARN (role names are case-sensitive, and the account must be the one the console is signed in to)", principal)
	case errors.As(err, &invalid):
		return fmt.Errorf("IAM rejected the simulation input: %s", sdkaws.ToString(invalid.Message))
	case isAPICode(err, "AccessDenied", "AccessDeniedException"):
		return fmt.Errorf("the console's own AWS identity may not simulate policies: it needs iam:SimulatePrincipalPolicy on %s (or run the check with a profile that has it): %w", principal, err)
	}
	return where{}.classify(err, "simulating the IAM policies of "+principal)
}

// NewLazyIAM returns an IAM client that loads the AWS configuration (the
// same profile, region and MFA prompt as the Kinesis backend) on first use,
// so a console that never checks permissions never touches IAM.
func NewLazyIAM(c Config) IAMAPI { return &lazyIAM{cfg: c} }

type lazyIAM struct {
	cfg    Config
	once   sync.Once
	client *iam.Client
	err    error
}

func (l *lazyIAM) SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, opts ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	l.once.Do(func() {
		loadOpts := []func(*config.LoadOptions) error{
			config.WithRetryer(l.cfg.readRetryer),
			config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
				if l.cfg.MFACode == nil {
					return
				}
				serial := sdkaws.ToString(o.SerialNumber)
				o.TokenProvider = func() (string, error) { return l.cfg.MFACode(serial) }
			}),
		}
		if l.cfg.Profile != "" {
			loadOpts = append(loadOpts, config.WithSharedConfigProfile(l.cfg.Profile))
		}
		if l.cfg.Region != "" {
			loadOpts = append(loadOpts, config.WithRegion(l.cfg.Region))
		}
		cfg, err := config.LoadDefaultConfig(context.WithoutCancel(ctx), loadOpts...)
		if err != nil {
			l.err = where{profile: l.cfg.Profile, region: l.cfg.Region}.classify(err, "loading the AWS configuration for IAM")
			return
		}
		l.client = iam.NewFromConfig(cfg)
	})
	if l.err != nil {
		return nil, l.err
	}
	return l.client.SimulatePrincipalPolicy(ctx, in, opts...)
}
