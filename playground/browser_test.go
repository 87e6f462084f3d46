package playground_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const browserModel = `
context AuthContext {
  @jwt("role") role: String = "guest"
}

@postgres
module PlaygroundTestModule {
  @access(true)
  type Concert {
    @pk id: Int = autoIncrement()
    title: String
  }

  @access(AuthContext.role == "admin")
  type Memo {
    @pk id: Int = autoIncrement()
    note: String
  }
}
`

// browserModel2 is browserModel after an edit (for the live update).
var browserModel2 = strings.Replace(browserModel, "  @access(true)\n  type Concert {", `  @access(true)
  type Band {
    @pk id: Int = autoIncrement()
    name: String
  }

  @access(true)
  type Concert {`, 1)

const browserSecret = "playground-test-secret"

func compileModel(t *testing.T, src string) *ir.System {
	t.Helper()
	sys, diags := compiler.Compile(compiler.Options{FS: fstest.MapFS{"src/index.exo": {Data: []byte(src)}}, Root: "."})
	if sys == nil {
		t.Fatalf("compile: %v", diags)
	}
	return sys
}

// newDatabase returns a database with the tables of sys and a few rows.
func newDatabase(t *testing.T, sys *ir.System) string {
	t.Helper()
	stmts := append(schema.FromIR(sys).DDL(),
		`INSERT INTO concerts (title) VALUES ('Exo Live at the Playground')`,
		`INSERT INTO memos (note) VALUES ('only-for-admins-42')`)
	for _, e := range sys.Entities {
		if e.Name == "Band" {
			stmts = append(stmts, `INSERT INTO bands (name) VALUES ('The Live Updates')`)
		}
	}
	return pgtest.NewFromTemplate(t, strings.Join(stmts, ";\n")+";")
}

// testServer is an exo server over HTTP whose system can be swapped (as
// exo dev does), recording the GraphQL requests it receives.
type testServer struct {
	URL string
	cfg server.Config
	rec *recorder
	h   atomic.Pointer[http.Handler]
}

func startServer(t *testing.T, sys *ir.System, env map[string]string) *testServer {
	t.Helper()
	ts := &testServer{rec: &recorder{}}
	ts.swap(t, sys, env)
	hs := httptest.NewServer(ts.rec.wrap(ts.cfg.GraphQLPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*ts.h.Load()).ServeHTTP(w, r)
	})))
	t.Cleanup(hs.Close)
	ts.URL = hs.URL
	return ts
}

// swap serves sys (with the environment env) from now on.
func (ts *testServer) swap(t *testing.T, sys *ir.System, env map[string]string) {
	t.Helper()
	cfg, err := server.FromEnv(env)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(context.Background(), sys, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	h := srv.Handler()
	ts.cfg = cfg
	ts.h.Store(&h)
}

// recorder remembers the GraphQL requests a server receives.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	OperationName string `json:"operationName"`
	Query         string `json:"query"`
	Authorization string `json:"-"`
	Playground    string `json:"-"`
}

func (rc *recorder) wrap(graphqlPath string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == graphqlPath && r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(strings.NewReader(string(body)))
			var req recorded
			_ = json.Unmarshal(body, &req)
			req.Authorization = r.Header.Get("Authorization")
			req.Playground = r.Header.Get("_exo_playground")
			rc.mu.Lock()
			rc.reqs = append(rc.reqs, req)
			rc.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (rc *recorder) count(pred func(recorded) bool) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, r := range rc.reqs {
		if pred(r) {
			n++
		}
	}
	return n
}

func (rc *recorder) find(pred func(recorded) bool) (recorded, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, r := range rc.reqs {
		if pred(r) {
			return r, true
		}
	}
	return recorded{}, false
}

func isIntrospection(r recorded) bool { return r.OperationName == "IntrospectionQuery" }

// playgroundPage is GraphiQL loaded in a browser tab.
type playgroundPage struct {
	t *testing.T
	b *browser
	p *page
}

// open loads the playground at url and waits until GraphiQL has the schema.
func open(t *testing.T, b *browser, url string) *playgroundPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := b.newPage(ctx)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	pp := &playgroundPage{t: t, b: b, p: p}
	t.Cleanup(func() {
		if t.Failed() {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			shot := filepath.Join(t.TempDir(), "playground.png")
			if err := p.screenshot(sctx, shot); err == nil {
				t.Logf("screenshot: %s", shot)
			}
			t.Logf("page log:\n%s", b.Logs())
		}
	})
	start := time.Now()
	if _, err := p.call(ctx, "Page.navigate", map[string]any{"url": url}); err != nil {
		t.Fatal(err)
	}
	if err := p.waitFor(ctx, "the query editor",
		`!!document.querySelector('.graphiql-container .graphiql-query-editor .monaco-editor textarea')`); err != nil {
		t.Fatal(err)
	}
	if err := p.waitFor(ctx, "the schema (documentation button enabled)",
		`(() => { const b = document.querySelector('.graphiql-sidebar button[aria-label*="Documentation"]'); return !!b && !b.disabled })()`); err != nil {
		t.Fatal(err)
	}
	t.Logf("GraphiQL ready in %s", time.Since(start).Round(time.Millisecond))
	return pp
}

