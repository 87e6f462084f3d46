package mcp_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func conformanceDir() string {
	if d := os.Getenv("EXO_CONFORMANCE_DIR"); d != "" {
		return filepath.Join(d, "integration-tests")
	}
	return "../../../shared/conformance/integration-tests"
}

const secret = "mcp-test-secret-0123456789abcd"

// token signs claims with HS256 (what the server's @jwt extraction verifies).
func token(t *testing.T, claims map[string]any) string {
	t.Helper()
	claims["exp"] = time.Now().Add(time.Hour).Unix()
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	msg := head + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(msg))
	return msg + "." + enc.EncodeToString(mac.Sum(nil))
}

// client is a minimal MCP client over streamable HTTP.
type client struct {
	t    *testing.T
	url  string
	auth string
	id   int
}

func (c *client) post(body any) (int, http.Header, []byte) {
	c.t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.auth != "" {
		req.Header.Set("Authorization", "Bearer "+c.auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

type rpcResp struct {
	ID     int             `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int
		Message string
	} `json:"error"`
}

func (c *client) call(method string, params any) rpcResp {
	c.t.Helper()
	c.id++
	status, _, body := c.post(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": method, "params": params})
	if status != http.StatusOK {
		c.t.Fatalf("%s: HTTP %d: %s", method, status, body)
	}
	var r rpcResp
	if err := json.Unmarshal(body, &r); err != nil {
		c.t.Fatalf("%s: %v: %s", method, err, body)
	}
	if r.ID != c.id {
		c.t.Fatalf("%s: answered id %d, want %d", method, r.ID, c.id)
	}
	return r
}

type toolResult struct {
	Content []struct{ Type, Text string }
	IsError bool
}

func (c *client) tool(name, query string) toolResult {
	c.t.Helper()
	r := c.call("tools/call", map[string]any{"name": name, "arguments": map[string]any{"query": query}})
	if r.Error != nil {
		c.t.Fatalf("tools/call %s: error %d %s", name, r.Error.Code, r.Error.Message)
	}
	var tr toolResult
	if err := json.Unmarshal(r.Result, &tr); err != nil || len(tr.Content) != 1 || tr.Content[0].Type != "text" {
		c.t.Fatalf("tools/call %s: unexpected result %s", name, r.Result)
	}
	return tr
}

// TestMCPClient runs an MCP session against a running server on the todo model: initialize,
// tools/list, tools/call with and without authorization; mutations are not exposed by default.
func TestMCPClient(t *testing.T) {
	dir := filepath.Join(conformanceDir(), "todo")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("conformance cases not present at ../shared/conformance")
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if sys == nil {
		t.Fatalf("compile: %v", diags)
	}
	ddl := strings.Join(schema.FromIR(sys).DDL(), ";\n") + `;
INSERT INTO users (email, first_name, last_name, profile_image_url, role) VALUES ('a@x', 'A', 'A', '', 'user'), ('b@x', 'B', 'B', '', 'user');
INSERT INTO todos (title, completed, priority, user_id) VALUES ('a1', false, 'LOW', 1), ('b1', true, 'HIGH', 2)`
	url := pgtest.NewFromTemplate(t, ddl)
	cfg, err := server.FromEnv(map[string]string{
		"EXO_POSTGRES_URL":                url,
		"EXO_JWT_SECRET":                  secret,
		"EXO_POSTGRES_READ_WRITE":         "true",
		"EXO_CHECK_CONNECTION_ON_STARTUP": "false",
		"EXO_WWW_AUTHENTICATE_HEADER":     `Bearer resource_metadata="http://localhost/.well-known/oauth-protected-resource"`,
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
	c := &client{t: t, url: ts.URL + "/mcp"}

	init := c.call("initialize", map[string]any{
		"protocolVersion": "2025-06-18",
		"capabilities":    map[string]any{},
		"clientInfo":      map[string]any{"name": "test", "version": "1"},
	})
	var ir struct {
		ProtocolVersion string
		Capabilities    map[string]any
		ServerInfo      struct{ Name string }
	}
	if err := json.Unmarshal(init.Result, &ir); err != nil || ir.ProtocolVersion != "2025-06-18" || ir.Capabilities["tools"] == nil || ir.ServerInfo.Name == "" {
		t.Fatalf("initialize: %s", init.Result)
	}
	if status, _, _ := c.post(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"}); status != http.StatusAccepted {
		t.Errorf("notifications/initialized: HTTP %d, want 202", status)
	}

	list := c.call("tools/list", map[string]any{})
	var tl struct {
		Tools []struct {
			Name        string
			Description string
			InputSchema map[string]any
		}
	}
	if err := json.Unmarshal(list.Result, &tl); err != nil || len(tl.Tools) != 1 || tl.Tools[0].Name != "execute_query" {
		t.Fatalf("tools/list: %s", list.Result)
	}
	desc := tl.Tools[0].Description
	if !strings.Contains(desc, "type Todo") || !strings.Contains(desc, "todos(") {
		t.Errorf("execute_query description lacks the schema: %.300s", desc)
	}
	if strings.Contains(desc, "createTodo") {
		t.Errorf("mutations must not be exposed by default")
	}
	for _, m := range []string{"prompts/list", "resources/list"} {
		if r := c.call(m, map[string]any{}); r.Error != nil || len(r.Result) == 0 {
			t.Errorf("%s: %+v", m, r)
		}
	}

	// user 1 sees only their todo
	c.auth = token(t, map[string]any{"sub": 1, "role": "user"})
	tr := c.tool("execute_query", "{ todos(orderBy: {id: ASC}) { id title } }")
	if tr.IsError || tr.Content[0].Text != `{"data":{"todos":[{"id":1,"title":"a1"}]}}` {
		t.Errorf("user query: %+v", tr)
	}
	// admin sees all
	c.auth = token(t, map[string]any{"sub": 99, "role": "admin"})
	tr = c.tool("execute_query", "{ todos(orderBy: {id: ASC}) { id title } }")
	if tr.IsError || !strings.Contains(tr.Content[0].Text, `"b1"`) {
		t.Errorf("admin query: %+v", tr)
	}
	// a mutation is refused even for the admin: not exposed through MCP by default
	tr = c.tool("execute_query", `mutation { createTodo(data: {title: "x", completed: false}) { id } }`)
	if !tr.IsError {
		t.Errorf("mutation through MCP was not refused: %+v", tr)
	}

	// unauthorised: a plain user may not list users
	c.auth = token(t, map[string]any{"sub": 1, "role": "user"})
	c.id++
	status, hdr, body := c.post(map[string]any{"jsonrpc": "2.0", "id": c.id, "method": "tools/call",
		"params": map[string]any{"name": "execute_query", "arguments": map[string]any{"query": "{ users { id email } }"}}})
	if status != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("unauthorised call: HTTP %d, WWW-Authenticate %q", status, hdr.Get("WWW-Authenticate"))
	}
	if !strings.Contains(string(body), `Not authorized`) || !strings.Contains(string(body), `"isError":true`) {
		t.Errorf("unauthorised call body: %s", body)
	}

	if r := c.call("tools/call", map[string]any{"name": "nope", "arguments": map[string]any{}}); r.Error == nil || r.Error.Code != -32602 {
		t.Errorf("unknown tool: %+v", r)
	}
}
