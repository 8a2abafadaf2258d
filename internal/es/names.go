package es

import (
	"fmt"
	"strings"
)

// The rules below are Elasticsearch's own (MetadataCreateIndexService,
// LifecyclePolicy, MetadataIndexTemplateService), checked here so a bad name
// is refused before anything is sent, in the operator's words.

const forbiddenNameChars = `\/*?"<>| ,#:`

func describeForbidden(chars string) string {
	parts := make([]string, 0, len(chars))
	for _, c := range chars {
		if c == ' ' {
			parts = append(parts, "space")
			continue
		}
		parts = append(parts, string(c))
	}
	return strings.Join(parts, " ")
}

// ValidateIndexName checks an index or alias name against Elasticsearch's
// rules. what is "index" or "alias", for the message.
func ValidateIndexName(what, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s name is empty", what)
	case name == "." || name == "..":
		return fmt.Errorf("%s name %q is not allowed", what, name)
	case len(name) > 255:
		return fmt.Errorf("%s name %q is %d bytes long; Elasticsearch allows at most 255", what, name, len(name))
	case strings.ToLower(name) != name:
		return fmt.Errorf("%s name %q has upper-case letters; Elasticsearch %s names must be lower case", what, name, what)
	case strings.ContainsAny(name[:1], "-_+"):
		return fmt.Errorf("%s name %q must not start with '-', '_' or '+'", what, name)
	}
	if i := strings.IndexAny(name, forbiddenNameChars); i >= 0 {
		return fmt.Errorf("%s name %q contains %q; Elasticsearch forbids these characters: %s", what, name, name[i:i+1], describeForbidden(forbiddenNameChars))
	}
	return nil
}

// ValidatePolicyName checks an ILM policy name: no file-name-unsafe
// characters, no leading underscore, at most 255 bytes. Upper case is allowed.
func ValidatePolicyName(name string) error {
	const forbidden = `\/*?"<>| ,`
	switch {
	case name == "":
		return fmt.Errorf("policy name is empty")
	case len(name) > 255:
		return fmt.Errorf("policy name %q is longer than 255 bytes", name)
	case name[0] == '_':
		return fmt.Errorf("policy name %q must not start with '_'", name)
	}
	if i := strings.IndexAny(name, forbidden); i >= 0 {
		return fmt.Errorf("policy name %q contains %q; Elasticsearch forbids these characters: %s", name, name[i:i+1], describeForbidden(forbidden))
	}
	return nil
}

// ValidateTemplateName checks a composable index template name.
func ValidateTemplateName(name string) error {
	const forbidden = `\/*?"<>| ,#`
	switch {
	case name == "":
		return fmt.Errorf("template name is empty")
	case strings.ToLower(name) != name:
		return fmt.Errorf("template name %q must be lower case", name)
	case name[0] == '_':
		return fmt.Errorf("template name %q must not start with '_'", name)
	}
	if i := strings.IndexAny(name, forbidden); i >= 0 {
		return fmt.Errorf("template name %q contains %q; Elasticsearch forbids these characters: %s", name, name[i:i+1], describeForbidden(forbidden))
	}
	return nil
}

// ValidateIndexPattern checks one index pattern of a template ("logs-app-*").
func ValidateIndexPattern(p string) error {
	const forbidden = `\/?"<>| ,#:`
	switch {
	case p == "":
		return fmt.Errorf("index pattern is empty")
	case strings.ToLower(p) != p:
		return fmt.Errorf("index pattern %q has upper-case letters and would never match an index (index names are lower case)", p)
	case p[0] == '_' || p[0] == '-' || p[0] == '+':
		return fmt.Errorf("index pattern %q must not start with '_', '-' or '+'", p)
	}
	if i := strings.IndexAny(p, forbidden); i >= 0 {
		return fmt.Errorf("index pattern %q contains %q, which no index name can contain", p, p[i:i+1])
	}
	return nil
}

// MatchPattern reports whether name matches an Elasticsearch simple wildcard
// pattern, where '*' matches any run of characters (Regex.simpleMatch).
func MatchPattern(pattern, name string) bool {
	for {
		star := strings.IndexByte(pattern, '*')
		if star < 0 {
			return pattern == name
		}
		if !strings.HasPrefix(name, pattern[:star]) {
			return false
		}
		name = name[star:]
		pattern = pattern[star+1:]
		if pattern == "" {
			return true
		}
		// Find the next literal run of the pattern anywhere in the rest of name.
		next := strings.IndexByte(pattern, '*')
		lit := pattern
		if next >= 0 {
			lit = pattern[:next]
		}
		if next < 0 {
			return strings.HasSuffix(name, lit)
		}
		i := strings.Index(name, lit)
		if i < 0 {
			return false
		}
		name = name[i+len(lit):]
		pattern = pattern[next:]
	}
}
