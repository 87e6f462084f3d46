package jsbundle

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/jsrt"
)

// remoteFile is what the test server answers for a path.
type remoteFile struct {
	body        string // "{{base}}" is replaced by the server's URL
	contentType string
	redirect    string // path to redirect to (302)
	status      int    // default 200
}

// remoteServer is a TLS server of modules that counts requests per path.
type remoteServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]remoteFile
	hits  map[string]int
}

func newRemoteServer(t *testing.T, files map[string]remoteFile) *remoteServer {
	t.Helper()
	rs := &remoteServer{files: files, hits: map[string]int{}}
	rs.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.hits[r.URL.Path]++
		f, ok := rs.files[r.URL.Path]
		rs.mu.Unlock()
		switch {
		case !ok:
			http.NotFound(w, r)
		case f.redirect != "":
			http.Redirect(w, r, f.redirect, http.StatusFound)
		default:
			if f.contentType != "" {
				w.Header().Set("Content-Type", f.contentType)
			}
			if f.status != 0 {
				w.WriteHeader(f.status)
			}
			_, _ = w.Write([]byte(strings.ReplaceAll(f.body, "{{base}}", rs.URL)))
		}
	}))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *remoteServer) set(p string, f remoteFile) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.files[p] = f
}

func (rs *remoteServer) hitsOf(p string) int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.hits[p]
}

// remoteModules is a small library in the style of deno.land/x: mod.ts
// imports a sibling and a module behind a redirect, whose own relative
// import exists only next to the redirect's target.
var remoteModules = map[string]remoteFile{
	"/x/tiny@1.0/mod.ts": {body: `import { twice } from "./util.ts";
import { hex } from "/std/latest/hex.ts";
export { hex };
export function add(a: number, b: number): number { return twice(a) - a + b; }
`, contentType: "text/plain; charset=utf-8"},
	"/x/tiny@1.0/util.ts": {body: "export const twice = (x: number): number => x * 2;\n", contentType: "text/plain"},
	"/std/latest/hex.ts":  {redirect: "/std/0.2.0/encoding/hex.ts"},
	"/std/0.2.0/encoding/hex.ts": {body: `import { pad } from "./pad.ts";
export function hex(n: number): string { return pad(n.toString(16), 4); }
`, contentType: "application/typescript"},
	"/std/0.2.0/encoding/pad.ts": {body: `export function pad(s: string, n: number): string { while (s.length < n) s = "0" + s; return s; }
`, contentType: "application/typescript"},
	// No extension: TypeScript because of its Content-Type.
	"/cdn/cube": {body: `interface Opts { power: number }
const o: Opts = { power: 3 };
export function cube(x: number): number { return x ** o.power; }
`, contentType: "application/typescript; charset=utf-8"},
	"/cdn/data.json": {body: `{"answer": 42}`, contentType: "application/json"},
}

const remoteUser = `import { add, hex } from "{{base}}/x/tiny@1.0/mod.ts";
import { cube } from "{{base}}/cdn/cube";
import data from "{{base}}/cdn/data.json";
export function f(a: number, b: number): string { return add(a, b) + ":" + hex(255) + ":" + cube(2) + ":" + data.answer; }
`

