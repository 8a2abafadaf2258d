package es

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/opsconsole/opsconsole/internal/ops"
)

// wireCall is one mutation exactly as it goes on the wire. The plan shows
// it and Apply sends it, so what the operator confirmed is what is sent.
type wireCall struct {
	Method string
	Path   string // escaped, starting with "/"
	Body   []byte // nil when there is none
}

// Do sends the call through an esapi transport (the no-retry client).
func (w wireCall) Do(ctx context.Context, t esapi.Transport) (*esapi.Response, error) {
	var body io.Reader
	if w.Body != nil {
		body = bytes.NewReader(w.Body)
	}
	req, err := http.NewRequestWithContext(ctx, w.Method, "http://"+w.Path, body)
	if err != nil {
		return nil, err
	}
	if w.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := t.Perform(req)
	if err != nil {
		return nil, err
	}
	return &esapi.Response{StatusCode: res.StatusCode, Header: res.Header, Body: res.Body}, nil
}

// pathOf escapes each segment: "/" + functionbeat-8.7.1 + "/_settings".
func pathOf(segments ...string) string {
	var b strings.Builder
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

func newCall(method string, body any, segments ...string) wireCall {
	w := wireCall{Method: method, Path: pathOf(segments...)}
	if body != nil {
		w.Body = []byte(rawJSON(body))
	}
	return w
}

// request is the ops.Request the confirm dialog and audit log show.
func (w wireCall) request() ops.Request {
	return ops.Request{API: w.Method + " " + w.Path, Body: string(w.Body)}
}

// curl is the copy-pasteable equivalent. Credentials are placeholders for
// the operator's own environment variables, never the configured secret.
func (c *Client) curl(w wireCall) string {
	var b strings.Builder
	b.WriteString("curl -sS -X ")
	b.WriteString(w.Method)
	if c.caFile != "" {
		b.WriteString(" --cacert ")
		b.WriteString(shellQuote(c.caFile))
	}
	switch c.auth {
	case authAPIKey:
		b.WriteString(` -H "Authorization: ApiKey $ELASTICSEARCH_API_KEY"`)
	case authBasic:
		b.WriteString(` -u "$ES_USER:$ES_PASSWORD"`)
	}
	b.WriteByte(' ')
	b.WriteString(shellQuote(c.baseURL + w.Path))
	if w.Body != nil {
		b.WriteString(" -H 'Content-Type: application/json' -d ")
		b.WriteString(shellQuote(string(w.Body)))
	}
	return b.String()
}

// shellQuote wraps s in single quotes, which the shell leaves alone except
// for a single quote itself.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// send applies one mutation, once.
func (c *Client) send(ctx context.Context, op string, w wireCall) ([]byte, error) {
	body, _, err := c.do(ctx, op, true, w)
	return body, err
}

// plan fills the request and CLI of a plan from its calls.
func (c *Client) plan(p ops.Plan, calls ...wireCall) ops.Plan {
	for _, w := range calls {
		p.Requests = append(p.Requests, w.request())
		p.CLI = append(p.CLI, c.curl(w))
	}
	return p
}

// base carries what every Elasticsearch action shares.
type base struct {
	c        *Client
	name     string
	resource string
	params   map[string]string
}

func (b *base) Name() string              { return b.name }
func (b *base) Backend() string           { return "elasticsearch" }
func (b *base) Resource() string          { return b.resource }
func (b *base) Params() map[string]string { return b.params }

// pollInterval is how often Verify re-reads state.
const pollInterval = 500 * time.Millisecond

// poll calls check until it reports done, returns an error, or ctx ends.
// It checks at once first: the change is usually visible immediately.
func poll(ctx context.Context, check func(ctx context.Context) (done bool, state string, err error)) (string, error) {
	var last string
	for {
		done, state, err := check(ctx)
		if err != nil {
			return state, err
		}
		if done {
			return state, nil
		}
		last = state
		select {
		case <-ctx.Done():
			return last, fmt.Errorf("the change is not visible yet (%s): %w", last, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// privileges is a _has_privileges request.
type privileges struct {
	Cluster []string         `json:"cluster,omitempty"`
	Index   []indexPrivilege `json:"index,omitempty"`
}

type indexPrivilege struct {
	Names      []string `json:"names"`
	Privileges []string `json:"privileges"`
}

type hasPrivilegesJSON struct {
	Username string                     `json:"username"`
	All      bool                       `json:"has_all_requested"`
	Cluster  map[string]bool            `json:"cluster"`
	Index    map[string]map[string]bool `json:"index"`
}

// checkPrivileges asks the cluster whether the credentials hold p, so a
// missing privilege is reported before anything is sent. When the question
// cannot be asked (security disabled, an old or proxied cluster), it does
// not block: Apply will report a 403 in the same words.
func (c *Client) checkPrivileges(ctx context.Context, p privileges) error {
	body, err := c.readJSON(ctx, "check privileges", esapi.SecurityHasPrivilegesRequest{
		Body: strings.NewReader(rawJSON(p)),
	})
	if err != nil {
		if IsKind(err, KindAuth) || IsKind(err, KindUnreachable) || IsKind(err, KindTimeout) || IsKind(err, KindTLS) {
			return err
		}
		return nil
	}
	var r hasPrivilegesJSON
	if json.Unmarshal(body, &r) != nil || r.All {
		return nil
	}
	var missing []string
	for name, ok := range r.Cluster {
		if !ok {
			missing = append(missing, "cluster privilege "+name)
		}
	}
	for index, privs := range r.Index {
		for name, ok := range privs {
			if !ok {
				missing = append(missing, "index privilege "+name+" on ["+index+"]")
			}
		}
	}
	sort.Strings(missing)
	who := "these credentials"
	if r.Username != "" {
		who = "user " + r.Username
	}
	return fmt.Errorf("%s lack the %s; ask a cluster administrator to add it to the role", who, strings.Join(missing, " and the "))
}

// resolved is GET _resolve/index/NAME: what a name is.
type resolved struct {
	Indices []struct {
		Name       string   `json:"name"`
		Aliases    []string `json:"aliases"`
		Attributes []string `json:"attributes"`
		DataStream string   `json:"data_stream"`
	} `json:"indices"`
	Aliases []struct {
		Name    string   `json:"name"`
		Indices []string `json:"indices"`
	} `json:"aliases"`
	DataStreams []struct {
		Name           string   `json:"name"`
		BackingIndices []string `json:"backing_indices"`
	} `json:"data_streams"`
}

// nameKind is what a name resolves to.
type nameKind int

const (
	nameMissing nameKind = iota
	nameIndex
	nameAlias
	nameDataStream
)

func (r resolved) kindOf(name string) nameKind {
	for _, ix := range r.Indices {
		if ix.Name == name {
			return nameIndex
		}
	}
	for _, a := range r.Aliases {
		if a.Name == name {
			return nameAlias
		}
	}
	for _, d := range r.DataStreams {
		if d.Name == name {
			return nameDataStream
		}
	}
	return nameMissing
}

// resolve asks what a concrete name is (index, alias, data stream).
func (c *Client) resolve(ctx context.Context, name string) (resolved, error) {
	body, err := c.readJSON(ctx, "look up "+name, esapi.IndicesResolveIndexRequest{
		Name: []string{name}, ExpandWildcards: "all",
	})
	var r resolved
	if err != nil {
		if IsKind(err, KindNotFound) {
			return r, nil
		}
		return r, err
	}
	return r, decodeJSON("_resolve/index", body, &r)
}

// aliasInfo reads one alias: its indices and write index.
func (c *Client) aliasInfo(ctx context.Context, alias string) (Alias, bool, error) {
	body, err := c.readJSON(ctx, "read alias "+alias, esapi.CatAliasesRequest{
		Name: []string{alias}, Format: "json", H: []string{"alias", "index", "is_write_index"}, ExpandWildcards: "all",
	})
	if err != nil {
		if IsKind(err, KindNotFound) {
			return Alias{}, false, nil
		}
		return Alias{}, false, err
	}
	all, err := ParseCatAliases(body)
	if err != nil {
		return Alias{}, false, err
	}
	for _, a := range all {
		if a.Name == alias {
			return a, true, nil
		}
	}
	return Alias{}, false, nil
}

// requireIndex refuses unless name is one existing concrete index.
func (c *Client) requireIndex(ctx context.Context, name string) (resolved, error) {
	if err := ValidateIndexName("index", name); err != nil {
		return resolved{}, err
	}
	r, err := c.resolve(ctx, name)
	if err != nil {
		return r, err
	}
	switch r.kindOf(name) {
	case nameIndex:
		return r, nil
	case nameAlias:
		return r, fmt.Errorf("%s is an alias, not an index; name one of its indices", name)
	case nameDataStream:
		return r, fmt.Errorf("%s is a data stream, not an index; name one of its backing indices", name)
	}
	return r, fmt.Errorf("index %s does not exist", name)
}

// isBackingIndex reports whether name is a data stream backing index, by
// Elasticsearch's naming convention (.ds-<stream>-<date>-<generation>).
func isBackingIndex(name string) bool { return strings.HasPrefix(name, ".ds-") }

// rawJSON compacts a value for a request body, keeping key order stable.
func rawJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called with maps and slices of plain values
	}
	return string(b)
}