func (pp *playgroundPage) ctx(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	pp.t.Cleanup(cancel)
	return ctx
}

// run replaces the editor's text by typing query, runs it with the execute
// button and waits for want in the response pane, which it returns.
func (pp *playgroundPage) run(query, want string) string {
	t, p := pp.t, pp.p
	t.Helper()
	t.Logf("run %s", query)
	ctx := pp.ctx(20 * time.Second)
	if err := p.eval(ctx, `document.querySelector('.graphiql-query-editor .monaco-editor textarea').focus()`, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.key(ctx, "a", "KeyA", 65, 2); err != nil { // Ctrl+A selects all
		t.Fatal(err)
	}
	if err := p.key(ctx, "Delete", "Delete", 46, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.typeText(ctx, query); err != nil {
		t.Fatal(err)
	}
	// GraphiQL reads the operation name from the editor after a 100 ms
	// debounce, which also saves the query in localStorage.
	if err := p.waitFor(ctx, "GraphiQL to see the query", fmt.Sprintf(`localStorage.getItem('graphiql:query') === %q`, query)); err != nil {
		t.Fatal(err)
	}
	if err := p.eval(ctx, `document.querySelector('.graphiql-execute-button').click()`, nil); err != nil {
		t.Fatal(err)
	}
	const text = `(document.querySelector('.graphiql-response')?.textContent || '').replace(/\u00a0/g, ' ')`
	if err := p.waitFor(ctx, want+" in the response", fmt.Sprintf(`%s.includes(%q)`, text, want)); err != nil {
		var got string
		_ = p.eval(context.Background(), text, &got)
		t.Fatalf("%v; the response pane shows %q", err, got)
	}
	var got string
	_ = p.eval(ctx, text, &got)
	return got
}

// checkLog fails on what the page must not log: anything refused by the
// Content-Security-Policy (inline code, blob workers, data: fonts) and
// uncaught exceptions.
func checkLog(t *testing.T, b *browser) {
	t.Helper()
	for _, line := range strings.Split(b.Logs(), "\n") {
		if strings.Contains(line, "Content Security Policy") || strings.HasPrefix(line, "exception:") {
			t.Errorf("page log: %s", line)
		}
	}
	if testing.Verbose() {
		t.Logf("page log:\n%s", b.Logs())
	}
}

// TestBrowser loads the playground of real servers in headless Chromium,
// types queries into GraphiQL's editor, runs them and reads the results in
// the page: signing in with the Authenticate dialog, the schema live
// update, and an upstream endpoint (exo playground --endpoint).
func TestBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		t.Skip("no Chromium (install the Debian package chromium, or set EXO_CHROMIUM): the playground browser test is skipped")
	}
	if testing.Short() {
		t.Skip("-short: the playground browser test is skipped")
	}
	b := launchBrowser(t, bin)
	sys := compileModel(t, browserModel)

	t.Run("query and sign in", func(t *testing.T) {
		ts := startServer(t, sys, map[string]string{
			"EXO_POSTGRES_URL": newDatabase(t, sys), "EXO_INTROSPECTION": "true", "EXO_JWT_SECRET": browserSecret,
		})
		pp := open(t, b, ts.URL+ts.cfg.PlaygroundPath)
		if _, ok := ts.rec.find(func(r recorded) bool { return isIntrospection(r) && r.Playground == "true" }); !ok {
			t.Error("no introspection request with the header _exo_playground: true")
		}

		got := pp.run(`query Concerts { concerts { id title } }`, `"title": "Exo Live at the Playground"`)
		if !strings.Contains(got, `"data"`) {
			t.Errorf("response pane: %q", got)
		}
		if r, ok := ts.rec.find(func(r recorded) bool { return r.OperationName == "Concerts" }); !ok {
			t.Error("the server did not receive the operation Concerts")
		} else if r.Authorization != "" || r.Playground != "true" {
			t.Errorf("operation Concerts: Authorization %q, _exo_playground %q", r.Authorization, r.Playground)
		}

		// Memos are for admins: not authorized before signing in.
		pp.run(`query Memos1 { memos { note } }`, `"message": "Not authorized"`)

		// Sign in with the secret and a role claim (the page signs an HS256 JWT).
		p, ctx := pp.p, pp.ctx(20*time.Second)
		t.Log("sign in")
		if err := p.eval(ctx, `document.querySelector('button[aria-label^="Authenticate"]').click()`, nil); err != nil {
			t.Fatal(err)
		}
		if err := p.waitFor(ctx, "the Authenticate dialog", `!!document.querySelector('.exo-auth input[name=secret]')`); err != nil {
			t.Fatal(err)
		}
		fill := func(selector, text string) {
			if err := p.eval(ctx, fmt.Sprintf(`(e => { e.focus(); e.select(); })(document.querySelector(%q))`, selector), nil); err != nil {
				t.Fatal(err)
			}
			if err := p.typeText(ctx, text); err != nil {
				t.Fatal(err)
			}
		}
		fill(".exo-auth input[name=secret]", browserSecret)
		fill(".exo-auth textarea[name=claims]", `{"role": "admin", "sub": "7"}`)
		if err := p.eval(ctx, `document.querySelector('.exo-auth-signin').click()`, nil); err != nil {
			t.Fatal(err)
		}
		if err := p.waitFor(ctx, "the dialog to close", `!document.querySelector('.exo-auth')`); err != nil {
			var msg string
			_ = p.eval(context.Background(), `document.querySelector('.exo-auth-error')?.textContent`, &msg)
			t.Fatalf("%v (dialog error: %q)", err, msg)
		}

		pp.run(`query Memos2 { memos { note } }`, `"note": "only-for-admins-42"`)
		r, ok := ts.rec.find(func(r recorded) bool { return r.OperationName == "Memos2" })
		if !ok || !strings.HasPrefix(r.Authorization, "Bearer ey") {
			t.Errorf("operation Memos2: Authorization %q", r.Authorization)
		}
		if path := os.Getenv("EXO_PLAYGROUND_SCREENSHOT"); path != "" {
			if err := p.screenshot(ctx, path); err != nil {
				t.Errorf("screenshot: %v", err)
			}
		}
	})

	t.Run("live update", func(t *testing.T) {
		sys2 := compileModel(t, browserModel2)
		env := map[string]string{
			"EXO_POSTGRES_URL": newDatabase(t, sys2), "EXO_INTROSPECTION": "true", "EXO_INTROSPECTION_LIVE_UPDATE": "true",
		}
		ts := startServer(t, sys, env)
		pp := open(t, b, ts.URL+ts.cfg.PlaygroundPath)
		pp.run(`query Bands1 { bands { name } }`, `Field 'bands' is not valid`)
		before := ts.rec.count(isIntrospection)
		ts.swap(t, sys2, env) // the model gained type Band
		ctx := pp.ctx(20 * time.Second)
		for ts.rec.count(isIntrospection) == before {
			if ctx.Err() != nil {
				t.Fatal("the page did not introspect the new schema")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if ts.rec.count(func(r recorded) bool { return r.OperationName == "ExoSchemaFingerprint" }) < 2 {
			t.Error("no schema polling")
		}
		pp.run(`query Bands2 { bands { name } }`, `"name": "The Live Updates"`)
	})

	t.Run("upstream endpoint", func(t *testing.T) {
		upstream := startServer(t, sys, map[string]string{
			"EXO_POSTGRES_URL": newDatabase(t, sys), "EXO_CORS_DOMAINS": "*",
		})
		// exo playground: introspection only, no database, operations upstream.
		local := startServer(t, sys, map[string]string{
			"EXO_INTROSPECTION": "only", "EXO_ENV": "playground",
			"_EXO_UPSTREAM_ENDPOINT_URL": upstream.URL + "/graphql",
		})
		pp := open(t, b, local.URL+"/playground")
		var shown string
		if err := pp.p.eval(pp.ctx(5*time.Second), `document.querySelector('.exo-endpoint')?.textContent`, &shown); err != nil || !strings.Contains(shown, upstream.URL+"/graphql") {
			t.Errorf("the page shows the endpoint as %q (%v)", shown, err)
		}
		pp.run(`query Upstream { concerts { title } }`, `"title": "Exo Live at the Playground"`)
		if upstream.rec.count(func(r recorded) bool { return r.OperationName == "Upstream" }) != 1 {
			t.Error("the upstream server did not receive the operation")
		}
		if local.rec.count(func(r recorded) bool { return r.OperationName == "Upstream" }) != 0 {
			t.Error("the local server received the operation")
		}
		if upstream.rec.count(isIntrospection) != 0 || local.rec.count(isIntrospection) == 0 {
			t.Error("introspection did not go to the local server only")
		}
	})

	checkLog(t, b)
}
