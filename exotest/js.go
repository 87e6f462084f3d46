package exotest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

//go:embed assert.js
var assertJS string

var assertProgram = sync.OnceValues(func() (*goja.Program, error) {
	return goja.Compile("assert.js", assertJS, false)
})

// AssertionError is a response that does not match the expectation.
type AssertionError struct {
	// Message is "assertion failed at 'data.c': expected biz, got qux".
	Message string
	// Expected and Got are pretty-printed JSON (functions shown as
	// "<function>").
	Expected, Got string
}

func (e *AssertionError) Error() string {
	return e.Message + "\nExpected:\n" + indent(e.Expected) + "\nGot:\n" + indent(e.Got)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// jsEnv evaluates exotest JavaScript. It owns one goja runtime and must be
// used by one goroutine at a time.
type jsEnv struct {
	vm      *goja.Runtime
	console bytes.Buffer
	timeout time.Duration
	check   goja.Callable
	// imports holds the exports of the prelude bundles evaluated in vm.
	imports map[*prelude]goja.Value
}

func newJSEnv(timeout time.Duration) (*jsEnv, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	e := &jsEnv{timeout: timeout}
	if err := e.reset(); err != nil {
		return nil, err
	}
	return e, nil
}

// reset gives the environment a fresh runtime. It is used at creation and
// after an interrupt, which can leave a goja runtime unable to run its job
// queue.
func (e *jsEnv) reset() error {
	prg, err := assertProgram()
	if err != nil {
		return fmt.Errorf("exotest: compile assert.js: %w", err)
	}
	e.vm = goja.New()
	e.imports = map[*prelude]goja.Value{}
	console := e.vm.NewObject()
	logf := func(call goja.FunctionCall) goja.Value {
		parts := make([]string, len(call.Arguments))
		for i, a := range call.Arguments {
			if s, ok := a.Export().(string); ok {
				parts[i] = s
			} else {
				parts[i] = e.fmt(a)
			}
		}
		e.console.WriteString(strings.Join(parts, " "))
		e.console.WriteByte('\n')
		return goja.Undefined()
	}
	for _, name := range []string{"log", "info", "warn", "error", "debug"} {
		_ = console.Set(name, logf)
	}
	_ = e.vm.Set("console", console)
	if _, err := e.vm.RunProgram(prg); err != nil {
		return fmt.Errorf("exotest: load assert.js: %w", err)
	}
	exo := e.vm.Get("__exo").ToObject(e.vm)
	e.check, _ = goja.AssertFunction(exo.Get("check"))
	return nil
}

func (e *jsEnv) fmt(v goja.Value) string {
	f, _ := goja.AssertFunction(e.vm.Get("__exo").ToObject(e.vm).Get("fmt"))
	if r, err := f(goja.Undefined(), v); err == nil {
		return r.String()
	}
	return v.String()
}

// Console returns what console.log and friends printed so far.
func (e *jsEnv) Console() string { return e.console.String() }

// usePrelude sets __exo_imports to the exports of the prelude's imports,
// evaluating its bundle the first time the runtime needs it.
func (e *jsEnv) usePrelude(ctx context.Context, p *prelude) error {
	if p == nil || p.bundle == nil {
		return nil
	}
	exports, ok := e.imports[p]
	if !ok {
		v, err := e.guard(ctx, func() (goja.Value, error) { return e.vm.RunProgram(p.bundle) })
		if err != nil {
			return fmt.Errorf("evaluating the imports of the deno prelude: %w", err)
		}
		exports = v
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			exports = e.vm.NewObject()
		}
		e.imports[p] = exports
	}
	return e.vm.Set("__exo_imports", exports)
}

// guard runs fn with the runtime interrupted on timeout or cancellation.
func (e *jsEnv) guard(ctx context.Context, fn func() (goja.Value, error)) (goja.Value, error) {
	timer := time.AfterFunc(e.timeout, func() { e.vm.Interrupt("evaluation timed out") })
	stop := context.AfterFunc(ctx, func() { e.vm.Interrupt(ctx.Err()) })
	v, err := fn()
	timer.Stop()
	stop()
	e.vm.ClearInterrupt()
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if rerr := e.reset(); rerr != nil {
			return nil, rerr
		}
	}
	return v, jsError(err)
}

// jsError turns goja errors into plain Go errors with the JS message.
func jsError(err error) error {
	if err == nil {
		return nil
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return errors.New(ex.Error())
	}
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if e, ok := ie.Value().(error); ok {
			return e
		}
		return fmt.Errorf("%v", ie.Value())
	}
	return err
}

func bindingsJSON(b map[string]any) (string, error) {
	if b == nil {
		return "{}", nil
	}
	data, err := json.Marshal(b)
	return string(data), err
}

// script wraps source in a function scope so that preludes can be evaluated
// again in the same runtime. $ is available to the prelude and the body,
// and so are the names the prelude imports (from __exo_imports, see
// usePrelude).
func script(async bool, p *prelude, body string) string {
	var sb strings.Builder
	if async {
		sb.WriteString("(async function () {\n")
	} else {
		sb.WriteString("(function () {\n")
	}
	sb.WriteString("const $ = JSON.parse(__exo_bindings);")
	if p != nil && len(p.names) > 0 {
		// On the same line: the prelude keeps its line numbers.
		sb.WriteString(" const { " + strings.Join(p.names, ", ") + " } = __exo_imports;")
	}
	sb.WriteString("\n")
	if p != nil && p.src != "" {
		sb.WriteString(p.src)
		sb.WriteString("\n")
	}
	sb.WriteString(body)
	sb.WriteString("\n})()")
	return sb.String()
}

