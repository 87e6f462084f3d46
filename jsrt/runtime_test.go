package jsrt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

const global = "__exo_module"

// module wraps plain JS (function declarations) as the IIFE jsbundle emits.
func module(t testing.TB, body string, exports ...string) *Module {
	t.Helper()
	var b strings.Builder
	b.WriteString("var " + global + " = (() => {\n")
	b.WriteString(body)
	b.WriteString("\nreturn {")
	for i, e := range exports {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e)
	}
	b.WriteString("};\n})();\n")
	m, err := NewModule("test.js", []byte(b.String()), nil, global, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustCall(t *testing.T, m *Module, fn string, args ...any) string {
	t.Helper()
	out, err := m.Call(context.Background(), fn, args...)
	if err != nil {
		t.Fatalf("%s: %v", fn, err)
	}
	return string(out)
}

func TestCallSyncAsyncAndArgs(t *testing.T) {
	m := module(t, `
function add(a, b) { return a + b; }
async function asyncAdd(a, b) { await null; return add(a, b); }
function echo(x) { return x; }
function nothing() {}
function kinds(a, b, c, d) { return [typeof a, typeof b, typeof c, Array.isArray(d)]; }
`, "add", "asyncAdd", "echo", "nothing", "kinds")
	if got := mustCall(t, m, "add", 1, 2); got != "3" {
		t.Errorf("add = %s", got)
	}
	if got := mustCall(t, m, "asyncAdd", int64(40), json.Number("2")); got != "42" {
		t.Errorf("asyncAdd = %s", got)
	}
	obj := &Object{}
	obj.Set("z", 1)
	obj.Set("a", map[string]any{"y": []any{true, nil, "s"}, "x": 1.5})
	if got := mustCall(t, m, "echo", obj); got != `{"z":1,"a":{"x":1.5,"y":[true,null,"s"]}}` {
		t.Errorf("echo = %s", got)
	}
	if got := mustCall(t, m, "echo", json.RawMessage(`{"b":[1,2]}`)); got != `{"b":[1,2]}` {
		t.Errorf("echo raw = %s", got)
	}
	if got := mustCall(t, m, "nothing"); got != "null" {
		t.Errorf("nothing = %s", got)
	}
	if got := mustCall(t, m, "kinds", "s", 1, nil, []any{}); got != `["string","number","object",true]` {
		t.Errorf("kinds = %s", got)
	}
	exports, err := m.Exports()
	if err != nil || !exports["add"] || exports["missing"] {
		t.Errorf("exports = %v, %v", exports, err)
	}
	var nf *NotFoundError
	if _, err := m.Call(context.Background(), "missing"); !errors.As(err, &nf) {
		t.Errorf("missing function: %v", err)
	}
}

func TestTimers(t *testing.T) {
	m := module(t, `
function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
async function order() {
  const seen = [];
  setTimeout(() => seen.push("b"), 20);
  setTimeout(() => seen.push("a"), 5);
  const id = setTimeout(() => seen.push("never"), 1);
  clearTimeout(id);
  queueMicrotask(() => seen.push("micro"));
  let n = 0;
  await new Promise((resolve) => { const iv = setInterval(() => { if (++n == 3) { clearInterval(iv); resolve(); } }, 2); });
  await sleep(30);
  return seen.concat([n]);
}
function forever() { return new Promise(() => {}); }
`, "order", "forever")
	start := time.Now()
	if got := mustCall(t, m, "order"); got != `["micro","a","b",3]` {
		t.Errorf("order = %s", got)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("timers did not wait: %v", d)
	}
	if _, err := m.Call(context.Background(), "forever"); !errors.Is(err, ErrNotSettled) {
		t.Errorf("forever: %v", err)
	}
}

func TestInterrupt(t *testing.T) {
	m := module(t, `
function spin() { for (;;) {} }
function wait() { return new Promise((r) => setTimeout(r, 60000)); }
function ok() { return 1; }
`, "spin", "wait", "ok")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := m.Call(ctx, "spin"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("spin: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("interrupt took %v", d)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel2)
	if _, err := m.Call(ctx2, "wait"); !errors.Is(err, context.Canceled) {
		t.Errorf("wait: %v", err)
	}
	// Time limit of the module.
	m.opts.Timeout = 30 * time.Millisecond
	if _, err := m.Call(context.Background(), "spin"); !errors.Is(err, ErrTimeout) {
		t.Errorf("spin with timeout: %v", err)
	}
	m.opts.Timeout = 0
	if got := mustCall(t, m, "ok"); got != "1" {
		t.Errorf("after interrupts: %s", got)
	}
}

func TestErrors(t *testing.T) {
	m := module(t, `
function user() { throw new ExographError("Division by zero is not allowed"); }
async function asyncUser() { await null; throw new ExographError("async user"); }
function generic() { const x = undefined; return x[0]; }
function str() { throw "plain"; }
class Sub extends ExographError {}
function sub() { throw new Sub("subclass"); }
function recurse() { return recurse() + 1; }
`, "user", "asyncUser", "generic", "str", "sub", "recurse")
	for fn, want := range map[string]string{"user": "Division by zero is not allowed", "asyncUser": "async user", "sub": "subclass"} {
		_, err := m.Call(context.Background(), fn)
		var je *Error
		if !errors.As(err, &je) || !je.User || je.Message != want {
			t.Errorf("%s: %#v", fn, err)
		}
	}
	for _, fn := range []string{"generic", "str", "recurse"} {
		_, err := m.Call(context.Background(), fn)
		var je *Error
		if !errors.As(err, &je) || je.User {
			t.Errorf("%s: %#v", fn, err)
		}
	}
	_, err := m.Call(context.Background(), "generic")
	var je *Error
	errors.As(err, &je)
	if !strings.Contains(je.Message, "TypeError") || !strings.Contains(je.Stack, "at generic (test.js:") {
		t.Errorf("generic error: %q stack %q", je.Message, je.Stack)
	}
}

type fakeHost struct {
	mu      sync.Mutex
	queries []string
	vars    []map[string]any
	over    []map[string]any
	headers []string
	fail    error
}

func (h *fakeHost) ExecuteQuery(ctx context.Context, q string, vars, override map[string]any) (json.RawMessage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.queries = append(h.queries, q)
	h.vars = append(h.vars, vars)
	h.over = append(h.over, override)
	if h.fail != nil {
		return nil, h.fail
	}
	return json.RawMessage(`{"foos":[{"id":1},{"id":2}]}`), nil
}

func (h *fakeHost) AddResponseHeader(name, value string) error {
	h.headers = append(h.headers, name+": "+value)
	return nil
}

type userErr struct{ msg string }

func (e *userErr) Error() string { return e.msg }

func TestExographShim(t *testing.T) {
	m := module(t, `
async function shimQuery(exograph) {
  const r = await exograph.executeQuery("query { foos { id } }", { n: 4, f: 1.5, s: "x" });
  return r.foos.map((f) => f.id).join(",");
}
async function priv(exograph) {
  const a = await exograph.executeQueryPriv("q1", {}, { AuthContext: { role: "admin" } });
  const b = await exograph.executeQueryPriv("q2");
  return typeof exograph.executeQueryPriv;
}
function notPriv(exograph) { return typeof exograph.executeQueryPriv; }
async function cookies(exograph) {
  exograph.setCookie({ name: "session id", value: "a=b" });
  await exograph.setCookie({ name: "n", value: "v", expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)), maxAge: 60,
    domain: "example.com", path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
  await exograph.addResponseHeader("X-Test", "1");
  return true;
}
async function propagate(exograph) { return await exograph.executeQuery("q"); }
async function catches(exograph) {
  try { await exograph.executeQuery("q"); } catch (e) { return [e instanceof ExographError, e.message]; }
}
let saved;
function save(exograph) { saved = exograph; return 1; }
async function useSaved() { return await saved.executeQuery("q"); }
`, "shimQuery", "priv", "notPriv", "cookies", "propagate", "catches", "save", "useSaved")
	h := &fakeHost{}
	ex := &Exograph{Host: h}
	if got := mustCall(t, m, "shimQuery", ex); got != `"1,2"` {
		t.Errorf("shimQuery = %s", got)
	}
	if fmt.Sprint(h.vars[0]) != "map[f:1.5 n:4 s:x]" || h.over[0] != nil {
		t.Errorf("vars = %v, override = %v", h.vars[0], h.over[0])
	}
	if _, ok := h.vars[0]["n"].(json.Number); !ok {
		t.Errorf("numbers should be json.Number: %T", h.vars[0]["n"])
	}
	if got := mustCall(t, m, "priv", &Exograph{Host: h, Priv: true}); got != `"function"` {
		t.Errorf("priv = %s", got)
	}
	if fmt.Sprint(h.over[1]) != "map[AuthContext:map[role:admin]]" || h.over[2] == nil || len(h.over[2]) != 0 {
		t.Errorf("overrides = %v", h.over[1:])
	}
	if got := mustCall(t, m, "notPriv", ex); got != `"undefined"` {
		t.Errorf("notPriv = %s", got)
	}
	mustCall(t, m, "cookies", ex)
	want := []string{
		"Set-Cookie: session%20id=a%3Db",
		"Set-Cookie: n=v; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Strict",
		"X-Test: 1",
	}
	if strings.Join(h.headers, "\n") != strings.Join(want, "\n") {
		t.Errorf("headers:\n%s\nwant:\n%s", strings.Join(h.headers, "\n"), strings.Join(want, "\n"))
	}

	// Errors of the host propagate unchanged; user-visible ones are ExographErrors in JS.
	m.opts.UserMessage = func(err error) (string, bool) {
		var ue *userErr
		if errors.As(err, &ue) {
			return ue.msg, true
		}
		return "", false
	}
	h.fail = &userErr{"user message"}
	_, err := m.Call(context.Background(), "propagate", ex)
	if err != h.fail {
		t.Errorf("propagate: %v", err)
	}
	if got := mustCall(t, m, "catches", ex); got != `[true,"user message"]` {
		t.Errorf("catches = %s", got)
	}
	h.fail = errors.New("db down")
	if _, err := m.Call(context.Background(), "propagate", ex); err != h.fail {
		t.Errorf("propagate internal: %v", err)
	}
	if got := mustCall(t, m, "catches", ex); got != `[false,"db down"]` {
		t.Errorf("catches internal = %s", got)
	}
	h.fail = nil

	// An injected object stops working once its call has returned.
	m.opts.MaxIdle = 1
	mustCall(t, m, "save", ex)
	if _, err := m.Call(context.Background(), "useSaved"); !errors.Is(err, errClosed) {
		t.Errorf("useSaved: %v", err)
	}
}

func TestOperation(t *testing.T) {
	m := module(t, `
async function around(op) {
  const r = await op.proceed();
  return { name: op.name(), query: op.query(), result: r };
}
async function twice(op) { await op.proceed(); return await op.proceed(); }
function before(op) { return op.proceed(); }
`, "around", "twice", "before")
	n := 0
	q := &Object{}
	q.Set("alias", nil)
	q.Set("name", "todos")
	q.Set("arguments", map[string]any{})
	q.Set("subfields", []any{})
	op := &Operation{Name: "todos", Query: q, Proceed: func(ctx context.Context) (json.RawMessage, error) {
		n++
		return json.RawMessage(fmt.Sprintf(`[{"id":%d}]`, n)), nil
	}}
	if got := mustCall(t, m, "around", op); got != `{"name":"todos","query":{"alias":null,"name":"todos","arguments":{},"subfields":[]},"result":[{"id":1}]}` {
		t.Errorf("around = %s", got)
	}
	if got := mustCall(t, m, "twice", op); got != `[{"id":3}]` || n != 3 {
		t.Errorf("twice = %s (n=%d)", got, n)
	}
	if _, err := m.Call(context.Background(), "before", &Operation{Name: "x"}); err == nil {
		t.Error("proceed without Proceed should fail")
	}
}

func TestConsoleAndEnv(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	h := slog.NewTextHandler(writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) }), &slog.HandlerOptions{Level: slog.LevelDebug})
	script := "var " + global + ` = (() => {
function log(x) { console.log("hello", x, { a: 1 }); console.error("bad"); return [Deno.env.get("K"), Deno.env.get("NOPE"), Deno.env.has("K"), process.env.K, typeof performance.now()]; }
return { log };
})();`
	env := map[string]string{"K": "v"}
	m, err := NewModule("env.js", []byte(script), nil, global, Options{Logger: slog.New(h),
		Env:     func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Environ: func() []string { return []string{"K=v"} }})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustCall(t, m, "log", 7); got != `["v",null,true,"v","number"]` {
		t.Errorf("log = %s", got)
	}
	out := buf.String()
	if !strings.Contains(out, `level=INFO msg="hello 7 {\"a\":1}" module=env.js`) || !strings.Contains(out, "level=ERROR msg=bad") {
		t.Errorf("log output: %s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestConcurrentCalls(t *testing.T) {
	m := module(t, `let counter = 0; async function inc(x) { await new Promise((r) => setTimeout(r, 1)); return x + 1; }`, "inc")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out, err := m.Call(context.Background(), "inc", i)
			if err != nil || string(out) != fmt.Sprint(i+1) {
				errs <- fmt.Errorf("inc(%d) = %s, %v", i, out, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestInitErrors(t *testing.T) {
	if _, err := NewModule("bad.js", []byte("var x = ;"), nil, global, Options{}); err == nil {
		t.Error("syntax error not reported")
	}
	m, err := NewModule("throws.js", []byte(`throw new Error("boom at load")`), nil, global, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Call(context.Background(), "f"); err == nil || !strings.Contains(err.Error(), "boom at load") {
		t.Errorf("load error: %v", err)
	}
}
