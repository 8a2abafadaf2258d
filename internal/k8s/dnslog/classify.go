// Package dnslog recognises the CoreDNS log lines that explain an outage, so
// the logs view can highlight them and say what they mean. It is pure: a
// line in, a class out.
package dnslog

import "strings"

// Class is what kind of line it is. The zero value is an ordinary line.
type Class int

const (
	Normal Class = iota
	// Loop: the loop plugin saw its own probe come back; CoreDNS exits.
	Loop
	// Panic: a Go panic or CoreDNS's [PANIC] line.
	Panic
	// Fatal: any other [FATAL]; CoreDNS exits.
	Fatal
	// NoHealthyUpstream: forward has marked every upstream down.
	NoHealthyUpstream
	// UpstreamTimeout: an upstream did not answer in time.
	UpstreamTimeout
	// KubernetesAPI: the kubernetes plugin cannot reach or list from the API.
	KubernetesAPI
	// ServFail: a query answered SERVFAIL (log plugin line).
	ServFail
	// Error: any other [ERROR].
	Error
	// Warning: [WARNING] lines.
	Warning
)

var classNames = [...]string{
	Normal: "normal", Loop: "loop", Panic: "panic", Fatal: "fatal",
	NoHealthyUpstream: "no-healthy-upstream", UpstreamTimeout: "upstream-timeout",
	KubernetesAPI: "kubernetes-api", ServFail: "servfail", Error: "error", Warning: "warning",
}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Severity tells the view how loudly to mark a line.
type Severity int

const (
	SevNone Severity = iota
	SevWarning
	SevError
	SevFatal
)

func (s Severity) String() string {
	return [...]string{"", "warning", "error", "fatal"}[s]
}

// Result is a classified line.
type Result struct {
	Class    Class
	Severity Severity
	// Hint is one sentence for the operator: what it means and what to do.
	// Empty for ordinary lines.
	Hint string
}

var hints = map[Class]Result{
	Loop:              {Loop, SevFatal, "CoreDNS forwarded a query that came back to itself and stopped. The upstream it forwards to (usually /etc/resolv.conf -> a local stub such as 127.0.0.53) points back at CoreDNS: change the Corefile's forward target or kubelet's resolvConf; a restart will not fix it."},
	Panic:             {Panic, SevFatal, "CoreDNS panicked (a bug or a plugin crash); note the CoreDNS version and the plugin in the stack, and check upstream issues before restarting."},
	Fatal:             {Fatal, SevFatal, "CoreDNS stopped at start; the message names the plugin or Corefile line to fix."},
	NoHealthyUpstream: {NoHealthyUpstream, SevError, "forward has marked every upstream resolver down: check that the upstreams in the Corefile (or the node's resolv.conf) are reachable from the pod network."},
	UpstreamTimeout:   {UpstreamTimeout, SevError, "an upstream resolver did not answer in time: check the upstream's health, network policy and firewalls between the pods and it."},
	KubernetesAPI:     {KubernetesAPI, SevError, "CoreDNS cannot reach or list from the Kubernetes API, so cluster names will not resolve: check the API server, the coredns ServiceAccount's RBAC, and network policy to the kubernetes Service."},
	ServFail:          {ServFail, SevError, "a query was answered SERVFAIL: usually an upstream failure or a loop; look for upstream timeout lines next to it."},
	Error:             {Error, SevError, "CoreDNS logged an error; the text after plugin/<name> says which plugin."},
	Warning:           {Warning, SevWarning, "CoreDNS logged a warning."},
}

// Classify looks at one log line. It allocates nothing.
func Classify(line string) Result {
	switch {
	case strings.Contains(line, "plugin/loop: Loop ("):
		return hints[Loop]
	case strings.HasPrefix(line, "panic:") || strings.Contains(line, "[PANIC]"):
		return hints[Panic]
	case strings.Contains(line, "[FATAL]"):
		return hints[Fatal]
	case strings.Contains(line, "no healthy proxies") || strings.Contains(line, "no healthy upstream"):
		return hints[NoHealthyUpstream]
	case strings.Contains(line, "plugin/kubernetes") && (strings.Contains(line, "[ERROR]") || strings.Contains(line, "[WARNING]")),
		strings.Contains(line, `Still waiting on: "kubernetes"`):
		return hints[KubernetesAPI]
	case strings.Contains(line, "i/o timeout"):
		return hints[UpstreamTimeout]
	case strings.Contains(line, " SERVFAIL "):
		return hints[ServFail]
	case strings.Contains(line, "[ERROR]"):
		return hints[Error]
	case strings.Contains(line, "[WARNING]"):
		return hints[Warning]
	}
	return Result{}
}
