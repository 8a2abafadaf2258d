package decode_test

import (
	"strings"
	"testing"
	"time"

	"github.com/opsconsole/opsconsole/internal/decode"
)

func TestTemplate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"connect to 10.0.3.7:5432 timed out after 3000ms", "connect to <ip> timed out after <num>ms"},
		{"request 6f1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9 failed", "request <uuid> failed"},
		{"at 2025-09-03T16:47:00.250Z took 1.5s", "at <ts> took <num>s"},
		{"at 2025-09-03 16:47:00,250+02:00 ok", "at <ts> ok"},
		{"since 16:47:00.123 retry 3/5", "since <ts> retry <num>/<num>"},
		{"ptr 0x7ffd5e8 commit deadbeef42 sha 4f1c3f2a9b", "ptr <hex> commit <hex> sha <hex>"},
		{"instance i-0abc123def4567890 in subnet-12345678", "instance i-<hex> in subnet-<hex>"},
		{"token AKIAIOSFODNN7EXAMPLE rejected", "token <id> rejected"},
		{`user "alice" not found in 'prod'`, `user "<str>" not found in '<str>'`},
		{"can't reach db-3 for user_42, v1.2 build ec2 http2", "can't reach db-<num> for user_<num>, v1.<num> build ec2 http2"},
		{"ERROR Dropping lambda data due to error: metadata is not yet available", "ERROR Dropping lambda data due to error: metadata is not yet available"},
		{`unclosed "quote and -5 degrees`, `unclosed "quote and -<num> degrees`},
		{"1.2.3.4.5 is not an ip", "<num>.<num>.<num> is not an ip"},
	}
	for _, c := range cases {
		if got := decode.Template(c.in); got != c.want {
			t.Errorf("Template(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestTemplateGroupsVariants(t *testing.T) {
	a := decode.Template("shard shardId-000000000003 throttled 17 times, iterator age 41m")
	b := decode.Template("shard shardId-000000000011 throttled 2 times, iterator age 3m")
	if a != b {
		t.Fatalf("%q != %q", a, b)
	}
}

func TestTopMessages(t *testing.T) {
	top := decode.NewTopMessages(3)
	t0 := time.Date(2025, 9, 3, 16, 0, 0, 0, time.UTC)
	add := func(level, msg string, at int) {
		top.Add(&decode.Event{Level: level, Message: msg, Source: "/ecs/app", Time: t0.Add(time.Duration(at) * time.Second)})
	}
	for i := range 50 {
		add("error", "db timeout after "+strings.Repeat("9", i%3+1)+"ms", 100-i) // times go backwards
	}
	for i := range 10 {
		add("info", "served request 42 in 3ms", i)
	}
	add("info", "db timeout after 5ms", 7) // same template, other level: its own row
	add("warn", "extra row beyond the cap", 8)
	add("warn", "extra row beyond the cap", 9)

	if top.Total() != 63 || top.Distinct() != 3 || top.Overflow() != 2 {
		t.Fatalf("total %d distinct %d overflow %d; want 63, 3, 2", top.Total(), top.Distinct(), top.Overflow())
	}
	rows := top.Top(0, "")
	if len(rows) != 3 {
		t.Fatalf("rows %+v", rows)
	}
	r := rows[0]
	if r.Template != "db timeout after <num>ms" || r.Level != "error" || r.Count != 50 || r.Example != "db timeout after 9ms" ||
		!r.FirstSeen.Equal(t0.Add(51*time.Second)) || !r.LastSeen.Equal(t0.Add(100*time.Second)) || r.Source != "/ecs/app" {
		t.Errorf("top row %+v", r)
	}
	if rows[1].Count != 10 || rows[2].Count != 1 || rows[2].Level != "info" {
		t.Errorf("rows %+v", rows)
	}
	if errs := top.Top(5, "warn"); len(errs) != 1 || errs[0].Level != "error" {
		t.Errorf("warn and above: %+v", errs)
	}
	top.Reset()
	if top.Total() != 0 || top.Distinct() != 0 || len(top.Top(0, "")) != 0 {
		t.Errorf("after reset: %d %d", top.Total(), top.Distinct())
	}
}

func TestTopMessagesBoundsLongMessages(t *testing.T) {
	top := decode.NewTopMessages(10)
	long := strings.Repeat("é", 2000)
	top.Add(&decode.Event{Message: long})
	r := top.Top(1, "")[0]
	if len(r.Example) > decode.MaxExampleLen || !strings.HasPrefix(long, r.Example) || len(r.Template) > decode.MaxTemplateInput {
		t.Errorf("example %d bytes, template %d bytes", len(r.Example), len(r.Template))
	}
}
