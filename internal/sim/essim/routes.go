package essim

import (
	"net/http"
	"strings"
	"time"
)

// route is one endpoint: the transport action it performs (for Deny) and
// its handler.
type route struct {
	action string
	handle func(req *request, now time.Time) (int, any, *esError)
}

// route maps a request to its endpoint, the way Elasticsearch's REST
// layer does for the paths the console uses.
func (s *Server) route(req *request) (route, bool) {
	p, m := req.parts, req.method
	get := m == http.MethodGet || m == http.MethodHead
	n := len(p)
	if n == 0 {
		return route{"cluster:monitor/main", s.info}, get
	}
	switch p[0] {
	case "_cat":
		if !get || n < 2 {
			return route{}, false
		}
		table := map[string]struct {
			action string
			build  func(*request, time.Time) (*catTable, *esError)
		}{
			"nodes":      {"cluster:monitor/nodes/stats", s.catNodes},
			"allocation": {"cluster:monitor/state", s.catAllocation},
			"indices":    {"indices:monitor/stats", s.catIndices},
			"shards":     {"indices:monitor/stats", s.catShards},
			"aliases":    {"indices:admin/aliases/get", s.catAliases},
		}[p[1]]
		if table.build == nil {
			return route{}, false
		}
		return route{table.action, func(req *request, now time.Time) (int, any, *esError) {
			t, err := table.build(req, now)
			if err != nil {
				return 0, nil, err
			}
			return catResponse(t, req)
		}}, true
	case "_cluster":
		switch {
		case n >= 2 && p[1] == "health" && get:
			return route{"cluster:monitor/health", s.clusterHealth}, true
		case n == 2 && p[1] == "settings" && get:
			return route{"cluster:monitor/settings", s.getClusterSettings}, true
		case n == 2 && p[1] == "settings" && m == http.MethodPut:
			return route{"cluster:admin/settings/update", s.putClusterSettings}, true
		case n == 3 && p[1] == "allocation" && p[2] == "explain" && (get || m == http.MethodPost):
			return route{"cluster:monitor/allocation/explain", s.allocationExplain}, true
		}
		return route{}, false
	case "_ilm":
		if n >= 2 && p[1] == "policy" {
			switch {
			case get && n <= 3:
				return route{"cluster:admin/ilm/get", s.getPolicies}, true
			case m == http.MethodPut && n == 3:
				return route{"cluster:admin/ilm/put", s.putPolicy}, true
			}
		}
		return route{}, false
	case "_index_template":
		switch {
		case get && n <= 2:
			return route{"indices:admin/index_template/get", s.getTemplates}, true
		case (m == http.MethodPut || m == http.MethodPost) && n == 2:
			return route{"indices:admin/index_template/put", s.putTemplate}, true
		}
		return route{}, false
	case "_data_stream":
		if get && n <= 2 {
			return route{"indices:admin/data_stream/get", s.getDataStreams}, true
		}
		return route{}, false
	case "_resolve":
		if get && n == 3 && p[1] == "index" {
			return route{"indices:admin/resolve/index", s.resolveIndex}, true
		}
		return route{}, false
	case "_security":
		if n >= 2 && p[n-1] == "_has_privileges" && (get || m == http.MethodPost) {
			return route{"cluster:admin/xpack/security/user/has_privileges", s.hasPrivileges}, true
		}
		return route{}, false
	case "_settings":
		if get {
			return route{"indices:monitor/settings/get", s.getIndexSettings}, true
		}
		return route{}, false
	}
	if strings.HasPrefix(p[0], "_") && p[0] != "_all" {
		return route{}, false
	}
	// /{index}/...
	if n == 1 {
		if m == http.MethodPut {
			return route{"indices:admin/create", s.createIndexHandler}, true
		}
		return route{}, false
	}
	switch p[1] {
	case "_settings":
		switch {
		case get:
			return route{"indices:monitor/settings/get", s.getIndexSettings}, true
		case m == http.MethodPut && n == 2:
			return route{"indices:admin/settings/update", s.putIndexSettings}, true
		}
	case "_ilm":
		switch {
		case n == 3 && p[2] == "explain" && get:
			return route{"indices:admin/ilm/explain", s.ilmExplain}, true
		case n == 3 && p[2] == "retry" && m == http.MethodPost:
			return route{"indices:admin/ilm/retry", s.ilmRetry}, true
		}
	case "_rollover":
		if m == http.MethodPost && n <= 3 {
			return route{"indices:admin/rollover", s.rolloverHandler}, true
		}
	}
	return route{}, false
}
