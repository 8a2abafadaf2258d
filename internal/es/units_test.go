package es

import (
	"strings"
	"testing"
	"time"
)

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"50gb": 50 << 30, "50GB": 50 << 30, " 1.5tb ": 3 << 39, "512mb": 512 << 20, "10kb": 10 << 10, "100b": 100, "1pb": 1 << 50,
	} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "50", "gb", "-1gb", "0gb", "50 gb", "5x", "1e3gb", "+5gb", "50g"} {
		if _, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) accepted", bad)
		}
	}
}

func TestParseLooseBytes(t *testing.T) {
	for in, want := range map[string]int64{"68075251302": 68075251302, "31.1mb": 32610714, "88.1kb": 90214, "260b": 260, "100.7gb": 108125801677} {
		got, ok := parseLooseBytes(in)
		if !ok || got != want {
			t.Errorf("parseLooseBytes(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "-", "abc"} {
		if _, ok := parseLooseBytes(bad); ok {
			t.Errorf("parseLooseBytes(%q) accepted", bad)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for in, want := range map[int64]string{0: "0b", 512: "512b", 1 << 10: "1kb", 68075251302: "63.4gb", 50 << 30: "50gb", 3 << 39: "1.5tb"} {
		if got := FormatBytes(in); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTimeValue(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "0ms": 0, "90m": 90 * time.Minute, "5s": 5 * time.Second, "7micros": 7 * time.Microsecond} {
		got, err := ParseTimeValue(in)
		if err != nil || got != want {
			t.Errorf("ParseTimeValue(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "30", "1.5d", "d", "-1d", "30 days", "3w", "99999999999999d"} {
		if _, err := ParseTimeValue(bad); err == nil {
			t.Errorf("ParseTimeValue(%q) accepted", bad)
		}
	}
}

func TestValidateNames(t *testing.T) {
	for _, ok := range []string{"functionbeat-8.7.1", "logs-app-000001", ".hidden", "a+b"} {
		if err := ValidateIndexName("index", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for bad, why := range map[string]string{
		"Logs": "upper-case", "_x": "must not start", "-x": "must not start", "a b": `" "`, "a,b": `","`, "a*": `"*"`,
		"a:b": `":"`, "..": "not allowed", "": "empty", strings.Repeat("a", 256): "255",
	} {
		err := ValidateIndexName("index", bad)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ValidateIndexName(%q) = %v, want %q", bad, err, why)
		}
	}
	if err := ValidatePolicyName("Mixed-Case_ok"); err != nil {
		t.Errorf("policy names may be mixed case: %v", err)
	}
	for _, bad := range []string{"_p", "a b", "a,b", "a/b", ""} {
		if ValidatePolicyName(bad) == nil {
			t.Errorf("ValidatePolicyName(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"Tmpl", "_t", "a b", ""} {
		if ValidateTemplateName(bad) == nil {
			t.Errorf("ValidateTemplateName(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"Logs-*", "_x*", "a b*", "a,b", ""} {
		if ValidateIndexPattern(bad) == nil {
			t.Errorf("ValidateIndexPattern(%q) accepted", bad)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	cases := []struct {
		p, s string
		want bool
	}{
		{"functionbeat-*", "functionbeat-8.7.1", true}, {"functionbeat-*", "functionbeat", false}, {"*", "", true},
		{"logs-*-*", "logs-a-b", true}, {"logs-*-*", "logs-a", false}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
		{"exact", "exact", true}, {"exact", "exactly", false}, {"*-write", "functionbeat-write", true}, {"a*a", "a", false},
	}
	for _, c := range cases {
		if got := MatchPattern(c.p, c.s); got != c.want {
			t.Errorf("MatchPattern(%q, %q) = %v", c.p, c.s, got)
		}
	}
}

func TestGlobsIntersect(t *testing.T) {
	cases := []struct {
		p, q string
		want bool
	}{
		{"functionbeat-*", "functionbeat-8*", true}, {"logs-*-a", "logs-*-b", false}, {"logs-*-*", "logs-app-*", true},
		{"a*", "b*", false}, {"*", "x", true}, {"x", "x", true}, {"x", "y", false}, {"*a", "b*", true}, {"a*c", "ab*", true},
	}
	for _, c := range cases {
		if got := globsIntersect(c.p, c.q); got != c.want {
			t.Errorf("globsIntersect(%q, %q) = %v", c.p, c.q, got)
		}
		if got := globsIntersect(c.q, c.p); got != c.want {
			t.Errorf("globsIntersect(%q, %q) = %v (reversed)", c.q, c.p, got)
		}
	}
}

func TestNextRolloverName(t *testing.T) {
	for in, want := range map[string]string{"functionbeat-000001": "functionbeat-000002", "logs-9": "logs-000010", "a-b-000999": "a-b-001000", "x-1000000": "x-1000001"} {
		got, ok := NextRolloverName(in)
		if !ok || got != want {
			t.Errorf("NextRolloverName(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"functionbeat-8.7.1", "products", "x-"} {
		if _, ok := NextRolloverName(bad); ok {
			t.Errorf("NextRolloverName(%q) accepted", bad)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"https://es:9200/x": "https://es:9200/x",
		`{"a":1}`:           `'{"a":1}'`,
		"it's":              `'it'\''s'`,
		"/etc/ca cert.pem":  `'/etc/ca cert.pem'`,
		"$HOME":             `'$HOME'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseWatermarks(t *testing.T) {
	// Nested, as Elasticsearch renders without flat_settings: a key that is
	// both a value and a prefix appears dotted inside the object.
	nested := `{"persistent":{"cluster":{"routing":{"allocation":{"disk":{"watermark":{"high":"92%"}}}}}},
	  "transient":{},
	  "defaults":{"cluster":{"routing":{"allocation":{"disk":{"threshold_enabled":"true","watermark":{
	    "low":"85%","low.max_headroom":"200gb","high":"90%","high.max_headroom":"150gb","flood_stage":"95%","flood_stage.max_headroom":"100gb"}}}}}}}`
	w, err := ParseWatermarks([]byte(nested))
	if err != nil {
		t.Fatal(err)
	}
	if w.High.UsedPercent != 92 || w.High.MaxHeadroom != 0 {
		t.Fatalf("explicit high = %+v (a default headroom must not apply to an explicit watermark)", w.High)
	}
	if w.Low.UsedPercent != 85 || w.Low.MaxHeadroom != 200<<30 {
		t.Fatalf("default low = %+v", w.Low)
	}
	// On a 10tb disk the low watermark is reached with 200gb free, not 1.5tb.
	total := int64(10 << 40)
	if got := w.Low.ThresholdUsed(total); got != total-200<<30 {
		t.Fatalf("low threshold on 10tb = %d", got)
	}
	// On a 1tb disk the percentage is the smaller headroom.
	if got := w.Low.ThresholdUsed(1 << 40); got != 934584883610 {
		t.Fatalf("low threshold on 1tb = %d", got)
	}

	flat := `{"transient":{"cluster.routing.allocation.disk.watermark.flood_stage":"0.97"},
	  "persistent":{"cluster.routing.allocation.disk.watermark.flood_stage":"96%","cluster.routing.allocation.disk.watermark.low":"500gb"}}`
	w, err = ParseWatermarks([]byte(flat))
	if err != nil {
		t.Fatal(err)
	}
	if w.Flood.UsedPercent != 97 || !w.Low.IsAbsolute() || w.Low.FreeBytes != 500<<30 {
		t.Fatalf("transient must win, absolute low: %+v", w)
	}
	if !w.Low.Crossed(600<<30, 1<<40) || w.Low.Crossed(500<<30, 1<<40) {
		t.Fatal("absolute watermark judged wrong")
	}

	off, err := ParseWatermarks([]byte(`{"persistent":{"cluster.routing.allocation.disk.threshold_enabled":"false"}}`))
	if err != nil || off.Enabled {
		t.Fatalf("threshold_enabled false: %+v %v", off, err)
	}
	if _, err := ParseWatermarks([]byte(`{"persistent":{"cluster.routing.allocation.disk.watermark.low":"lots"}}`)); err == nil {
		t.Fatal("a nonsense watermark was accepted")
	}
}

func TestPrivilegeFromReason(t *testing.T) {
	for reason, want := range map[string]string{
		"action [cluster:monitor/health] is unauthorized for user [x]": "cluster privilege monitor",
		"action [cluster:monitor/health] is unauthorized for user [x] with effective roles [r], this action is granted by the cluster privileges [monitor,manage,all]":                  "cluster privilege monitor",
		"action [indices:admin/settings/update] is unauthorized for user [x] with effective roles [r] on indices [logs-1], this action is granted by the index privileges [manage,all]": "index privilege manage on [logs-1]",
		"action [cluster:admin/ilm/put] is unauthorized for API key id [abc] of user [x]":                                                                                               "cluster privilege manage_ilm",
		"action [indices:admin/ilm/explain] is unauthorized for user [x] on indices [a]":                                                                                                "index privilege view_index_metadata on [a]",
		"action [indices:admin/index_template/put] is unauthorized for user [x]":                                                                                                        "cluster privilege manage_index_templates",
		"action [weird:thing] is unauthorized for user [x]":                                                                                                                             "privilege for action weird:thing",
		"something else": "",
	} {
		if got := privilegeFromReason(reason); got != want {
			t.Errorf("privilegeFromReason(%q) = %q, want %q", reason, got, want)
		}
	}
}

func TestCloudURL(t *testing.T) {
	// name:base64("us-east-1.aws.found.io:9243$abc123$kib456")
	got, err := cloudURL("prod:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbzo5MjQzJGFiYzEyMyRraWI0NTY=")
	if err != nil || got != "https://abc123.us-east-1.aws.found.io:9243" {
		t.Fatalf("cloudURL = %q, %v", got, err)
	}
	for _, bad := range []string{"nocolon", "x:!!!", "x:" + "YWJj"} {
		if _, err := cloudURL(bad); err == nil {
			t.Errorf("cloudURL(%q) accepted", bad)
		}
	}
}
