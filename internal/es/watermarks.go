package es

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/elastic/go-elasticsearch/v8/esapi"
)

// Watermark is one disk watermark. Elasticsearch accepts a percentage of
// disk USED ("85%"), a ratio ("0.85"), or an absolute amount of disk that
// must stay FREE ("50gb"). A percentage may be capped by a max_headroom: on
// a big disk the watermark is reached when free space drops below the
// headroom rather than below the percentage.
type Watermark struct {
	// Raw is the setting as configured ("85%", "50gb").
	Raw string
	// UsedPercent is set for percentage and ratio watermarks.
	UsedPercent float64
	// FreeBytes is set for absolute watermarks: the minimum free space.
	FreeBytes int64
	// MaxHeadroom caps the free space a percentage watermark asks for; 0
	// means none.
	MaxHeadroom int64
}

// IsAbsolute reports whether the watermark is a free-space amount.
func (w Watermark) IsAbsolute() bool { return w.FreeBytes > 0 }

// ThresholdUsed is the number of used bytes at which a disk of total bytes
// crosses the watermark.
func (w Watermark) ThresholdUsed(total int64) int64 {
	if total <= 0 {
		return 0
	}
	if w.IsAbsolute() {
		return total - w.FreeBytes
	}
	free := int64(math.Round(float64(total) * (100 - w.UsedPercent) / 100))
	if w.MaxHeadroom > 0 && free > w.MaxHeadroom {
		free = w.MaxHeadroom
	}
	return total - free
}

// Crossed reports whether used of total bytes is at or over the watermark.
func (w Watermark) Crossed(used, total int64) bool {
	if total <= 0 || (w.UsedPercent == 0 && w.FreeBytes == 0) {
		return false
	}
	return used >= w.ThresholdUsed(total)
}

func (w Watermark) String() string { return w.Raw }

// Watermarks are the cluster's disk thresholds: at low no new shards are
// allocated to a node, at high shards are moved away, at flood stage every
// index with a shard on the node gets index.blocks.read_only_allow_delete.
type Watermarks struct {
	Low, High, Flood Watermark
	// Enabled is false when cluster.routing.allocation.disk.threshold_enabled
	// is false: then no watermark applies.
	Enabled bool
}

// DefaultWatermarks are Elasticsearch 8's defaults.
func DefaultWatermarks() Watermarks {
	return Watermarks{
		Low:     Watermark{Raw: "85%", UsedPercent: 85, MaxHeadroom: 200 << 30},
		High:    Watermark{Raw: "90%", UsedPercent: 90, MaxHeadroom: 150 << 30},
		Flood:   Watermark{Raw: "95%", UsedPercent: 95, MaxHeadroom: 100 << 30},
		Enabled: true,
	}
}

const diskPrefix = "cluster.routing.allocation.disk."

// ParseWatermarks reads _cluster/settings (with include_defaults, nested or
// flat) and applies Elasticsearch's precedence: transient over persistent
// over defaults. A max_headroom only applies when the watermark itself is
// not set explicitly, as in Elasticsearch, unless the headroom is set too.
func ParseWatermarks(data []byte) (Watermarks, error) {
	var raw map[string]json.RawMessage
	if err := decodeJSON("cluster settings", data, &raw); err != nil {
		return Watermarks{}, err
	}
	layers := make([]map[string]string, 0, 3)
	explicit := map[string]bool{}
	for _, name := range []string{"transient", "persistent", "defaults"} {
		m := map[string]string{}
		if r, ok := raw[name]; ok {
			var v any
			if err := json.Unmarshal(r, &v); err != nil {
				return Watermarks{}, &Error{Op: "parse cluster settings", Reason: err.Error()}
			}
			flattenSettings("", v, m)
		}
		if name != "defaults" {
			for k := range m {
				explicit[k] = true
			}
		}
		layers = append(layers, m)
	}
	get := func(key string) (string, bool) {
		for _, l := range layers {
			if v, ok := l[diskPrefix+key]; ok && v != "" {
				return v, true
			}
		}
		return "", false
	}
	w := DefaultWatermarks()
	if v, ok := get("threshold_enabled"); ok {
		w.Enabled = v != "false"
	}
	for _, wm := range []struct {
		key string
		dst *Watermark
	}{{"watermark.low", &w.Low}, {"watermark.high", &w.High}, {"watermark.flood_stage", &w.Flood}} {
		v, ok := get(wm.key)
		if !ok {
			continue
		}
		parsed, err := parseWatermark(v)
		if err != nil {
			return w, &Error{Op: "parse cluster settings", Reason: fmt.Sprintf("%s%s: %v", diskPrefix, wm.key, err)}
		}
		if hv, ok := get(wm.key + ".max_headroom"); ok && !parsed.IsAbsolute() {
			if !explicit[diskPrefix+wm.key] || explicit[diskPrefix+wm.key+".max_headroom"] {
				if hb, ok := parseLooseBytes(hv); ok && hb > 0 {
					parsed.MaxHeadroom = hb
				}
			}
		}
		*wm.dst = parsed
	}
	return w, nil
}

func parseWatermark(v string) (Watermark, error) {
	s := strings.TrimSpace(strings.ToLower(v))
	if p, ok := strings.CutSuffix(s, "%"); ok {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || f > 100 {
			return Watermark{}, fmt.Errorf("%q is not a percentage", v)
		}
		return Watermark{Raw: v, UsedPercent: f}, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || f > 1 {
			return Watermark{}, fmt.Errorf("ratio %q is not between 0 and 1", v)
		}
		return Watermark{Raw: v, UsedPercent: f * 100}, nil
	}
	if n, ok := parseLooseBytes(s); ok {
		return Watermark{Raw: v, FreeBytes: n}, nil
	}
	return Watermark{}, fmt.Errorf("%q is neither a percentage, a ratio nor a byte size", v)
}

// Watermarks reads the disk watermarks in force.
func (c *Client) Watermarks(ctx context.Context) (Watermarks, error) {
	body, err := c.readJSON(ctx, "read disk watermarks", esapi.ClusterGetSettingsRequest{
		IncludeDefaults: esapi.BoolPtr(true),
		// filter_path does not work with flat_settings (elastic/elasticsearch
		// #43290), so the nested form is asked for and flattened here.
		FilterPath: []string{
			"persistent.cluster.routing.allocation.disk",
			"transient.cluster.routing.allocation.disk",
			"defaults.cluster.routing.allocation.disk",
		},
	})
	if err != nil {
		return DefaultWatermarks(), err
	}
	return ParseWatermarks(body)
}
