package exotest

import (
	"fmt"

	"github.com/dop251/goja"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conformanceDir holds Exograph's integration tests; tests read them in place
// and skip when the shared tree is absent.
const conformanceDir = "../../shared/conformance/integration-tests"

func requireConformance(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(conformanceDir); err != nil {
		t.Skipf("conformance tests not available at %s: %v", conformanceDir, err)
	}
	return conformanceDir
}

// TestConformanceFilesLoad parses every .exotest, init and invariant file of
// Exograph's integration tests: the loader must accept all of them unchanged.
func TestConformanceFilesLoad(t *testing.T) {
	root := requireConformance(t)
	suite, err := Discover(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(suite.Projects) < 50 || len(suite.Tests) < 800 {
		t.Fatalf("discovered %d projects and %d tests; want at least 50 and 800", len(suite.Projects), len(suite.Tests))
	}
	r := newRunner(suite, Options{RPC: false})
	var rpcSkips, networkSkips, other int
	for _, tc := range suite.Tests {
		pl, st, msg := r.plan(tc)
		switch {
		case pl != nil:
			for _, s := range pl.test.Stages {
				if s.Operation.Kind == GraphQL {
					_ = ExtractDirectives(s.Operation.Query)
				}
			}
		case st == Skipped && msg == "rpc not supported yet":
			rpcSkips++
		case st == Skipped && msg == "needs network":
			networkSkips++
		default:
			other++
			t.Errorf("%s: %s: %s", tc.Name, st, msg)
		}
	}
	t.Logf("%d projects, %d tests: %d rpc, %d needs network", len(suite.Projects), len(suite.Tests), rpcSkips, networkSkips)
	if rpcSkips == 0 || networkSkips == 0 {
		t.Errorf("expected some rpc and network skips, got %d and %d", rpcSkips, networkSkips)
	}
}

// TestConformanceNames checks test names and init inheritance on known files.
func TestConformanceNames(t *testing.T) {
	root := requireConformance(t)
	suite, err := Discover(filepath.Join(root, "composite-pk"), "*/many-to-many/graphql/mutation/user/update-chat-participant-disallowed")
	if err != nil {
		t.Fatal(err)
	}
	if len(suite.Tests) != 1 {
		t.Fatalf("got %d tests, want 1", len(suite.Tests))
	}
	tc := suite.Tests[0]
	if want := "non-scalar/many-to-many/graphql/mutation/user/update-chat-participant-disallowed"; tc.Name != want {
		t.Errorf("name = %q, want %q", tc.Name, want)
	}
	var inits []string
	for _, p := range tc.Inits {
		inits = append(inits, filepath.Base(p))
	}
	if got := strings.Join(inits, ","); got != "init.gql,init-mark-admin.gql" {
		t.Errorf("inits = %s", got)
	}
}

// TestConformanceJavaScriptCompiles compiles every JavaScript snippet
// (variable, auth, headers, payload, response, deno prelude) of the
// integration tests the way the runner wraps them.
func TestConformanceJavaScriptCompiles(t *testing.T) {
	root := requireConformance(t)
	suite, err := Discover(root, "")
	if err != nil {
		t.Fatal(err)
	}
	r := newRunner(suite, Options{RPC: true})
	n := 0
	seen := map[string]bool{}
	check := func(where, prelude, body string, async bool) {
		if strings.TrimSpace(body) == "" || preludeSkipReason(prelude) != "" {
			return
		}
		n++
		if _, err := goja.Compile(where, script(async, prelude, body), false); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	for _, tc := range suite.Tests {
		pl, _, msg := r.plan(tc)
		if pl == nil {
			if msg != "needs network" {
				t.Errorf("%s: %s", tc.Name, msg)
			}
			continue
		}
		files := []*File{pl.test}
		for _, in := range pl.inits {
			if in.gql != nil {
				files = append(files, in.gql)
			}
		}
		for _, f := range files {
			if seen[f.Path] {
				continue
			}
			seen[f.Path] = true
			for i, s := range f.Stages {
				where := fmt.Sprintf("%s stage %d", f.Path, i+1)
				expr := func(src string) string { return "return JSON.stringify((\n" + src + "\n));" }
				if s.Variable != "" {
					check(where+" variable", s.Deno, expr(s.Variable), false)
				}
				if s.Auth != "" {
					check(where+" auth", "", expr(s.Auth), false)
				}
				if s.Headers != "" {
					check(where+" headers", s.Deno, expr(s.Headers), false)
				}
				if s.Operation.Payload != "" {
					check(where+" payload", s.Deno, expr(s.Operation.Payload), false)
				}
				if s.Response != "" {
					check(where+" response", s.Deno, "let __expected = (\n"+s.Response+"\n);", true)
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("compiled only %d snippets", n)
	}
}
