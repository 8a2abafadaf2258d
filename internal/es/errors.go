package es

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
)

// ErrorKind sorts failures by what the operator has to do about them.
type ErrorKind int

const (
	// KindOther is any failure not listed below (a 400 from a bad request,
	// a 500 from the cluster).
	KindOther ErrorKind = iota
	// KindAuth: 401, the credentials are wrong or expired.
	KindAuth
	// KindForbidden: 403, the credentials lack a privilege (Error.Privilege).
	KindForbidden
	// KindNotFound: 404, the index, alias or policy does not exist.
	KindNotFound
	// KindTLS: the TLS handshake failed (unknown CA, wrong host name, expired).
	KindTLS
	// KindTimeout: no answer within the configured timeout.
	KindTimeout
	// KindUnreachable: connection refused, DNS failure, network down.
	KindUnreachable
	// KindNotElasticsearch: the server answered but is not Elasticsearch
	// (the X-Elastic-Product check failed).
	KindNotElasticsearch
	// KindThrottled: 429 after the bounded retries of a read.
	KindThrottled
	// KindUnavailable: 502/503/504 after the bounded retries of a read.
	KindUnavailable
)

func (k ErrorKind) String() string {
	return [...]string{"error", "authentication failed", "forbidden", "not found", "TLS failure",
		"timeout", "unreachable", "not Elasticsearch", "throttled", "unavailable"}[k]
}

