package decode

import (
	"math"
	"strconv"
	"time"
)

// parseTimestamp reads the timestamps JSON loggers write: RFC 3339 / ISO 8601
// ("2025-09-03T16:47:00.250Z", "2025-09-03 16:47:00.250+02:00",
// "...+0200") as written by ECS, logrus, zap and slog. The result is in UTC.
// It is hand-written because it runs once per event on the hot path and
// time.Parse is several times slower.
func parseTimestamp(b []byte) (time.Time, bool) {
	// YYYY-MM-DDTHH:MM:SS is 19 bytes.
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	minute, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		start := i
		scale := 100000000
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			nsec += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	offset := 0
	switch {
	case i == len(b):
		// No zone: ECS says UTC, and so do most loggers that omit it.
	case b[i] == 'Z' || b[i] == 'z':
		i++
	case b[i] == '+' || b[i] == '-':
		sign := 1
		if b[i] == '-' {
			sign = -1
		}
		i++
		if len(b)-i < 4 {
			return time.Time{}, false
		}
		oh, okh := digits(b[i : i+2])
		i += 2
		if i < len(b) && b[i] == ':' {
			i++
		}
		if len(b)-i < 2 {
			return time.Time{}, false
		}
		om, okm := digits(b[i : i+2])
		i += 2
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		offset = sign * (oh*3600 + om*60)
	default:
		return time.Time{}, false
	}
	if i != len(b) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if offset != 0 {
		t = t.Add(-time.Duration(offset) * time.Second)
	}
	return t, true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// epochTime reads a JSON number as a Unix time, choosing the unit by
// magnitude the way log tooling does: seconds (zap's "ts": 1.7e9, possibly
// fractional), milliseconds (pino, CloudWatch), microseconds, nanoseconds.
func epochTime(b []byte) (time.Time, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	switch {
	case f < 1e11:
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	case f < 1e14:
		return time.UnixMilli(int64(f)).UTC(), true
	case f < 1e17:
		return time.UnixMicro(int64(f)).UTC(), true
	case f < 9e18:
		return time.Unix(0, int64(f)).UTC(), true
	}
	return time.Time{}, false
}
