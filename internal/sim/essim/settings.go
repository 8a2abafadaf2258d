package essim

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// clusterDefaults are the defaults GET _cluster/settings?include_defaults
// shows for what the simulator models (a real cluster lists hundreds more).
var clusterDefaults = map[string]string{
	"cluster.routing.allocation.disk.threshold_enabled":                  "true",
	"cluster.routing.allocation.disk.watermark.low":                      "85%",
	"cluster.routing.allocation.disk.watermark.low.max_headroom":         "200gb",
	"cluster.routing.allocation.disk.watermark.high":                     "90%",
	"cluster.routing.allocation.disk.watermark.high.max_headroom":        "150gb",
	"cluster.routing.allocation.disk.watermark.flood_stage":              "95%",
	"cluster.routing.allocation.disk.watermark.flood_stage.max_headroom": "100gb",
	"cluster.routing.allocation.disk.watermark.flood_stage.frozen":       "95%",
	"cluster.routing.allocation.enable":                                  "all",
	"cluster.routing.allocation.node_concurrent_recoveries":              "2",
	"cluster.max_shards_per_node":                                        "1000",
	"indices.lifecycle.poll_interval":                                    "10m",
	"action.destructive_requires_name":                                   "true",
}

// clusterSetting applies transient > persistent > default.
func (s *Server) clusterSetting(key string) (value string, explicit bool) {
	if v, ok := s.transient[key]; ok {
		return v, true
	}
	if v, ok := s.persistent[key]; ok {
		return v, true
	}
	return clusterDefaults[key], false
}

// usedThreshold is the used bytes at which a disk of total bytes crosses
// watermark kind ("low", "high", "flood_stage"), with Elasticsearch's
// percentage / ratio / absolute forms and max_headroom rule.
func (s *Server) usedThreshold(kind string, total int64) int64 {
	key := "cluster.routing.allocation.disk.watermark." + kind
	v, explicit := s.clusterSetting(key)
	v = strings.ToLower(strings.TrimSpace(v))
	if p, ok := strings.CutSuffix(v, "%"); ok {
		f, _ := strconv.ParseFloat(p, 64)
		return s.withHeadroom(kind, explicit, total, f)
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return s.withHeadroom(kind, explicit, total, f*100)
	}
	for _, u := range []string{"pb", "tb", "gb", "mb", "kb", "b"} {
		if n, ok := strings.CutSuffix(v, u); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err == nil {
				return total - int64(f*byteUnits[u])
			}
		}
	}
	return total
}

func (s *Server) withHeadroom(kind string, explicit bool, total int64, pct float64) int64 {
	free := int64(math.Round(float64(total) * (100 - pct) / 100))
	hv, hExplicit := s.clusterSetting("cluster.routing.allocation.disk.watermark." + kind + ".max_headroom")
	if !explicit || hExplicit {
		for _, u := range []string{"pb", "tb", "gb", "mb", "kb"} {
			if n, ok := strings.CutSuffix(hv, u); ok {
				if f, err := strconv.ParseFloat(n, 64); err == nil && f > 0 {
					free = min(free, int64(f*byteUnits[u]))
				}
			}
		}
	}
	return total - free
}

// overWatermark reports whether a node's disk is at or over a watermark.
func (s *Server) overWatermark(n *node, kind string, now time.Time) bool {
	if v, _ := s.clusterSetting("cluster.routing.allocation.disk.threshold_enabled"); v == "false" {
		return false
	}
	return s.diskUsed(n, now) >= s.usedThreshold(kind, n.diskTotal)
}

// getClusterSettings is GET _cluster/settings.
func (s *Server) getClusterSettings(req *request, _ time.Time) (int, any, *esError) {
	render := func(flat map[string]string) any {
		if req.flag("flat_settings") {
			out := make(map[string]any, len(flat))
			for k, v := range flat {
				out[k] = v
			}
			return out
		}
		return nest(flat)
	}
	out := map[string]any{"persistent": render(s.persistent), "transient": render(s.transient)}
	if req.flag("include_defaults") {
		defaults := map[string]string{}
		for k, v := range clusterDefaults {
			if _, set := s.persistent[k]; set {
				continue
			}
			if _, set := s.transient[k]; set {
				continue
			}
			defaults[k] = v
		}
		out["defaults"] = render(defaults)
	}
	return http.StatusOK, out, nil
}

// putClusterSettings is PUT _cluster/settings (persistent/transient; null
// resets).
func (s *Server) putClusterSettings(req *request, _ time.Time) (int, any, *esError) {
	var body map[string]any
	if err := json.Unmarshal(req.body, &body); err != nil {
		return 0, nil, errParse("request body is required and must be JSON: %v", err)
	}
	ack := map[string]any{"acknowledged": true, "persistent": map[string]any{}, "transient": map[string]any{}}
	for _, scope := range []string{"persistent", "transient"} {
		m, _ := body[scope].(map[string]any)
		flat := map[string]string{}
		flatten("", m, flat)
		target := s.persistent
		if scope == "transient" {
			target = s.transient
		}
		for k, v := range flat {
			if _, known := clusterDefaults[k]; !known {
				return 0, nil, errIllegalArgument("%s setting [%s], not recognized", scope, k)
			}
			if v == "\x00null" {
				delete(target, k)
				continue
			}
			target[k] = v
		}
		ack[scope] = nest(flat)
	}
	return http.StatusOK, ack, nil
}
