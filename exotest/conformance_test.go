package exotest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"
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
	// The preludes that import modules reach the bundler, which says the
	// network is needed.
	var bundled atomic.Int32
	r := newRunner(suite, Options{RPC: false, BundlePrelude: func(ctx context.Context, src, dir, name string) ([]byte, error) {
		bundled.Add(1)
		if !strings.Contains(src, `import { v4 } from "https://deno.land/std@0.140.0/uuid/mod.ts";`) || !strings.HasSuffix(src, "\nexport { v4 };\n") {
			t.Errorf("%s: unexpected module of imports:\n%s", name, src)
		}
		if !strings.HasSuffix(dir, filepath.Join("blobs-uuids", "tests")) {
			t.Errorf("%s: dir %s", name, dir)
		}
		return nil, &SkipError{Reason: "needs network"}
	}})
	var rpcSkips, networkSkips, other int
	for _, tc := range suite.Tests {
		pl, st, msg := r.plan(context.Background(), tc)
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
	// One bundle per distinct prelude (and directory), not per test.
	if n := bundled.Load(); n != 1 {
		t.Errorf("bundled preludes %d times, want 1", n)
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
	// A stand-in for the bundles of imports: the expressions using the
	// imported names compile.
	r := newRunner(suite, Options{RPC: true, BundlePrelude: func(ctx context.Context, src, dir, name string) ([]byte, error) {
		return []byte("var " + PreludeGlobal + " = {};"), nil
	}})
	n := 0
	seen := map[string]bool{}
	check := func(where string, prelude *prelude, body string, async bool) {
		if strings.TrimSpace(body) == "" {
			return
		}
		n++
		if _, err := goja.Compile(where, script(async, prelude, body), false); err != nil {
			t.Errorf("%s: %v", where, err)
		}
	}
	for _, tc := range suite.Tests {
		pl, _, msg := r.plan(context.Background(), tc)
		if pl == nil {
			t.Errorf("%s: %s", tc.Name, msg)
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
					check(where+" variable", pl.preludes[s], expr(s.Variable), false)
				}
				if s.Auth != "" {
					check(where+" auth", nil, expr(s.Auth), false)
				}
				if s.Headers != "" {
					check(where+" headers", pl.preludes[s], expr(s.Headers), false)
				}
				if s.Operation.Payload != "" {
					check(where+" payload", pl.preludes[s], expr(s.Operation.Payload), false)
				}
				if s.Response != "" {
					check(where+" response", pl.preludes[s], "let __expected = (\n"+s.Response+"\n);", true)
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("compiled only %d snippets", n)
	}
}
