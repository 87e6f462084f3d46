package exotest

import (
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
