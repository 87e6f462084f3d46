package cli

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/exo-dev/exo/exotest"
	"github.com/exo-dev/exo/jsbundle"
)

// TestPreludeImports runs .exotest files whose deno preludes import modules
// (from a local TLS server, a file next to the test, a server that is gone,
// a URL that answers 404) through exotest.Run with the bundler exo test
// uses. The model, database and server are stand-ins: the "server" answers
// every request with the same greeting.
func TestPreludeImports(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	modules := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path != "/lib/greet.ts" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/typescript")
		_, _ = w.Write([]byte("export function greet(name: string): string { return `hello ${name}`; }\n"))
	}))
	defer modules.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()

	test := func(prelude, response string) string {
		return "deno: |\n  " + strings.ReplaceAll(prelude, "\n", "\n  ") + "\noperation: |\n  query { greeting }\nresponse: |\n  " + response + "\n"
	}
	greet := `import { greet } from "` + modules.URL + `/lib/greet.ts";`
	dir := t.TempDir()
	files := map[string]string{
		"src/index.exo":             "",
		"tests/remote-pass.exotest": test(greet, `{"data": {"greeting": greet("exo")}}`),
		"tests/remote-fail.exotest": test(greet, `{"data": {"greeting": greet("someone else")}}`),
		// A predicate using the import and a function of the prelude.
		"tests/remote-predicate.exotest": test(greet+"\nfunction isGreeting(s) { return s === greet(\"exo\") }", `{"data": {"greeting": (s) => isGreeting(s)}}`),
		"tests/sub/relative.exotest":     test(`import { expected as exp } from "./helpers.js";`, `{"data": {"greeting": exp("exo")}}`),
		"tests/sub/helpers.js":           "export function expected(name) { return 'hello ' + name; }\n",
		"tests/unreachable.exotest":      test(`import { v4 } from "`+goneURL+`/uuid/mod.ts";`, `{"data": {"greeting": v4.validate}}`),
		"tests/not-found.exotest":        test(`import { v4 } from "`+modules.URL+`/missing.ts";`, `{"data": {"greeting": v4.validate}}`),
		"tests/missing-export.exotest":   test(`import { nope } from "./sub/helpers.js";`, `{"data": {"greeting": nope}}`),
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data": {"greeting": "hello exo"}}`))
	})
	cache := t.TempDir()
	rep, err := exotest.Run(context.Background(), dir, "", exotest.Options{
		Build: func(ctx context.Context, dir string) (any, error) { return "model", nil },
		Provision: func(ctx context.Context, p *exotest.Project, db string) (string, func(), error) {
			return "postgres://localhost/" + db, func() {}, nil
		},
		Serve: func(ctx context.Context, p *exotest.Project, db string, env map[string]string) (http.Handler, func(), error) {
			return answer, func() {}, nil
		},
		Parallel:      2,
		BundlePrelude: preludeBundler(jsbundle.New(jsbundle.Options{HTTPClient: modules.Client(), RemoteCache: cache})),
	})
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		status exotest.Status
		msg    []string // substrings of the message
	}
	wants := map[string]want{
		"remote-pass":      {exotest.Passed, nil},
		"remote-predicate": {exotest.Passed, nil},
		"sub/relative":     {exotest.Passed, nil},
		"remote-fail":      {exotest.Failed, []string{"assertion failed at 'data.greeting': expected hello someone else, got hello exo"}},
		"unreachable":      {exotest.Skipped, []string{"needs network (https: modules cannot be fetched: Cannot fetch " + goneURL + "/uuid/mod.ts: "}},
		"not-found": {exotest.Failed, []string{"deno prelude of tests/not-found.exotest: error[bundle/remote-fetch]: Cannot fetch " + modules.URL + "/missing.ts: 404 Not Found",
			"--> tests/not-found.exotest (deno prelude):1:20"}},
		"missing-export": {exotest.Failed, []string{`error[bundle/resolve]: No matching export in "sub/helpers.js" for import "nope"`}},
	}
	got := map[string]exotest.Result{}
	for _, r := range rep.Tests {
		got[r.Name] = r
	}
	if len(got) != len(wants) {
		t.Errorf("got %d results, want %d: %+v", len(got), len(wants), rep.Tests)
	}
	for name, w := range wants {
		res, ok := got[name]
		if !ok {
			t.Errorf("%s: no result", name)
			continue
		}
		if res.Status != w.status {
			t.Errorf("%s: %s, want %s; message:\n%s", name, res.Status, w.status, res.Message)
			continue
		}
		for _, m := range w.msg {
			if !strings.Contains(res.Message, m) {
				t.Errorf("%s: message lacks %q:\n%s", name, m, res.Message)
			}
		}
	}
	if rep.Summary() != "3 passed, 3 failed, 1 skipped" {
		t.Errorf("summary %q", rep.Summary())
	}
	// The module was fetched once for the run (the three tests importing
	// it share the bundle, the cache does the rest) and is in the cache.
	mu.Lock()
	n := hits["/lib/greet.ts"]
	mu.Unlock()
	if n != 1 {
		t.Errorf("greet.ts fetched %d times, want 1", n)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 2 {
		t.Errorf("remote cache holds %d files, want 2 (body and metadata)", len(entries))
	}
}

// TestPreludeBundlerNetworkAndErrors checks which bundle problems skip a
// test and which fail it when both kinds occur.
func TestPreludeBundlerNetworkAndErrors(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()
	dir := t.TempDir()
	bundle := preludeBundler(jsbundle.New(jsbundle.Options{RemoteCache: t.TempDir()}))
	// Unreachable only: skipped.
	_, err := bundle(context.Background(), `import { a } from "`+goneURL+`/a.ts";`+"\nexport { a };\n", dir, "t (deno prelude)")
	var skip *exotest.SkipError
	if !errors.As(err, &skip) || !strings.HasPrefix(skip.Reason, "needs network (https: modules cannot be fetched: Cannot fetch "+goneURL) {
		t.Errorf("unreachable: %v", err)
	}
	// Unreachable and a missing local file: the test is broken whatever
	// the network, so it fails.
	_, err = bundle(context.Background(), `import { a } from "`+goneURL+`/a.ts";`+"\nimport { b } from \"./nope.js\";\nexport { a, b };\n", dir, "t (deno prelude)")
	if err == nil || errors.As(err, &skip) || !strings.Contains(err.Error(), `Could not resolve "./nope.js"`) || strings.Contains(err.Error(), goneURL) {
		t.Errorf("unreachable and missing: %v", err)
	}
	// Fine: a script assigning the exports.
	script, err := bundle(context.Background(), "const x = 1;\nexport { x };\n", dir, "t (deno prelude)")
	if err != nil || !strings.Contains(string(script), "var "+exotest.PreludeGlobal+" = ") {
		t.Errorf("bundle = %s, %v", script, err)
	}
}
