package modules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/jsbundle"
	"github.com/exo-dev/exo/server/access"
	"github.com/exo-dev/exo/server/graphql"
)

const testModel = `
context AuthContext {
  @header("X-Role") role: String
  @header("X-Name") name: String
}

@deno("math.ts")
module MathModule {
  @access(true)
  type DivisionResult {
    quotient: Int
    remainder: Int
  }

  type Secret {
    value: String
  }

  @access(true)
  type Entry {
    level: String
    message: String
  }

  @access(true) query add(x: Int, y: Int): Int
  @access(true) query divide(x: Int, y: Int): DivisionResult
  @access(true) query asyncDivide(x: Int, y: Int): DivisionResult
  @access(true) query illegal(): String
  @access(true) query secret(): Secret
  @access(AuthContext.role == "admin") query adminOnly(): String
  @access(true) query whoami(greeting: String, @inject auth: AuthContext, suffix: String?): String
  @access(true) query sum(@inject exograph: Exograph): Int
  @access(true) query nested(@inject exograph: Exograph): Int
  @access(true) query slow(ms: Int): Int
  @access(true) query entries(first: Entry, rest: Set<Entry>): String
  @access(true) query cookie(@inject exograph: Exograph): Boolean
  @access(true) mutation log(message: String): Boolean
}

@deno("log.ts")
module Logging {
  @after("query add")
  interceptor exitAdd(operation: Operation, exograph: Exograph)

  @before("query add")
  interceptor enterAdd(operation: Operation, exograph: Exograph)

  @around("query add" || "query divide")
  interceptor aroundA(operation: Operation, exograph: Exograph)

  @around("query add")
  interceptor aroundB(operation: Operation, exograph: Exograph)

  @around("query asyncDivide" && !"query add")
  interceptor fresh(operation: Operation)

  @before("query whoa*")
  interceptor gate(auth: AuthContext)
}
`

const mathTS = `import type { Exograph } from "../generated/exograph.d.ts";
import type { AuthContext } from "../generated/contexts.d.ts";
import { twice } from "./util.ts";

interface DivisionResult { quotient: number; remainder: number }

export function add(x: number, y: number): number {
  return x + y;
}

export function divide(x: number, y: number): DivisionResult {
  if (y == 0) {
    throw new ExographError("Division by zero is not allowed");
  }
  return { quotient: Math.floor(x / y), remainder: x % y };
}

export async function asyncDivide(x: number, y: number): Promise<DivisionResult> {
  return divide(x, y);
}

export function illegal(): string {
  const x: any = undefined;
  return x[0];
}

export function secret() { return { value: "s" }; }
export function adminOnly(): string { return "ok"; }

export function whoami(greeting: string, auth: AuthContext, suffix?: string | null): string {
  return greeting + " " + auth.name + " (" + JSON.stringify(auth) + ")" + (suffix ?? "");
}

export async function sum(exograph: Exograph): Promise<number> {
  const r = await exograph.executeQuery("query($a: Int!) { a: add(x: $a, y: 1) b: add(x: 10, y: 20) }", { a: 1 });
  return r.a + twice(r.b);
}

export async function nested(exograph: Exograph): Promise<number> {
  const r = await exograph.executeQuery("{ divide(x: 1, y: 0) { quotient } }");
  return r.divide.quotient;
}

export async function slow(ms: number): Promise<number> {
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return Date.now() - start >= ms ? ms : -1;
}

export function entries(first: any, rest: any[]): string {
  return JSON.stringify([first, rest]);
}

export async function cookie(exograph: Exograph): Promise<boolean> {
  await exograph.setCookie({ name: "session_id", value: "abcde" });
  return true;
}

export function log(message: string): boolean { return true; }
`

const utilTS = `export function twice(x: number): number { return 2 * x; }
`

const logTS = `import type { Exograph, Operation } from "../generated/exograph.d.ts";

async function logEntry(message: string, exograph: Exograph) {
  await exograph.executeQuery("mutation($m: String!) { log(message: $m) }", { m: message });
}

export async function enterAdd(operation: Operation, exograph: Exograph) {
  await logEntry("enter " + operation.name() + " " + JSON.stringify(operation.query()), exograph);
}

export async function exitAdd(operation: Operation, exograph: Exograph) {
  await logEntry("exit " + operation.name(), exograph);
}

export async function aroundA(operation: Operation, exograph: Exograph) {
  await logEntry("start A " + operation.name(), exograph);
  const r = await operation.proceed();
  await logEntry("end A " + operation.name() + " " + JSON.stringify(r), exograph);
  return r;
}

export async function aroundB(operation: Operation, exograph: Exograph) {
  await logEntry("start B", exograph);
  const r: any = await operation.proceed();
  await logEntry("end B", exograph);
  return r * 10;
}

export function fresh(operation: Operation) {
  return { quotient: 100, remainder: 200, extra: 300 };
}

export function gate(auth: any) {
  if (auth.role === "blocked") {
    throw new ExographError("Blocked by " + auth.name);
  }
}
`

