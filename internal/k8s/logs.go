package k8s

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/opsconsole/internal/k8s/dnslog"
	"github.com/opsconsole/opsconsole/internal/panicsafe"
)

// LogOptions choose which logs of a pod to read.
type LogOptions struct {
	// Container defaults to the pod's default container (see Pod.DefaultContainer).
	Container string
	// Previous reads the last terminated instance: for a crash-looping
	// pod, that is the one that printed why it died.
	Previous bool
	// Follow keeps the stream open for new lines.
	Follow bool
	// TailLines limits the backlog to the last N lines; 0 means all.
	TailLines int64
}

// LogSource is where pod logs come from. The real one streams from the API
// server; the demo and tests supply their own, because client-go's fake
// clientset only ever answers "fake logs".
type LogSource interface {
	// PodLogs opens a pod's log stream. The caller closes it; cancelling
	// ctx must unblock reads.
	PodLogs(ctx context.Context, namespace, pod string, opts LogOptions) (io.ReadCloser, error)
}

// apiLogs reads logs through the API server (GET pods/log).
type apiLogs struct{ cs kubernetes.Interface }

func (a apiLogs) PodLogs(ctx context.Context, namespace, pod string, opts LogOptions) (io.ReadCloser, error) {
	po := &corev1.PodLogOptions{Container: opts.Container, Previous: opts.Previous, Follow: opts.Follow}
	if opts.TailLines > 0 {
		po.TailLines = &opts.TailLines
	}
	return a.cs.CoreV1().Pods(namespace).GetLogs(pod, po).Stream(ctx)
}

// LogLine is one line of a pod's log, classified. Text is raw: whoever puts
// it on a terminal sanitises it.
type LogLine struct {
	Text string
	// Truncated is set when the line was longer than MaxLogLine and cut.
	Truncated bool
	dnslog.Result
}

// MaxLogLine bounds one line's length, so a runaway line cannot exhaust memory.
const MaxLogLine = 64 * 1024

// LogStream is an open log stream.
type LogStream struct {
	lines chan LogLine
	err   error
}

// Lines delivers the lines in order; it is closed at the end of the log
// (not following), when the stream fails, or when the context is cancelled.
func (s *LogStream) Lines() <-chan LogLine { return s.lines }

// Err is why the stream ended early; nil for a normal end or cancellation.
// Read it only after Lines is closed.
func (s *LogStream) Err() error { return s.err }

// Logs opens a pod's logs as a stream of classified lines. Opening errors
// (forbidden, no previous container, unknown pod) come back at once, worded
// for the operator.
func (c *Client) Logs(ctx context.Context, pod string, opts LogOptions) (*LogStream, error) {
	ns := c.cfg.Namespace
	if opts.Container == "" {
		gctx, cancel := withTimeout(ctx)
		p, err := c.cs.CoreV1().Pods(ns).Get(gctx, pod, metav1.GetOptions{})
		cancel()
		if err != nil {
			return nil, explain(err, access{Verb: "get", Resource: "pods", Namespace: ns, Name: pod})
		}
		opts.Container = defaultContainer(p)
	}
	rc, err := c.logs.PodLogs(ctx, ns, pod, opts)
	if err != nil {
		if opts.Previous && apierrors.IsBadRequest(err) {
			return nil, fmt.Errorf("pod %s has no previous instance of container %s (it has not restarted, or the kubelet already removed it): %w", pod, opts.Container, err)
		}
		return nil, explain(err, access{Verb: "get", Resource: "pods", Subresource: "log", Namespace: ns, Name: pod})
	}
	s := &LogStream{lines: make(chan LogLine, 64)}
	go func() {
		defer close(s.lines)
		defer rc.Close()
		defer panicsafe.Recover(func(err error) { s.err = err })
		err := readLines(ctx, rc, s.lines)
		if err != nil && ctx.Err() == nil {
			s.err = fmt.Errorf("log stream of pod %s ended: %w", pod, err)
		}
	}()
	return s, nil
}

// errCancelled stops readLines when nobody listens any more.
var errCancelled = errors.New("cancelled")

// readLines splits r into classified lines, cutting lines longer than
// MaxLogLine.
func readLines(ctx context.Context, r io.Reader, out chan<- LogLine) error {
	br := bufio.NewReaderSize(r, MaxLogLine)
	for {
		chunk, err := br.ReadSlice('\n')
		line := LogLine{Text: string(bytes.TrimRight(chunk, "\r\n"))}
		for errors.Is(err, bufio.ErrBufferFull) {
			line.Truncated = true
			_, err = br.ReadSlice('\n')
		}
		if len(chunk) > 0 {
			line.Result = dnslog.Classify(line.Text)
			select {
			case out <- line:
			case <-ctx.Done():
				return errCancelled
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
