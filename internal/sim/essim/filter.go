package essim

import "strings"

// filterPath applies Elasticsearch's filter_path (inclusive filters only):
// each filter is a dot-separated path of field names, where '*' inside a
// segment is a wildcard and '**' matches any number of levels. Arrays are
// transparent. A path ends where the filter ends: everything below is kept.
func filterPath(v any, filters []string) any {
	var paths [][]string
	for _, f := range filters {
		f = strings.TrimSpace(f)
		if f == "" || strings.HasPrefix(f, "-") {
			continue
		}
		paths = append(paths, strings.Split(f, "."))
	}
	if len(paths) == 0 {
		return v
	}
	out, ok := filterValue(v, paths)
	if !ok {
		return map[string]any{}
	}
	return out
}

// filterValue keeps the parts of v some path selects; paths are what is
// left of each filter at this level.
func filterValue(v any, paths [][]string) (any, bool) {
	for _, p := range paths {
		if len(p) == 0 {
			return v, true // a filter ended here: keep the whole subtree
		}
	}
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, sub := range t {
			var next [][]string
			for _, p := range paths {
				switch {
				case p[0] == "**":
					next = append(next, p, p[1:]) // ** stays, or is done
					if len(p) > 1 && matchPattern(p[1], k) {
						next = append(next, p[2:])
					}
				case matchPattern(p[0], k):
					next = append(next, p[1:])
				}
			}
			if len(next) == 0 {
				continue
			}
			if kept, ok := filterValue(sub, next); ok {
				out[k] = kept
			}
		}
		if len(out) == 0 {
			return nil, false
		}
		return out, true
	case []any:
		var out []any
		for _, e := range t {
			if kept, ok := filterValue(e, paths); ok {
				out = append(out, kept)
			}
		}
		if len(out) == 0 {
			return nil, false
		}
		return out, true
	}
	// A leaf reached while a filter still has segments left: only "**" can
	// still select it.
	for _, p := range paths {
		if len(p) == 1 && p[0] == "**" {
			return v, true
		}
	}
	return nil, false
}