// harness wires the engine the way the server does: module operations go
// through Intercept and Resolve; executeQuery runs nested operations on the
// same handler.
type harness struct {
	t       *testing.T
	eng     *Engine
	handler *graphql.Handler
	x       *access.Extractor
	logBuf  *bytes.Buffer

	mu      sync.Mutex
	logs    []string
	headers http.Header
}

type rcKey struct{}

func newHarness(t *testing.T, files map[string]string) *harness {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: jsbundle.New(jsbundle.Options{})})
	if diags.HasErrors() || sys == nil {
		t.Fatalf("compile: %v", diags)
	}
	// Through the IR file format, as the server gets it.
	var buf bytes.Buffer
	if err := ir.Encode(&buf, sys); err != nil {
		t.Fatal(err)
	}
	sys, err := ir.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, headers: http.Header{}, logBuf: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(syncWriter{&h.mu, h.logBuf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.eng, err = New(sys, Options{Logger: logger, Env: func(k string) (string, bool) { return map[string]string{"K": "v"}[k], k == "K" }})
	if err != nil {
		t.Fatal(err)
	}
	schema, err := graphql.BuildSchema(sys, graphql.SchemaOptions{AllowMutations: true})
	if err != nil {
		t.Fatal(err)
	}
	h.x, err = access.NewExtractor(context.Background(), sys, access.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h.handler = &graphql.Handler{Schema: schema, Resolver: graphql.ResolverFunc(h.resolve)}
	return h
}

type syncWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (h *harness) resolve(ctx context.Context, op *graphql.Operation, f *graphql.Field) (json.RawMessage, error) {
	rc := ctx.Value(rcKey{}).(*access.RequestContext)
	req := &Request{Context: rc, Host: host{h, rc}}
	mop, ok := h.eng.Operation(op.Type, f.Name)
	if !ok {
		return nil, graphql.NewError(graphql.MsgInternalServerError)
	}
	return h.eng.Intercept(ctx, op.Type, f, req, func(ctx context.Context) (json.RawMessage, error) {
		return h.eng.Resolve(ctx, mop, f, req)
	})
}

type host struct {
	h  *harness
	rc *access.RequestContext
}

func (s host) ExecuteQuery(ctx context.Context, q string, vars, override map[string]any) (json.RawMessage, error) {
	if m, ok := vars["m"].(string); ok {
		s.h.mu.Lock()
		s.h.logs = append(s.h.logs, m)
		s.h.mu.Unlock()
	}
	out := s.h.handler.Execute(context.WithValue(ctx, rcKey{}, s.rc), &graphql.Request{Query: q, Variables: vars})
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil, err
	}
	if len(resp.Errors) > 0 {
		return nil, graphql.NewError(resp.Errors[0].Message)
	}
	return resp.Data, nil
}

func (s host) AddResponseHeader(name, value string) error {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	s.h.headers.Add(name, value)
	return nil
}

func (h *harness) exec(query string, headers map[string]string) string {
	h.t.Helper()
	rc := h.x.NewRequest(context.Background(), access.MapRequest{Headers: headers}, nil)
	ctx := context.WithValue(context.Background(), rcKey{}, rc)
	return string(h.handler.Execute(ctx, &graphql.Request{Query: query}))
}

func (h *harness) expect(query string, headers map[string]string, want string) {
	h.t.Helper()
	if got := h.exec(query, headers); got != want {
		h.t.Errorf("%s\n got: %s\nwant: %s", query, got, want)
	}
}

func testFiles() map[string]string {
	return map[string]string{
		"src/index.exo": testModel,
		"src/math.ts":   mathTS,
		"src/util.ts":   utilTS,
		"src/log.ts":    logTS,
	}
}

func TestResolve(t *testing.T) {
	h := newHarness(t, testFiles())
	h.expect(`{ divide(x: 13, y: 2) { remainder quotient __typename } }`, nil,
		`{"data":{"divide":{"remainder":1,"quotient":6,"__typename":"DivisionResult"}}}`)
	h.expect(`{ d: divide(x: 13, y: 2) { q: quotient } }`, nil, `{"data":{"d":{"q":6}}}`)
	h.expect(`{ divide(x: 10, y: 0) { quotient } }`, nil, `{"errors":[{"message":"Division by zero is not allowed"}]}`)
	h.expect(`{ illegal }`, nil, `{"errors":[{"message":"Internal server error"}]}`)
	h.expect(`{ secret { value } }`, nil, `{"errors":[{"message":"Not authorized"}]}`)
	h.expect(`{ adminOnly }`, map[string]string{"X-Role": "user"}, `{"errors":[{"message":"Not authorized"}]}`)
	h.expect(`{ adminOnly }`, map[string]string{"X-Role": "admin"}, `{"data":{"adminOnly":"ok"}}`)
	h.expect(`{ whoami(greeting: "Hi") }`, map[string]string{"X-Role": "r", "X-Name": "Ann"},
		`{"data":{"whoami":"Hi Ann ({\"role\":\"r\",\"name\":\"Ann\"})"}}`)
	h.expect(`{ whoami(greeting: "Hi", suffix: "!") }`, map[string]string{"X-Name": "Bob"},
		`{"data":{"whoami":"Hi Bob ({\"role\":null,\"name\":\"Bob\"})!"}}`)
	// Nested operations are intercepted too: aroundB multiplies add by 10.
	h.expect(`{ sum }`, nil, `{"data":{"sum":620}}`)
	h.expect(`{ nested }`, nil, `{"errors":[{"message":"Division by zero is not allowed"}]}`)
	h.expect(`{ slow(ms: 15) }`, nil, `{"data":{"slow":15}}`)
	h.expect(`{ entries(first: {message: "m", level: "l"}, rest: [{message: "x", level: "y"}]) }`, nil,
		`{"data":{"entries":"[{\"level\":\"l\",\"message\":\"m\"},[{\"level\":\"y\",\"message\":\"x\"}]]"}}`)
	h.expect(`{ cookie }`, nil, `{"data":{"cookie":true}}`)
	if got := h.headers.Get("Set-Cookie"); got != "session_id=abcde" {
		t.Errorf("Set-Cookie = %q", got)
	}
	if !strings.Contains(h.logBuf.String(), "at illegal (src/math.ts:24:11") {
		t.Errorf("the stack of illegal() is not source-mapped:\n%s", h.logBuf.String())
	}
}

func TestInterceptorOrdering(t *testing.T) {
	h := newHarness(t, testFiles())
	h.expect(`{ add(x: 1, y: 2) }`, nil, `{"data":{"add":30}}`)
	want := []string{
		`enter add {"alias":null,"name":"add","arguments":{"x":1,"y":2},"subfields":[]}`,
		"start B",
		"start A add",
		"end A add 3",
		"end B",
		"exit add",
	}
	if strings.Join(h.logs, "\n") != strings.Join(want, "\n") {
		t.Errorf("order:\n%s\nwant:\n%s", strings.Join(h.logs, "\n"), strings.Join(want, "\n"))
	}
	h.logs = nil
	// Around interceptors see (and may return) the shaped result; aliases survive.
	h.expect(`{ r: divide(x: 7, y: 2) { q: quotient remainder } }`, nil, `{"data":{"r":{"q":3,"remainder":1}}}`)
	if strings.Join(h.logs, "|") != `start A divide|end A divide {"q":3,"remainder":1}` {
		t.Errorf("divide logs: %v", h.logs)
	}
	// A fresh value from an around interceptor is shaped by the selection.
	h.expect(`{ asyncDivide(x: 1, y: 0) { r: remainder quotient } }`, nil, `{"data":{"asyncDivide":{"r":200,"quotient":100}}}`)
	// A before interceptor aborts the operation.
	h.expect(`{ whoami(greeting: "x") }`, map[string]string{"X-Role": "blocked", "X-Name": "Zed"}, `{"errors":[{"message":"Blocked by Zed"}]}`)
	// Errors inside proceed propagate through around interceptors.
	h.logs = nil
	h.expect(`{ divide(x: 1, y: 0) { quotient } }`, nil, `{"errors":[{"message":"Division by zero is not allowed"}]}`)
	if strings.Join(h.logs, "|") != "start A divide" {
		t.Errorf("logs after error: %v", h.logs)
	}
}

func TestMatches(t *testing.T) {
	lit := func(s string) *ir.Expr {
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitString, Str: s}}
	}
	not := func(e *ir.Expr) *ir.Expr { return &ir.Expr{Kind: ir.ExprNot, Left: e} }
	and := func(a, b *ir.Expr) *ir.Expr { return &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpAnd, Left: a, Right: b} }
	or := func(a, b *ir.Expr) *ir.Expr { return &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpOr, Left: a, Right: b} }
	cases := []struct {
		p    *ir.Expr
		sel  string
		want bool
	}{
		{lit("query *"), "query todos", true},
		{lit("query *"), "mutation createTodo", false},
		{lit("mutation *Concert*"), "mutation createConcert", true},
		{lit("mutation *Concert*"), "mutation createVenue", false},
		{lit("* *"), "mutation x", true},
		{lit("query ge?"), "query get", true},
		{lit("query ge?"), "query gets", false},
		{lit("query get*"), "query getUser", true},
		{lit("query todo"), "query todos", false},
		{and(lit("mutation *"), not(lit("mutation *Log"))), "mutation createLog", false},
		{and(lit("mutation *"), not(lit("mutation *Log"))), "mutation createTodo", true},
		{or(lit("query a"), lit("query b")), "query b", true},
		{&ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: true}}, "query x", true},
	}
	for _, c := range cases {
		if got := Matches(c.p, c.sel); got != c.want {
			t.Errorf("%s ~ %q = %v, want %v", formatPattern(c.p), c.sel, got, c.want)
		}
	}
}

