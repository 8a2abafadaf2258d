package config

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseBytes parses a size the way Elasticsearch writes them ("50gb",
// "512mb", "1.5tb", "100b"), into bytes. Units are powers of 1024, as in ES.
func ParseBytes(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, fmt.Errorf("empty size; write it like 50gb")
	}
	units := []struct {
		suffix string
		mult   float64
	}{{"pb", 1 << 50}, {"tb", 1 << 40}, {"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"b", 1}}
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), 64)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("%q is not a size; write it like 50gb", s)
			}
			return int64(n * u.mult), nil
		}
	}
	return 0, fmt.Errorf("%q has no unit; write it like 50gb (b, kb, mb, gb, tb, pb)", s)
}
