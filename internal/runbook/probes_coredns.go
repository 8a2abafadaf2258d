package runbook

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/opsconsole/opsconsole/internal/k8s"
	"github.com/opsconsole/opsconsole/internal/k8s/corefile"
	"github.com/opsconsole/opsconsole/internal/k8s/dnslog"
)

func corednsProbes() []*Probe {
	return []*Probe{
		{
			Name: "coredns.pods", Backend: BackendKubernetes,
			Help: "CoreDNS pods: ready, crash-looping, restarts, and the Deployment's desired replicas",
			Outputs: []Output{
				{"pods", KindNumber, "CoreDNS pods"}, {"ready", KindNumber, "healthy pods (Running, every container ready)"},
				{"not_ready", KindNumber, "pods that are not healthy"}, {"crashlooping", KindNumber, "pods in CrashLoopBackOff"},
				{"max_restarts", KindNumber, "the highest restart count"}, {"desired", KindNumber, "the Deployment's spec.replicas"},
				{"failing_pod", KindText, "the worst failing pod"},
			},
			Thresholds: map[string]Threshold{"not_ready": mustThreshold("", ">= 1"), "ready": mustThreshold("", "< 1"), "desired": mustThreshold("< 2", "")},
			Run:        probeCoreDNSPods,
		},
		{
			Name: "coredns.loop", Backend: BackendKubernetes,
			Help: "the loop plugin's [FATAL] line in the previous logs of restarted or failing CoreDNS pods",
			Outputs: []Output{
				{"loop_lines", KindNumber, "loop detection lines found"}, {"looping_pods", KindNumber, "pods whose logs show a loop"},
				{"pod", KindText, "the first looping pod"}, {"node", KindText, "the node it ran on"},
			},
			Thresholds: map[string]Threshold{"loop_lines": mustThreshold("", ">= 1")},
			Run:        probeCoreDNSLoop,
		},
		{
			Name: "coredns.upstream", Backend: BackendKubernetes,
			Help:   "upstream timeouts, SERVFAILs, no-healthy-upstream and Kubernetes API errors in the recent logs of running CoreDNS pods",
			Params: []ProbeParam{{Name: "lines", Default: "200", Help: "log lines to read per pod"}},
			Outputs: []Output{
				{"timeouts", KindNumber, "upstream i/o timeouts"}, {"servfail", KindNumber, "SERVFAIL answers"},
				{"no_healthy", KindNumber, "no-healthy-upstream lines"}, {"api_errors", KindNumber, "kubernetes plugin errors"},
			},
			Thresholds: map[string]Threshold{"timeouts": mustThreshold(">= 3", ">= 20"), "no_healthy": mustThreshold("", ">= 1"), "api_errors": mustThreshold(">= 1", "")},
			Run:        probeCoreDNSUpstream,
		},
		{
			Name: "coredns.corefile", Backend: BackendKubernetes,
			Help: "the Corefile's syntax and common misconfigurations (forwarding to itself, proxy, missing health/ready/loop/cache)",
			Outputs: []Output{
				{"errors", KindNumber, "error findings (CoreDNS will fail)"}, {"warnings", KindNumber, "warning findings"},
				{"parse_error", KindNumber, "1 when the Corefile does not parse"},
				{"forwards_resolv_conf", KindNumber, "1 when forward uses the node's resolv.conf"},
			},
			Thresholds: map[string]Threshold{"errors": mustThreshold("", ">= 1"), "parse_error": mustThreshold("", ">= 1"), "warnings": mustThreshold(">= 1", "")},
			Run:        probeCorefile,
		},
		{
			Name: "coredns.endpoints", Backend: BackendKubernetes,
			Help: "the kube-dns Service and how many ready endpoints back it (pods send queries to its ClusterIP)",
			Outputs: []Output{
				{"ready_endpoints", KindNumber, "ready endpoint addresses"}, {"not_ready_endpoints", KindNumber, "not-ready addresses"},
				{"service", KindNumber, "1 when the Service exists"},
			},
			Thresholds: map[string]Threshold{"service": mustThreshold("", "< 1"), "ready_endpoints": mustThreshold("", "< 1"), "not_ready_endpoints": mustThreshold(">= 1", "")},
			Run:        probeCoreDNSEndpoints,
		},
	}
}