// Error is every failure the client returns. Its message says what failed,
// why, and what to do, and never carries a secret.
type Error struct {
	Kind ErrorKind
	// Op is what the console was doing: "read cluster health".
	Op string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Type and Reason come from an Elasticsearch error body.
	Type   string
	Reason string
	// Privilege is the privilege a 403 names, for example "cluster privilege
	// monitor" or "index privilege manage on [logs-1]".
	Privilege string
	// Hint is the next step for the operator.
	Hint string
	err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("elasticsearch: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	switch {
	case e.Kind == KindForbidden && e.Privilege != "":
		b.WriteString("403 forbidden: the credentials need the " + e.Privilege)
	case e.Status != 0:
		fmt.Fprintf(&b, "%d %s", e.Status, strings.ToLower(http.StatusText(e.Status)))
	default:
		b.WriteString(e.Kind.String())
	}
	if detail := e.detail(); detail != "" {
		b.WriteString(" (" + detail + ")")
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

func (e *Error) detail() string {
	if e.Reason != "" {
		if e.Type != "" {
			return e.Type + ": " + e.Reason
		}
		return e.Reason
	}
	if e.err != nil && e.Status == 0 {
		return e.err.Error()
	}
	return ""
}

func (e *Error) Unwrap() error { return e.err }

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// esErrorBody is the shape of every Elasticsearch error response:
// {"error":{"root_cause":[...],"type":...,"reason":...},"status":N}.
// Some endpoints (404 on a missing ILM policy in old versions, _cat on
// errors) answer with "error" as a plain string; both are accepted.
type esErrorBody struct {
	Error  json.RawMessage `json:"error"`
	Status int             `json:"status"`
}

type esErrorCause struct {
	Type      string         `json:"type"`
	Reason    string         `json:"reason"`
	RootCause []esErrorCause `json:"root_cause"`
	// additional_unsuccessful_credentials says why an API key was refused
	// ("api key is expired").
	Unsuccessful string `json:"additional_unsuccessful_credentials"`
}

// parseErrorBody extracts type and reason, preferring the root cause, which
// is the more specific one.
func parseErrorBody(body []byte) (typ, reason, extra string, ok bool) {
	var eb esErrorBody
	if json.Unmarshal(body, &eb) != nil || len(eb.Error) == 0 {
		return "", "", "", false
	}
	var s string
	if json.Unmarshal(eb.Error, &s) == nil {
		return "", s, "", true
	}
	var c esErrorCause
	if json.Unmarshal(eb.Error, &c) != nil {
		return "", "", "", false
	}
	typ, reason, extra = c.Type, c.Reason, c.Unsuccessful
	if len(c.RootCause) > 0 && c.RootCause[0].Reason != "" {
		typ, reason = c.RootCause[0].Type, c.RootCause[0].Reason
		if c.RootCause[0].Unsuccessful != "" {
			extra = c.RootCause[0].Unsuccessful
		}
	}
	return typ, reason, extra, true
}

// statusError turns a non-2xx response into an *Error. retried is how many
// attempts the transport made (for 429/503 wording).
func statusError(op string, status int, header http.Header, body []byte) *Error {
	typ, reason, extra, isES := parseErrorBody(body)
	e := &Error{Op: op, Status: status, Type: typ, Reason: reason}
	if !isES && header.Get("X-Elastic-Product") != "Elasticsearch" && status != http.StatusUnauthorized {
		// A proxy, a load balancer page or another product: say so rather
		// than pretending Elasticsearch said it.
		e.Kind = KindNotElasticsearch
		e.Reason = ""
		e.Hint = "the server at this URL did not answer like Elasticsearch (no X-Elastic-Product header, no Elasticsearch error body); check --es-url and any proxy in front of the cluster"
		return e
	}
	switch status {
	case http.StatusUnauthorized:
		e.Kind = KindAuth
		if strings.Contains(strings.ToLower(reason+" "+extra), "expired") {
			e.Hint = "the API key or password has expired; create a new one and pass it with --es-api-key (ELASTICSEARCH_API_KEY) or --es-username/--es-password"
		} else {
			e.Hint = "the credentials were not accepted (wrong, expired or missing); check --es-api-key (ELASTICSEARCH_API_KEY) or --es-username/--es-password"
		}
		if extra != "" {
			e.Reason = strings.TrimSpace(reason + "; " + extra)
		}
	case http.StatusForbidden:
		e.Kind = KindForbidden
		e.Privilege = privilegeFromReason(reason)
		if e.Privilege != "" {
			e.Hint = "ask a cluster administrator to add it to the role of this user or API key"
		} else {
			e.Hint = "the credentials are valid but not allowed to do this; ask a cluster administrator for the privilege"
		}
	case http.StatusNotFound:
		e.Kind = KindNotFound
	case http.StatusTooManyRequests:
		e.Kind = KindThrottled
		e.Hint = "the cluster is rejecting requests because it is overloaded; the console retried with backoff and will try again on the next refresh"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		e.Kind = KindUnavailable
		e.Hint = "the cluster (or a proxy in front of it) is unavailable; the console retried with backoff and will try again on the next refresh"
	}
	return e
}

var (
	reUnauthorizedAction = regexp.MustCompile(`action \[([^\]]+)\] is unauthorized`)
	reGrantedBy          = regexp.MustCompile(`granted by the (cluster|index) privileges \[([^\]]+)\]`)
	reOnIndices          = regexp.MustCompile(` on indices \[([^\]]+)\]`)
)

// privilegeFromReason names the missing privilege from a security_exception
// reason. Elasticsearch 7.12+ says which privileges grant the action
// ("this action is granted by the cluster privileges [monitor,manage,all]");
// the first one listed is the narrowest. Older versions only name the action,
// so the action is mapped to the privilege that grants it.
func privilegeFromReason(reason string) string {
	onIndices := ""
	if m := reOnIndices.FindStringSubmatch(reason); m != nil {
		onIndices = " on [" + m[1] + "]"
	}
	if m := reGrantedBy.FindStringSubmatch(reason); m != nil {
		first, _, _ := strings.Cut(m[2], ",")
		if m[1] == "index" {
			return "index privilege " + first + onIndices
		}
		return "cluster privilege " + first
	}
	if m := reUnauthorizedAction.FindStringSubmatch(reason); m != nil {
		if p := privilegeForAction(m[1]); p != "" {
			return p + onIndices
		}
		return "privilege for action " + m[1]
	}
	return ""
}

// actionPrivileges maps action-name prefixes to the narrowest built-in
// privilege that grants them; longest prefix wins.
var actionPrivileges = []struct{ prefix, privilege string }{
	{"cluster:admin/ilm/get", "cluster privilege read_ilm"},
	{"cluster:admin/ilm/", "cluster privilege manage_ilm"},
	{"cluster:admin/xpack/security/user/has_privileges", "cluster privilege (none: every user has it)"},
	{"cluster:monitor/", "cluster privilege monitor"},
	{"cluster:admin/", "cluster privilege manage"},
	{"indices:admin/index_template/", "cluster privilege manage_index_templates"},
	{"indices:admin/template/", "cluster privilege manage_index_templates"},
	{"indices:admin/ilm/explain", "index privilege view_index_metadata"},
	{"indices:admin/ilm/", "index privilege manage_ilm"},
	{"indices:admin/create", "index privilege create_index"},
	{"indices:admin/aliases/get", "index privilege view_index_metadata"},
	{"indices:admin/data_stream/get", "index privilege view_index_metadata"},
	{"indices:admin/get", "index privilege view_index_metadata"},
	{"indices:admin/", "index privilege manage"},
	{"indices:monitor/", "index privilege monitor"},
	{"indices:data/read/", "index privilege read"},
	{"indices:data/write/", "index privilege write"},
}

func privilegeForAction(action string) string {
	best := ""
	bestLen := -1
	for _, ap := range actionPrivileges {
		if strings.HasPrefix(action, ap.prefix) && len(ap.prefix) > bestLen {
			best, bestLen = ap.privilege, len(ap.prefix)
		}
	}
	return best
}

// transportError classifies a failure where no HTTP response arrived.
func transportError(op string, err error) *Error {
	e := &Error{Op: op, Kind: KindOther, err: err}
	var (
		unknownCA   x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		recordErr   tls.RecordHeaderError
		verifyErr   *tls.CertificateVerificationError
		dnsErr      *net.DNSError
		netErr      net.Error
		productFail = strings.Contains(err.Error(), "server is not Elasticsearch")
	)
	switch {
	case productFail:
		e.Kind = KindNotElasticsearch
		e.err = nil
		e.Hint = "the server answered without the X-Elastic-Product: Elasticsearch header, so it is not Elasticsearch (or a proxy strips the header); check --es-url"
	case errors.As(err, &unknownCA):
		e.Kind = KindTLS
		e.Hint = "the server's certificate is signed by a certificate authority this machine does not trust; pass the cluster's CA certificate with --es-ca-cert FILE"
	case errors.As(err, &hostErr):
		e.Kind = KindTLS
		e.Hint = "the server's certificate is not valid for this host name; use the host name the certificate was issued for in --es-url"
	case errors.As(err, &invalidErr):
		e.Kind = KindTLS
		e.Hint = "the server's certificate is not valid (expired or not yet valid?); renew it or check this machine's clock"
	case errors.As(err, &verifyErr):
		e.Kind = KindTLS
		e.Hint = "the server's certificate could not be verified; pass the cluster's CA certificate with --es-ca-cert FILE"
	case errors.As(err, &recordErr):
		e.Kind = KindTLS
		e.Hint = "the server does not speak TLS on this port; use an http:// URL, or the HTTPS port"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		e.Kind = KindTimeout
		e.err = nil
		e.Hint = "no answer within the timeout; the cluster may be overloaded or the URL may point at a filtered port"
	case errors.Is(err, context.Canceled):
		e.Kind = KindOther
		e.Hint = "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind = KindUnreachable
		e.Hint = "connection refused: nothing listens at this address; check --es-url (host and port, usually 9200)"
	case errors.As(err, &dnsErr):
		e.Kind = KindUnreachable
		e.Hint = "the host name in --es-url does not resolve"
	case errors.As(err, &netErr):
		e.Kind = KindUnreachable
		e.Hint = "the network connection failed; check --es-url and that this machine can reach the cluster"
	}
	return e
}
