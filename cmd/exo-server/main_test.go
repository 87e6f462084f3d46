package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSlimDependencies: exo-server links neither the compiler nor the
// bundler nor the CLI framework.
func TestSlimDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, forbidden := range []string{"github.com/exo-dev/exo/compiler", "github.com/evanw/esbuild", "github.com/spf13/cobra",
		"github.com/exo-dev/exo/internal/cli", "github.com/exo-dev/exo/jsbundle", "github.com/charmbracelet", "ariga.io/atlas"} {
		for _, dep := range strings.Fields(string(out)) {
			if dep == forbidden || strings.HasPrefix(dep, forbidden+"/") {
				t.Errorf("exo-server depends on %s", dep)
			}
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe runs exo-server in-process on a built example: .env files,
// banner, a query, then SIGINT and a graceful exit with status 0.
func TestServe(t *testing.T) {
	sys, diags := compiler.Compile(compiler.Options{Root: "../../examples/concerts"})
	if sys == nil {
		t.Fatal(diags)
	}
	db := pgtest.NewFromTemplate(t, strings.Join(schema.FromIR(sys).DDL(), ";\n")+";\nINSERT INTO venues (name, published) VALUES ('V1', true);")
	dir := t.TempDir()
	if err := ir.WriteFile(filepath.Join(dir, ir.DefaultPath), sys); err != nil {
		t.Fatal(err)
	}
	// Settings from .env files; the system environment wins.
	os.WriteFile(filepath.Join(dir, ".env"), []byte("EXO_POSTGRES_URL="+db+"\nEXO_SERVER_PORT=1\n"), 0o600)
	os.WriteFile(filepath.Join(dir, ".env.production.local"), []byte("EXO_SERVER_HOST=127.0.0.1\n"), 0o600)
	t.Chdir(dir)

	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	code := make(chan int, 1)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		code <- run(ctx, nil, []string{"EXO_ENV=production", "EXO_SERVER_PORT=0", "EXO_JWT_SECRET=s"}, stdout, stderr)
	}()
	addr := regexp.MustCompile(`Started server on (127\.0\.0\.1:\d+) in [0-9.]+ ms`)
	var m []string
	deadline := time.Now().Add(10 * time.Second)
	for m = addr.FindStringSubmatch(stdout.String()); m == nil; m = addr.FindStringSubmatch(stdout.String()) {
		select {
		case c := <-code:
			t.Fatalf("exo-server exited with %d: %s %s", c, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner: %q %q", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	resp, err := http.Post("http://"+m[1]+"/graphql", "application/json", strings.NewReader(`{"query":"{ venues { name } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != `{"data":{"venues":[{"name":"V1"}]}}` {
		t.Errorf("query: %s", body)
	}
	stop() // what SIGINT and SIGTERM do
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit status %d: %s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("exo-server did not stop")
	}
	if logs := stderr.String(); !strings.Contains(logs, `"msg":"server started"`) || !strings.Contains(logs, "shutting down") {
		t.Errorf("logs: %s", logs)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	if c := run(ctx, nil, nil, &stdout, &stderr); c != 1 || !strings.Contains(stderr.String(), "target/index.exo_ir not found: run `exo build` first") {
		t.Errorf("missing IR: %d %q", c, stderr.String())
	}
	stderr.Reset()
	if c := run(ctx, nil, []string{"EXO_MAX_SELECTION_DEPTH=deep"}, &stdout, &stderr); c != 2 || !strings.Contains(stderr.String(), `invalid EXO_MAX_SELECTION_DEPTH="deep"`) {
		t.Errorf("bad setting: %d %q", c, stderr.String())
	}
	stderr.Reset()
	if c := run(ctx, []string{"--port"}, nil, &stdout, &stderr); c != 2 {
		t.Errorf("argument: %d %q", c, stderr.String())
	}
	stdout.Reset()
	if c := run(ctx, []string{"--version"}, nil, &stdout, &stderr); c != 0 || stdout.String() != "exo-server dev\n" {
		t.Errorf("--version: %d %q", c, stdout.String())
	}
}