// corednsSnapshot takes one look at CoreDNS through a short-lived watch.
func corednsSnapshot(ctx context.Context, c *k8s.Client) (k8s.Snapshot, error) {
	wctx, cancel := context.WithCancel(ctx)
	w := c.Watch(wctx)
	defer func() {
		cancel()
		<-w.Done()
	}()
	for {
		select {
		case s, ok := <-w.Updates():
			if !ok {
				return k8s.Snapshot{}, errors.New("the CoreDNS watch stopped before its first answer")
			}
			if !s.Synced && len(s.Problems) > 0 {
				return s, errors.New(strings.Join(s.Problems, "; "))
			}
			if s.Synced {
				return s, nil
			}
		case <-ctx.Done():
			return k8s.Snapshot{}, fmt.Errorf("no answer from the Kubernetes API: %w", ctx.Err())
		}
	}
}

func probeCoreDNSPods(ctx context.Context, env *Env, _ Args) (Observation, error) {
	s, err := corednsSnapshot(ctx, env.K8s)
	if err != nil {
		return Observation{}, err
	}
	ready, crash := 0, 0
	var maxRestarts int32
	obs := Observation{}
	for _, p := range s.Pods {
		if p.Healthy {
			ready++
		}
		if p.Status == "CrashLoopBackOff" {
			crash++
		}
		maxRestarts = max(maxRestarts, p.Restarts)
		line := fmt.Sprintf("%s on %s: %s, ready %s, %d restarts", p.Name, orNone(p.Node), p.Status, p.ReadyText(), p.Restarts)
		if p.Detail != "" {
			line += " (" + p.Detail + ")"
		}
		obs.Evidence = append(obs.Evidence, line)
	}
	obs.Outputs = map[string]Value{
		"pods": Number(float64(len(s.Pods))), "ready": Number(float64(ready)), "not_ready": Number(float64(len(s.Pods) - ready)),
		"crashlooping": Number(float64(crash)), "max_restarts": Number(float64(maxRestarts)),
	}
	if d := s.Deployment; d != nil {
		obs.Outputs["desired"] = Number(float64(d.Desired))
		obs.Evidence = append(obs.Evidence, fmt.Sprintf("deployment %s: %d desired, %d ready, %d up to date; %s", d.Name, d.Desired, d.Ready, d.Updated, d.Rollout))
	} else {
		obs.Evidence = append(obs.Evidence, "the CoreDNS Deployment is not visible (deleted, renamed, or no permission)")
	}
	if f := s.Failing(); len(f) > 0 {
		obs.Outputs["failing_pod"] = Text(f[0].Name)
	}
	for _, p := range s.Problems {
		obs.Evidence = append(obs.Evidence, "watch problem: "+p)
	}
	obs.Summary = fmt.Sprintf("%d of %d CoreDNS pods ready", ready, len(s.Pods))
	if crash > 0 {
		obs.Summary += fmt.Sprintf(", %d in CrashLoopBackOff", crash)
	}
	return obs, nil
}

// readLog reads a pod's log (not following) as classified lines.
func readLog(ctx context.Context, c *k8s.Client, pod string, opts k8s.LogOptions) ([]k8s.LogLine, error) {
	s, err := c.Logs(ctx, pod, opts)
	if err != nil {
		return nil, err
	}
	var out []k8s.LogLine
	for l := range s.Lines() {
		out = append(out, l)
	}
	return out, s.Err()
}

