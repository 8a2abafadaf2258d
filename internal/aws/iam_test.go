package aws

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// fakeIAM is an httptest server speaking IAM's query protocol
// (form-encoded POST, XML answers) for SimulatePrincipalPolicy.
type fakeIAM struct {
	srv   *httptest.Server
	mu    sync.Mutex
	forms []url.Values
	// answer returns the status and XML body for the nth request.
	answer func(n int, form url.Values) (int, string)
}

func newFakeIAM(t *testing.T, answer func(n int, form url.Values) (int, string)) *fakeIAM {
	f := &fakeIAM{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(body))
		if err != nil || r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			t.Errorf("not a query-protocol request: %s %s %q", r.Method, r.Header.Get("Content-Type"), body)
		}
		f.mu.Lock()
		f.forms = append(f.forms, form)
		n := len(f.forms)
		f.mu.Unlock()
		status, out := f.answer(n, form)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, out)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIAM) client() *iam.Client {
	return iam.NewFromConfig(sdkaws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")},
		func(o *iam.Options) { o.BaseEndpoint = sdkaws.String(f.srv.URL) })
}

const streamARN = "arn:aws:kinesis:us-east-1:123456789012:stream/app-logs"

// simulateXML renders a SimulatePrincipalPolicy answer the way IAM does:
// list members as <member>, ResourceSpecificResults when a resource ARN
// was given.
func simulateXML(truncated bool, marker string, results ...string) string {
	m := ""
	if marker != "" {
		m = "<Marker>" + marker + "</Marker>"
	}
	return fmt.Sprintf(`<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulatePrincipalPolicyResult>
    <IsTruncated>%t</IsTruncated>%s
    <EvaluationResults>%s</EvaluationResults>
  </SimulatePrincipalPolicyResult>
  <ResponseMetadata><RequestId>6f9d3e1a-0000-4000-8000-000000000001</RequestId></ResponseMetadata>
</SimulatePrincipalPolicyResponse>`, truncated, m, strings.Join(results, ""))
}

func evalXML(action, decision, matched string) string {
	return fmt.Sprintf(`
      <member>
        <EvalActionName>%s</EvalActionName>
        <EvalResourceName>%s</EvalResourceName>
        <EvalDecision>%s</EvalDecision>
        <MatchedStatements>%s</MatchedStatements>
        <MissingContextValues/>
        <ResourceSpecificResults>
          <member>
            <EvalResourceName>%s</EvalResourceName>
            <EvalResourceDecision>%s</EvalResourceDecision>
            <MatchedStatements>%s</MatchedStatements>
            <MissingContextValues/>
          </member>
        </ResourceSpecificResults>
      </member>`, action, streamARN, decision, matched, streamARN, decision, matched)
}

func statementXML(policy, typ string, from, to int) string {
	return fmt.Sprintf(`<member><SourcePolicyId>%s</SourcePolicyId><SourcePolicyType>%s</SourcePolicyType>
<StartPosition><Line>%d</Line><Column>5</Column></StartPosition><EndPosition><Line>%d</Line><Column>6</Column></EndPosition></member>`, policy, typ, from, to)
}

