// Package essim is a stateful Elasticsearch 8.x simulator for the demo fleet
// and the tests of internal/es. No real Elasticsearch can run on the build
// machines, so this answers the REST paths the console uses with the shapes
// Elasticsearch returns (checked against upstream examples in
// testdata/upstream): _cat values are JSON strings or null, h=, s=, bytes=,
// format= and filter_path are honoured, every response carries
// X-Elastic-Product: Elasticsearch, errors have Elasticsearch's error body.
//
// State changes the way Elasticsearch changes it: rollover creates the next
// index and moves the write alias, templates apply only to indices created
// after them, attaching a policy starts ILM, retry moves an index out of
// ERROR, replica changes add or drop shard copies. Doc counts and sizes of
// written indices grow with the injected clock.
//
// A Server is an http.Handler (serve it on a socket) and an
// http.RoundTripper (plug it into a client's transport: no socket at all).
package essim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Version is the Elasticsearch version the simulator reports.
const Version = "8.19.7"

// Server is the simulated cluster.
type Server struct {
	mu          sync.Mutex
	now         func() time.Time
	clusterName string
	clusterUUID string
	master      string // the elected master's name
	nodes       []*node
	indices     map[string]*index
	streams     map[string]*dataStream
	policies    map[string]*policy
	templates   map[string]*template
	persistent  map[string]string
	transient   map[string]string
	// ilmPoll is how often ILM advances a step (indices.lifecycle.poll_interval).
	ilmPoll time.Duration
	// building is set while a dataset is loaded: shards are placed by
	// balance alone, before disks are calibrated.
	building bool
	// placed caches shard counts per node while loading a dataset (a
	// recount per copy would make loading 50,000 copies quadratic); any
	// request drops it.
	placed map[string]int

	faults  []*fault
	auth    *authRule
	denials []Denial
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock (default time.Now). Doc growth, ILM ages and
// timestamps follow it.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithILMPollInterval sets how often ILM advances (default 1 minute).
func WithILMPollInterval(d time.Duration) Option { return func(s *Server) { s.ilmPoll = d } }

// WithClusterName sets the cluster name (default "logging").
func WithClusterName(name string) Option { return func(s *Server) { s.clusterName = name } }

// New returns an empty cluster with no nodes; add them with AddNode, or use
// NewDemo for the demo fleet.
func New(opts ...Option) *Server {
	s := &Server{
		now:         time.Now,
		clusterName: "logging",
		indices:     map[string]*index{},
		streams:     map[string]*dataStream{},
		policies:    map[string]*policy{},
		templates:   map[string]*template{},
		persistent:  map[string]string{},
		transient:   map[string]string{},
		ilmPoll:     time.Minute,
	}
	for _, o := range opts {
		o(s)
	}
	s.clusterUUID = stableID("cluster:" + s.clusterName)
	return s
}

// RoundTrip serves req in-process, so a client needs no socket.
func (s *Server) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if err := req.Context().Err(); err != nil {
		// A real transport returns the context error, not a late answer.
		return nil, err
	}
	res := rec.Result()
	res.Request = req
	return res, nil
}

// request is one parsed call.
type request struct {
	method string
	path   string
	parts  []string
	query  url.Values
	body   []byte
	ctx    context.Context
	user   string
}

func (r *request) flag(name string) bool {
	v, ok := r.query[name]
	return ok && (len(v) == 0 || v[0] == "" || v[0] == "true")
}

