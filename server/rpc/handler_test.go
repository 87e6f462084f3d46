package rpc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
	"github.com/exo-dev/exo/server/postgres"
)

func concertSystem(t *testing.T) *ir.System {
	t.Helper()
	dir := filepath.Join(conformanceDir(), "basic-model-no-auth")
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if sys == nil {
		t.Skipf("conformance model not available: %v", diags)
	}
	return sys
}

// TestProtocolErrors covers the answers that need no database.
func TestProtocolErrors(t *testing.T) {
	sys := concertSystem(t)
	h := New(Options{System: sys, Engine: postgres.New(sys, postgres.Options{})})
	cases := []struct{ in, want string }{
		{`{`, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`},
		{`[]`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid JSON-RPC request"},"id":null}`},
		{`{"jsonrpc":"1.0","method":"get_concerts","id":1}`, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid JSON-RPC request"},"id":1}`},
		{`{"jsonrpc":"2.0","method":"nope","id":"a"}`, `{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":"a"}`},
		{`[{"jsonrpc":"2.0","method":"nope","id":1},{"jsonrpc":"2.0","method":"nope","id":2}]`,
			`[{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1},{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":2}]`},
		{`{"jsonrpc":"2.0","method":"get_concerts","params":{"bogus":1},"id":3}`, `{"jsonrpc":"2.0","error":{"code":-32602,"message":"Unknown parameter: bogus"},"id":3}`},
		// no database configured: data methods fail, they do not pretend to succeed
		{`{"jsonrpc":"2.0","method":"get_concerts","id":4}`, `{"jsonrpc":"2.0","error":{"code":-32001,"message":"Internal server error"},"id":4}`},
	}
	for _, c := range cases {
		got := string(h.Execute(context.Background(), []byte(c.in)))
		if got != c.want {
			t.Errorf("%s:\n got  %s\n want %s", c.in, got, c.want)
		}
	}
	if out := h.Execute(context.Background(), []byte(`{"jsonrpc":"2.0","method":"nope"}`)); out != nil {
		t.Errorf("notification answered %s", out)
	}
}

func TestValidation(t *testing.T) {
	sys := concertSystem(t)
	h := New(Options{System: sys})
	cases := []struct {
		method, params, want string
	}{
		{"get_concert", `{}`, "Missing required parameter: id"},
		{"get_concert", `{"id": "x"}`, "Type mismatch at 'id': expected Int, got string"},
		{"get_concerts", `{"limit": "x"}`, "Type mismatch at 'limit': expected Int, got string"},
		{"get_concerts", `{"where": {"nope": {"eq": 1}}}`, "Unknown field in where: nope"},
		{"get_concerts", `{"orderBy": [{"title": "UP"}]}`, `Invalid enum value 'UP' at 'orderBy[0].title': allowed values are ["ASC", "DESC"]`},
		{"get_venues", `{"projection": "x"}`, `Invalid enum value 'x' at 'projection': allowed values are ["basic", "empty", "locationOnly", "nameOnly", "pk"]`},
		{"create_concert", `{}`, "Missing required parameter: data"},
	}
	for _, c := range cases {
		var params map[string]any
		dec := json.NewDecoder(strings.NewReader(c.params))
		dec.UseNumber()
		if err := dec.Decode(&params); err != nil {
			t.Fatal(err)
		}
		_, err := h.field(h.methods[c.method], params)
		re, ok := err.(*rpcError)
		if !ok || re.Code != CodeInvalidParams || re.Message != c.want {
			t.Errorf("%s %s: got %v, want -32602 %q", c.method, c.params, err, c.want)
		}
	}
}

func TestProjectionSelection(t *testing.T) {
	sys := concertSystem(t)
	ent, _ := sys.EntityByName("Concert")
	idx := -1
	for i := range sys.Entities {
		if &sys.Entities[i] == ent {
			idx = i
		}
	}
	render := func(name string) string {
		var b strings.Builder
		var walk func(sel []*graphql.Field)
		walk = func(sel []*graphql.Field) {
			for i, f := range sel {
				if i > 0 {
					b.WriteString(" ")
				}
				b.WriteString(f.Name)
				if f.HasSelectionSet {
					b.WriteString("{")
					walk(f.Selections)
					b.WriteString("}")
				}
			}
		}
		walk(selection(sys, idx, name, 2))
		return b.String()
	}
	for name, want := range map[string]string{
		"pk":               "id",
		"basic":            "id title venue{id} published price",
		"summary":          "id title",
		"withVenue":        "id title venue{id name published latitude} published price",
		"withVenueDetails": "id title venue{id name latitude} published price",
	} {
		if got := render(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
}

func TestDiscoverHTTP(t *testing.T) {
	sys := concertSystem(t)
	h := New(Options{System: sys})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/rpc/discover", nil))
	var doc struct {
		Info    struct{ Title, Version string }
		Methods []struct{ Name string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.Title != "Exograph RPC API" || doc.Info.Version != "1.0.0" || len(doc.Methods) != 16 {
		t.Errorf("unexpected discovery document: %+v", doc)
	}
	out := h.Execute(context.Background(), []byte(`{"jsonrpc":"2.0","method":"rpc.discover","id":1}`))
	if !strings.Contains(string(out), `"result":{"openrpc":"1.3.2"`) {
		t.Errorf("rpc.discover: %.200s", out)
	}
}

func TestModuleArg(t *testing.T) {
	intT := ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Int}
	if v, err := moduleArg("x", intT, json.Number("3")); err != nil || v != int64(3) {
		t.Errorf("Int: %v %v", v, err)
	}
	if _, err := moduleArg("x", intT, "3"); err == nil || err.Error() != "Type mismatch at 'x': expected Int, got string" {
		t.Errorf("Int from string: %v", err)
	}
	list := ir.TypeRef{Kind: ir.KindArray, Elem: &ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Float}}
	v, err := moduleArg("xs", list, []any{json.Number("1.5")})
	if err != nil || len(v.([]any)) != 1 || v.([]any)[0] != 1.5 {
		t.Errorf("[Float]: %v %v", v, err)
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{
		"asyncDivide": "async_divide", "userByEmail": "user_by_email", "createConcert": "create_concert",
		"people": "people", "createURLShortener": "create_url_shortener", "getEnv": "get_env",
	} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}
