package mcp

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/exo-dev/exo/internal/wildcard"
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

// ParseProfiles reads the [[mcp.profiles]] tables of an exo.toml:
//
//	[[mcp.profiles]]
//	name = "readonly"
//	queries.operations.include = ["todos*"]
//	mutations.models.exclude = ["User"]
//
// Other tables are ignored; an unknown key inside a profile is an error.
func ParseProfiles(data []byte) ([]Profile, error) {
	type patterns struct {
		Include []string `toml:"include"`
		Exclude []string `toml:"exclude"`
	}
	type selector struct {
		Operations patterns `toml:"operations"`
		Models     patterns `toml:"models"`
	}
	var raw struct {
		MCP struct {
			Profiles []struct {
				Name      string   `toml:"name"`
				Queries   selector `toml:"queries"`
				Mutations selector `toml:"mutations"`
			} `toml:"profiles"`
		} `toml:"mcp"`
	}
	md, err := toml.Decode(string(data), &raw)
	if err != nil {
		return nil, fmt.Errorf("exo.toml: %w", err)
	}
	for _, k := range md.Undecoded() {
		if len(k) > 2 && k[0] == "mcp" && k[1] == "profiles" {
			return nil, fmt.Errorf("exo.toml: unknown profile key %q", strings.Join(k[2:], "."))
		}
	}
	conv := func(s selector) Selector {
		return Selector{OpsInclude: s.Operations.Include, OpsExclude: s.Operations.Exclude,
			ModelsInclude: s.Models.Include, ModelsExclude: s.Models.Exclude}
	}
	out := make([]Profile, 0, len(raw.MCP.Profiles))
	for i, p := range raw.MCP.Profiles {
		if p.Name == "" {
			return nil, fmt.Errorf("exo.toml: profile %d has no name", i+1)
		}
		out = append(out, Profile{Name: p.Name, Queries: conv(p.Queries), Mutations: conv(p.Mutations)})
	}
	return out, nil
}
