// Package es is the Elasticsearch backend: cluster health, nodes, indices,
// shards and ILM state read over github.com/elastic/go-elasticsearch/v8, and
// the ILM and index remediations as ops.Actions.
//
// Every response is parsed into this package's own tolerant structs: _cat
// values arrive as JSON strings that may be null, sizes are requested with
// bytes=b so they are exact, and a missing column is a zero value, not an
// error. Reads retry 429/502/503/504 with bounded backoff; mutations go
// through a second client with retries switched off, because a retried
// rollover is a second rollover.
package es

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	elasticsearch "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// DefaultMaxShardSize is the size above which a primary shard is flagged:
// the seed notes' and Elastic's guidance of 50GB per shard.
const DefaultMaxShardSize int64 = 50 << 30

// Config is how to reach one cluster.
type Config struct {
	// URLs of one or more nodes ("https://es.example:9200"). Credentials in
	// a URL are moved to Username/Password and never shown again.
	URLs []string
	// CloudID is an Elastic Cloud deployment ID; it replaces URLs.
	CloudID string
	// APIKey is the base64 "id:key" API key; it wins over Username/Password.
	APIKey   string
	Username string
	Password string
	// CACertFile is the path of a PEM file with the CA certificate(s) that
	// signed the cluster's certificate (--es-ca-cert). A path rather than
	// bytes, because the curl equivalent of every action needs the same
	// path for --cacert. When set, only these CAs are trusted, as curl does.
	CACertFile string
	// Timeout bounds each request, retries included. Zero means 10s.
	Timeout time.Duration
	// Transport replaces the HTTP transport, for the simulator (no socket)
	// or tests. A CA certificate can only be applied to an *http.Transport.
	Transport http.RoundTripper
	// MaxShardSize flags primary shards above it. Zero means 50GB.
	MaxShardSize int64
	// MaxRetries bounds the retries of a read on 429/502/503/504 and on
	// connection errors when several URLs are configured. Zero means 3;
	// negative disables read retries.
	MaxRetries int
	// RetryBackoff is the wait before retry attempt n (1-based). Nil means
	// exponential from 250ms, capped at 4s, with jitter.
	RetryBackoff func(attempt int) time.Duration
	// Now is the clock index ages are measured with; nil means time.Now.
	Now func() time.Time
}

// Client reads a cluster and carries its actions. It is safe for concurrent
// use.
type Client struct {
	read    *elasticsearch.Client // retries 429/5xx with backoff
	write   *elasticsearch.Client // never retries: mutations are sent once
	timeout time.Duration
	maxSize int64
	baseURL string
	auth    authKind
	caFile  string
	secrets []string
	clock   func() time.Time

	mu       sync.Mutex
	lastDocs map[string]int64 // doc counts of the previous Snapshot, for "growing"
}

type authKind int

const (
	authNone authKind = iota
	authAPIKey
	authBasic
)

func defaultBackoff(attempt int) time.Duration {
	d := 250 * time.Millisecond << (attempt - 1)
	if d > 4*time.Second || d <= 0 {
		d = 4 * time.Second
	}
	// Up to 25% jitter so many consoles do not retry in step.
	return d - time.Duration(rand.Int64N(int64(d/4)+1))
}