// EvalJSON evaluates a JavaScript expression (variable, auth, headers, rpc
// payload) with the bindings as $ and returns it normalised by
// JSON.parse(JSON.stringify(expr)), decoded with json.Number.
func (e *jsEnv) EvalJSON(ctx context.Context, prelude *prelude, expr string, bindings map[string]any) (any, error) {
	bj, err := bindingsJSON(bindings)
	if err != nil {
		return nil, err
	}
	if err := e.usePrelude(ctx, prelude); err != nil {
		return nil, err
	}
	if err := e.vm.Set("__exo_bindings", bj); err != nil {
		return nil, err
	}
	src := script(false, prelude, "return JSON.stringify((\n"+expr+"\n));")
	v, err := e.guard(ctx, func() (goja.Value, error) { return e.vm.RunScript("expression.js", src) })
	if err != nil {
		return nil, err
	}
	if goja.IsUndefined(v) {
		return nil, errors.New("expression evaluated to undefined")
	}
	return decodeJSON([]byte(v.String()))
}

func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return out, nil
}

// rpcRequest is passed to Assert for RPC stages.
type rpcRequest struct {
	payload string // JSON of the request actually sent
}

// Assert evaluates the expected response (a JavaScript expression that may
// hold functions) and compares the actual response body (JSON text) with it.
// The result is nil, an *AssertionError, or another error (bad expression,
// exception thrown outside a predicate).
func (e *jsEnv) Assert(ctx context.Context, prelude *prelude, expr string, bindings map[string]any, actual string, unordered []string, rpc *rpcRequest) error {
	bj, err := bindingsJSON(bindings)
	if err != nil {
		return err
	}
	if err := e.usePrelude(ctx, prelude); err != nil {
		return err
	}
	if err := e.vm.Set("__exo_bindings", bj); err != nil {
		return err
	}
	body := "let __expected = (\n" + expr + "\n);\nlet __actual = JSON.parse(__exo_actual);\n"
	if rpc != nil {
		body += "[__expected, __actual] = __exo.rpcPrepare(__expected, __actual, JSON.parse(__exo_rpc_request));\n"
		if err := e.vm.Set("__exo_rpc_request", rpc.payload); err != nil {
			return err
		}
	}
	body += "return await __exo.check(__expected, __actual, __exo_unordered);"
	if err := e.vm.Set("__exo_actual", actual); err != nil {
		return err
	}
	if err := e.vm.Set("__exo_unordered", unorderedOrEmpty(unordered)); err != nil {
		return err
	}
	src := script(true, prelude, body)
	v, err := e.guard(ctx, func() (goja.Value, error) { return e.vm.RunScript("response.js", src) })
	if err != nil {
		return err
	}
	return e.settle(v)
}

// Compare compares two JSON texts with the assert semantics (used for
// invariants: before is the expectation).
func (e *jsEnv) Compare(ctx context.Context, before, after string, unordered []string) error {
	v, err := e.guard(ctx, func() (goja.Value, error) {
		b, err := e.parseJSON(before)
		if err != nil {
			return nil, err
		}
		a, err := e.parseJSON(after)
		if err != nil {
			return nil, err
		}
		return e.check(goja.Undefined(), b, a, e.vm.ToValue(unorderedOrEmpty(unordered)))
	})
	if err != nil {
		return err
	}
	return e.settle(v)
}

func unorderedOrEmpty(u []string) []any {
	out := make([]any, len(u))
	for i, s := range u {
		out[i] = s
	}
	return out
}

func (e *jsEnv) parseJSON(s string) (goja.Value, error) {
	parse, _ := goja.AssertFunction(e.vm.Get("JSON").ToObject(e.vm).Get("parse"))
	return parse(goja.Undefined(), e.vm.ToValue(s))
}

// settle interprets the promise returned by __exo.check. goja runs the job
// queue when the outermost call returns, so a promise still pending here
// waits on something that never comes (there are no timers).
func (e *jsEnv) settle(v goja.Value) error {
	p, ok := v.Export().(*goja.Promise)
	if !ok {
		return errors.New("internal error: assertion did not return a promise")
	}
	switch p.State() {
	case goja.PromiseStatePending:
		return errors.New("the expectation did not settle: it awaits a promise that never resolves")
	case goja.PromiseStateRejected:
		r := p.Result()
		if obj, ok := r.(*goja.Object); ok {
			if m := obj.Get("message"); m != nil && !goja.IsUndefined(m) {
				name := ""
				if n := obj.Get("name"); n != nil && !goja.IsUndefined(n) {
					name = n.String() + ": "
				}
				return errors.New(name + m.String())
			}
		}
		return fmt.Errorf("%v", r)
	}
	res := p.Result()
	if res == nil || goja.IsNull(res) || goja.IsUndefined(res) {
		return nil
	}
	obj := res.ToObject(e.vm)
	return &AssertionError{
		Message:  obj.Get("message").String(),
		Expected: obj.Get("expected").String(),
		Got:      obj.Get("actual").String(),
	}
}
