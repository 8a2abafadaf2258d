package corefile

import (
	"fmt"
	"net"
	"strings"
)

// Severity orders findings; the pane sorts and colours by it.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "info"
}

// Finding is one misconfiguration, with why it matters and what to do.
type Finding struct {
	Severity Severity
	// Code is stable, for tests and runbook checks: "forward-loopback",
	// "forward-resolv-conf", "proxy-removed", "loop-missing", "cache-missing",
	// "health-missing", "ready-missing", "errors-missing".
	Code string
	// Server is the server block's keys ("" for whole-file findings).
	Server string
	// Line is the 1-based Corefile line the finding points at.
	Line int
	// What happened, Why it matters, Fix what to do.
	What, Why, Fix string
}

func (f Finding) String() string {
	loc := fmt.Sprintf("line %d", f.Line)
	if f.Server != "" {
		loc = fmt.Sprintf("server %s, %s", f.Server, loc)
	}
	return fmt.Sprintf("%s: %s (%s). %s Fix: %s", f.Severity, f.What, loc, f.Why, f.Fix)
}

// Lint checks a parsed Corefile. Findings come in Corefile order, whole-file
// findings last.
func Lint(cf *Corefile) []Finding {
	var out []Finding
	anyHealth, anyReady := false, false
	for _, s := range cf.Servers {
		if _, ok := s.Plugin("health"); ok {
			anyHealth = true
		}
		if _, ok := s.Plugin("ready"); ok {
			anyReady = true
		}
		out = append(out, lintServer(s)...)
	}
	end := 0
	if len(cf.Servers) > 0 {
		end = cf.Servers[0].Line
	}
	if !anyHealth {
		out = append(out, Finding{
			Severity: Warning, Code: "health-missing", Line: end,
			What: "no server block enables the health plugin",
			Why:  "the CoreDNS Deployment's liveness probe calls :8080/health; without it the kubelet kills every CoreDNS pod over and over.",
			Fix:  "add `health` (usually `health { lameduck 5s }`) to the \".:53\" block.",
		})
	}
	if !anyReady {
		out = append(out, Finding{
			Severity: Warning, Code: "ready-missing", Line: end,
			What: "no server block enables the ready plugin",
			Why:  "the readiness probe calls :8181/ready; without it no CoreDNS pod becomes Ready, so the kube-dns Service has no endpoints and cluster DNS stops.",
			Fix:  "add `ready` to the \".:53\" block.",
		})
	}
	return out
}

func lintServer(s Server) []Finding {
	var out []Finding
	name := s.Name()
	forwards := false
	for _, d := range s.Plugins {
		if d.Name != "forward" && d.Name != "proxy" {
			continue
		}
		forwards = true
		if d.Name == "proxy" {
			out = append(out, Finding{
				Severity: Error, Code: "proxy-removed", Server: name, Line: d.Line,
				What: "uses the proxy plugin",
				Why:  "proxy was removed in CoreDNS 1.7; a current CoreDNS refuses to start with this Corefile (CrashLoopBackOff with \"Unknown directive 'proxy'\").",
				Fix:  "replace `proxy` with `forward` (same FROM TO... arguments).",
			})
		}
		out = append(out, lintUpstreams(name, d)...)
	}
	if forwards {
		if _, ok := s.Plugin("loop"); !ok {
			out = append(out, Finding{
				Severity: Warning, Code: "loop-missing", Server: name, Line: s.Line,
				What: "forwards queries but has no loop plugin",
				Why:  "if the upstream ever sends queries back to CoreDNS, the loop goes undetected: CoreDNS spins on its own queries, burns CPU and memory until it is OOMKilled, and clients see timeouts instead of a clear error.",
				Fix:  "add `loop` to this block so a forwarding loop stops CoreDNS at start with a [FATAL] plugin/loop message.",
			})
		}
	}
	if _, ok := s.Plugin("cache"); !ok {
		out = append(out, Finding{
			Severity: Warning, Code: "cache-missing", Server: name, Line: s.Line,
			What: "has no cache plugin",
			Why:  "every query goes to the kubernetes plugin or the upstream; under load CoreDNS and the upstream resolvers saturate and lookups time out.",
			Fix:  "add `cache 30` to this block.",
		})
	}
	if _, ok := s.Plugin("errors"); !ok {
		out = append(out, Finding{
			Severity: Info, Code: "errors-missing", Server: name, Line: s.Line,
			What: "has no errors plugin",
			Why:  "failed lookups (upstream i/o timeouts, SERVFAIL) are not logged, so the logs look clean while DNS fails.",
			Fix:  "add `errors` to this block.",
		})
	}
	return out
}

// lintUpstreams checks the TO arguments of a forward/proxy directive (every
// argument after FROM that is not a keyword-style option).
func lintUpstreams(server string, d Directive) []Finding {
	var out []Finding
	if len(d.Args) < 2 {
		return out
	}
	for _, to := range d.Args[1:] {
		switch {
		case to == "/etc/resolv.conf" || strings.HasSuffix(to, "/resolv.conf"):
			out = append(out, Finding{
				Severity: Warning, Code: "forward-resolv-conf", Server: server, Line: d.Line,
				What: fmt.Sprintf("%s sends external names to %s, the node's resolver list", d.Name, to),
				Why:  "CoreDNS pods inherit the resolv.conf that kubelet's resolvConf points at. On nodes where that is a local stub (systemd-resolved's 127.0.0.53, dnsmasq on 127.0.0.1), CoreDNS forwards to itself: the loop plugin then kills it at start ([FATAL] plugin/loop: Loop ... detected) and the pod crash-loops.",
				Fix:  "point kubelet's resolvConf at the real list (/run/systemd/resolve/resolv.conf on systemd-resolved hosts) and restart kubelet, or forward to explicit upstream IPs here (`forward . 10.0.0.2 10.0.0.3`). Restarting CoreDNS alone does not help.",
			})
		case isLoopback(to):
			out = append(out, Finding{
				Severity: Error, Code: "forward-loopback", Server: server, Line: d.Line,
				What: fmt.Sprintf("%s sends external names to %s, a loopback address", d.Name, to),
				Why:  "inside a CoreDNS pod, loopback is the pod itself: queries come straight back to CoreDNS, the loop plugin stops it ([FATAL] plugin/loop) or, without loop, it spins until OOMKilled.",
				Fix:  "forward to the cluster's real upstream resolvers by IP, or to a resolv.conf that lists them.",
			})
		}
	}
	return out
}

// isLoopback reports whether an upstream ("127.0.0.53", "dns://127.0.0.1:53",
// "[::1]:53", "localhost") is a loopback address.
func isLoopback(to string) bool {
	host := to
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || strings.EqualFold(host, "localhost.") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
