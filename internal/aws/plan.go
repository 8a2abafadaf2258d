package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// errCaptured stops a request after it was serialised; nothing is sent.
var errCaptured = errors.New("request captured, not sent")

type captureClient struct{ body []byte }

func (c *captureClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		c.body, _ = io.ReadAll(r.Body)
	}
	return nil, errCaptured
}

// kinesisRequest returns the exact JSON body the SDK sends for a Kinesis
// call, by running the real serializer against a client whose transport
// records the request and sends nothing. The plan therefore shows what
// Apply will put on the wire, field order included.
func kinesisRequest(op string, call func(ctx context.Context, c *kinesis.Client) error) (ops.Request, error) {
	cc := &captureClient{}
	client := kinesis.New(kinesis.Options{
		Region:      "us-east-1",
		Credentials: sdkaws.AnonymousCredentials{},
		HTTPClient:  cc,
		Retryer:     sdkaws.NopRetryer{},
	})
	err := call(context.Background(), client)
	if !errors.Is(err, errCaptured) {
		return ops.Request{}, fmt.Errorf("internal error: cannot render the %s request: %v", op, err)
	}
	return ops.Request{API: "Kinesis." + op, Body: string(bytes.TrimSpace(cc.body))}, nil
}

// cli renders an `aws kinesis` command with the connection's profile,
// region and endpoint, every argument shell-quoted.
func (b *Backend) cli(sub string, args ...string) string {
	var sb strings.Builder
	sb.WriteString("aws kinesis " + sub)
	for i := 0; i+1 < len(args); i += 2 {
		sb.WriteString(" " + args[i])
		for _, v := range strings.Fields(args[i+1]) {
			sb.WriteString(" " + shellQuote(v))
		}
	}
	if b.where.profile != "" {
		sb.WriteString(" --profile " + shellQuote(b.where.profile))
	}
	if b.where.region != "" {
		sb.WriteString(" --region " + shellQuote(b.where.region))
	}
	if b.opts.KinesisEndpoint != "" {
		sb.WriteString(" --endpoint-url " + shellQuote(b.opts.KinesisEndpoint))
	}
	return sb.String()
}

// target is what every Kinesis action shares: the backend, the stream and
// the operator's parameters.
type target struct {
	b      *Backend
	stream string
	params map[string]string
}

func newTarget(b *Backend, stream, key, value string) target {
	return target{b: b, stream: stream, params: map[string]string{key: value}}
}

func (t *target) Backend() string           { return "kinesis" }
func (t *target) Resource() string          { return t.stream }
func (t *target) Params() map[string]string { return t.params }

// request renders the one call an action's send makes, through the
// capture client: the plan shows exactly what Apply will send.
func (t *target) request(api string, send func(context.Context, StreamMutator, ...func(*kinesis.Options)) error) (ops.Request, error) {
	return kinesisRequest(api, func(ctx context.Context, c *kinesis.Client) error { return send(ctx, c) })
}

// activeSummary reads the stream and refuses anything but ACTIVE.
func (t *target) activeSummary(ctx context.Context) (StreamSummary, error) {
	if err := validStreamName(t.stream); err != nil {
		return StreamSummary{}, err
	}
	s, err := t.b.DescribeStream(ctx, t.stream)
	if err != nil {
		return StreamSummary{}, err
	}
	return s, requireActive(s)
}

// activeWithShards is activeSummary plus every shard of the stream.
func (t *target) activeWithShards(ctx context.Context) (StreamSummary, []Shard, error) {
	s, err := t.activeSummary(ctx)
	if err != nil {
		return s, nil, err
	}
	shards, err := t.b.ListShards(ctx, t.stream)
	return s, shards, err
}

func requireActive(s StreamSummary) error {
	if s.Status != StatusActive {
		return fmt.Errorf("stream %s is %s; Kinesis accepts this change only on an ACTIVE stream. Wait until it is ACTIVE (a reshard usually takes seconds to minutes) and try again", s.Name, s.Status)
	}
	return nil
}

// waitFor polls the stream until it is ACTIVE and done reports true, or ctx
// ends. It returns the last summary seen.
func (t *target) waitFor(ctx context.Context, done func(StreamSummary) bool) (StreamSummary, error) {
	for {
		s, err := t.b.DescribeStream(ctx, t.stream)
		if err == nil && s.Status == StatusActive && done(s) {
			return s, nil
		}
		if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			return s, err
		}
		if serr := t.b.opts.Sleep(ctx, t.b.opts.PollInterval); serr != nil {
			if err != nil {
				return s, fmt.Errorf("the change was sent but could not be confirmed: %w", err)
			}
			return s, fmt.Errorf("the change was sent but %s was still %s with %d open shards when the wait ended: %w", t.stream, s.Status, s.OpenShards, serr)
		}
	}
}

// validStreamName checks the AWS naming rule before anything is sent.
func validStreamName(name string) error {
	if name == "" || len(name) > 128 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != "" {
		return fmt.Errorf("%q is not a Kinesis stream name (1-128 letters, digits, '_', '.', '-')", name)
	}
	return nil
}

// sharePct formats a share of the keyspace: "25%", "12.5%", "0.39%".
func sharePct(share float64) string {
	v := strconv.FormatFloat(share*100, 'f', 2, 64)
	v = strings.TrimRight(strings.TrimRight(v, "0"), ".")
	return v + "%"
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// capacity describes a provisioned stream's limits at n shards.
func capacity(n int) string {
	return fmt.Sprintf("write %d MiB/s and %s records/s, read %d MiB/s", n, thousands(n*1000), 2*n)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// recentMetrics reads the stream's last hour of metrics for a plan's notes;
// a failure only means the notes have less to say.
func (t *target) recentMetrics(ctx context.Context) (StreamMetrics, bool) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m, err := t.b.StreamMetrics(ctx, []string{t.stream}, LastHour(t.b.opts.Now()))
	if err != nil {
		return StreamMetrics{}, false
	}
	sm, ok := m[t.stream]
	return sm, ok && sm.IncomingBytesPerSec.Max() > 0
}