func formatPattern(e *ir.Expr) string {
	switch e.Kind {
	case ir.ExprLiteral:
		if e.Lit.Kind == ir.LitString {
			return `"` + e.Lit.Str + `"`
		}
		return "bool"
	case ir.ExprNot:
		return "!" + formatPattern(e.Left)
	case ir.ExprBinary:
		op := " && "
		if e.Op == ir.OpOr {
			op = " || "
		}
		return "(" + formatPattern(e.Left) + op + formatPattern(e.Right) + ")"
	}
	return "?"
}

func TestShape(t *testing.T) {
	f := &graphql.Field{Name: "todos", Alias: "todos", HasSelectionSet: true, Selections: []*graphql.Field{
		{Name: "id", Alias: "id"},
		{Name: "title", Alias: "t"},
		{Name: "__typename", Alias: "__typename", Kind: graphql.FieldTypename},
		{Name: "tags", Alias: "tags", HasSelectionSet: true, Selections: []*graphql.Field{{Name: "name", Alias: "name"}}},
	}}
	got, err := Shape(json.RawMessage(`[{"id":1,"title":"a","extra":true,"tags":[{"name":"x","n":1}]},null]`), f, false)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `[{"id":1,"t":"a","__typename":"","tags":[{"name":"x"}]},null]` {
		t.Errorf("shape = %s", got)
	}
	// byAlias: keys that are response keys win over names.
	got, _ = Shape(json.RawMessage(`{"id" : 2, "t" : "b", "title": "ignored"}`), f, true)
	if string(got) != `{"id":2,"t":"b","__typename":"","tags":null}` {
		t.Errorf("shape byAlias = %s", got)
	}
	if _, err := Shape(json.RawMessage(`5`), f, false); err == nil {
		t.Error("a scalar for an object selection should fail")
	}
}

