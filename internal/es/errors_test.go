package es_test

import (
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/es"
	"github.com/opsconsole/opsconsole/internal/ops"
	"github.com/opsconsole/opsconsole/internal/sim/essim"
	"github.com/opsconsole/opsconsole/internal/testutil"
)

const (
	secretKey  = "c2VjcmV0LWlkOnMzY3IzdC1hcGkta2V5LXZhbHVl"
	secretPass = "hunter2-correct-horse"
)

func assertNoSecret(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, secretKey) || strings.Contains(s, secretPass) {
			t.Fatalf("a secret leaked into %q", s)
		}
	}
}

func TestWrongAPIKey(t *testing.T) {
	e := newEnv(t, func(c *es.Config) { c.APIKey = secretKey })
	e.sim.RequireAPIKey("the-right-key")
	_, err := e.c.Cluster(ctx(t))
	if !es.IsKind(err, es.KindAuth) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "--es-api-key") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err.Error())
	// The request did carry the key, in the header only.
	if h := e.rec.Requests()[0].Header.Get("Authorization"); !strings.HasSuffix(h, secretKey) {
		t.Fatalf("Authorization header = %q", h)
	}
}

func TestExpiredAPIKey(t *testing.T) {
	e := newEnv(t, func(c *es.Config) { c.APIKey = secretKey })
	e.sim.RequireAPIKey(secretKey)
	if _, err := e.c.Cluster(ctx(t)); err != nil {
		t.Fatalf("right key refused: %v", err)
	}
	e.sim.ExpireCredentials()
	_, err := e.c.Cluster(ctx(t))
	if !es.IsKind(err, es.KindAuth) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err.Error())
}

func TestWrongPassword(t *testing.T) {
	e := newEnv(t, func(c *es.Config) { c.Username, c.Password = "ops", secretPass })
	e.sim.RequireBasicAuth("ops", "other")
	_, err := e.c.Cluster(ctx(t))
	if !es.IsKind(err, es.KindAuth) || !strings.Contains(err.Error(), "unable to authenticate user [ops]") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err.Error())
}

