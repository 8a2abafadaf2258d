// Package ops is the remediation pipeline. Every mutating call the console
// makes goes through it: Validate -> Plan -> Confirm -> Guard -> Apply ->
// Verify -> Audit (DESIGN.md §2). Views never call a mutating API directly;
// they build an Action and hand it to a Runner.
//
// Nothing here imports Bubble Tea: the confirm dialog lives in internal/ui and
// drives a Runner through Prepare and Execute.
package ops

import (
	"context"
	"fmt"
	"strings"
)

// Action is one remediation against one resource. Implementations live next to
// the backend they act on (internal/aws, internal/es, internal/k8s).
//
// The contract, in the order the Runner calls it:
//   - Validate checks the parameters and the live state (it may read, never
//     write) and returns an error in the operator's words when the action
//     cannot or should not run. A failed Validate sends nothing.
//   - Plan describes the change: what it does, the exact API request(s) and
//     the equivalent CLI. It must not send anything either.
//   - Apply sends the mutation once. Implementations must not let the SDK
//     auto-retry a mutation (a retried split or rollover is a second change).
//   - Verify polls until the change is visible (or ctx ends) and returns a
//     short description of the state it observed.
type Action interface {
	// Name is the command-mode verb, for example "reshard" or "ilm-retry".
	Name() string
	// Backend is "kinesis", "elasticsearch" or "kubernetes".
	Backend() string
	// Resource is what the action acts on: a stream, index, alias or deployment.
	Resource() string
	// Params are the operator's parameters, recorded in the audit log.
	Params() map[string]string

	Validate(ctx context.Context) error
	Plan(ctx context.Context) (Plan, error)
	Apply(ctx context.Context) error
	Verify(ctx context.Context) (string, error)
}

// PermissionChecker is implemented by actions whose backend can answer "may I?"
// cheaply before anything is sent (a Kubernetes SelfSubjectAccessReview, say).
// The guard calls it after the read-only rules and before Apply.
type PermissionChecker interface {
	CheckPermission(ctx context.Context) error
}

// Risk is how hard the confirm dialog makes it to say yes.
type Risk int

const (
	// RiskConfirm asks for y/n, defaulting to No.
	RiskConfirm Risk = iota
	// RiskTyped asks the operator to type the name of what the action acts on.
	RiskTyped
)

func (r Risk) String() string {
	if r == RiskTyped {
		return "typed"
	}
	return "confirm"
}

// Request is one API call exactly as it will be sent.
type Request struct {
	// API names the call: "Kinesis.UpdateShardCount", "PUT /_ilm/policy/logs",
	// "PATCH apps/v1 namespaces/kube-system/deployments/coredns".
	API string `json:"api"`
	// Body is the exact request body (JSON), empty when there is none.
	Body string `json:"body,omitempty"`
}

func (r Request) String() string {
	if r.Body == "" {
		return r.API
	}
	return r.API + " " + r.Body
}

// Plan is what the confirm dialog shows and the audit log records.
type Plan struct {
	// Title is one line: "Reshard app-logs".
	Title string
	// Changes says what will be different afterwards, one line each.
	Changes []string
	// Requests are the API calls Apply will make, in order.
	Requests []Request
	// CLI are the equivalent aws/curl/kubectl commands, one per request.
	CLI []string
	// Notes are caveats the operator should read (limits, costs, what a fix
	// will not fix).
	Notes []string
	// Risk and ConfirmName: for RiskTyped, the operator must type ConfirmName
	// (the stream, index or deployment name).
	Risk        Risk
	ConfirmName string
}

// Confirmation is one phrase the operator must type before Apply.
type Confirmation struct {
	Prompt string
	Expect string
}

// Validate reports a plan that an Action built wrong; it is a programming
// error, not an operator error, but it must never reach Apply.
func (p Plan) validate() error {
	if p.Title == "" {
		return fmt.Errorf("plan has no title")
	}
	if len(p.Requests) == 0 {
		return fmt.Errorf("plan %q lists no request", p.Title)
	}
	if p.Risk == RiskTyped && strings.TrimSpace(p.ConfirmName) == "" {
		return fmt.Errorf("plan %q is high-risk but names nothing to type", p.Title)
	}
	return nil
}

// RequestsText is the requests joined for the audit log.
func (p Plan) RequestsText() string {
	parts := make([]string, len(p.Requests))
	for i, r := range p.Requests {
		parts[i] = r.String()
	}
	return strings.Join(parts, "\n")
}

// CLIText is the CLI lines joined for the audit log and the clipboard.
func (p Plan) CLIText() string { return strings.Join(p.CLI, "\n") }