func TestSimulateAccessOnTheWire(t *testing.T) {
	allow := statementXML("AppLogsProcessor", "role", 4, 14)
	deny := statementXML("arn:aws:iam::123456789012:policy/DenyWrites", "user-managed", 4, 12)
	f := newFakeIAM(t, func(n int, form url.Values) (int, string) {
		if n == 1 {
			return 200, simulateXML(true, "page-2",
				evalXML("kinesis:PutRecord", "explicitDeny", deny),
				evalXML("kinesis:GetRecords", "implicitDeny", ""))
		}
		return 200, simulateXML(false, "", evalXML("kinesis:DescribeStream", "allowed", allow))
	})
	actions := []string{"kinesis:PutRecord", "kinesis:GetRecords", "kinesis:DescribeStream"}
	got, err := SimulateAccess(context.Background(), f.client(), "arn:aws:iam::123456789012:role/log-processor", streamARN, actions)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.forms) != 2 {
		t.Fatalf("want two pages, got %d requests", len(f.forms))
	}
	first := f.forms[0]
	for k, want := range map[string]string{
		"Action": "SimulatePrincipalPolicy", "Version": "2010-05-08",
		"PolicySourceArn":      "arn:aws:iam::123456789012:role/log-processor",
		"ActionNames.member.1": "kinesis:PutRecord", "ActionNames.member.3": "kinesis:DescribeStream",
		"ResourceArns.member.1": streamARN,
	} {
		if first.Get(k) != want {
			t.Errorf("request %s = %q, want %q (form %v)", k, first.Get(k), want, first)
		}
	}
	if f.forms[0].Get("Marker") != "" || f.forms[1].Get("Marker") != "page-2" {
		t.Fatalf("the second page must send the marker: %v", f.forms)
	}
	if len(got) != 3 {
		t.Fatalf("%+v", got)
	}
	put, rec, desc := got[0], got[1], got[2]
	if put.Allowed() || put.Decision != DecisionExplicitDeny || len(put.Matched) != 1 || put.Matched[0].PolicyType != "user-managed" {
		t.Fatalf("explicit deny: %+v", put)
	}
	if w := put.Why(); w != "DENIED explicitly by policy arn:aws:iam::123456789012:policy/DenyWrites (user-managed), statement at lines 4-12" {
		t.Fatalf("why: %q", w)
	}
	if rec.Decision != DecisionImplicitDeny || len(rec.Matched) != 0 || !strings.Contains(rec.Why(), "no policy of the principal allows it") {
		t.Fatalf("implicit deny: %+v %s", rec, rec.Why())
	}
	if !desc.Allowed() || desc.Matched[0].PolicyID != "AppLogsProcessor" || desc.Matched[0].StartLine != 4 || desc.Resource != streamARN {
		t.Fatalf("allowed: %+v", desc)
	}
}

func TestSimulateAccessErrors(t *testing.T) {
	errXML := func(code, msg string) string {
		return `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>` + code +
			`</Code><Message>` + msg + `</Message></Error><RequestId>1</RequestId></ErrorResponse>`
	}
	cases := map[string]struct {
		status int
		body   string
		want   string
	}{
		"unknown principal": {404, errXML("NoSuchEntity", "The role with name nope cannot be found."), "IAM has no principal arn:aws:iam::123456789012:role/nope"},
		"caller denied":     {403, errXML("AccessDenied", "User: x is not authorized to perform: iam:SimulatePrincipalPolicy"), "needs iam:SimulatePrincipalPolicy"},
		"bad input":         {400, errXML("InvalidInput", "Invalid ARN"), "IAM rejected the simulation input: Invalid ARN"},
	}
	for name, tc := range cases {
		f := newFakeIAM(t, func(int, url.Values) (int, string) { return tc.status, tc.body })
		_, err := SimulateAccess(context.Background(), f.client(), "arn:aws:iam::123456789012:role/nope", streamARN, StreamActions)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want %q, got %v", name, tc.want, err)
		}
	}
	if _, err := SimulateAccess(context.Background(), nil, "log-processor", streamARN, StreamActions); err == nil || !strings.Contains(err.Error(), "is not an IAM principal ARN") {
		t.Errorf("a role name is not an ARN: %v", err)
	}
}

// TestLazyIAMLoadsTheSDKChain: the lazy client resolves credentials and
// the endpoint through the SDK's standard chain on first use.
func TestLazyIAMLoadsTheSDKChain(t *testing.T) {
	f := newFakeIAM(t, func(int, url.Values) (int, string) {
		return 200, simulateXML(false, "", evalXML("kinesis:ListShards", "allowed", statementXML("P", "role", 1, 2)))
	})
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_ENDPOINT_URL_IAM", f.srv.URL)
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
	api := NewLazyIAM(Config{Region: "eu-west-1"})
	if len(f.forms) != 0 {
		t.Fatal("nothing is sent before the first simulation")
	}
	got, err := SimulateAccess(context.Background(), api, "arn:aws:iam::123456789012:role/r", streamARN, []string{"kinesis:ListShards"})
	if err != nil || len(got) != 1 || !got[0].Allowed() {
		t.Fatalf("%+v %v", got, err)
	}
}
