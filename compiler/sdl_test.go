package compiler

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/exo-dev/exo/ir"
)

func isFalse(e *ir.Expr) bool {
	return e == nil || e.Kind == ir.ExprLiteral && e.Lit != nil && e.Lit.Kind == ir.LitBool && !e.Lit.Bool
}

// TestGeneratedNamesInSDL checks the generated operation names of every
// queryable entity against Exograph's expected introspection SDL.
func TestGeneratedNamesInSDL(t *testing.T) {
	root := conformance(t, "integration-tests")
	checked := 0
	for _, dir := range projects(t, root) {
		sdl, err := os.ReadFile(filepath.Join(dir, "schema-tests", "introspection.expected.graphql"))
		if err != nil {
			continue
		}
		name, _ := filepath.Rel(root, dir)
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			sys, diags := Compile(Options{Root: dir})
			if sys == nil {
				t.Fatalf("compile failed:\n%s", render(diags))
			}
			has := func(field string) bool {
				return regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(field) + `[(:]`).Match(sdl)
			}
			for _, e := range sys.Entities {
				if e.Kind != ir.EntityTable {
					continue
				}
				var want []string
				if !isFalse(e.Access.Query) {
					want = append(want, e.Names.Collection, e.Names.Aggregate)
					if len(e.PK) > 0 {
						want = append(want, e.Names.PKQuery)
					}
					for _, u := range e.Uniques {
						want = append(want, u.Query)
					}
				}
				if !isFalse(e.Access.Create) {
					want = append(want, e.Names.Create, e.Names.CreateMany)
				}
				if !isFalse(e.Access.Delete) {
					want = append(want, e.Names.DeleteMany)
				}
				for _, w := range want {
					if !has(w) {
						t.Errorf("entity %s: %s not in expected SDL", e.Name, w)
					}
				}
				if len(want) > 0 && !strings.Contains(string(sdl), "type "+e.Name+" ") {
					t.Errorf("type %s not in expected SDL", e.Name)
				}
			}
			checked++
		})
	}
	t.Logf("%d SDL files checked", checked)
}
