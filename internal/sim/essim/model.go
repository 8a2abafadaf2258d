package essim

import (
	"crypto/sha256"
	"encoding/base64"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// node is one simulated Elasticsearch node.
type node struct {
	name  string
	id    string
	ip    string
	roles string // _cat/nodes letters
	// base metrics; the sim wobbles them with time so the pane is alive.
	heap, ram, cpu int
	load           [3]float64
	diskTotal      int64
	// diskOther is disk used by anything but shards (OS, logs, translog
	// slack), so disk.used = diskOther + shard stores.
	diskOther int64
	// nulls lists _cat/nodes columns reported as null (fault injection).
	nulls map[string]bool
}

func (n *node) holdsData() bool { return strings.ContainsAny(n.roles, "cdfhsw") }

// shardCopy is one primary or replica.
type shardCopy struct {
	num     int
	primary bool
	node    string // "" when unassigned
	// unassigned info
	reason         string
	at             time.Time
	details        string
	failedAttempts int
}

func (s *shardCopy) state() string {
	if s.node == "" {
		return "UNASSIGNED"
	}
	return "STARTED"
}

// aliasProps is one alias on one index.
type aliasProps struct {
	isWrite *bool
}

// index is one simulated index.
type index struct {
	name      string
	uuid      string
	created   time.Time
	open      bool
	hidden    bool
	primaries int
	replicas  int
	// settings are flat, without number_of_shards/replicas, uuid or
	// creation date, which are derived from the fields above.
	settings   map[string]string
	aliases    map[string]*aliasProps
	dataStream string
	shards     []*shardCopy
	ilm        *ilmState
	// rolledOver records the aliases this index was rolled over from.
	rolledOver map[string]bool

	// Growth: docs(t) = docs0 + docsPerSec*(t-since); primary bytes grow
	// with bytesPerDoc per doc.
	docs0       int64
	bytes0      int64
	docsPerSec  float64
	bytesPerDoc float64
	since       time.Time
}

func (ix *index) docs(now time.Time) int64 {
	return ix.docs0 + int64(ix.docsPerSec*math.Max(0, now.Sub(ix.since).Seconds()))
}

func (ix *index) priBytes(now time.Time) int64 {
	return ix.bytes0 + int64(float64(ix.docs(now)-ix.docs0)*ix.bytesPerDoc)
}

// shardBytes is the store of one copy of shard num (replicas equal their
// primary). Shards of an index are not quite even, as in real clusters.
func (ix *index) shardBytes(num int, now time.Time) int64 {
	if ix.primaries <= 1 {
		return ix.priBytes(now)
	}
	total := ix.priBytes(now)
	weights, sum := ix.shardWeights()
	return int64(float64(total) * weights[num] / sum)
}

func (ix *index) shardWeights() ([]float64, float64) {
	w := make([]float64, ix.primaries)
	sum := 0.0
	for i := range w {
		w[i] = 1 + 0.08*float64((i*7+len(ix.name))%5-2)
		sum += w[i]
	}
	return w, sum
}

func (ix *index) shardDocs(num int, now time.Time) int64 {
	if ix.primaries <= 1 {
		return ix.docs(now)
	}
	weights, sum := ix.shardWeights()
	return int64(float64(ix.docs(now)) * weights[num] / sum)
}

// freeze stops growth at the current value (the writer moved away).
func (ix *index) freeze(now time.Time) (docsPerSec, bytesPerDoc float64) {
	docsPerSec, bytesPerDoc = ix.docsPerSec, ix.bytesPerDoc
	ix.docs0, ix.bytes0, ix.since, ix.docsPerSec = ix.docs(now), ix.priBytes(now), now, 0
	return docsPerSec, bytesPerDoc
}

func (ix *index) health() string {
	if !ix.open {
		return "red"
	}
	h := "green"
	for _, s := range ix.shards {
		if s.node == "" {
			if s.primary {
				return "red"
			}
			h = "yellow"
		}
	}
	return h
}

func (ix *index) setting(key string) string { return ix.settings[key] }

// dataStream is one simulated data stream.
type dataStream struct {
	name       string
	indices    []string // oldest first; the last is the write index
	template   string
	generation int
}

// policy is an ILM policy, kept as the JSON the client sent.
type policy struct {
	name     string
	version  int
	modified time.Time
	body     map[string]any // {"phases": {...}, "_meta": ...}
}

func (p *policy) phases() map[string]any {
	ph, _ := p.body["phases"].(map[string]any)
	return ph
}

// template is a composable index template, kept as sent.
type template struct {
	name     string
	body     map[string]any
	created  time.Time
	modified time.Time
}

func (t *template) patterns() []string {
	switch v := t.body["index_patterns"].(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, p := range v {
			if s, ok := p.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func (t *template) priority() int64 {
	switch v := t.body["priority"].(type) {
	case float64:
		return int64(v)
	case int64:
		return v
	case int:
		return int64(v)
	}
	return 0
}

func (t *template) isDataStream() bool { _, ok := t.body["data_stream"]; return ok }

// settings are the template's own settings, flat.
func (t *template) settings() map[string]string {
	out := map[string]string{}
	if tm, ok := t.body["template"].(map[string]any); ok {
		if s, ok := tm["settings"].(map[string]any); ok {
			flatten("", s, out)
		}
	}
	return normaliseIndexSettings(out)
}

func (t *template) aliases() map[string]any {
	if tm, ok := t.body["template"].(map[string]any); ok {
		if a, ok := tm["aliases"].(map[string]any); ok {
			return a
		}
	}
	return nil
}

func (t *template) matches(name string) bool {
	for _, p := range t.patterns() {
		if matchPattern(p, name) {
			return true
		}
	}
	return false
}

// normaliseIndexSettings prefixes "index." where a setting was written
// without it, as Elasticsearch does.
func normaliseIndexSettings(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		if !strings.HasPrefix(k, "index.") {
			k = "index." + k
		}
		out[k] = v
	}
	return out
}

// flatten turns nested JSON into dotted keys with string values.
func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, sub, out)
		}
	case nil:
		out[prefix] = "\x00null" // marks "reset to default" in a PUT
	case string:
		out[prefix] = t
	case bool:
		out[prefix] = strconv.FormatBool(t)
	case float64:
		out[prefix] = strconv.FormatFloat(t, 'f', -1, 64)
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			m := map[string]string{}
			flatten("x", e, m)
			parts = append(parts, m["x"])
		}
		out[prefix] = strings.Join(parts, ",")
	}
}