func probeCoreDNSLoop(ctx context.Context, env *Env, _ Args) (Observation, error) {
	c := env.K8s
	s, err := corednsSnapshot(ctx, c)
	if err != nil {
		return Observation{}, err
	}
	obs := Observation{}
	lines, pods := 0, 0
	checked := 0
	for _, p := range s.Pods {
		if p.Healthy && p.Restarts == 0 {
			continue
		}
		checked++
		log, err := readLog(ctx, c, p.Name, k8s.LogOptions{Previous: p.Restarts > 0, TailLines: 100})
		if err != nil {
			obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s: logs unreadable: %v", p.Name, err))
			continue
		}
		found := 0
		for _, l := range log {
			if l.Class != dnslog.Loop {
				continue
			}
			found++
			if found == 1 {
				obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s on %s: %s", p.Name, orNone(p.Node), l.Text))
			}
		}
		if found > 0 {
			if pods == 0 {
				obs.Outputs = map[string]Value{"pod": Text(p.Name), "node": Text(p.Node)}
				obs.Evidence = append(obs.Evidence, "meaning: "+dnslog.Classify("plugin/loop: Loop (").Hint)
			}
			pods++
			lines += found
		}
	}
	if obs.Outputs == nil {
		obs.Outputs = map[string]Value{}
	}
	obs.Outputs["loop_lines"] = Number(float64(lines))
	obs.Outputs["looping_pods"] = Number(float64(pods))
	switch {
	case pods > 0:
		obs.Summary = fmt.Sprintf("%d CoreDNS pod(s) stopped on a forwarding loop (first: %s on node %s)", pods, obs.Outputs["pod"], obs.Outputs["node"])
	case checked == 0:
		obs.Summary = "no CoreDNS pod restarted or is failing, so there is no crash to explain"
		obs.Evidence = append(obs.Evidence, obs.Summary)
	default:
		obs.Summary = fmt.Sprintf("no loop detection in the logs of the %d restarted or failing pod(s)", checked)
		obs.Evidence = append(obs.Evidence, obs.Summary)
	}
	return obs, nil
}

func probeCoreDNSUpstream(ctx context.Context, env *Env, a Args) (Observation, error) {
	n, err := a.Int("lines")
	if err != nil || n < 1 {
		return Observation{}, fmt.Errorf("lines must be a whole number of 1 or more")
	}
	c := env.K8s
	s, err := corednsSnapshot(ctx, c)
	if err != nil {
		return Observation{}, err
	}
	counts := map[dnslog.Class]int{}
	examples := map[dnslog.Class]string{}
	read := 0
	obs := Observation{}
	for _, p := range s.Pods {
		if !p.Healthy {
			continue
		}
		log, err := readLog(ctx, c, p.Name, k8s.LogOptions{TailLines: int64(n)})
		if err != nil {
			obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s: logs unreadable: %v", p.Name, err))
			continue
		}
		read++
		for _, l := range log {
			switch l.Class {
			case dnslog.UpstreamTimeout, dnslog.ServFail, dnslog.NoHealthyUpstream, dnslog.KubernetesAPI:
				counts[l.Class]++
				if examples[l.Class] == "" {
					examples[l.Class] = p.Name + ": " + l.Text
				}
			}
		}
	}
	obs.Outputs = map[string]Value{
		"timeouts": Number(float64(counts[dnslog.UpstreamTimeout])), "servfail": Number(float64(counts[dnslog.ServFail])),
		"no_healthy": Number(float64(counts[dnslog.NoHealthyUpstream])), "api_errors": Number(float64(counts[dnslog.KubernetesAPI])),
	}
	obs.Summary = fmt.Sprintf("last %d lines of %d running pod(s): %d upstream timeouts, %d SERVFAIL, %d no-healthy-upstream, %d API errors",
		n, read, counts[dnslog.UpstreamTimeout], counts[dnslog.ServFail], counts[dnslog.NoHealthyUpstream], counts[dnslog.KubernetesAPI])
	obs.Evidence = append(obs.Evidence, obs.Summary)
	for _, cl := range []dnslog.Class{dnslog.NoHealthyUpstream, dnslog.UpstreamTimeout, dnslog.ServFail, dnslog.KubernetesAPI} {
		if ex := examples[cl]; ex != "" {
			obs.Evidence = append(obs.Evidence, fmt.Sprintf("%s e.g. %s", cl, ex))
			obs.Evidence = append(obs.Evidence, "  "+dnslog.Classify(exampleLine[cl]).Hint)
		}
	}
	if read == 0 {
		obs.Evidence = append(obs.Evidence, "no running CoreDNS pod to read")
	}
	return obs, nil
}

