package dev

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSwapBeforeFirstSet(t *testing.T) {
	s := &Swap{Unavailable: "not yet"}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "not yet") {
		t.Fatalf("got %d %q, want 503 not yet", rec.Code, rec.Body.String())
	}
}

// A request in flight on the old handler finishes on it; the old handler is
// released only afterwards; new requests go to the new handler.
func TestSwapKeepsInFlightRequests(t *testing.T) {
	s := &Swap{}
	entered := make(chan struct{})
	proceed := make(chan struct{})
	var released atomic.Bool
	s.Set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-proceed
		}
		if released.Load() {
			t.Error("old handler released while serving")
		}
		io.WriteString(w, "old")
	}), func() { released.Store(true) })

	slow := make(chan string)
	go func() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", "/slow", nil))
		slow <- rec.Body.String()
	}()
	<-entered
	done := s.Set(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "new") }), nil)

	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Body.String() != "new" {
		t.Fatalf("new request served by %q, want new", rec.Body.String())
	}
	select {
	case <-done:
		t.Fatal("old handler released while a request was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(proceed)
	if got := <-slow; got != "old" {
		t.Fatalf("in-flight request got %q, want old", got)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("old handler never released")
	}
	if !released.Load() {
		t.Fatal("release function not called")
	}
	s.Close()
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %d, want 503", rec.Code)
	}
}

func TestSwapConcurrent(t *testing.T) {
	s := &Swap{}
	var live atomic.Int32
	mk := func(id int32) (http.Handler, func()) {
		live.Add(1)
		closed := &atomic.Bool{}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if closed.Load() {
					t.Error("request served by a released handler")
				}
				time.Sleep(time.Millisecond)
			}), func() {
				closed.Store(true)
				live.Add(-1)
			}
	}
	s.Set(mk(0))
	stop := make(chan struct{})
	errs := make(chan int, 8)
	for i := 0; i < 8; i++ {
		go func() {
			n := 0
			for {
				select {
				case <-stop:
					errs <- n
					return
				default:
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
				if rec.Code != 200 {
					n++
				}
			}
		}()
	}
	for i := int32(1); i <= 50; i++ {
		s.Set(mk(i))
		time.Sleep(time.Millisecond)
	}
	close(stop)
	for i := 0; i < 8; i++ {
		if n := <-errs; n != 0 {
			t.Errorf("%d requests failed during swaps", n)
		}
	}
	s.Close()
	if n := live.Load(); n != 0 {
		t.Errorf("%d handlers not released", n)
	}
}

func TestDescribeOperation(t *testing.T) {
	cases := []struct{ query, opName, name, kind string }{
		{"{ todos { id } }", "", "todos", "query"},
		{"query { todos { id } }", "", "todos", "query"},
		{"query AllTodos { todos { id } }", "", "AllTodos", "query"},
		{"mutation { createTodo(data: {}) { id } }", "", "createTodo", "mutation"},
		{"# comment { x }\nmutation Add($t: String) { createTodo(data: {title: $t}) { id } }", "", "Add", "mutation"},
		{"query A { a } mutation B { b }", "B", "B", "mutation"},
		{"  ", "", "(empty)", "query"},
	}
	for _, c := range cases {
		name, kind := describeOperation(c.query, c.opName)
		if name != c.name || kind != c.kind {
			t.Errorf("describeOperation(%q, %q) = %q, %q; want %q, %q", c.query, c.opName, name, kind, c.name, c.kind)
		}
	}
}