// nest renders flat settings the way Elasticsearch does without
// flat_settings: nested objects, and a dotted key where a name is both a
// value and a prefix ("low" and "low.max_headroom").
func nest(flat map[string]string) map[string]any {
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]any{}
	for _, k := range keys {
		put(out, "", k, flat[k])
	}
	return out
}

// put mirrors Settings.processSetting in Elasticsearch.
func put(m map[string]any, prefix, key string, value string) {
	dot := strings.IndexByte(key, '.')
	if dot < 0 {
		if inner, ok := m[prefix+key].(map[string]any); ok {
			for k, v := range inner {
				m[prefix+key+"."+k] = v
			}
		}
		m[prefix+key] = value
		return
	}
	head, rest := key[:dot], key[dot+1:]
	switch existing := m[prefix+head].(type) {
	case nil:
		inner := map[string]any{}
		put(inner, "", rest, value)
		m[prefix+head] = inner
	case map[string]any:
		put(existing, "", rest, value)
	default:
		put(m, prefix+head+".", rest, value)
	}
}

// matchPattern is Elasticsearch's simple wildcard match ('*' only).
func matchPattern(pattern, name string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == name
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	for i := 1; i < len(parts)-1; i++ {
		j := strings.Index(name, parts[i])
		if j < 0 {
			return false
		}
		name = name[j+len(parts[i]):]
	}
	return strings.HasSuffix(name, parts[len(parts)-1])
}

// globsIntersect reports whether some name matches both patterns; it is
// how template overlap is judged.
func globsIntersect(p, q string) bool {
	type key struct{ i, j int }
	memo := map[key]int8{}
	var walk func(i, j int) bool
	walk = func(i, j int) bool {
		k := key{i, j}
		if v, ok := memo[k]; ok {
			return v == 1
		}
		var r bool
		switch {
		case i == len(p) && j == len(q):
			r = true
		case i < len(p) && p[i] == '*':
			r = walk(i+1, j) || (j < len(q) && walk(i, j+1))
		case j < len(q) && q[j] == '*':
			r = walk(i, j+1) || (i < len(p) && walk(i+1, j))
		case i < len(p) && j < len(q):
			r = p[i] == q[j] && walk(i+1, j+1)
		}
		memo[k] = map[bool]int8{true: 1, false: 2}[r]
		return r
	}
	return walk(0, 0)
}

// stableID makes a 22-character id (like Elasticsearch's node and index
// UUIDs) from a seed, so the demo's ids do not change between runs.
func stableID(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:22]
}

func boolPtr(b bool) *bool { return &b }
