// Package corefile reads a CoreDNS Corefile into server blocks and plugins,
// and points out the misconfigurations that take cluster DNS down most often
// (a forward that loops back, a missing loop detector, no cache, no health or
// readiness endpoint, errors not logged).
//
// The grammar is the Caddyfile one CoreDNS uses: a server block is one or more
// keys ("." or "example.org:53" or "dns://.:5353"), then a block in braces;
// inside, each line is a plugin (a directive) with its arguments, optionally
// followed by its own brace block. '#' starts a comment outside quotes. The
// parser is deliberately forgiving about what it does not need to understand
// (snippets, imports, environment placeholders are kept as written) and strict
// about structure (unbalanced braces), because a linter that gives up on a
// Corefile CoreDNS accepts is useless to an operator in an incident.
package corefile

import (
	"fmt"
	"net"
	"strings"
)

// Corefile is a parsed Corefile.
type Corefile struct {
	Servers []Server
	// Snippets are "(name) { ... }" blocks, reusable through `import name`.
	Snippets []Server
}

// Server is one server block: the zones (and ports) it serves and its
// plugins, in the order written (CoreDNS orders plugin execution by its own
// compiled-in list, not by this order).
type Server struct {
	// Keys are the block's keys exactly as written, e.g. ".:53".
	Keys []string
	// Zones are the keys split into their parts.
	Zones []Zone
	// Plugins are the block's directives.
	Plugins []Directive
	// Line is the 1-based line of the first key.
	Line int
}

// Zone is one server block key taken apart.
type Zone struct {
	Scheme string // "dns" unless written otherwise (tls, grpc, https, quic)
	Zone   string // "." or "example.org."
	Port   string // "53" unless written otherwise
}

func (z Zone) String() string {
	s := z.Zone + ":" + z.Port
	if z.Scheme != "dns" {
		s = z.Scheme + "://" + s
	}
	return s
}

// Directive is one plugin line (or one line inside a plugin's block).
type Directive struct {
	Name  string
	Args  []string
	Block []Directive
	// HasBlock is true when the directive was followed by braces, even empty ones.
	HasBlock bool
	Line     int
}

// String renders the directive on one line, with its block's lines in braces
// separated by ';', for compact display.
func (d Directive) String() string {
	var b strings.Builder
	b.WriteString(d.Name)
	for _, a := range d.Args {
		b.WriteByte(' ')
		b.WriteString(a)
	}
	if d.HasBlock {
		b.WriteString(" {")
		for i, sub := range d.Block {
			if i > 0 {
				b.WriteByte(';')
			}
			b.WriteByte(' ')
			b.WriteString(sub.String())
		}
		b.WriteString(" }")
	}
	return b.String()
}

// Plugin returns the first directive named name, if any.
func (s Server) Plugin(name string) (Directive, bool) {
	for _, d := range s.Plugins {
		if d.Name == name {
			return d, true
		}
	}
	return Directive{}, false
}

// Name is the block's keys joined, as an operator would call it.
func (s Server) Name() string { return strings.Join(s.Keys, " ") }

// ParseError is a structural error with the line it was found on.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("Corefile line %d: %s", e.Line, e.Msg)
}

type token struct {
	text   string
	line   int
	quoted bool
}

// isOpen and isClose: braces are structural only as whole, unquoted tokens,
// as in the Caddyfile lexer ("{$ENV}" is a placeholder, not a block).
func (t token) isOpen() bool  { return !t.quoted && t.text == "{" }
func (t token) isClose() bool { return !t.quoted && t.text == "}" }

// lex splits src into tokens, dropping comments and keeping line numbers.
func lex(src string) ([]token, error) {
	var toks []token
	line := 1
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '"':
			start := line
			var b strings.Builder
			i++
			closed := false
			for i < len(src) {
				if src[i] == '\\' && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\') {
					b.WriteByte(src[i+1])
					i += 2
					continue
				}
				if src[i] == '"' {
					closed = true
					i++
					break
				}
				if src[i] == '\n' {
					line++
				}
				b.WriteByte(src[i])
				i++
			}
			if !closed {
				return nil, &ParseError{Line: start, Msg: "unterminated quoted string"}
			}
			toks = append(toks, token{text: b.String(), line: start, quoted: true})
		default:
			start := i
			for i < len(src) && !strings.ContainsRune(" \t\r\n", rune(src[i])) {
				i++
			}
			toks = append(toks, token{text: src[start:i], line: line})
		}
	}
	return toks, nil
}

