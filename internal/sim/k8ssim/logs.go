package k8ssim

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/opsconsole/internal/k8s"
)

// Logs is the fleet's k8s.LogSource: what CoreDNS would print in each pod.
func (f *Fleet) Logs() k8s.LogSource { return fleetLogs{f: f} }

type fleetLogs struct{ f *Fleet }

// FollowInterval is how often a followed healthy pod prints a query line.
const FollowInterval = 1500 * time.Millisecond

var banner = []string{
	".:53",
	"[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908",
	"CoreDNS-1.11.3",
	"linux/amd64, go1.21.11, a6338e9",
}

// loopLines is what a CoreDNS pod on LoopNode prints before it exits.
func loopLines(seq int32) []string {
	return append(append([]string{}, banner...),
		fmt.Sprintf(`[FATAL] plugin/loop: Loop (127.0.0.1:%d -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO 4547991504243258144.3688648895315093531."`, 41000+seq*337%20000))
}

// healthyLines is a healthy pod's backlog: queries answered, and the odd
// upstream hiccup for the classifier to mark.
func healthyLines(p *corev1.Pod) []string {
	ip := podIP(p)
	return append(append([]string{}, banner...),
		`[INFO] 10.244.2.31:52714 - 4411 "A IN checkout.shop.svc.cluster.local. udp 49 false 512" NOERROR qr,aa,rd 114 0.000188s`,
		`[INFO] 10.244.2.31:52714 - 18093 "AAAA IN checkout.shop.svc.cluster.local. udp 49 false 512" NOERROR qr,aa,rd 142 0.000121s`,
		`[INFO] 10.244.1.9:40022 - 6120 "A IN api.stripe.com.shop.svc.cluster.local. udp 55 false 512" NXDOMAIN qr,aa,rd 148 0.000097s`,
		fmt.Sprintf(`[ERROR] plugin/errors: 2 api.stripe.com. A: read udp %s:51522->10.0.0.2:53: i/o timeout`, ip),
		`[INFO] 10.244.1.9:40022 - 6121 "A IN api.stripe.com. udp 32 false 512" SERVFAIL qr,rd 32 2.001s`,
		`[INFO] 10.244.1.9:40022 - 6122 "A IN api.stripe.com. udp 32 false 512" NOERROR qr,rd,ra 96 0.012s`,
		`[INFO] 10.244.2.40:35901 - 771 "A IN orders-db.shop.svc.cluster.local. udp 50 false 512" NOERROR qr,aa,rd 116 0.000140s`,
	)
}

func (l fleetLogs) PodLogs(ctx context.Context, namespace, name string, opts k8s.LogOptions) (io.ReadCloser, error) {
	p, err := l.f.cs.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if opts.Container != "" && opts.Container != "coredns" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", opts.Container, name))
	}
	life := lifeAt(p, l.f.now())
	var lines []string
	switch {
	case opts.Previous && life.restarts == 0:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("previous terminated container %q in pod %q not found", "coredns", name))
	case life.creating:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", "coredns", name))
	case loops(p):
		lines = loopLines(life.restarts)
	default:
		lines = healthyLines(p)
	}
	if opts.TailLines > 0 && int(opts.TailLines) < len(lines) {
		lines = lines[len(lines)-int(opts.TailLines):]
	}
	backlog := strings.Join(lines, "\n") + "\n"
	if !opts.Follow || loops(p) || opts.Previous {
		// A looping CoreDNS has exited: following it ends with its output.
		return io.NopCloser(strings.NewReader(backlog)), nil
	}
	return follow(ctx, backlog, podIP(p)), nil
}

// follow streams the backlog, then a query line every FollowInterval until
// ctx ends or the reader closes.
func follow(ctx context.Context, backlog, ip string) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		if _, err := io.WriteString(pw, backlog); err != nil {
			return
		}
		t := time.NewTicker(FollowInterval)
		defer t.Stop()
		for n := 1; ; n++ {
			select {
			case <-ctx.Done():
				pw.CloseWithError(ctx.Err())
				return
			case <-t.C:
				line := fmt.Sprintf("[INFO] 10.244.2.31:%d - %d \"A IN cart.shop.svc.cluster.local. udp 45 false 512\" NOERROR qr,aa,rd 106 0.000%03ds\n", 40000+n%20000, 1000+n, 100+n%800)
				if n%17 == 0 {
					line = fmt.Sprintf("[ERROR] plugin/errors: 2 api.stripe.com. A: read udp %s:%d->10.0.0.2:53: i/o timeout\n", ip, 50000+n%10000)
				}
				if _, err := io.WriteString(pw, line); err != nil {
					return // the reader closed
				}
			}
		}
	}()
	return pr
}
