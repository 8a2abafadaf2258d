package essim

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Recorder is an http.RoundTripper that records every request before
// passing it on, for wire-level tests: which method, path and body went
// out, and how many. Put it between a client and a Server:
//
//	rec := essim.NewRecorder(sim)
//	client, _ := es.New(es.Config{URLs: []string{"http://sim:9200"}, Transport: rec})
//
// "A refused action sends nothing" is rec.Mutations() being empty.
type Recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []RecordedRequest
}

// RecordedRequest is one request as sent.
type RecordedRequest struct {
	Method string
	Path   string
	Query  string
	Body   string
	Header http.Header
}

// IsMutation reports whether the request changes state. A few POST
// endpoints only read (_has_privileges, allocation explain, _search).
func (r RecordedRequest) IsMutation() bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return false
	}
	for _, readOnly := range []string{"/_has_privileges", "/_cluster/allocation/explain", "/_search", "/_count"} {
		if strings.HasSuffix(r.Path, readOnly) {
			return false
		}
	}
	return true
}

// NewRecorder wraps next (a Server, or any transport).
func NewRecorder(next http.RoundTripper) *Recorder { return &Recorder{next: next} }

// RoundTrip records req and forwards it.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, RecordedRequest{Method: req.Method, Path: req.URL.EscapedPath(), Query: req.URL.RawQuery,
		Body: string(body), Header: req.Header.Clone()})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// Requests are all requests so far, in order.
func (r *Recorder) Requests() []RecordedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RecordedRequest(nil), r.reqs...)
}

// Count is how many requests were sent.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// Mutations are the requests that change state.
func (r *Recorder) Mutations() []RecordedRequest {
	var out []RecordedRequest
	for _, q := range r.Requests() {
		if q.IsMutation() {
			out = append(out, q)
		}
	}
	return out
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = nil
}