func TestNoScript(t *testing.T) {
	dir := t.TempDir()
	_ = os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	_ = os.WriteFile(filepath.Join(dir, "src", "index.exo"), []byte(`@deno("m.ts")
module M {
  @access(true) query q(): Int
}`), 0o644)
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	eng, err := New(sys, Options{})
	if err != nil {
		t.Fatal(err)
	}
	op, ok := eng.Operation(graphql.Query, "q")
	if !ok {
		t.Fatal("no operation q")
	}
	_, err = eng.Resolve(context.Background(), op, &graphql.Field{Name: "q", Alias: "q"}, &Request{})
	var ge *graphql.Error
	if !errors.As(err, &ge) || ge.Message != graphql.MsgInternalServerError {
		t.Errorf("no script: %v", err)
	}
}

// BenchmarkResolve is two module root fields end to end below the HTTP
// layer: GraphQL preparation, access (one rule on a header), the calls on
// pooled VMs and result encoding; no interceptor matches.
func BenchmarkResolve(b *testing.B) {
	t := &testing.T{}
	h := newHarness(t, testFiles())
	q := `{ entries(first: {message: "m", level: "l"}, rest: []) adminOnly }`
	hdr := map[string]string{"X-Role": "admin"}
	if got := h.exec(q, hdr); !strings.HasPrefix(got, `{"data"`) {
		b.Fatal(got)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.exec(q, hdr)
	}
}