// New builds a client. It sends nothing: the first read checks that the
// server is Elasticsearch.
func New(cfg Config) (*Client, error) {
	urls, user, pass, err := cleanURLs(cfg.URLs)
	if err != nil {
		return nil, err
	}
	if cfg.Username == "" && cfg.Password == "" {
		cfg.Username, cfg.Password = user, pass
	}
	if cfg.CloudID != "" && len(urls) > 0 {
		return nil, errors.New("elasticsearch: both a URL and a Cloud ID are set; use one of them")
	}
	c := &Client{
		timeout: cfg.Timeout,
		maxSize: cfg.MaxShardSize,
		caFile:  cfg.CACertFile,
		clock:   cfg.Now,
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	if c.timeout <= 0 {
		c.timeout = 10 * time.Second
	}
	if c.maxSize <= 0 {
		c.maxSize = DefaultMaxShardSize
	}
	switch {
	case cfg.CloudID != "":
		u, err := cloudURL(cfg.CloudID)
		if err != nil {
			return nil, err
		}
		c.baseURL = u
	case len(urls) > 0:
		c.baseURL = urls[0]
	default:
		return nil, errors.New("elasticsearch: no URL configured; pass --es-url (or ELASTICSEARCH_URL) or a Cloud ID")
	}
	switch {
	case cfg.APIKey != "":
		c.auth = authAPIKey
		c.secrets = append(c.secrets, cfg.APIKey)
	case cfg.Username != "" || cfg.Password != "":
		c.auth = authBasic
		if cfg.Password != "" {
			c.secrets = append(c.secrets, cfg.Password)
		}
	}
	transport, err := buildTransport(cfg.Transport, cfg.CACertFile)
	if err != nil {
		return nil, err
	}
	base := elasticsearch.Config{
		Addresses: urls,
		CloudID:   cfg.CloudID,
		APIKey:    cfg.APIKey,
		Username:  cfg.Username,
		Password:  cfg.Password,
		Transport: transport,
		// The compatibility and meta headers are harmless; the debug logger
		// would print requests, so it stays off.
	}
	readCfg := base
	switch {
	case cfg.MaxRetries < 0:
		readCfg.DisableRetry = true
	default:
		readCfg.MaxRetries = cfg.MaxRetries
		if readCfg.MaxRetries == 0 {
			readCfg.MaxRetries = 3
		}
		readCfg.RetryOnStatus = []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
		backoff := cfg.RetryBackoff
		if backoff == nil {
			backoff = defaultBackoff
		}
		maxRetries := readCfg.MaxRetries
		readCfg.RetryBackoff = func(attempt int) time.Duration {
			// The transport also waits after its last attempt; that wait
			// only delays the error, so it is skipped.
			if attempt > maxRetries {
				return 0
			}
			return backoff(attempt)
		}
		multi := len(urls) > 1
		readCfg.RetryOnError = func(_ *http.Request, err error) bool {
			// Another node may answer; a lone URL that refused will refuse
			// again, and a timeout or TLS failure will not heal by retrying.
			return multi && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) &&
				transportError("", err).Kind == KindUnreachable
		}
	}
	if c.read, err = elasticsearch.NewClient(readCfg); err != nil {
		return nil, c.scrub(fmt.Errorf("elasticsearch: %w", err))
	}
	writeCfg := base
	writeCfg.DisableRetry = true
	if c.write, err = elasticsearch.NewClient(writeCfg); err != nil {
		return nil, c.scrub(fmt.Errorf("elasticsearch: %w", err))
	}
	return c, nil
}

// cleanURLs validates URLs and strips credentials out of them.
func cleanURLs(raw []string) (urls []string, user, pass string, err error) {
	for _, r := range raw {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		u, perr := url.Parse(r)
		if perr != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, "", "", fmt.Errorf("elasticsearch: %q is not a URL like https://host:9200", redactURL(r))
		}
		if u.User != nil && user == "" {
			user = u.User.Username()
			pass, _ = u.User.Password()
		}
		u.User = nil
		urls = append(urls, strings.TrimRight(u.String(), "/"))
	}
	return urls, user, pass, nil
}

// redactURL hides any user-info in a string that failed to parse as a URL,
// with or without a scheme ("elastic:pw@es:9200" is a likely typo too).
func redactURL(s string) string {
	prefix, rest := "", s
	if scheme, after, ok := strings.Cut(s, "://"); ok {
		prefix, rest = scheme+"://", after
	}
	host := rest
	if slash := strings.IndexByte(rest, '/'); slash >= 0 {
		host = rest[:slash]
	}
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		return prefix + "***@" + rest[at+1:]
	}
	return s
}

