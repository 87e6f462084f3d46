package rpc_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestThroughServer runs the JSON-RPC API mounted by the server on a real database: a batch
// whose second request fails rolls back the first, notifications get 204, and the discovery
// document is served.
func TestThroughServer(t *testing.T) {
	root := "../../../shared/conformance/integration-tests"
	if d := os.Getenv("EXO_CONFORMANCE_DIR"); d != "" {
		root = filepath.Join(d, "integration-tests")
	}
	dir := filepath.Join(root, "simple-model")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("conformance cases not present at ../shared/conformance")
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if sys == nil {
		t.Fatalf("compile: %v", diags)
	}
	url := pgtest.NewFromTemplate(t, strings.Join(schema.FromIR(sys).DDL(), ";\n"))
	cfg, err := server.FromEnv(map[string]string{
		"EXO_POSTGRES_URL": url, "EXO_POSTGRES_READ_WRITE": "true",
		"EXO_CHECK_CONNECTION_ON_STARTUP": "false", "EXO_UNSTABLE_ENABLE_RPC_API": "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), sys, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	post := func(body string) (int, string) {
		t.Helper()
		resp, err := http.Post(ts.URL+"/rpc", "application/json", bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	_, out := post(`[{"jsonrpc":"2.0","id":1,"method":"create_log","params":{"data":{"timestamp":1,"text":"a"}}},
		{"jsonrpc":"2.0","id":2,"method":"create_log","params":{"data":{"timestamp":"x","text":"b"}}}]`)
	if !strings.Contains(out, `{"jsonrpc":"2.0","error":{"code":-32001,"message":"Transaction rolled back due to other failed request(s) in the batch"},"id":1}`) {
		t.Errorf("batch: %s", out)
	}
	if _, out := post(`{"jsonrpc":"2.0","id":3,"method":"get_logs"}`); out != `{"jsonrpc":"2.0","result":[],"id":3}` {
		t.Errorf("rolled-back create is visible: %s", out)
	}
	if _, out := post(`{"jsonrpc":"2.0","id":4,"method":"create_log","params":{"data":{"timestamp":1,"text":"a"},"projection":"basic"}}`); out != `{"jsonrpc":"2.0","result":{"id":2,"timestamp":1,"text":"a"},"id":4}` { // the rolled-back insert used id 1
		t.Errorf("create: %s", out)
	}
	if status, out := post(`{"jsonrpc":"2.0","method":"delete_logs"}`); status != http.StatusNoContent || out != "" {
		t.Errorf("notification: %d %q", status, out)
	}
	if _, out := post(`{"jsonrpc":"2.0","id":5,"method":"get_logs"}`); out != `{"jsonrpc":"2.0","result":[],"id":5}` {
		t.Errorf("notification was not executed: %s", out)
	}
	resp, err := http.Get(ts.URL + "/rpc/discover")
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(doc), `"title":"Exograph RPC API"`) || !strings.Contains(string(doc), `"name":"get_logs"`) {
		t.Errorf("discover: %.200s", doc)
	}
}
