package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exo-dev/exo/dev"
	"github.com/exo-dev/exo/dev/pg"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const todoModel = `@postgres
module TodoDatabase {
  @access(true)
  type Todo {
    @pk id: Int = autoIncrement()
    title: String
    completed: Boolean
  }
}
`

type gqlResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

func postGraphQL(addr, query string) (int, gqlResponse, error) {
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := http.Post("http://"+addr+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, gqlResponse{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(raw, &r); err != nil {
			return resp.StatusCode, r, fmt.Errorf("%v: %s", err, raw)
		}
	}
	return resp.StatusCode, r, nil
}

// waitFor polls query until ok accepts the response.
func waitFor(t *testing.T, addr, query string, within time.Duration, ok func(int, gqlResponse) bool) (gqlResponse, time.Duration) {
	t.Helper()
	start := time.Now()
	var last gqlResponse
	var lastCode int
	for time.Since(start) < within {
		code, r, err := postGraphQL(addr, query)
		if err == nil && ok(code, r) {
			return r, time.Since(start)
		}
		last, lastCode = r, code
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no acceptable answer to %s within %s; last: %d %+v", query, within, lastCode, last)
	return last, 0
}

func noErrors(code int, r gqlResponse) bool {
	return code == 200 && len(r.Errors) == 0 && r.Data != nil
}

// The yolo loop end to end: start on a temp project, query over HTTP, edit
// the model and see the new field served (data kept), break the model and
// see the old one still served, then stop and check that the cluster
// directory and processes are gone.
func TestYoloLoop(t *testing.T) {
	if _, err := pg.FindBinDir(); err != nil && os.Getenv(pg.EnvLaunchPreference) != pg.ExistingDBOnly {
		t.Skipf("PostgreSQL server binaries not found: %v", err)
	}
	dir := writeProject(t, todoModel)
	model := filepath.Join(dir, "src", "index.exo")
	seed := filepath.Join(t.TempDir(), "seed.sql")
	if err := os.WriteFile(seed, []byte(`INSERT INTO todos (title, completed) VALUES ('seeded', false);`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	addrc := make(chan string, 1)
	var srv pg.Server
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		done <- runDevLoop(ctx, IO{In: strings.NewReader(""), Out: &out, Err: &errb}, loopOptions{
			mode: "yolo", dir: dir, port: 0, portSet: true, seed: seed, noTUI: true,
			environ:    []string{"EXO_JWT_SECRET=s3cret", "EXO_POSTGRES_URL=postgres://nowhere/x"},
			onListen:   func(addr string) { addrc <- addr },
			onDatabase: func(s pg.Server) { srv = s },
		})
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("yolo ended early: %v\n%s%s", err, out.String(), errb.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("yolo did not listen\n%s%s", out.String(), errb.String())
	}
	r, _ := waitFor(t, addr, `{ todos { id title } }`, 60*time.Second, noErrors)
	t.Logf("start-up to first served request: %s", time.Since(start))
	if !strings.Contains(string(r.Data["todos"]), `"seeded"`) {
		t.Errorf("seed not applied: %s", r.Data["todos"])
	}
	if _, r, err := postGraphQL(addr, `mutation { createTodo(data: {title: "kept", completed: true}) { id } }`); err != nil || len(r.Errors) > 0 {
		t.Fatalf("createTodo: %v %+v", err, r.Errors)
	}
	for _, want := range []string{"Ignoring EXO_POSTGRES_URL", "JWT secret: Using the EXO_JWT_SECRET env value", "Started server on", "/playground"} {
		if !strings.Contains(out.String()+errb.String(), want) {
			t.Errorf("output lacks %q:\n%s%s", want, out.String(), errb.String())
		}
	}
	// The playground is mounted.
	resp, err := http.Get("http://" + addr + "/playground")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("playground: %v %v", err, resp)
	}
	resp.Body.Close()

	// A new field: served after the rebuild, rows kept.
	edited := strings.Replace(todoModel, "completed: Boolean", "completed: Boolean\n    note: String?", 1)
	if err := os.WriteFile(model, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	r, took := waitFor(t, addr, `{ todos(orderBy: {id: ASC}) { title note } }`, 30*time.Second, noErrors)
	t.Logf("edit to new field served: %s (includes the %s debounce)", took, dev.DefaultDebounce)
	if got := string(r.Data["todos"]); !strings.Contains(got, `"kept"`) || !strings.Contains(got, `"note":null`) {
		t.Errorf("after adding a field: %s", got)
	}

	// A broken model: the last good build keeps being served.
	if err := os.WriteFile(model, []byte(edited+"\ngarbage {\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(errb.String(), "Still serving the last good build") {
		if time.Now().After(deadline) {
			t.Fatalf("no build failure reported:\n%s%s", out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(errb.String(), "src/index.exo:") {
		t.Errorf("diagnostics not printed:\n%s", errb.String())
	}
	if code, r, err := postGraphQL(addr, `{ todos { title note } }`); err != nil || !noErrors(code, r) {
		t.Errorf("the last good build is not served: %d %v %+v", code, err, r.Errors)
	}

	// A change the data cannot survive in place (a unique constraint the
	// rows violate): a fresh, seeded database.
	if _, r, err := postGraphQL(addr, `mutation { createTodo(data: {title: "kept", completed: false}) { id } }`); err != nil || len(r.Errors) > 0 {
		t.Fatalf("createTodo: %v %+v", err, r.Errors)
	}
	third := strings.Replace(todoModel, "title: String", "@unique title: String", 1)
	if err := os.WriteFile(model, []byte(third), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			t.Logf("output:\n%s%s", out.String(), errb.String())
		}
	}()
	r, _ = waitFor(t, addr, `{ todos { title } }`, 30*time.Second, func(code int, r gqlResponse) bool {
		return noErrors(code, r) && !strings.Contains(string(r.Data["todos"]), "kept")
	})
	if got := string(r.Data["todos"]); !strings.Contains(got, "seeded") {
		t.Errorf("expected a fresh seeded database, got %s", got)
	}
	if !strings.Contains(out.String(), "Created a fresh database yolo_1") {
		t.Errorf("no fresh database reported:\n%s", out.String())
	}

	cluster, isCluster := srv.(*pg.Cluster)
	var pid int
	var cdir string
	if isCluster {
		pid, cdir = cluster.PID(), cluster.Dir()
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("yolo returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("yolo did not stop")
	}
	if !strings.Contains(out.String(), "the temporary database was removed") {
		t.Errorf("no stop message:\n%s", out.String())
	}
	if _, err := http.Get("http://" + addr + "/graphql"); err == nil {
		t.Error("still listening after stop")
	}
	if isCluster {
		if _, err := os.Stat(cdir); !os.IsNotExist(err) {
			t.Errorf("cluster directory %s still exists (%v)", cdir, err)
		}
		if pid > 0 {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
				t.Errorf("postmaster %d still running", pid)
			}
		}
		if procs := processesMentioning(cdir); len(procs) > 0 {
			t.Errorf("processes left: %v", procs)
		}
	}
}

// processesMentioning lists the processes whose command line contains s
// (Linux only; nil elsewhere).
func processesMentioning(s string) []string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if c := strings.ReplaceAll(string(cmdline), "\x00", " "); strings.Contains(c, s) {
			out = append(out, e.Name()+": "+c)
		}
	}
	return out
}
