package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/diag"
)

func checkSrc(t *testing.T, src string) (*Model, diag.List) {
	t.Helper()
	f, pd := syntax.ParseBytes("src/index.exo", []byte(src))
	if pd.HasErrors() {
		t.Fatalf("parse errors: %v", pd.Err())
	}
	return Check([]Input{{File: f, Path: "src/index.exo"}})
}

// expectCheckError checks src and expects a diagnostic with code whose
// message contains want.
func expectCheckError(t *testing.T, src, code, want string) {
	t.Helper()
	_, diags := checkSrc(t, src)
	for _, d := range diags {
		if d.Code == code && strings.Contains(d.Message, want) {
			return
		}
	}
	var got []string
	for _, d := range diags {
		got = append(got, d.Error())
	}
	t.Errorf("want %s %q, got:\n%s", code, want, strings.Join(got, "\n"))
}

const ctx = "context AuthContext {\n  @jwt id: Int\n  @jwt roles: Array<String>\n}\n"

func TestCheckErrors(t *testing.T) {
	for _, c := range []struct{ name, src, code, want string }{
		{"unknown type", "@postgres module M { type T { @pk id: Int\n x: Strin } }", "check/unknown-type", "Strin"},
		{"some on scalar", ctx + "@postgres module M { @access(self.name.some(x => true)) type T { @pk id: Int\n name: String } }",
			"check/access-type-mismatch", "some can only be applied"},
		{"in type mismatch", ctx + "@postgres module M { @access(1 in AuthContext.roles) type T { @pk id: Int } }",
			"check/access-type-mismatch", "is not in"},
		{"comparison mismatch", ctx + "@postgres module M { @access(self.id == \"x\") type T { @pk id: Int } }",
			"check/access-type-mismatch", "Mismatched types"},
		{"enum default", "@postgres module M { type T { @pk id: Int\n p: P = HUGE }\n enum P { LOW\n HIGH } }",
			"check/unknown-enum-value", "HUGE"},
		{"now on Int", "@postgres module M { type T { @pk id: Int = now() } }", "check/default-type", "now()"},
		{"bad pattern", "@deno(\"x.ts\") module M { @before(1) interceptor i() }", "check/interceptor-pattern", "string pattern"},
		{"inject needed", ctx + "@deno(\"x.ts\") module M { @access(true) query q(c: AuthContext): Int }", "check/inject", "@inject"},
		{"unknown context field", ctx + "@postgres module M { @access(AuthContext.nope == 1) type T { @pk id: Int } }",
			"check/unknown-field", "nope"},
		{"fragment cycle", "@postgres module M { type T { @pk id: Int\n ...A }\n fragment A { ...B }\n fragment B { ...A } }",
			"check/fragment-cycle", "Fragment cycle"},
		{"many-to-many", "@postgres module M { type A { @pk id: Int\n bs: Set<B> }\n type B { @pk id: Int\n as: Set<A> } }",
			"check/relation-many-to-many", "Many-to-many"},
		{"annotation target", "@postgres module M { @pk type T { @pk id: Int } }", "check/annotation-target", "@pk"},
		{"unknown access param", "@postgres module M { @access(read=true) type T { @pk id: Int } }", "check/annotation-args", "read"},
	} {
		t.Run(c.name, func(t *testing.T) { expectCheckError(t, c.src, c.code, c.want) })
	}
}

func TestCheckAccessPrecedence(t *testing.T) {
	m, diags := checkSrc(t, ctx+`@postgres module M {
  @access(query=true, mutation=false, delete=AuthContext.id == 1)
  type T { @pk id: Int }
}`)
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	a := m.Entities[0].Access
	if !a.Query.Lit.Bool || a.Create.Lit.Bool || a.Update.Lit.Bool || a.Delete.Left == nil {
		t.Errorf("unexpected access: query=%v create=%v update=%v delete=%+v", a.Query.Lit, a.Create.Lit, a.Update.Lit, a.Delete)
	}
}

// TestCheckTruncatedNoPanic checks every prefix of some models: the checker
// must accept whatever AST the recovering parser returns without panicking.
func TestCheckTruncatedNoPanic(t *testing.T) {
	var srcs []string
	paths, _ := filepath.Glob("../testdata/ir/*.txtar")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err == nil {
			src, _, _ := strings.Cut(string(b), "-- want/")
			srcs = append(srcs, src)
		}
	}
	if len(srcs) == 0 {
		t.Fatal("no sources")
	}
	for _, src := range srcs {
		for i := 0; i <= len(src); i++ {
			f, _ := syntax.ParseBytes("src/index.exo", []byte(src[:i]))
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic on prefix %q: %v", src[:i], r)
					}
				}()
				Check([]Input{{File: f, Path: "src/index.exo"}})
			}()
		}
	}
}
