package decode

import "strconv"

// Normalised levels. Event.Level is one of these or "".
const (
	LevelTrace = "trace"
	LevelDebug = "debug"
	LevelInfo  = "info"
	LevelWarn  = "warn"
	LevelError = "error"
	LevelFatal = "fatal"
)

// LevelRank orders levels by severity (0 for ""), so a filter can say
// "warn and above" and the top-messages view can keep the worst level seen.
func LevelRank(level string) int {
	switch level {
	case LevelTrace:
		return 1
	case LevelDebug:
		return 2
	case LevelInfo:
		return 3
	case LevelWarn:
		return 4
	case LevelError:
		return 5
	case LevelFatal:
		return 6
	}
	return 0
}

// NormalizeLevel maps the level words loggers use (ECS, logrus, zap, slog,
// Python logging, log4j, Serilog, syslog names, GCP severity) to the six
// normalised levels, ignoring case. Unknown words give "".
func NormalizeLevel(s string) string {
	return normalizeLevel([]byte(s))
}

func normalizeLevel(b []byte) string {
	if len(b) == 0 || len(b) > 13 {
		return ""
	}
	var low [13]byte
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(b)]) {
	case "trace", "verbose", "finest", "finer":
		return LevelTrace
	case "debug", "dbg", "fine":
		return LevelDebug
	case "info", "information", "informational", "notice":
		return LevelInfo
	case "warn", "warning":
		return LevelWarn
	case "error", "err", "severe":
		return LevelError
	case "fatal", "critical", "crit", "panic", "dpanic", "emerg", "emergency", "alert":
		return LevelFatal
	}
	return ""
}

// numericLevel maps the numeric levels of pino and bunyan (10 trace ...
// 60 fatal), the common non-ECS JSON loggers that write numbers.
func numericLevel(b []byte) string {
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return ""
	}
	switch n {
	case 10:
		return LevelTrace
	case 20:
		return LevelDebug
	case 30:
		return LevelInfo
	case 40:
		return LevelWarn
	case 50:
		return LevelError
	case 60:
		return LevelFatal
	}
	return ""
}

// textLevel finds a level in a plain-text log line: an upper-case level word
// among the first four tokens ("ERROR ...", "[WARN] ...", the Lambda
// "2025-...\tRequestId\tERROR\t..." layout) or a logfmt "level=..." token.
// Lower-case words are not taken: "info" in prose is too common.
func textLevel(b []byte) string {
	if len(b) > 160 {
		b = b[:160]
	}
	for tok := 0; tok < 4; tok++ {
		i := 0
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		j := i
		for j < len(b) && !isSpace(b[j]) {
			j++
		}
		if i == j {
			return ""
		}
		w := b[i:j]
		b = b[j:]
		if lv := levelToken(w); lv != "" {
			return lv
		}
	}
	return ""
}

func levelToken(w []byte) string {
	for _, key := range [...]string{"level=", "lvl=", "severity="} {
		if len(w) > len(key) && equalFoldASCII(w[:len(key)], key) {
			v := w[len(key):]
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			return normalizeLevel(v)
		}
	}
	w = trimPunct(w)
	for _, c := range w {
		if c < 'A' || c > 'Z' {
			return ""
		}
	}
	return normalizeLevel(w)
}

func trimPunct(w []byte) []byte {
	isP := func(c byte) bool {
		return c == '[' || c == ']' || c == '(' || c == ')' || c == ':' || c == '<' || c == '>'
	}
	for len(w) > 0 && isP(w[0]) {
		w = w[1:]
	}
	for len(w) > 0 && isP(w[len(w)-1]) {
		w = w[:len(w)-1]
	}
	return w
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
