package k8s

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/opsconsole/opsconsole/internal/k8s/dnslog"
)

// scriptedLogs is a LogSource with fixed text, recording what was asked.
type scriptedLogs struct {
	text   string
	err    error
	asked  LogOptions
	follow bool // keep the stream open after the text until ctx ends
}

func (s *scriptedLogs) PodLogs(ctx context.Context, _, _ string, opts LogOptions) (io.ReadCloser, error) {
	s.asked = opts
	if s.err != nil {
		return nil, s.err
	}
	if !s.follow {
		return io.NopCloser(strings.NewReader(s.text)), nil
	}
	pr, pw := io.Pipe()
	go func() {
		if _, err := io.WriteString(pw, s.text); err != nil {
			return
		}
		<-ctx.Done()
		pw.CloseWithError(ctx.Err())
	}()
	return pr, nil
}

func collect(t *testing.T, s *LogStream) []LogLine {
	t.Helper()
	var out []LogLine
	for l := range s.Lines() {
		out = append(out, l)
	}
	return out
}

func TestLogsClassifiesLinesAndPicksTheDefaultContainer(t *testing.T) {
	src := &scriptedLogs{text: ".:53\r\nCoreDNS-1.11.3\n" +
		`[FATAL] plugin/loop: Loop (127.0.0.1:49214 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting.` + "\n" +
		"no trailing newline"}
	cs, _ := newFake(t, fixture()...)
	c, _ := NewFromClientset(cs, Config{}, WithLogSource(src))
	s, err := c.Logs(context.Background(), "coredns-2", LogOptions{Previous: true, TailLines: 50})
	if err != nil {
		t.Fatal(err)
	}
	lines := collect(t, s)
	if s.Err() != nil {
		t.Fatal(s.Err())
	}
	if len(lines) != 4 || lines[0].Text != ".:53" || lines[3].Text != "no trailing newline" {
		t.Fatalf("lines = %+v", lines)
	}
	if lines[2].Class != dnslog.Loop || lines[2].Severity != dnslog.SevFatal || lines[0].Class != dnslog.Normal {
		t.Errorf("classes = %v %v", lines[0].Class, lines[2].Class)
	}
	if src.asked != (LogOptions{Container: "coredns", Previous: true, TailLines: 50}) {
		t.Errorf("asked %+v", src.asked)
	}
}

func TestLogsErrorsAreWorded(t *testing.T) {
	cs, _ := newFake(t, fixture()...)
	src := &scriptedLogs{err: apierrors.NewBadRequest(`previous terminated container "coredns" in pod "coredns-1" not found`)}
	c, _ := NewFromClientset(cs, Config{}, WithLogSource(src))
	_, err := c.Logs(context.Background(), "coredns-1", LogOptions{Previous: true})
	if err == nil || !strings.Contains(err.Error(), "has no previous instance of container coredns") {
		t.Errorf("previous: %v", err)
	}
	_, err = c.Logs(context.Background(), "nope", LogOptions{})
	if err == nil || !strings.Contains(err.Error(), "pods nope not found in namespace kube-system") {
		t.Errorf("unknown pod: %v", err)
	}
	src.err = apierrors.NewForbidden(podsGR, "coredns-1", errors.New("RBAC"))
	_, err = c.Logs(context.Background(), "coredns-1", LogOptions{Container: "coredns"})
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), `get pods/log "coredns-1"`) {
		t.Errorf("forbidden: %v", err)
	}
}

func TestLogsFollowStopsOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cs, _ := newFake(t, fixture()...)
	c, _ := NewFromClientset(cs, Config{}, WithLogSource(&scriptedLogs{text: "a\nb\n", follow: true}))
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.Logs(ctx, "coredns-1", LogOptions{Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	if l := <-s.Lines(); l.Text != "a" {
		t.Fatalf("first line %q", l.Text)
	}
	cancel()
	for range s.Lines() {
	}
	if s.Err() != nil {
		t.Errorf("cancellation is a normal end, got %v", s.Err())
	}
}

func TestReadLinesCutsLongLines(t *testing.T) {
	long := strings.Repeat("x", MaxLogLine*2+10)
	out := make(chan LogLine, 10)
	if err := readLines(context.Background(), strings.NewReader("short\n"+long+"\n[ERROR] after\n"), out); err != nil {
		t.Fatal(err)
	}
	close(out)
	var got []LogLine
	for l := range out {
		got = append(got, l)
	}
	if len(got) != 3 || got[0].Truncated || !got[1].Truncated || len(got[1].Text) != MaxLogLine || got[2].Class != dnslog.Error {
		t.Fatalf("got %d lines: truncated=%v len=%d last=%+v", len(got), got[1].Truncated, len(got[1].Text), got[2])
	}
}

func BenchmarkReadLines(b *testing.B) {
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		sb.WriteString(`[INFO] 10.244.2.31:52714 - 4411 "A IN checkout.shop.svc.cluster.local. udp 49 false 512" NOERROR qr,aa,rd 114 0.000188s` + "\n")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		out := make(chan LogLine, 1024)
		if err := readLines(context.Background(), strings.NewReader(text), out); err != nil {
			b.Fatal(err)
		}
	}
}

var podsGR = schema.GroupResource{Resource: "pods"}
