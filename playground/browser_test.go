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
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
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

const browserSecret = "playground-test-secret"

// recorder remembers the GraphQL requests the page sends.
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

// TestBrowser loads the playground of a real server in headless Chromium,
// types queries into GraphiQL's editor, runs them and reads the results in
// the page, before and after signing in with the Authenticate dialog.
func TestBrowser(t *testing.T) {
	bin := findChromium()
	if bin == "" {
		t.Skip("no Chromium (install the Debian package chromium, or set EXO_CHROMIUM): the playground browser test is skipped")
	}
	if testing.Short() {
		t.Skip("-short: the playground browser test is skipped")
	}

	// A real server over a throw-away database.
	sys, diags := compiler.Compile(compiler.Options{FS: fstest.MapFS{"src/index.exo": {Data: []byte(browserModel)}}, Root: "."})
	if sys == nil {
		t.Fatalf("compile: %v", diags)
	}
	dbURL := pgtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range append(schema.FromIR(sys).DDL(),
		`INSERT INTO concerts (title) VALUES ('Exo Live at the Playground')`,
		`INSERT INTO memos (note) VALUES ('only-for-admins-42')`) {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	_ = conn.Close(ctx)
	cfg, err := server.FromEnv(map[string]string{
		"EXO_POSTGRES_URL": dbURL, "EXO_INTROSPECTION": "true", "EXO_JWT_SECRET": browserSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, sys, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rec := &recorder{}
	hs := httptest.NewServer(rec.wrap(cfg.GraphQLPath, srv.Handler()))
	defer hs.Close()

	b := launchBrowser(t, bin)
	p, err := b.newPage(ctx)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	shot := filepath.Join(t.TempDir(), "playground.png")
	defer func() {
		if t.Failed() {
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			if err := p.screenshot(sctx, shot); err == nil {
				t.Logf("screenshot: %s", shot)
			}
			t.Logf("page log:\n%s", b.Logs())
		}
	}()

	step := func(what string, d time.Duration) context.Context {
		t.Logf("%s", what)
		sctx, scancel := context.WithTimeout(ctx, d)
		t.Cleanup(scancel)
		return sctx
	}

	start := time.Now()
	if _, err := p.call(step("navigate", 10*time.Second), "Page.navigate", map[string]any{"url": hs.URL + cfg.PlaygroundPath}); err != nil {
		t.Fatal(err)
	}
	if err := p.waitFor(step("GraphiQL with Monaco and the schema", 45*time.Second), "the query editor",
		`!!document.querySelector('.graphiql-container .graphiql-query-editor .monaco-editor textarea')`); err != nil {
		t.Fatal(err)
	}
	if err := p.waitFor(step("introspection", 20*time.Second), "the schema",
		`(() => { const b = document.querySelector('.graphiql-sidebar button[aria-label*="Documentation"]'); return !!b && !b.disabled })()`); err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.find(func(r recorded) bool { return r.OperationName == "IntrospectionQuery" && r.Playground == "true" }); !ok {
		t.Error("no introspection request with the header _exo_playground: true")
	}
	t.Logf("GraphiQL ready in %s", time.Since(start).Round(time.Millisecond))

	// run replaces the editor's text by typing query, runs it with the
	// execute button and waits for want in the response pane.
	run := func(query, want string) string {
		t.Helper()
		sctx := step("run "+query, 20*time.Second)
		if err := p.eval(sctx, `document.querySelector('.graphiql-query-editor .monaco-editor textarea').focus()`, nil); err != nil {
			t.Fatal(err)
		}
		if err := p.key(sctx, "a", "KeyA", 65, 2); err != nil { // Ctrl+A selects all
			t.Fatal(err)
		}
		if err := p.key(sctx, "Delete", "Delete", 46, 0); err != nil {
			t.Fatal(err)
		}
		if err := p.typeText(sctx, query); err != nil {
			t.Fatal(err)
		}
		// GraphiQL reads the operation name from the editor after a 100 ms
		// debounce, which also saves the query in localStorage.
		if err := p.waitFor(sctx, "GraphiQL to see the query", fmt.Sprintf(`localStorage.getItem('graphiql:query') === %q`, query)); err != nil {
			t.Fatal(err)
		}
		if err := p.eval(sctx, `document.querySelector('.graphiql-execute-button').click()`, nil); err != nil {
			t.Fatal(err)
		}
		expr := fmt.Sprintf(`(document.querySelector('.graphiql-response')?.textContent || '').replace(/\u00a0/g, ' ').includes(%q)`, want)
		if err := p.waitFor(sctx, want+" in the response", expr); err != nil {
			var got string
			_ = p.eval(context.Background(), `document.querySelector('.graphiql-response')?.textContent`, &got)
			t.Fatalf("%v; the response pane shows %q", err, got)
		}
		var got string
		_ = p.eval(sctx, `document.querySelector('.graphiql-response').textContent.replace(/\u00a0/g, ' ')`, &got)
		return got
	}

	got := run(`query Concerts { concerts { id title } }`, `"title": "Exo Live at the Playground"`)
	if !strings.Contains(got, `"data"`) {
		t.Errorf("response pane: %q", got)
	}
	if r, ok := rec.find(func(r recorded) bool { return r.OperationName == "Concerts" }); !ok {
		t.Error("the server did not receive the operation Concerts")
	} else if r.Authorization != "" || r.Playground != "true" {
		t.Errorf("operation Concerts: Authorization %q, _exo_playground %q", r.Authorization, r.Playground)
	}

	// Memos are for admins: not authorized before signing in.
	run(`query Memos1 { memos { note } }`, `"message": "Not authorized"`)

	// Sign in with the secret and a role claim (the page signs an HS256 JWT).
	sctx := step("sign in", 20*time.Second)
	if err := p.eval(sctx, `document.querySelector('button[aria-label^="Authenticate"]').click()`, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.waitFor(sctx, "the Authenticate dialog", `!!document.querySelector('.exo-auth input[name=secret]')`); err != nil {
		t.Fatal(err)
	}
	fill := func(selector, text string) {
		if err := p.eval(sctx, fmt.Sprintf(`(e => { e.focus(); e.select(); })(document.querySelector(%q))`, selector), nil); err != nil {
			t.Fatal(err)
		}
		if err := p.typeText(sctx, text); err != nil {
			t.Fatal(err)
		}
	}
	fill(".exo-auth input[name=secret]", browserSecret)
	fill(".exo-auth textarea[name=claims]", `{"role": "admin", "sub": "7"}`)
	if err := p.eval(sctx, `document.querySelector('.exo-auth-signin').click()`, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.waitFor(sctx, "the dialog to close", `!document.querySelector('.exo-auth')`); err != nil {
		var msg string
		_ = p.eval(context.Background(), `document.querySelector('.exo-auth-error')?.textContent`, &msg)
		t.Fatalf("%v (dialog error: %q)", err, msg)
	}

	run(`query Memos2 { memos { note } }`, `"note": "only-for-admins-42"`)
	r, ok := rec.find(func(r recorded) bool { return r.OperationName == "Memos2" })
	if !ok || !strings.HasPrefix(r.Authorization, "Bearer ey") {
		t.Errorf("operation Memos2: Authorization %q", r.Authorization)
	}
	// Nothing refused by the Content-Security-Policy (inline code, blob workers,
	// data: fonts), no uncaught exception.
	for _, line := range strings.Split(b.Logs(), "\n") {
		if strings.Contains(line, "Content Security Policy") || strings.HasPrefix(line, "exception:") {
			t.Errorf("page log: %s", line)
		}
	}
	if testing.Verbose() {
		t.Logf("page log:\n%s", b.Logs())
	}
	if path := os.Getenv("EXO_PLAYGROUND_SCREENSHOT"); path != "" {
		if err := p.screenshot(ctx, path); err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}
}
