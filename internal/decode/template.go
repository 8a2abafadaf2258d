package decode

// Message templates group log lines that differ only in their variable
// parts, so "connect to 10.0.3.7:5432 timed out after 3000ms" and
// "connect to 10.0.4.1:5432 timed out after 2950ms" count as one message.
//
// Placeholders: <uuid>, <ts> (ISO dates and clock times), <ip> (IPv4, with
// port), <hex> (0x... and hex ids of 8+ digits), <id> (long tokens mixing
// letters and digits), <num> (numbers; a unit that follows is kept:
// "<num>ms"), and "<str>" / '<str>' for quoted values. Placeholders contain
// no digits or quotes, so a template is its own template.

// AppendTemplate appends the template of msg to dst. It runs in time linear
// in len(msg).
func AppendTemplate(dst []byte, msg string) []byte {
	// unclosed[q] is where a failed search for quote q's closing ended: a
	// quote opening before it cannot be closed either, so it is not searched
	// again (which keeps hostile runs of quotes linear).
	var unclosed [2]int
	for i := 0; i < len(msg); {
		c := msg[i]
		switch {
		case c == '"' || c == '\'' && (i == 0 || opensQuote(msg[i-1])):
			k := 0
			if c == '\'' {
				k = 1
			}
			if i >= unclosed[k] {
				n, end := quoted(msg[i:])
				if n > 0 {
					dst = append(dst, c)
					dst = append(dst, "<str>"...)
					dst = append(dst, c)
					i += n
					continue
				}
				unclosed[k] = i + end
			}
			dst = append(dst, c)
			i++
		case isAlnum(c) && (i == 0 || !isAlnum(msg[i-1]) && msg[i-1] != '>'):
			// A word after '>' is left alone: after a placeholder it is the
			// unit of a number ("<num>ms"), and templating a template must
			// change nothing.
			ph, n := variable(msg[i:])
			dst = append(dst, ph...)
			i += n
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// Template returns the template of msg (see AppendTemplate).
func Template(msg string) string { return string(AppendTemplate(nil, msg)) }

// opensQuote reports whether a single quote after c starts a quoted value
// (rather than being an apostrophe, as in "can't"). A placeholder's '>' does
// not open one, so templating a template changes nothing.
func opensQuote(c byte) bool {
	switch c {
	case ' ', '\t', '(', '[', '{', '=', ':', ',':
		return true
	}
	return false
}

// quoted returns the length of the quoted value at s[0] (including both
// quotes), or 0 and where the search stopped when there is none on this
// line. A single quote glued to a following word (or placeholder) does not
// close.
func quoted(s string) (n, end int) {
	q := s[0]
	j := 1
	for ; j < len(s); j++ {
		switch s[j] {
		case '\n':
			return 0, j
		case '\\':
			j++
		case q:
			if q == '\'' && j+1 < len(s) && (isAlnum(s[j+1]) || s[j+1] == '<') {
				continue
			}
			return j + 1, 0
		}
	}
	return 0, j
}

// variable looks at the word starting at s[0] and returns what to write for
// it and how many bytes it covers.
func variable(s string) (string, int) {
	if n := uuidLen(s); n > 0 {
		return "<uuid>", n
	}
	if n := timestampLen(s); n > 0 {
		return "<ts>", n
	}
	if n := ipv4Len(s); n > 0 {
		return "<ip>", n
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isHex(s[2]) {
		n := 2
		for n < len(s) && isHex(s[n]) {
			n++
		}
		if n == len(s) || !isAlnum(s[n]) {
			return "<hex>", n
		}
	}
	run := 0
	hex, digits, letters := true, 0, 0
	for run < len(s) && isAlnum(s[run]) {
		c := s[run]
		if isDigit(c) {
			digits++
		} else {
			letters++
			hex = hex && isHex(c)
		}
		run++
	}
	switch {
	case run >= 8 && hex && digits > 0:
		return "<hex>", run
	case run >= 12 && digits > 0 && letters > 0:
		return "<id>", run
	case isDigit(s[0]):
		n := 0
		for n < len(s) && isDigit(s[n]) {
			n++
		}
		if n+1 < len(s) && s[n] == '.' && isDigit(s[n+1]) {
			n++
			for n < len(s) && isDigit(s[n]) {
				n++
			}
		}
		// A unit that follows ("250ms", "3x") stays; it is part of the
		// message's shape.
		return "<num>", n
	}
	return s[:run], run
}

func uuidLen(s string) int {
	const n = 36
	if len(s) < n || (len(s) > n && isAlnum(s[n])) {
		return 0
	}
	for i := 0; i < n; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return 0
			}
		default:
			if !isHex(s[i]) {
				return 0
			}
		}
	}
	return n
}

// timestampLen matches an ISO date with optional time and zone, or a clock
// time alone (15:04:05, 15:04:05.000).
func timestampLen(s string) int {
	i := 0
	if fixed(s, "dddd-dd-dd") {
		i = 10
		if i+1 < len(s) && (s[i] == 'T' || s[i] == ' ') && fixed(s[i+1:], "dd:dd") {
			i = clockLen(s, i+1)
		}
	} else if fixed(s, "dd:dd:dd") {
		i = clockLen(s, 0)
	} else {
		return 0
	}
	if i < len(s) && s[i] == 'Z' {
		i++
	} else if i > 10 && i < len(s) && (s[i] == '+' || s[i] == '-') {
		switch {
		case fixed(s[i+1:], "dd:dd"):
			i += 6
		case fixed(s[i+1:], "dddd"):
			i += 5
		}
	}
	if i < len(s) && isAlnum(s[i]) {
		return 0
	}
	return i
}

// clockLen consumes hh:mm[:ss[.frac]] starting at s[i] (already checked to
// begin with dd:dd) and returns the index after it.
func clockLen(s string, i int) int {
	i += 5
	if fixed(s[i:], ":dd") {
		i += 3
		if i+1 < len(s) && (s[i] == '.' || s[i] == ',') && isDigit(s[i+1]) {
			i++
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
	}
	return i
}

// fixed reports whether s starts with pattern, where 'd' stands for a digit.
func fixed(s, pattern string) bool {
	if len(s) < len(pattern) {
		return false
	}
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == 'd' {
			if !isDigit(s[i]) {
				return false
			}
		} else if s[i] != pattern[i] {
			return false
		}
	}
	return true
}

// ipv4Len matches a dotted quad with an optional :port.
func ipv4Len(s string) int {
	i := 0
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= len(s) || s[i] != '.' {
				return 0
			}
			i++
		}
		n := 0
		for i < len(s) && isDigit(s[i]) && n < 3 {
			i++
			n++
		}
		if n == 0 {
			return 0
		}
	}
	if i+1 < len(s) && s[i] == ':' && isDigit(s[i+1]) {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (isAlnum(s[i]) || s[i] == '.' && i+1 < len(s) && isDigit(s[i+1])) {
		return 0
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
