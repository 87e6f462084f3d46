package jsbundle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/jsrt"
)

// callScript runs a bundled script and calls fn, one of its exports.
func callScript(t *testing.T, script []byte, fn string, args ...any) string {
	t.Helper()
	m, err := jsrt.NewModule("script.js", script, nil, GlobalName, jsrt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Call(context.Background(), fn, args...)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestBundleScript(t *testing.T) {
	srv := newRemoteServer(t, remoteModules)
	dir := writeFiles(t, map[string]string{"tests/helpers.js": "export function shout(s) { return s.toUpperCase() + '!'; }\n"})
	src := strings.ReplaceAll(`import { add as plus } from "{{base}}/x/tiny@1.0/mod.ts";
import { shout } from "./helpers.js";
function both(a, b) { return shout(String(plus(a, b))); }
export { plus, shout, both };
`, "{{base}}", srv.URL)
	script, diags, err := New(Options{HTTPClient: srv.Client(), RemoteCache: t.TempDir()}).BundleScript(src, dir+"/tests", "t.exotest")
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if got := callScript(t, script, "plus", 3, 4); got != "7" {
		t.Errorf("plus(3, 4) = %s, want 7", got)
	}
	if got := callScript(t, script, "both", 1, 2); got != `"3!"` {
		t.Errorf(`both(1, 2) = %s, want "3!"`, got)
	}
}

func TestBundleScriptDiagnostics(t *testing.T) {
	srv := newRemoteServer(t, map[string]remoteFile{})
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	dir := writeFiles(t, map[string]string{"helpers.js": "export const a = 1;\n"})
	for _, tc := range []struct {
		name, src, code, text string
		line                  int
	}{
		{"404", "\nimport { a } from \"" + srv.URL + "/missing.ts\";\nexport { a };\n", CodeRemoteFetch, "Cannot fetch " + srv.URL + "/missing.ts: 404 Not Found", 2},
		{"unreachable", "import { a } from \"" + closedURL + "/a.ts\";\nexport { a };\n", CodeRemoteUnreachable, "Cannot fetch " + closedURL + "/a.ts: dial tcp", 1},
		{"missing export", "import { nope } from \"./helpers.js\";\nexport { nope };\n", CodeResolve, `No matching export in "helpers.js" for import "nope"`, 1},
		{"missing file", "import { a } from \"./nope.js\";\nexport { a };\n", CodeResolve, `Could not resolve "./nope.js"`, 1},
		{"syntax", "import { a } from \"./helpers.js\"\nexport { a,, };\n", CodeSyntax, "SyntaxError: ", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			script, diags, err := New(Options{HTTPClient: srv.Client(), RemoteCache: t.TempDir()}).BundleScript(tc.src, dir, "t.exotest (deno)")
			if err != nil {
				t.Fatal(err)
			}
			if script != nil || !diags.HasErrors() {
				t.Fatalf("bundled: %q %v", script, diags)
			}
			d := diags[0]
			if d.Code != tc.code || !strings.HasPrefix(d.Message, tc.text) {
				t.Errorf("got %s %q, want %s %q", d.Code, d.Message, tc.code, tc.text)
			}
			if !d.Span.IsValid() || d.Span.File.Name != "t.exotest (deno)" || d.Span.File.Line(int(d.Span.Start)) != tc.line {
				t.Errorf("span %+v, want line %d of t.exotest (deno)", d.Span, tc.line)
			}
			if d.Severity != diag.Error {
				t.Errorf("severity %v", d.Severity)
			}
		})
	}
}