// exampleLine is a line of each class, to fetch the classifier's hint.
var exampleLine = map[dnslog.Class]string{
	dnslog.UpstreamTimeout: "i/o timeout", dnslog.ServFail: " SERVFAIL ",
	dnslog.NoHealthyUpstream: "no healthy upstream", dnslog.KubernetesAPI: `Still waiting on: "kubernetes"`,
}

func probeCorefile(ctx context.Context, env *Env, _ Args) (Observation, error) {
	r, err := env.K8s.Corefile(ctx)
	if err != nil {
		return Observation{}, err
	}
	obs := Observation{Outputs: map[string]Value{"parse_error": Flag(r.ParseErr != nil), "forwards_resolv_conf": Flag(false)}}
	if r.ParseErr != nil {
		obs.Summary = "the Corefile in " + r.ConfigMap + " does not parse: " + r.ParseErr.Error()
		obs.Evidence = []string{obs.Summary, "CoreDNS refuses to start (or keeps its old configuration with reload) until it is fixed"}
		obs.Outputs["errors"] = Number(1)
		obs.Outputs["warnings"] = Number(0)
		return obs, nil
	}
	sev := map[corefile.Severity]int{}
	for _, f := range r.Findings {
		sev[f.Severity]++
		if f.Code == "forward-resolv-conf" {
			obs.Outputs["forwards_resolv_conf"] = Flag(true)
		}
		if f.Severity >= corefile.Warning {
			obs.Evidence = append(obs.Evidence, f.String())
		}
	}
	obs.Outputs["errors"] = Number(float64(sev[corefile.Error]))
	obs.Outputs["warnings"] = Number(float64(sev[corefile.Warning]))
	obs.Summary = fmt.Sprintf("Corefile (%s): %d error(s), %d warning(s), %d note(s)", r.ConfigMap, sev[corefile.Error], sev[corefile.Warning], sev[corefile.Info])
	obs.Evidence = append([]string{obs.Summary}, obs.Evidence...)
	return obs, nil
}

func probeCoreDNSEndpoints(ctx context.Context, env *Env, _ Args) (Observation, error) {
	s, err := corednsSnapshot(ctx, env.K8s)
	if err != nil {
		return Observation{}, err
	}
	svc := s.Service
	if svc == nil {
		return Observation{Summary: "the kube-dns Service does not exist (or cannot be read)",
			Evidence: []string{"without it pods have no DNS server at the address in their resolv.conf"},
			Outputs:  map[string]Value{"service": Flag(false), "ready_endpoints": Number(0), "not_ready_endpoints": Number(0)}}, nil
	}
	obs := Observation{Outputs: map[string]Value{"service": Flag(true), "ready_endpoints": Number(float64(svc.ReadyEndpoints)),
		"not_ready_endpoints": Number(float64(svc.NotReadyEndpoints))}}
	obs.Summary = fmt.Sprintf("Service %s (%s) has %d ready and %d not-ready endpoints (%s)", svc.Name, svc.ClusterIP, svc.ReadyEndpoints, svc.NotReadyEndpoints, svc.EndpointSource)
	obs.Evidence = []string{obs.Summary, "ports: " + strings.Join(svc.Ports, ", ")}
	if svc.ReadyEndpoints == 0 {
		obs.Evidence = append(obs.Evidence, "no ready endpoint: every DNS query in the cluster times out")
	}
	return obs, nil
}
