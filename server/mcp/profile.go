package mcp

import (
	"github.com/exo-dev/exo/internal/wildcard"

	"fmt"
	"strconv"
	"strings"
)

// Profile selects the operations one pair of tools exposes (exo.toml [[mcp.profiles]]).
type Profile struct {
	Name      string
	Queries   Selector
	Mutations Selector
}

// Selector holds include/exclude wildcard patterns over operation names and model (type)
// names. A nil include list means the default: every query, no mutation.
type Selector struct {
	OpsInclude, OpsExclude       []string
	ModelsInclude, ModelsExclude []string
}

// allows reports whether the operation op returning model is selected. def is the default
// when no include list is given (true for queries, false for mutations).
func (s *Selector) allows(op, model string, def bool) bool {
	if s.OpsInclude == nil && s.ModelsInclude == nil && !def {
		return false
	}
	if s.OpsInclude != nil && !matchAny(s.OpsInclude, op) {
		return false
	}
	if s.ModelsInclude != nil && !matchAny(s.ModelsInclude, model) {
		return false
	}
	if matchAny(s.OpsExclude, op) || (model != "" && matchAny(s.ModelsExclude, model)) {
		return false
	}
	return true
}

func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcard.Match(p, s) {
			return true
		}
	}
	return false
}

// ParseProfiles reads the [[mcp.profiles]] tables of an exo.toml. It understands the subset
// of TOML these tables use: `key = "string"` and `dotted.key = ["a", "b"]` lines, comments,
// and other tables (ignored).
func ParseProfiles(data []byte) ([]Profile, error) {
	var out []Profile
	var cur *Profile
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(stripComment(line))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if strings.ReplaceAll(line, " ", "") == "[[mcp.profiles]]" {
				out = append(out, Profile{})
				cur = &out[len(out)-1]
			} else {
				cur = nil
			}
			continue
		}
		if cur == nil {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("exo.toml:%d: expected key = value", n+1)
		}
		key = strings.TrimSpace(key)
		val = strings.TrimSpace(val)
		if key == "name" {
			s, err := strconv.Unquote(val)
			if err != nil {
				return nil, fmt.Errorf("exo.toml:%d: name must be a string", n+1)
			}
			cur.Name = s
			continue
		}
		list, err := parseStringArray(val)
		if err != nil {
			return nil, fmt.Errorf("exo.toml:%d: %s: %v", n+1, key, err)
		}
		var dst *[]string
		switch key {
		case "queries.operations.include":
			dst = &cur.Queries.OpsInclude
		case "queries.operations.exclude":
			dst = &cur.Queries.OpsExclude
		case "queries.models.include":
			dst = &cur.Queries.ModelsInclude
		case "queries.models.exclude":
			dst = &cur.Queries.ModelsExclude
		case "mutations.operations.include":
			dst = &cur.Mutations.OpsInclude
		case "mutations.operations.exclude":
			dst = &cur.Mutations.OpsExclude
		case "mutations.models.include":
			dst = &cur.Mutations.ModelsInclude
		case "mutations.models.exclude":
			dst = &cur.Mutations.ModelsExclude
		default:
			return nil, fmt.Errorf("exo.toml:%d: unknown profile key %q", n+1, key)
		}
		*dst = list
	}
	for i, p := range out {
		if p.Name == "" {
			return nil, fmt.Errorf("exo.toml: profile %d has no name", i+1)
		}
	}
	return out, nil
}

func stripComment(line string) string {
	inStr := false
	for i, r := range line {
		switch {
		case r == '"':
			inStr = !inStr
		case r == '#' && !inStr:
			return line[:i]
		}
	}
	return line
}

func parseStringArray(v string) ([]string, error) {
	if !strings.HasPrefix(v, "[") || !strings.HasSuffix(v, "]") {
		return nil, fmt.Errorf("expected an array of strings")
	}
	inner := strings.TrimSpace(v[1 : len(v)-1])
	out := []string{}
	for inner != "" {
		if inner[0] != '"' {
			return nil, fmt.Errorf("expected a string in %s", v)
		}
		end := strings.IndexByte(inner[1:], '"')
		if end < 0 {
			return nil, fmt.Errorf("unterminated string in %s", v)
		}
		out = append(out, inner[1:end+1])
		inner = strings.TrimSpace(inner[end+2:])
		inner = strings.TrimSpace(strings.TrimPrefix(inner, ","))
	}
	return out, nil
}