// cloudURL decodes an Elastic Cloud ID ("name:base64(host$es-uuid$kibana-uuid)").
func cloudURL(id string) (string, error) {
	_, enc, ok := strings.Cut(id, ":")
	if !ok {
		return "", errors.New("elasticsearch: the Cloud ID is not in the form name:base64data; copy it again from the Elastic Cloud console")
	}
	data, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", errors.New("elasticsearch: the Cloud ID's data part is not valid base64; copy it again from the Elastic Cloud console")
	}
	parts := strings.Split(string(data), "$")
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return "", errors.New("elasticsearch: the Cloud ID does not name a host and a cluster; copy it again from the Elastic Cloud console")
	}
	return "https://" + parts[1] + "." + parts[0], nil
}

// buildTransport applies the CA file. Without one, the given transport (or
// Go's default) is used unchanged.
func buildTransport(rt http.RoundTripper, caFile string) (http.RoundTripper, error) {
	if caFile == "" {
		return rt, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch: cannot read the CA certificate file given with --es-ca-cert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("elasticsearch: %s holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)", caFile)
	}
	var ht *http.Transport
	switch t := rt.(type) {
	case nil:
		ht = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		ht = t.Clone()
	default:
		return nil, fmt.Errorf("elasticsearch: a CA certificate cannot be applied to a custom transport (%T)", rt)
	}
	if ht.TLSClientConfig == nil {
		ht.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	ht.TLSClientConfig.RootCAs = pool
	return ht, nil
}

// BaseURL is the URL actions show in their curl equivalents.
func (c *Client) BaseURL() string { return c.baseURL }

func (c *Client) now() time.Time { return c.clock() }

// MaxShardSize is the primary-shard size above which shards are flagged.
func (c *Client) MaxShardSize() int64 { return c.maxSize }

// scrub replaces any configured secret in an error's text. The transport
// never puts credentials in errors today; this keeps it so if it ever does.
func (c *Client) scrub(err error) error {
	if err == nil || c.scrubString(err.Error()) == err.Error() {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		cp := *e
		cp.Reason = c.scrubString(cp.Reason)
		if cp.err != nil {
			cp.err = errors.New(c.scrubString(cp.err.Error()))
		}
		return &cp
	}
	return errors.New(c.scrubString(err.Error()))
}

func (c *Client) scrubString(s string) string {
	for _, secret := range c.secrets {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

// esRequest is one esapi request, so reads and writes share one path.
type esRequest interface {
	Do(ctx context.Context, t esapi.Transport) (*esapi.Response, error)
}

// maxBody bounds a response read into memory: a _cat/shards of a very
// large cluster is tens of MB; anything past this is not a sane answer.
const maxBody = 512 << 20

// do sends req with the read or write client and returns the body of a 2xx
// response, or an *Error.
func (c *Client) do(ctx context.Context, op string, mutate bool, req esRequest) ([]byte, int, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	tr := c.read
	if mutate {
		tr = c.write
	}
	res, err := req.Do(ctx, tr)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %v", ctxErr, err)
		}
		return nil, 0, c.scrub(transportError(op, err))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, res.StatusCode, c.scrub(transportError(op, err))
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		e := statusError(op, res.StatusCode, res.Header, body)
		if mutate && (e.Kind == KindThrottled || e.Kind == KindUnavailable) {
			e.Hint = "a change is sent once and never retried automatically; re-read the state, and run the action again if it did not apply"
		}
		if e.Kind == KindOther && e.Reason == "" {
			e.Reason = strings.TrimSpace(string(bytes.ToValidUTF8(body[:min(len(body), 300)], nil)))
		}
		return body, res.StatusCode, c.scrub(e)
	}
	return body, res.StatusCode, nil
}

// readJSON is do for reads.
func (c *Client) readJSON(ctx context.Context, op string, req esRequest) ([]byte, error) {
	body, _, err := c.do(ctx, op, false, req)
	return body, err
}
