package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// compile compiles one model file.
func compile(t testing.TB, src string) *ir.System {
	t.Helper()
	sys, diags := compiler.Compile(compiler.Options{Root: ".", FS: fstest.MapFS{"src/index.exo": {Data: []byte(src)}}})
	if sys == nil {
		t.Fatalf("compile: %v\n%s", diags, src)
	}
	return sys
}

// ddl is the schema of sys as one SQL script.
func ddl(sys *ir.System) string {
	return strings.Join(schema.FromIR(sys).DDL(), ";\n") + ";\n"
}

// testServer is a server.Server behind httptest.
type testServer struct {
	t    testing.TB
	s    *server.Server
	http *httptest.Server
}

// startServer serves sys on database dbURL with env added to the environment.
func startServer(t testing.TB, sys *ir.System, dbURL string, env map[string]string) *testServer {
	t.Helper()
	full := map[string]string{"EXO_POSTGRES_URL": dbURL}
	for k, v := range env {
		full[k] = v
	}
	cfg, err := server.FromEnv(full)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), sys, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return &testServer{t: t, s: s, http: hs}
}

// post sends a GraphQL query with optional header name/value pairs and returns the HTTP status
// and the compacted body.
func (ts *testServer) post(query string, vars map[string]any, header ...string) (int, string) {
	ts.t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	data, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, ts.http.URL+"/graphql", bytes.NewReader(data))
	if err != nil {
		ts.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.http.Client().Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var buf bytes.Buffer
	if json.Compact(&buf, out) != nil {
		return resp.StatusCode, string(out)
	}
	return resp.StatusCode, buf.String()
}

// errorBody is the body of a GraphQL response failing with msg.
func errorBody(msg string) string {
	b, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{"message": msg}}})
	return string(b)
}

var _ = fmt.Sprint