// ServeHTTP answers one REST call.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	var body []byte
	if hr.Body != nil {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(hr.Body)
		body = buf.Bytes()
	}
	path := hr.URL.Path
	parts := splitPath(path)
	req := &request{method: hr.Method, path: path, parts: parts, query: hr.URL.Query(), body: body, ctx: hr.Context()}

	f := s.matchFault(hr.Method, path)
	if f != nil && f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-hr.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if f == nil || !f.NoProductHeader {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	}
	if f != nil && f.Status != 0 {
		s.writeFault(w, f)
		return
	}
	user, authErr := s.authenticate(hr)
	if authErr != nil {
		w.Header().Set("WWW-Authenticate", `Basic realm="security", charset="UTF-8"`)
		w.Header().Add("WWW-Authenticate", "ApiKey")
		writeJSON(w, authErr.status, authErr.body(), nil)
		return
	}
	req.user = user

	s.mu.Lock()
	defer s.mu.Unlock()
	s.placed = nil
	now := s.now()
	s.runILM(now)
	route, ok := s.route(req)
	if !ok {
		writeJSON(w, http.StatusMethodNotAllowed, (&esError{status: 405, typ: "illegal_argument_exception",
			reason: "Incorrect HTTP method for uri [" + hr.URL.RequestURI() + "] and method [" + hr.Method + "]"}).body(), nil)
		return
	}
	if e := s.checkDenied(route.action, req); e != nil {
		writeJSON(w, e.status, e.body(), nil)
		return
	}
	status, out, err := route.handle(req, now)
	if err != nil {
		writeJSON(w, err.status, err.body(), nil)
		return
	}
	switch v := out.(type) {
	case rawBody:
		w.Header().Set("Content-Type", v.contentType)
		w.WriteHeader(status)
		_, _ = w.Write(v.data)
	default:
		writeJSON(w, status, out, req)
	}
}

// rawBody is a pre-rendered response (the _cat tables).
type rawBody struct {
	contentType string
	data        []byte
}