func TestForbiddenNamesPrivilege(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		t.Run(fmt.Sprintf("legacy=%v", legacy), func(t *testing.T) {
			e := newEnv(t)
			e.sim.Deny(essim.Denial{Action: "cluster:monitor/health", Kind: "cluster", Privileges: []string{"monitor", "manage", "all"}, Legacy: legacy})
			_, err := e.c.Cluster(ctx(t))
			if !es.IsKind(err, es.KindForbidden) || !strings.Contains(err.Error(), "need the cluster privilege monitor") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestForbiddenIndexPrivilegeOnMutation(t *testing.T) {
	e := newEnv(t)
	e.sim.Deny(essim.Denial{Action: "indices:admin/rollover", Kind: "index", Privileges: []string{"manage", "all"}})
	a := es.NewRolloverAction(e.c, essim.DemoWriteAlias)
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	err := a.Apply(ctx(t))
	if !es.IsKind(err, es.KindForbidden) || !strings.Contains(err.Error(), "index privilege manage on ["+essim.DemoWriteAlias+"]") {
		t.Fatalf("err = %v", err)
	}
}

func TestPermissionPreCheck(t *testing.T) {
	e := newEnv(t)
	e.sim.Deny(essim.Denial{Action: "cluster:admin/ilm/put", Kind: "cluster", Privileges: []string{"manage_ilm", "manage", "all"}})
	a := es.NewILMPolicyAction(e.c, "new-policy", es.PolicyOptions{RolloverMaxAge: "7d"})
	pc, ok := a.(ops.PermissionChecker)
	if !ok {
		t.Fatal("ilm-policy has no permission pre-check")
	}
	err := pc.CheckPermission(ctx(t))
	if err == nil || !strings.Contains(err.Error(), "cluster privilege manage_ilm") {
		t.Fatalf("err = %v", err)
	}
	// The guard refuses before Apply: nothing was sent.
	g := ops.Guard{}
	if err := g.Check(ctx(t), a); err == nil || len(e.rec.Mutations()) != 0 {
		t.Fatalf("guard: %v, mutations %d", err, len(e.rec.Mutations()))
	}
	// Without the denial the same check passes.
	e2 := newEnv(t)
	if err := es.NewILMPolicyAction(e2.c, "new-policy", es.PolicyOptions{RolloverMaxAge: "7d"}).(ops.PermissionChecker).CheckPermission(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

// backoffLog records the backoff attempts the transport asked for.
type backoffLog struct {
	mu       sync.Mutex
	attempts []int
}

func (b *backoffLog) backoff(n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts = append(b.attempts, n)
	return time.Millisecond
}

func TestReadRetriesWithBackoffThenSucceeds(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			log := &backoffLog{}
			e := newEnv(t, func(c *es.Config) { c.RetryBackoff = log.backoff })
			e.sim.AddFault(essim.Fault{Method: "GET", PathPrefix: "/_cluster/health", Status: status, Times: 2})
			cs, err := e.c.Cluster(ctx(t))
			if err != nil || cs.Name != essim.DemoClusterName {
				t.Fatalf("cluster = %+v, %v", cs, err)
			}
			if e.rec.Count() != 3 || !slices.Equal(log.attempts, []int{1, 2}) {
				t.Fatalf("requests %d, backoff attempts %v", e.rec.Count(), log.attempts)
			}
		})
	}
}

func TestReadRetriesAreBounded(t *testing.T) {
	log := &backoffLog{}
	e := newEnv(t, func(c *es.Config) { c.RetryBackoff, c.MaxRetries = log.backoff, 2 })
	e.sim.AddFault(essim.Fault{PathPrefix: "/_cluster/health", Status: 429})
	_, err := e.c.Cluster(ctx(t))
	if !es.IsKind(err, es.KindThrottled) || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "retried with backoff") {
		t.Fatalf("err = %v", err)
	}
	if e.rec.Count() != 3 || !slices.Equal(log.attempts, []int{1, 2}) {
		t.Fatalf("requests %d, backoff %v", e.rec.Count(), log.attempts)
	}
}

func TestMutationIsNeverRetried(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e := newEnv(t)
			a := es.NewRolloverAction(e.c, essim.DemoWriteAlias)
			if err := a.Validate(ctx(t)); err != nil {
				t.Fatal(err)
			}
			e.sim.AddFault(essim.Fault{Method: "POST", PathPrefix: "/" + essim.DemoWriteAlias + "/_rollover", Status: status})
			err := a.Apply(ctx(t))
			if err == nil || !strings.Contains(err.Error(), "never retried") {
				t.Fatalf("err = %v", err)
			}
			if m := e.rec.Mutations(); len(m) != 1 {
				t.Fatalf("mutation sent %d times: %+v", len(m), m)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	e := newEnv(t, func(c *es.Config) { c.Timeout = 50 * time.Millisecond })
	e.sim.AddFault(essim.Fault{PathPrefix: "/_cluster/health", Latency: time.Hour})
	_, err := e.c.Cluster(ctx(t))
	if !es.IsKind(err, es.KindTimeout) || !strings.Contains(err.Error(), "no answer within the timeout") {
		t.Fatalf("err = %v", err)
	}
	if e.rec.Count() != 1 {
		t.Fatalf("a timed-out read was retried %d times", e.rec.Count()-1)
	}
}

func TestConnectionRefused(t *testing.T) {
	port := testutil.FreePort(t)
	c, err := es.New(es.Config{URLs: []string{fmt.Sprintf("http://127.0.0.1:%d", port)}, RetryBackoff: func(int) time.Duration { return 0 }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Cluster(ctx(t))
	if !es.IsKind(err, es.KindUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

func TestNotElasticsearch(t *testing.T) {
	cases := map[string]http.HandlerFunc{
		"200 without product header": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"cluster_name":"imposter","status":"green"}`))
		},
		"404 html page": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`<html><body>Not Found</body></html>`))
		},
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			c, err := es.New(es.Config{URLs: []string{srv.URL}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Cluster(ctx(t))
			if !es.IsKind(err, es.KindNotElasticsearch) || !strings.Contains(err.Error(), "--es-url") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestProductHeaderMissingFromSimulator(t *testing.T) {
	e := newEnv(t)
	e.sim.AddFault(essim.Fault{NoProductHeader: true})
	_, err := e.c.Cluster(ctx(t))
	if !es.IsKind(err, es.KindNotElasticsearch) {
		t.Fatalf("err = %v", err)
	}
}

func TestTLS(t *testing.T) {
	sim := essim.NewDemo()
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is the point
	srv.StartTLS()
	defer srv.Close()

	c, err := es.New(es.Config{URLs: []string{srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Cluster(ctx(t))
	if !es.IsKind(err, es.KindTLS) || !strings.Contains(err.Error(), "--es-ca-cert") {
		t.Fatalf("unknown CA: err = %v", err)
	}

	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = es.New(es.Config{URLs: []string{srv.URL}, CACertFile: caFile, APIKey: secretKey})
	if err != nil {
		t.Fatal(err)
	}
	if cs, err := c.Cluster(ctx(t)); err != nil || cs.Name != essim.DemoClusterName {
		t.Fatalf("with CA: %+v %v", cs, err)
	}
	// The curl equivalent names the same CA file.
	a := es.NewRolloverAction(c, essim.DemoWriteAlias)
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	p, err := a.Plan(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.CLI[0], "--cacert "+caFile) {
		t.Fatalf("curl = %s", p.CLI[0])
	}

	bad := filepath.Join(dir, "bad.pem")
	_ = os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := es.New(es.Config{URLs: []string{srv.URL}, CACertFile: bad}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("bad CA file: %v", err)
	}
	if _, err := es.New(es.Config{URLs: []string{srv.URL}, CACertFile: filepath.Join(dir, "missing.pem")}); err == nil || !strings.Contains(err.Error(), "--es-ca-cert") {
		t.Fatalf("missing CA file: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for name, cfg := range map[string]es.Config{
		"no url":        {},
		"bad url":       {URLs: []string{"es.example:9200"}},
		"url and cloud": {URLs: []string{"http://a:9200"}, CloudID: "x:eA=="},
		"bad cloud id":  {CloudID: "garbage"},
	} {
		if _, err := es.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A password inside a bad URL is not echoed back.
	_, err := es.New(es.Config{URLs: []string{"ftp://ops:" + secretPass + "@es:9200"}})
	if err == nil {
		t.Fatal("ftp URL accepted")
	}
	assertNoSecret(t, err.Error())
}

func TestCredentialsInURLAreMovedOut(t *testing.T) {
	sim := essim.NewDemo()
	sim.RequireBasicAuth("ops", secretPass)
	rec := essim.NewRecorder(sim)
	c, err := es.New(es.Config{URLs: []string{"http://ops:" + secretPass + "@es.example:9200/"}, Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Cluster(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "http://es.example:9200" {
		t.Fatalf("BaseURL = %q", c.BaseURL())
	}
	a := es.NewReplicasAction(c, "products", 2)
	if err := a.Validate(ctx(t)); err != nil {
		t.Fatal(err)
	}
	p, _ := a.Plan(ctx(t))
	if !strings.Contains(p.CLI[0], `-u "$ES_USER:$ES_PASSWORD"`) {
		t.Fatalf("curl = %s", p.CLI[0])
	}
	assertNoSecret(t, append(p.CLI, p.RequestsText(), fmt.Sprint(p.Notes))...)
}

func TestBadURLNeverShowsItsPassword(t *testing.T) {
	for _, u := range []string{"elastic:hunter2pw@es:9200", "https://elastic:hunter2pw@es:9200 x", "ftp://u:hunter2pw@h/p@q"} {
		_, err := es.New(es.Config{URLs: []string{u}})
		if err == nil {
			t.Fatalf("%q should be refused", u)
		}
		if strings.Contains(err.Error(), "hunter2pw") {
			t.Fatalf("the password leaked: %v", err)
		}
	}
}