// Parse reads a Corefile. An empty Corefile is an error: CoreDNS would start
// with its built-in default (whoami on port 53), which is never what a
// cluster's DNS should be.
func Parse(src string) (*Corefile, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &ParseError{Line: 1, Msg: "the Corefile is empty"}
	}
	p := &parser{toks: toks}
	cf := &Corefile{}
	for !p.done() {
		s, err := p.server()
		if err != nil {
			return nil, err
		}
		if len(s.Keys) == 1 && strings.HasPrefix(s.Keys[0], "(") && strings.HasSuffix(s.Keys[0], ")") {
			cf.Snippets = append(cf.Snippets, s)
			continue
		}
		cf.Servers = append(cf.Servers, s)
	}
	return cf, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) done() bool    { return p.pos >= len(p.toks) }
func (p *parser) peek() token   { return p.toks[p.pos] }
func (p *parser) next() token   { t := p.toks[p.pos]; p.pos++; return t }
func (p *parser) lastLine() int { return p.toks[len(p.toks)-1].line }

// server reads keys up to '{' and the block after it.
func (p *parser) server() (Server, error) {
	first := p.peek()
	if first.isOpen() || first.isClose() {
		return Server{}, &ParseError{Line: first.line, Msg: fmt.Sprintf("unexpected %q where a server block key (a zone such as \".:53\") should start", first.text)}
	}
	s := Server{Line: first.line}
	for {
		if p.done() {
			return Server{}, &ParseError{Line: p.lastLine(), Msg: fmt.Sprintf("server block %q has no opening brace", strings.Join(s.Keys, " "))}
		}
		t := p.next()
		if t.isOpen() {
			break
		}
		if t.isClose() {
			return Server{}, &ParseError{Line: t.line, Msg: "unexpected '}' among server block keys"}
		}
		for _, k := range strings.Split(t.text, ",") {
			if k = strings.TrimSpace(k); k != "" {
				s.Keys = append(s.Keys, k)
			}
		}
	}
	if len(s.Keys) == 0 {
		return Server{}, &ParseError{Line: first.line, Msg: "server block without a zone before '{'"}
	}
	for _, k := range s.Keys {
		z, err := parseKey(k)
		if err != nil {
			return Server{}, &ParseError{Line: s.Line, Msg: err.Error()}
		}
		s.Zones = append(s.Zones, z)
	}
	body, err := p.block(first.line)
	if err != nil {
		return Server{}, err
	}
	s.Plugins = body
	return s, nil
}

// block reads directives up to the matching '}' (the '{' is consumed).
// Each directive starts on a new line; its arguments are the tokens on the
// same line; a '{' ending that line opens its sub-block.
func (p *parser) block(openLine int) ([]Directive, error) {
	var out []Directive
	for {
		if p.done() {
			return nil, &ParseError{Line: openLine, Msg: "block opened here is never closed (missing '}')"}
		}
		t := p.next()
		if t.isClose() {
			return out, nil
		}
		if t.isOpen() {
			return nil, &ParseError{Line: t.line, Msg: "'{' without a plugin name before it"}
		}
		d := Directive{Name: t.text, Line: t.line}
		for !p.done() && p.peek().line == t.line && !p.peek().isOpen() && !p.peek().isClose() {
			d.Args = append(d.Args, p.next().text)
		}
		if !p.done() && p.peek().isOpen() && p.peek().line == t.line {
			open := p.next()
			sub, err := p.block(open.line)
			if err != nil {
				return nil, err
			}
			d.Block, d.HasBlock = sub, true
		}
		out = append(out, d)
	}
}

// parseKey splits "[scheme://]zone[:port]" the way CoreDNS normalises keys.
func parseKey(k string) (Zone, error) {
	z := Zone{Scheme: "dns", Port: "53"}
	rest := k
	if i := strings.Index(rest, "://"); i >= 0 {
		z.Scheme = strings.ToLower(rest[:i])
		rest = rest[i+3:]
		switch z.Scheme {
		case "dns":
		case "tls":
			z.Port = "853"
		case "https":
			z.Port = "443"
		case "grpc":
			z.Port = "443"
		case "quic":
			z.Port = "853"
		default:
			return Zone{}, fmt.Errorf("server block key %q has unknown scheme %q", k, z.Scheme)
		}
	}
	host := rest
	if h, port, err := net.SplitHostPort(rest); err == nil {
		host, z.Port = h, port
	} else if i := strings.LastIndex(rest, ":"); i >= 0 && !strings.Contains(rest[:i], ":") {
		host, z.Port = rest[:i], rest[i+1:]
	}
	if host == "" {
		host = "."
	}
	if !strings.HasSuffix(host, ".") && !strings.Contains(host, "/") {
		host += "."
	}
	z.Zone = strings.ToLower(host)
	return z, nil
}