func callF(t *testing.T, res compiler.BundleResult) string {
	t.Helper()
	m, err := jsrt.NewModule("m.js", res.Script, res.SourceMap, GlobalName, jsrt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Call(context.Background(), "f", 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestBundleRemoteImports(t *testing.T) {
	srv := newRemoteServer(t, remoteModules)
	cache := t.TempDir()
	files := map[string]string{"src/m.ts": strings.ReplaceAll(remoteUser, "{{base}}", srv.URL)}
	opts := Options{HTTPClient: srv.Client(), RemoteCache: cache}
	check := func(t *testing.T, res compiler.BundleResult, diags diag.List) {
		t.Helper()
		if len(diags) != 0 {
			t.Fatalf("unexpected diagnostics: %v", diags)
		}
		if got := callF(t, res); got != `"7:00ff:8:42"` {
			t.Errorf("f(3, 4) = %s, want \"7:00ff:8:42\"", got)
		}
		// The source map names remote modules by their final URL.
		for _, want := range []string{`"` + srv.URL + `/x/tiny@1.0/util.ts"`, `"` + srv.URL + `/std/0.2.0/encoding/pad.ts"`, `"src/m.ts"`} {
			if !strings.Contains(string(res.SourceMap), want) {
				t.Errorf("source map lacks %s: %s", want, res.SourceMap)
			}
		}
	}
	dir := writeFiles(t, files)
	res, diags, err := New(opts).Bundle(compiler.BundleRequest{Root: dir, Entry: "src/m.ts", FS: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	check(t, res, diags)
	// Each module was fetched once; the redirect's target was resolved
	// against its own URL.
	for p, want := range map[string]int{"/x/tiny@1.0/mod.ts": 1, "/x/tiny@1.0/util.ts": 1, "/std/latest/hex.ts": 1,
		"/std/0.2.0/encoding/hex.ts": 1, "/std/0.2.0/encoding/pad.ts": 1, "/std/latest/pad.ts": 0, "/cdn/cube": 1} {
		if got := srv.hitsOf(p); got != want {
			t.Errorf("%s fetched %d times, want %d", p, got, want)
		}
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2*6 { // body + metadata for each requested URL (not the redirects' targets)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("cache holds %d files, want 12: %v", len(entries), names)
	}

	// Offline: the cache serves a new bundler, from disk and from an fs.FS.
	srv.Close()
	t.Run("cached-disk", func(t *testing.T) {
		res, diags, err := New(opts).Bundle(compiler.BundleRequest{Root: dir, Entry: "src/m.ts", FS: os.DirFS(dir)})
		if err != nil {
			t.Fatal(err)
		}
		check(t, res, diags)
	})
	t.Run("cached-fs", func(t *testing.T) {
		res, diags, err := New(opts).Bundle(compiler.BundleRequest{Entry: "src/m.ts", FS: mapFS(files)})
		if err != nil {
			t.Fatal(err)
		}
		check(t, res, diags)
	})
	// Without the cache, the same build fails at the import.
	t.Run("offline-uncached", func(t *testing.T) {
		_, diags, err := New(Options{HTTPClient: srv.Client(), RemoteCache: t.TempDir()}).Bundle(
			compiler.BundleRequest{Root: dir, Entry: "src/m.ts", FS: os.DirFS(dir)})
		if err != nil {
			t.Fatal(err)
		}
		if !diags.HasErrors() {
			t.Fatal("bundled without server and cache")
		}
		d := diags[0]
		if d.Code != CodeRemoteUnreachable || !strings.HasPrefix(d.Message, "Cannot fetch "+srv.URL+"/") ||
			!d.Span.IsValid() || d.Span.File.Name != "src/m.ts" {
			t.Errorf("got %s %q at %+v", d.Code, d.Message, d.Span)
		}
	})
}

func TestBundleRemoteDiagnostics(t *testing.T) {
	srv := newRemoteServer(t, map[string]remoteFile{
		"/page":    {body: "<html></html>", contentType: "text/html; charset=utf-8"},
		"/bare.ts": {body: "import _ from \"lodash\";\nexport const x = _;\n", contentType: "application/typescript"},
		"/loop.ts": {redirect: "/loop.ts"},
		"/mixed.ts": {body: "import { y } from \"http://127.0.0.1:1/y.ts\";\nexport const x = y;\n",
			contentType: "application/typescript"},
		"/gone.ts": {body: "gone", status: http.StatusGone},
	})
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	src := `import { a } from "{{base}}/missing.ts";
import { b } from "{{base}}/page";
import { c } from "{{base}}/bare.ts";
import { d } from "http://example.com/d.ts";
import { e } from "{{base}}/loop.ts";
import { f } from "{{base}}/mixed.ts";
import { g } from "{{closed}}/g.ts";
import { h } from "jsr:@std/hex@1";
import { i } from "{{base}}/gone.ts";
export const all = [a, b, c, d, e, f, g, h, i];
`
	src = strings.ReplaceAll(strings.ReplaceAll(src, "{{base}}", srv.URL), "{{closed}}", closedURL)
	type want struct {
		file       string // "" = src/m.ts
		line       int
		code, text string
	}
	wants := []want{
		{"", 1, CodeRemoteFetch, "Cannot fetch " + srv.URL + "/missing.ts: 404 Not Found"},
		{"", 2, CodeRemoteFetch, "Cannot import " + srv.URL + `/page: media type "text/html" is not a JavaScript or TypeScript module`},
		{srv.URL + "/bare.ts", 1, CodeResolve, `Could not resolve "lodash" from ` + srv.URL + "/bare.ts: bare specifiers cannot be imported from remote modules"},
		{"", 4, CodeUnsupported, `Cannot import "http://example.com/d.ts": http: modules can be imported only from localhost; use https:`},
		{"", 5, CodeRemoteFetch, "Cannot fetch " + srv.URL + "/loop.ts: stopped after 10 redirects"},
		{srv.URL + "/mixed.ts", 1, CodeUnsupported, `Cannot import "http://127.0.0.1:1/y.ts" from ` + srv.URL + "/mixed.ts: modules imported with https: cannot import http: modules"},
		{"", 7, CodeRemoteUnreachable, "Cannot fetch " + closedURL + "/g.ts: dial tcp"},
		{"", 8, CodeUnsupported, `Cannot import "jsr:@std/hex@1": jsr: specifiers are not supported`},
		{"", 9, CodeRemoteFetch, "Cannot fetch " + srv.URL + "/gone.ts: 410 Gone"},
	}
	dir := writeFiles(t, map[string]string{"src/m.ts": src})
	res, diags, err := New(Options{HTTPClient: srv.Client(), RemoteCache: t.TempDir()}).Bundle(
		compiler.BundleRequest{Root: dir, Entry: "src/m.ts", FS: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Script != nil {
		t.Error("bundled despite errors")
	}
	if len(diags) != len(wants) {
		t.Errorf("got %d diagnostics, want %d:\n%v", len(diags), len(wants), diags)
	}
	lines := strings.Split(src, "\n")
	for _, w := range wants {
		found := false
		for _, d := range diags {
			if !d.Span.IsValid() || d.Severity != diag.Error {
				continue
			}
			l, c := d.Span.File.LineCol(int(d.Span.Start))
			file, wantCol := w.file, 0
			if file == "" {
				file, wantCol = "src/m.ts", strings.Index(lines[w.line-1], `"`)+1
			} else {
				wantCol = strings.Index(string(d.Span.File.Src), `"`) + 1
			}
			if d.Span.File.Name == file && l == w.line && c == wantCol && d.Code == w.code && strings.HasPrefix(d.Message, w.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing %s:%d %s %q in\n%v", w.file, w.line, w.code, w.text, diags)
		}
	}
	// Failed fetches are not cached: a server that got the module serves it.
	srv.set("/missing.ts", remoteFile{body: "export const a = 1;\n", contentType: "application/typescript"})
	_, diags, _ = New(Options{HTTPClient: srv.Client(), RemoteCache: t.TempDir()}).Bundle(
		compiler.BundleRequest{Root: dir, Entry: "src/m.ts", FS: os.DirFS(dir)})
	for _, d := range diags {
		if strings.Contains(d.Message, "/missing.ts") {
			t.Errorf("still failing: %v", d)
		}
	}
}

func TestBundleRemoteSyntaxError(t *testing.T) {
	// Errors inside a remote module point into it, named by its URL.
	srv := newRemoteServer(t, map[string]remoteFile{
		"/lib.ts":    {redirect: "/v2/lib.ts"},
		"/v2/lib.ts": {body: "export const a = 1;\nexport const = 2;\nexport function f() {}\n", contentType: "text/plain"},
	})
	files := map[string]string{"src/m.ts": `export { f } from "` + srv.URL + `/lib.ts";` + "\n"}
	_, diags, err := New(Options{HTTPClient: srv.Client(), RemoteCache: t.TempDir()}).Bundle(compiler.BundleRequest{Entry: "src/m.ts", FS: mapFS(files)})
	if err != nil {
		t.Fatal(err)
	}
	if len(diags) != 1 {
		t.Fatalf("want 1 diagnostic, got %v", diags)
	}
	d := diags[0]
	if d.Code != CodeSyntax || !d.Span.IsValid() || d.Span.File.Name != srv.URL+"/v2/lib.ts" {
		t.Fatalf("got %s %q at %+v", d.Code, d.Message, d.Span)
	}
	if l, _ := d.Span.File.LineCol(int(d.Span.Start)); l != 2 {
		t.Errorf("error on line %d, want 2: %v", l, d)
	}
}

func TestBundleRemoteReload(t *testing.T) {
	srv := newRemoteServer(t, map[string]remoteFile{"/v.ts": {body: "export const v = 1;\n", contentType: "application/typescript"}})
	cache := t.TempDir()
	files := map[string]string{"src/m.ts": `import { v } from "` + srv.URL + `/v.ts";
export function f(): number { return v; }
`}
	bundle := func(b *Bundler) string {
		t.Helper()
		res, diags, err := b.Bundle(compiler.BundleRequest{Entry: "src/m.ts", FS: mapFS(files)})
		if err != nil || len(diags) != 0 {
			t.Fatal(err, diags)
		}
		return callF(t, res)
	}
	if got := bundle(New(Options{HTTPClient: srv.Client(), RemoteCache: cache})); got != "1" {
		t.Fatalf("v = %s", got)
	}
	srv.set("/v.ts", remoteFile{body: "export const v = 2;\n", contentType: "application/typescript"})
	// Cached modules are not fetched again...
	if got := bundle(New(Options{HTTPClient: srv.Client(), RemoteCache: cache})); got != "1" || srv.hitsOf("/v.ts") != 1 {
		t.Errorf("v = %s after %d fetches, want the cached 1 after 1", got, srv.hitsOf("/v.ts"))
	}
	// ...unless asked to, once per bundler; the cache gets the new copy.
	b := New(Options{HTTPClient: srv.Client(), RemoteCache: cache, ReloadRemote: true})
	for range 2 {
		if got := bundle(b); got != "2" || srv.hitsOf("/v.ts") != 2 {
			t.Errorf("reload: v = %s after %d fetches, want 2 after 2", got, srv.hitsOf("/v.ts"))
		}
	}
	srv.Close()
	if got := bundle(New(Options{HTTPClient: srv.Client(), RemoteCache: cache})); got != "2" {
		t.Errorf("cached after reload: v = %s, want 2", got)
	}
}

func TestBundleRemoteHTTPLocalhost(t *testing.T) {
	// http: is allowed on loopback hosts (with the default client).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/javascript")
		_, _ = w.Write([]byte("export function f() { return 'local'; }\n"))
	}))
	defer srv.Close()
	files := map[string]string{"src/m.ts": `export { f } from "` + srv.URL + `/lib";` + "\n"}
	res, diags, err := New(Options{RemoteCache: t.TempDir()}).Bundle(compiler.BundleRequest{Entry: "src/m.ts", FS: mapFS(files)})
	if err != nil || len(diags) != 0 {
		t.Fatal(err, diags)
	}
	if got := callF(t, res); got != `"local"` {
		t.Errorf("f() = %s", got)
	}
}

func TestRemoteCacheDir(t *testing.T) {
	t.Setenv(EnvRemoteCache, "/some/where")
	if got := remoteCacheDir(); got != "/some/where" {
		t.Errorf("remoteCacheDir() = %q", got)
	}
	t.Setenv(EnvRemoteCache, "")
	if got := remoteCacheDir(); !strings.HasSuffix(got, filepath.Join("exo", "remote")) {
		t.Errorf("remoteCacheDir() = %q", got)
	}
}

func TestRemoteLoader(t *testing.T) {
	for _, c := range []struct {
		url, ct string
		want    string
	}{
		{"https://h/a.ts", "text/plain", "ts"},
		{"https://h/a.tsx", "", "tsx"},
		{"https://h/a.mjs", "application/typescript", "js"},
		{"https://h/a.jsx", "", "jsx"},
		{"https://h/a.json?x=1", "", "json"},
		{"https://h/lodash@4.17.21", "application/javascript; charset=utf-8", "js"},
		{"https://h/a", "video/mp2t", "ts"},
		{"https://h/a", "text/typescript", "ts"},
		{"https://h/a", "text/javascript", "js"},
		{"https://h/a", "text/html", "error"},
		{"https://h/a", "", "error"},
	} {
		l, err := (&remoteModule{FinalURL: c.url, ContentType: c.ct}).loader()
		got := map[api.Loader]string{api.LoaderTS: "ts", api.LoaderTSX: "tsx", api.LoaderJS: "js", api.LoaderJSX: "jsx", api.LoaderJSON: "json"}[l]
		if err != nil {
			got = "error"
		}
		if got != c.want {
			t.Errorf("loader(%s, %q) = %s (%v), want %s", c.url, c.ct, got, err, c.want)
		}
	}
}
