// Package iamsim is an in-memory IAM policy simulator for the demo fleet and
// tests: it answers SimulatePrincipalPolicy (the aws.IAMAPI interface that
// *iam.Client satisfies) from policies held per principal, with IAM's
// evaluation rules for identity-based policies: an explicit Deny wins, then
// any Allow, else an implicit deny. Statements match actions and resources
// with IAM's * and ? wildcards (actions case-insensitively), and matched
// statements carry the line range they would have in the policy document.
// Conditions, boundaries and SCPs are not modelled.
package iamsim

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Statement is one policy statement.
type Statement struct {
	Effect    string   `json:"Effect"` // Allow or Deny
	Actions   []string `json:"Action"`
	Resources []string `json:"Resource"`
}

// Policy is a named policy attached to a principal. Type is how IAM
// reports its source: role or user (inline), user-managed, aws-managed.
type Policy struct {
	Name       string
	Type       string
	Statements []Statement
}

// Sim holds principals and their policies. It is safe for concurrent use.
type Sim struct {
	mu         sync.Mutex
	principals map[string][]Policy
	calls      int
}

// New returns a simulator with no principals.
func New() *Sim { return &Sim{principals: map[string][]Policy{}} }

// AddPrincipal defines a principal (replacing any policies it had).
func (s *Sim) AddPrincipal(arn string, policies ...Policy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.principals[arn] = append([]Policy(nil), policies...)
}

// Attach adds a policy to an existing principal: what an operator does in
// IAM outside the console to fix a denied action.
func (s *Sim) Attach(arn string, p Policy) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.principals[arn]; !ok {
		return fmt.Errorf("no principal %s", arn)
	}
	s.principals[arn] = append(s.principals[arn], p)
	return nil
}

// Calls is how many simulations were asked for.
func (s *Sim) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

const defaultMaxItems = 100

// SimulatePrincipalPolicy evaluates every action against every resource
// ("*" when none is given), paginated by MaxItems and Marker.
func (s *Sim) SimulatePrincipalPolicy(ctx context.Context, in *iam.SimulatePrincipalPolicyInput, _ ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src := aws.ToString(in.PolicySourceArn)
	if src == "" || len(in.ActionNames) == 0 {
		return nil, &types.InvalidInputException{Message: aws.String("PolicySourceArn and ActionNames are required.")}
	}
	policies, ok := s.principals[src]
	if !ok {
		return nil, &types.NoSuchEntityException{Message: aws.String(fmt.Sprintf("The principal %s cannot be found.", src))}
	}
	resources := in.ResourceArns
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var all []types.EvaluationResult
	for _, action := range in.ActionNames {
		for _, res := range resources {
			all = append(all, evaluate(policies, action, res))
		}
	}
	start := 0
	if m := aws.ToString(in.Marker); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(all) {
			return nil, &types.InvalidInputException{Message: aws.String("Invalid Marker.")}
		}
		start = n
	}
	limit := defaultMaxItems
	if in.MaxItems != nil && *in.MaxItems > 0 {
		limit = int(*in.MaxItems)
	}
	end := min(start+limit, len(all))
	out := &iam.SimulatePrincipalPolicyOutput{EvaluationResults: all[start:end]}
	if end < len(all) {
		out.IsTruncated = true
		out.Marker = aws.String(strconv.Itoa(end))
	}
	return out, nil
}

func evaluate(policies []Policy, action, resource string) types.EvaluationResult {
	r := types.EvaluationResult{EvalActionName: aws.String(action), EvalResourceName: aws.String(resource),
		EvalDecision: types.PolicyEvaluationDecisionTypeImplicitDeny, MissingContextValues: []string{}}
	var allows, denies []types.Statement
	for _, p := range policies {
		lines := statementLines(p)
		for i, st := range p.Statements {
			if !matchAny(st.Actions, action, true) || !matchAny(st.Resources, resource, false) {
				continue
			}
			ref := types.Statement{SourcePolicyId: aws.String(p.Name), SourcePolicyType: types.PolicySourceType(p.Type),
				StartPosition: &types.Position{Line: int32(lines[i][0]), Column: 5},
				EndPosition:   &types.Position{Line: int32(lines[i][1]), Column: 6}}
			if strings.EqualFold(st.Effect, "Deny") {
				denies = append(denies, ref)
			} else {
				allows = append(allows, ref)
			}
		}
	}
	switch {
	case len(denies) > 0:
		r.EvalDecision, r.MatchedStatements = types.PolicyEvaluationDecisionTypeExplicitDeny, denies
	case len(allows) > 0:
		r.EvalDecision, r.MatchedStatements = types.PolicyEvaluationDecisionTypeAllowed, allows
	}
	if resource != "*" {
		r.ResourceSpecificResults = []types.ResourceSpecificResult{{EvalResourceName: aws.String(resource),
			EvalResourceDecision: r.EvalDecision, MatchedStatements: r.MatchedStatements, MissingContextValues: []string{}}}
	}
	return r
}

// statementLines returns the first and last line of each statement in the
// policy document as IAM's console would show it (two-space indentation).
func statementLines(p Policy) [][2]int {
	line := 3 // {, "Version", "Statement": [
	out := make([][2]int, len(p.Statements))
	for i, st := range p.Statements {
		b, _ := json.MarshalIndent(st, "    ", "  ")
		n := strings.Count(string(b), "\n") + 1
		out[i] = [2]int{line + 1, line + n}
		line += n
	}
	return out
}

// matchAny reports whether any IAM pattern matches s.
func matchAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			p, s = strings.ToLower(p), strings.ToLower(s)
		}
		if p == "*" || p == s {
			return true
		}
		// IAM's wildcards are * and ?, which path.Match shares; IAM's *
		// also crosses '/', so escape the separator path.Match honours.
		if ok, err := path.Match(strings.ReplaceAll(p, "/", "\x00"), strings.ReplaceAll(s, "/", "\x00")); err == nil && ok {
			return true
		}
	}
	return false
}
