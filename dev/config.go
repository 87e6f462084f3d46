package dev

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is the part of exo.toml that exo reads.
type Config struct {
	// Version is [exograph] version, a requirement on the exo version.
	Version string
	// AfterModelChange holds the after-model-change commands of the
	// [build], [dev] and [yolo] sections, keyed by section name.
	AfterModelChange map[string][]string
}

// ReadConfig reads dir/exo.toml. A missing file yields an empty Config.
//
// It understands the TOML subset exo.toml uses, not all of TOML: comments,
// [table] and [[array-of-tables]] headers, dotted keys (build.after-model-change
// = ...), basic and literal strings, and (multi-line) arrays of strings,
// booleans and numbers. Values of keys exo does not know are parsed and
// ignored; [[...]] sections (MCP profiles) are skipped.
func ReadConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, "exo.toml")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Config{AfterModelChange: map[string][]string{}}, nil
	}
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses the text of an exo.toml (see ReadConfig).
func ParseConfig(src string) (*Config, error) {
	c := &Config{AfterModelChange: map[string][]string{}}
	table := ""
	skip := false
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		line := strings.TrimSpace(stripTOMLComment(lines[i]))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[[") {
			if !strings.HasSuffix(line, "]]") {
				return nil, fmt.Errorf("line %d: unterminated table header", lineNo)
			}
			skip = true
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: unterminated table header", lineNo)
			}
			table = strings.TrimSpace(line[1 : len(line)-1])
			skip = false
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: expected key = value", lineNo)
		}
		key = strings.TrimSpace(key)
		val = strings.TrimSpace(val)
		// Multi-line arrays: gather lines until the brackets balance.
		if strings.HasPrefix(val, "[") {
			for !arrayClosed(val) {
				i++
				if i >= len(lines) {
					return nil, fmt.Errorf("line %d: unterminated array", lineNo)
				}
				val += " " + strings.TrimSpace(stripTOMLComment(lines[i]))
			}
		}
		v, err := parseTOMLValue(val)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if skip {
			continue
		}
		full := unquoteKey(key)
		if table != "" {
			full = table + "." + full
		}
		switch full {
		case "exograph.version":
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("line %d: exograph.version must be a string", lineNo)
			}
			c.Version = s
		case "build.after-model-change", "dev.after-model-change", "yolo.after-model-change":
			list, ok := v.([]any)
			if !ok {
				return nil, fmt.Errorf("line %d: %s must be an array of strings", lineNo, full)
			}
			var cmds []string
			for _, e := range list {
				s, ok := e.(string)
				if !ok {
					return nil, fmt.Errorf("line %d: %s must be an array of strings", lineNo, full)
				}
				cmds = append(cmds, s)
			}
			section, _, _ := strings.Cut(full, ".")
			c.AfterModelChange[section] = cmds
		}
	}
	return c, nil
}

func unquoteKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && (p[0] == '"' || p[0] == '\'') && p[len(p)-1] == p[0] {
			p = p[1 : len(p)-1]
		}
		parts[i] = p
	}
	return strings.Join(parts, ".")
}

// stripTOMLComment removes a # comment that is not inside a string.
func stripTOMLComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return line[:i]
		}
	}
	return line
}

func arrayClosed(v string) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		}
	}
	return depth <= 0
}

// parseTOMLValue parses a string, boolean, number or array of those.
func parseTOMLValue(v string) (any, error) {
	sc := &tomlScanner{s: v}
	val, err := sc.value()
	if err != nil {
		return nil, err
	}
	sc.space()
	if sc.i != len(sc.s) {
		return nil, fmt.Errorf("unexpected %q after value", sc.s[sc.i:])
	}
	return val, nil
}

type tomlScanner struct {
	s string
	i int
}

func (sc *tomlScanner) space() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t' || sc.s[sc.i] == '\r') {
		sc.i++
	}
}