func writeJSON(w http.ResponseWriter, status int, v any, req *request) {
	if req != nil {
		if fp := req.query.Get("filter_path"); fp != "" {
			v = filterPath(v, strings.Split(fp, ","))
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"error":"simulator could not encode its answer","status":500}`)
	}
	if req != nil && req.flag("pretty") {
		var buf bytes.Buffer
		if json.Indent(&buf, data, "", "  ") == nil {
			data = buf.Bytes()
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func splitPath(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if seg == "" {
			continue
		}
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
		out = append(out, seg)
	}
	return out
}

// ---- faults ---------------------------------------------------------------

// Fault changes the answers to matching requests, for tests of error paths.
type Fault struct {
	// Method and PathPrefix select requests; empty matches all.
	Method     string
	PathPrefix string
	// Status answers with this status and Body (or an Elasticsearch error
	// body naming the status) instead of handling the request.
	Status int
	Body   string
	// Latency delays the answer (honouring the caller's context), with or
	// without a Status.
	Latency time.Duration
	// NoProductHeader leaves out X-Elastic-Product, as a non-Elasticsearch
	// server would.
	NoProductHeader bool
	// Times limits the fault to the first n matching requests; 0 is always.
	Times int
}

type fault struct {
	Fault
	used int
}

// AddFault installs a fault; the returned func removes it.
func (s *Server) AddFault(f Fault) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ff := &fault{Fault: f}
	s.faults = append(s.faults, ff)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults {
			if x == ff {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

func (s *Server) matchFault(method, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if (f.Method == "" || f.Method == method) && strings.HasPrefix(path, f.PathPrefix) {
			if f.Times > 0 && f.used >= f.Times {
				continue
			}
			f.used++
			cp := f.Fault
			return &cp
		}
	}
	return nil
}

func (s *Server) writeFault(w http.ResponseWriter, f *Fault) {
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	typ := map[int]string{
		429: "es_rejected_execution_exception",
		503: "master_not_discovered_exception",
		500: "exception",
	}[f.Status]
	if typ == "" {
		typ = "exception"
	}
	reason := http.StatusText(f.Status)
	if f.Status == 429 {
		reason = "rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1024, max_coordinating_and_primary_bytes=0]"
	}
	writeJSON(w, f.Status, (&esError{status: f.Status, typ: typ, reason: reason}).body(), nil)
}

// SetNodeNulls makes _cat/nodes report the given columns of a node as null
// (as a node that cannot read its load average or disk does).
func (s *Server) SetNodeNulls(nodeName string, columns ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.nodes {
		if n.name == nodeName {
			if n.nulls == nil {
				n.nulls = map[string]bool{}
			}
			for _, c := range columns {
				n.nulls[c] = true
			}
		}
	}
}

// ---- security -------------------------------------------------------------

type authRule struct {
	apiKey        string
	user, pass    string
	expired       bool
	principalName string
}

// RequireAPIKey makes every request need "Authorization: ApiKey key".
func (s *Server) RequireAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = &authRule{apiKey: key, principalName: "console-api-key"}
}

// RequireBasicAuth makes every request need these credentials.
func (s *Server) RequireBasicAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = &authRule{user: user, pass: pass, principalName: user}
}

// ExpireCredentials makes the configured credentials fail as expired.
func (s *Server) ExpireCredentials() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.auth != nil {
		s.auth.expired = true
	}
}

func (s *Server) authenticate(hr *http.Request) (string, *esError) {
	s.mu.Lock()
	a := s.auth
	s.mu.Unlock()
	if a == nil {
		return "elastic", nil
	}
	h := hr.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	unauth := func(reason, extra string) *esError {
		e := &esError{status: http.StatusUnauthorized, typ: "security_exception", reason: reason,
			extra: map[string]any{"header": map[string]any{"WWW-Authenticate": []any{`Basic realm="security", charset="UTF-8"`, "ApiKey"}}}}
		if extra != "" {
			e.extra["additional_unsuccessful_credentials"] = extra
		}
		return e
	}
	if h == "" {
		return "", unauth("missing authentication credentials for REST request ["+hr.URL.RequestURI()+"]", "")
	}
	switch {
	case strings.EqualFold(scheme, "ApiKey") && a.apiKey != "":
		if cred != a.apiKey {
			return "", unauth("unable to authenticate with provided credentials and anonymous access is not allowed for this request", "API key: unable to find apikey with id "+apiKeyID(cred))
		}
		if a.expired {
			return "", unauth("unable to authenticate with provided credentials and anonymous access is not allowed for this request", "API key: api key is expired")
		}
		return a.principalName, nil
	case strings.EqualFold(scheme, "Basic") && a.user != "":
		u, p, ok := hr.BasicAuth()
		if !ok || u != a.user || p != a.pass || a.expired {
			return "", unauth("unable to authenticate user ["+u+"] for REST request ["+hr.URL.RequestURI()+"]", "")
		}
		return a.principalName, nil
	}
	return "", unauth("unable to authenticate with provided credentials and anonymous access is not allowed for this request", "")
}

// apiKeyID shows the id part of an "id:key" base64 API key, never the key.
func apiKeyID(cred string) string {
	return "[" + stableID("key:" + cred)[:8] + "]"
}

// Denial makes the cluster refuse an action with 403, as a role lacking a
// privilege would.
type Denial struct {
	// Action is the transport action ("cluster:monitor/health",
	// "indices:admin/settings/update").
	Action string
	// Index is "cluster" or "index": which kind of privilege grants it.
	Kind string
	// Privileges grant the action, narrowest first ("monitor", "manage",
	// "all"); _has_privileges reports the first as missing.
	Privileges []string
	// Legacy writes the pre-7.12 message that names only the action.
	Legacy bool
}

// Deny installs a denial.
func (s *Server) Deny(d Denial) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denials = append(s.denials, d)
}

func (s *Server) checkDenied(action string, req *request) *esError {
	for _, d := range s.denials {
		if d.Action != action {
			continue
		}
		msg := "action [" + action + "] is unauthorized for user [" + req.user + "]"
		if d.Legacy {
			return &esError{status: http.StatusForbidden, typ: "security_exception", reason: msg}
		}
		msg += " with effective roles [console_reader]"
		if d.Kind == "index" && len(req.parts) > 0 && !strings.HasPrefix(req.parts[0], "_") {
			msg += " on indices [" + req.parts[0] + "]"
		}
		msg += ", this action is granted by the " + d.Kind + " privileges [" + strings.Join(d.Privileges, ",") + "]"
		return &esError{status: http.StatusForbidden, typ: "security_exception", reason: msg}
	}
	return nil
}

// ---- helpers over state ---------------------------------------------------

// aliasIndices lists the indices an alias points to, sorted.
func (s *Server) aliasIndices(alias string) []string {
	var out []string
	for _, ix := range s.indices {
		if _, ok := ix.aliases[alias]; ok {
			out = append(out, ix.name)
		}
	}
	sort.Strings(out)
	return out
}

// aliasWriteIndex is the index writes through alias go to ("" if none).
func (s *Server) aliasWriteIndex(alias string) string {
	members := s.aliasIndices(alias)
	for _, name := range members {
		if p := s.indices[name].aliases[alias]; p.isWrite != nil && *p.isWrite {
			return name
		}
	}
	if len(members) == 1 {
		if p := s.indices[members[0]].aliases[alias]; p.isWrite == nil {
			return members[0]
		}
	}
	return ""
}

func (s *Server) aliasExists(alias string) bool {
	for _, ix := range s.indices {
		if _, ok := ix.aliases[alias]; ok {
			return true
		}
	}
	return false
}

// resolveExpr expands an index expression (names, aliases, data streams,
// wildcards, _all, comma lists) to concrete index names, sorted. Hidden
// indices match a wildcard only when expandHidden is set or the pattern
// itself starts with '.'. A concrete name that does not exist is an error.
func (s *Server) resolveExpr(expr string, expandHidden bool) ([]string, *esError) {
	set := map[string]bool{}
	if expr == "" || expr == "_all" || expr == "*" {
		for name, ix := range s.indices {
			if expandHidden || !ix.hidden {
				set[name] = true
			}
		}
		return sortedKeys(set), nil
	}
	for _, part := range strings.Split(expr, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "*") {
			for name, ix := range s.indices {
				if matchPattern(part, name) && (expandHidden || !ix.hidden || strings.HasPrefix(part, ".")) {
					set[name] = true
				}
			}
			for alias := range s.allAliases() {
				if matchPattern(part, alias) {
					for _, n := range s.aliasIndices(alias) {
						set[n] = true
					}
				}
			}
			for name, ds := range s.streams {
				if matchPattern(part, name) {
					for _, n := range ds.indices {
						set[n] = true
					}
				}
			}
			continue
		}
		switch {
		case s.indices[part] != nil:
			set[part] = true
		case s.streams[part] != nil:
			for _, n := range s.streams[part].indices {
				set[n] = true
			}
		case s.aliasExists(part):
			for _, n := range s.aliasIndices(part) {
				set[n] = true
			}
		default:
			return nil, errIndexNotFound(part)
		}
	}
	return sortedKeys(set), nil
}

func (s *Server) allAliases() map[string]bool {
	out := map[string]bool{}
	for _, ix := range s.indices {
		for a := range ix.aliases {
			out[a] = true
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *Server) nodeByName(name string) *node {
	for _, n := range s.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

// diskUsed is a node's used disk now.
func (s *Server) diskUsed(n *node, now time.Time) int64 {
	used := n.diskOther
	for _, ix := range s.indices {
		for _, sc := range ix.shards {
			if sc.node == n.name {
				used += ix.shardBytes(sc.num, now)
			}
		}
	}
	if used > n.diskTotal {
		used = n.diskTotal
	}
	return used
}

func (s *Server) shardCount(nodeName string) int {
	n := 0
	for _, ix := range s.indices {
		for _, sc := range ix.shards {
			if sc.node == nodeName {
				n++
			}
		}
	}
	return n
}

func (s *Server) dataNodes() []*node {
	var out []*node
	for _, n := range s.nodes {
		if n.holdsData() {
			out = append(out, n)
		}
	}
	return out
}

func (s *Server) masterNode() *node {
	if n := s.nodeByName(s.master); n != nil {
		return n
	}
	for _, n := range s.nodes {
		if strings.Contains(n.roles, "m") {
			return n
		}
	}
	return nil
}