func TestObserve(t *testing.T) {
	var ops []Op
	h := Observe(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(string(body), "bad") {
			io.WriteString(w, `{"errors":[{"message":"Field 'bad' not found"}]}`)
			return
		}
		io.WriteString(w, `{"data":{"todos":[]}}`)
	}), "/graphql", func(op Op) { ops = append(ops, op) })

	for _, q := range []string{`{"query":"{ todos { id } }"}`, `{"query":"{ bad }"}`} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/graphql", strings.NewReader(q)))
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	// Other paths are not observed.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/health", nil))
	if len(ops) != 2 {
		t.Fatalf("got %d ops, want 2", len(ops))
	}
	if ops[0].Name != "todos" || !ops[0].OK() || ops[0].Duration <= 0 {
		t.Errorf("op 0 = %+v", ops[0])
	}
	if ops[1].Name != "bad" || ops[1].OK() || ops[1].Error != "Field 'bad' not found" {
		t.Errorf("op 1 = %+v", ops[1])
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "src", "index.exo"), "a")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := Watch(ctx, dir, 250*time.Millisecond) // well above the 20 ms between the writes of a burst, even on a loaded machine
	if err != nil {
		t.Fatal(err)
	}
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-ch:
			if strings.Join(got, ",") != want {
				t.Fatalf("changes %v, want %s", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no change reported, want %s", want)
		}
	}
	expectNone := func() {
		t.Helper()
		select {
		case got := <-ch:
			t.Fatalf("unexpected changes %v", got)
		case <-time.After(600 * time.Millisecond):
		}
	}
	// A burst of writes is one rebuild.
	for i := 0; i < 5; i++ {
		writeFile(t, filepath.Join(dir, "src", "index.exo"), strings.Repeat("b", i+1))
		time.Sleep(20 * time.Millisecond)
	}
	expect("src/index.exo")
	// Changes outside src/ and trusted-documents/ are ignored.
	writeFile(t, filepath.Join(dir, "target", "index.exo_ir"), "x")
	writeFile(t, filepath.Join(dir, "tests", "a.exotest"), "x")
	writeFile(t, filepath.Join(dir, "README.md"), "x")
	expectNone()
	// New directories are watched too.
	if err := os.MkdirAll(filepath.Join(dir, "src", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	expect("src/sub")
	writeFile(t, filepath.Join(dir, "src", "sub", "b.exo"), "x")
	expect("src/sub/b.exo")
	writeFile(t, filepath.Join(dir, "trusted-documents", "q.graphql"), "x")
	got := <-ch
	if !strings.Contains(strings.Join(got, ","), "trusted-documents") {
		t.Fatalf("trusted-documents change not reported: %v", got)
	}
	cancel()
	for range ch {
	}
}

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig(`
# exo.toml
dev.after-model-change = ["echo dev"]

[exograph]
version = "0.11.2" # pinned

[build]
after-model-change = [
  "exo graphql schema --output ../web/schema.graphql", # one
  'echo "built"',
]

[[mcp.profiles]]
name = "x"
after-model-change = ["ignored"]
`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != "0.11.2" {
		t.Errorf("version %q", c.Version)
	}
	if got := c.AfterModelChange["build"]; len(got) != 2 || got[0] != "exo graphql schema --output ../web/schema.graphql" || got[1] != `echo "built"` {
		t.Errorf("build hooks %q", got)
	}
	if got := c.AfterModelChange["dev"]; len(got) != 1 || got[0] != "echo dev" {
		t.Errorf("dev hooks %q", got)
	}
	for _, bad := range []string{"[exograph\n", "version", "x = [\"a\"", "exograph.version = 3", "build.after-model-change = \"x\"", "a = @"} {
		if _, err := ParseConfig(bad); err == nil {
			t.Errorf("ParseConfig(%q) succeeded", bad)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	cases := []struct {
		req, version string
		ok           bool
	}{
		{"0.11.2", "0.11.2", true},
		{"0.11.2", "0.11.3", false},
		{"=0.11.2", "0.11.2", true},
		{"^1.2.3", "1.9.0", true},
		{"^1.2.3", "2.0.0", false},
		{"^1.2.3", "1.2.2", false},
		{"^0.2.3", "0.2.9", true},
		{"^0.2.3", "0.3.0", false},
		{"~1.2.3", "1.2.9", true},
		{"~1.2.3", "1.3.0", false},
		{"1", "1.5.0", true},
		{"1", "2.0.0", false},
		{">=0.11.2", "0.12.0", true},
		{">=0.11.2", "0.11.1", false},
		{"<0.11.2", "0.11.1", true},
		{"> 0.11.2", "0.11.2", false},
		{">=0.1, <0.2", "0.1.0-dev", true},
	}
	for _, c := range cases {
		err := CheckVersion(c.req, c.version)
		if (err == nil) != c.ok {
			t.Errorf("CheckVersion(%q, %q) = %v, want ok=%t", c.req, c.version, err, c.ok)
		}
	}
	if err := CheckVersion("1 || 2", "1.0.0"); err == nil {
		t.Error("|| accepted")
	}
	if err := CheckVersion("=0.11.2", "0.1.0-dev"); err == nil || !strings.Contains(err.Error(), "requires exo version =0.11.2") {
		t.Errorf("mismatch error = %v", err)
	}
}
