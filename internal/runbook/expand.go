package runbook

import (
	"fmt"
	"strings"
)

// Templates: "${name}" is a parameter or an output of the step's own probe,
// "${step.output}" an output of an earlier step; "$$" is a literal "$".
// Anything else after "$" is literal too, so prices and shell variables in
// explanations need no escaping.

// templateRefs lists the references in s, in order.
func templateRefs(s string) ([]string, error) {
	var refs []string
	err := walkTemplate(s, func(lit string) {}, func(ref string) { refs = append(refs, ref) })
	return refs, err
}

// walkTemplate calls lit for literal text and ref for each reference.
func walkTemplate(s string, lit func(string), ref func(string)) error {
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 || i == len(s)-1 {
			lit(s)
			return nil
		}
		lit(s[:i])
		switch s[i+1] {
		case '$':
			lit("$")
			s = s[i+2:]
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return fmt.Errorf("unterminated ${ in %q", s)
			}
			name := strings.TrimSpace(s[i+2 : i+2+end])
			if !validRef(name) {
				return fmt.Errorf("${%s} is not a valid reference: use ${param}, ${output} or ${step.output}", name)
			}
			ref(name)
			s = s[i+3+end:]
		default:
			lit("$")
			s = s[i+1:]
		}
	}
}

func validRef(name string) bool {
	if name == "" {
		return false
	}
	parts := strings.Split(name, ".")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if !validName(p) {
			return false
		}
	}
	return true
}

// validName: lower-case letters, digits, '_' and '-', starting with a letter.
func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// expandTemplate replaces every reference with lookup's value and returns
// the references that had none (or an empty one).
func expandTemplate(s string, lookup func(ref string) (string, bool)) (string, []string) {
	var b strings.Builder
	var missing []string
	// Validation already rejected malformed templates; a parse error here
	// leaves the text as it is.
	if err := walkTemplate(s, func(l string) { b.WriteString(l) }, func(ref string) {
		v, ok := lookup(ref)
		if !ok || v == "" {
			missing = append(missing, ref)
			return
		}
		b.WriteString(v)
	}); err != nil {
		return s, nil
	}
	return b.String(), missing
}
