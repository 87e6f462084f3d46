package dev

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
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

// ParseConfig parses the text of an exo.toml. Keys exo does not use are
// ignored ([[mcp.profiles]] are read by the MCP server).
func ParseConfig(src string) (*Config, error) {
	type hooks struct {
		AfterModelChange []string `toml:"after-model-change"`
	}
	var raw struct {
		Exograph struct {
			Version string `toml:"version"`
		} `toml:"exograph"`
		Build hooks `toml:"build"`
		Dev   hooks `toml:"dev"`
		Yolo  hooks `toml:"yolo"`
	}
	if _, err := toml.Decode(src, &raw); err != nil {
		return nil, err
	}
	c := &Config{Version: raw.Exograph.Version, AfterModelChange: map[string][]string{}}
	for name, h := range map[string]hooks{"build": raw.Build, "dev": raw.Dev, "yolo": raw.Yolo} {
		if len(h.AfterModelChange) > 0 {
			c.AfterModelChange[name] = h.AfterModelChange
		}
	}
	return c, nil
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