func (sc *tomlScanner) value() (any, error) {
	sc.space()
	if sc.i >= len(sc.s) {
		return nil, errors.New("missing value")
	}
	switch c := sc.s[sc.i]; {
	case c == '"':
		end := sc.i + 1
		for ; end < len(sc.s); end++ {
			if sc.s[end] == '\\' {
				end++
				continue
			}
			if sc.s[end] == '"' {
				break
			}
		}
		if end >= len(sc.s) {
			return nil, errors.New("unterminated string")
		}
		s, err := strconv.Unquote(sc.s[sc.i : end+1])
		if err != nil {
			return nil, fmt.Errorf("invalid string %s", sc.s[sc.i:end+1])
		}
		sc.i = end + 1
		return s, nil
	case c == '\'':
		end := strings.IndexByte(sc.s[sc.i+1:], '\'')
		if end < 0 {
			return nil, errors.New("unterminated string")
		}
		s := sc.s[sc.i+1 : sc.i+1+end]
		sc.i += end + 2
		return s, nil
	case c == '[':
		sc.i++
		var list []any
		for {
			sc.space()
			if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
				sc.i++
				return list, nil
			}
			e, err := sc.value()
			if err != nil {
				return nil, err
			}
			list = append(list, e)
			sc.space()
			if sc.i < len(sc.s) && sc.s[sc.i] == ',' {
				sc.i++
				continue
			}
			sc.space()
			if sc.i < len(sc.s) && sc.s[sc.i] == ']' {
				sc.i++
				return list, nil
			}
			return nil, errors.New("expected , or ] in array")
		}
	default:
		end := sc.i
		for end < len(sc.s) && !strings.ContainsRune(" \t,]", rune(sc.s[end])) {
			end++
		}
		word := sc.s[sc.i:end]
		sc.i = end
		switch word {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(word, "_", ""), 64); err == nil {
			return f, nil
		}
		return nil, fmt.Errorf("unsupported value %q (exo.toml is read with a small TOML subset)", word)
	}
}

// CheckVersion checks version (the running exo's, e.g. "0.11.2" or
// "0.1.0-dev") against req, an [exograph] version requirement: a
// comma-separated list of comparators "=1.2.3", "^1.2.3", "~1.2.3", ">=1.2",
// ">1", "<1.2.3", "<=1.2.3", or a bare version. A bare full version means
// exactly that version; a bare partial one ("1", "0.11") any version
// starting with it. The pre-release part of version is ignored. "||" is not
// supported, as in Exograph.
func CheckVersion(req, version string) error {
	have, err := parseVersion(strings.SplitN(version, "-", 2)[0])
	if err != nil || have.parts < 3 {
		return fmt.Errorf("invalid exo version %q", version)
	}
	if strings.Contains(req, "||") {
		return fmt.Errorf("invalid version requirement %q: || is not supported", req)
	}
	for _, cmp := range strings.Split(req, ",") {
		cmp = strings.TrimSpace(cmp)
		if cmp == "" || cmp == "*" {
			continue
		}
		op := ""
		for _, p := range []string{">=", "<=", "=", ">", "<", "^", "~"} {
			if strings.HasPrefix(cmp, p) {
				op = p
				break
			}
		}
		want, err := parseVersion(strings.TrimSpace(cmp[len(op):]))
		if err != nil {
			return fmt.Errorf("invalid version requirement %q: %v", req, err)
		}
		if !matches(op, want, have) {
			return fmt.Errorf("this project requires exo version %s, but this is exo %s", req, version)
		}
	}
	return nil
}

type semver struct {
	v     [3]int
	parts int // how many components were given
}

func parseVersion(s string) (semver, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	var out semver
	if s == "" {
		return out, errors.New("empty version")
	}
	fields := strings.Split(s, ".")
	if len(fields) > 3 {
		return out, fmt.Errorf("bad version %q", s)
	}
	for i, f := range fields {
		if f == "*" || f == "x" {
			break
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return out, fmt.Errorf("bad version %q", s)
		}
		out.v[i] = n
		out.parts = i + 1
	}
	return out, nil
}

func compare(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// prefixMatch reports whether have starts with want's given components.
func prefixMatch(want, have semver) bool {
	for i := 0; i < want.parts; i++ {
		if want.v[i] != have.v[i] {
			return false
		}
	}
	return true
}

func matches(op string, want, have semver) bool {
	c := compare(have.v, want.v)
	switch op {
	case "", "=":
		if want.parts < 3 {
			return prefixMatch(want, have)
		}
		return c == 0
	case ">":
		if want.parts < 3 {
			return c > 0 && !prefixMatch(want, have)
		}
		return c > 0
	case ">=":
		return c >= 0
	case "<":
		return c < 0
	case "<=":
		if want.parts < 3 {
			return c <= 0 || prefixMatch(want, have)
		}
		return c <= 0
	case "~":
		if c < 0 {
			return false
		}
		if want.parts == 1 {
			return have.v[0] == want.v[0]
		}
		return have.v[0] == want.v[0] && have.v[1] == want.v[1]
	case "^":
		if c < 0 {
			return false
		}
		switch {
		case want.v[0] > 0 || want.parts == 1:
			return have.v[0] == want.v[0]
		case want.v[1] > 0 || want.parts == 2:
			return have.v[0] == 0 && have.v[1] == want.v[1]
		default:
			return have.v == want.v
		}
	}
	return false
}
