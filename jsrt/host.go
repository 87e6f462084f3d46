package jsrt

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// Object is a JS object with ordered keys (Go maps lose the order that
// JSON.stringify shows).
type Object struct {
	Keys   []string
	Values []any
}

// Set appends a key (no de-duplication).
func (o *Object) Set(k string, v any) {
	o.Keys = append(o.Keys, k)
	o.Values = append(o.Values, v)
}

// Host serves the Exograph shim of one request.
type Host interface {
	// ExecuteQuery runs a GraphQL operation in-process (same request
	// context, same transaction) and returns its "data" object. A non-nil
	// contextOverride ({ContextName: {field: value}}) comes from
	// ExographPriv.executeQueryPriv. variables hold JSON values with numbers
	// as json.Number.
	ExecuteQuery(ctx context.Context, query string, variables, contextOverride map[string]any) (json.RawMessage, error)
	// AddResponseHeader adds an HTTP response header (setCookie adds
	// Set-Cookie).
	AddResponseHeader(name, value string) error
}

// Exograph is the injected Exograph (or, with Priv, ExographPriv) argument.
type Exograph struct {
	Host Host
	Priv bool
}

// Operation is the injected argument of interceptors.
type Operation struct {
	// Name is the intercepted root field's name.
	Name string
	// Query is the value of query(): {alias, name, arguments, subfields}
	// (see [Object]).
	Query any
	// Proceed runs the intercepted operation (the next interceptor or the
	// operation itself); nil for before/after interceptors, where proceed()
	// rejects.
	Proceed func(ctx context.Context) (json.RawMessage, error)
}

func (v *vmState) installGlobals() {
	vm := v.vm
	g := vm.GlobalObject()
	log := v.m.log

	console := vm.NewObject()
	logAt := func(level slog.Level) func(goja.FunctionCall) goja.Value {
		return func(fc goja.FunctionCall) goja.Value {
			if !log.Enabled(context.Background(), level) {
				return goja.Undefined()
			}
			var b strings.Builder
			for i, a := range fc.Arguments {
				if i > 0 {
					b.WriteByte(' ')
				}
				s, err := v.helpers.show(goja.Undefined(), a)
				if err == nil {
					b.WriteString(s.String())
				}
			}
			log.Log(context.Background(), level, b.String())
			return goja.Undefined()
		}
	}
	_ = console.Set("log", logAt(slog.LevelInfo))
	_ = console.Set("info", logAt(slog.LevelInfo))
	_ = console.Set("debug", logAt(slog.LevelDebug))
	_ = console.Set("trace", logAt(slog.LevelDebug))
	_ = console.Set("warn", logAt(slog.LevelWarn))
	_ = console.Set("error", logAt(slog.LevelError))
	_ = g.Set("console", console)

	getenv := func(k string) (string, bool) {
		if v.m.opts.Env == nil {
			return "", false
		}
		return v.m.opts.Env(k)
	}
	envObj := vm.NewObject()
	_ = envObj.Set("get", func(k string) goja.Value {
		if s, ok := getenv(k); ok {
			return vm.ToValue(s)
		}
		return goja.Undefined()
	})
	_ = envObj.Set("has", func(k string) bool { _, ok := getenv(k); return ok })
	_ = envObj.Set("toObject", func() goja.Value { return v.stringMap(v.m.environ()) })
	deno := vm.NewObject()
	_ = deno.Set("env", envObj)
	_ = g.Set("Deno", deno)

	process := vm.NewObject()
	_ = process.Set("env", v.stringMap(v.m.environ()))
	_ = process.Set("cwd", cwd)
	_ = process.Set("argv", vm.NewArray())
	_ = process.Set("platform", "linux")
	_ = process.Set("nextTick", func(fc goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(fc.Argument(0))
		if !ok {
			panic(vm.NewTypeError("nextTick expects a function"))
		}
		rest := append([]goja.Value(nil), fc.Arguments[min(1, len(fc.Arguments)):]...)
		p, resolve, _ := vm.NewPromise()
		_ = resolve(nil)
		then, _ := goja.AssertFunction(vm.ToValue(p).ToObject(vm).Get("then"))
		_, _ = then(vm.ToValue(p), vm.ToValue(func(goja.FunctionCall) goja.Value { _, _ = fn(goja.Undefined(), rest...); return goja.Undefined() }))
		return goja.Undefined()
	})
	_ = g.Set("process", process)

	perf := vm.NewObject()
	_ = perf.Set("now", func() float64 {
		start := time.Now()
		if v.cur != nil {
			start = v.cur.start
		}
		return float64(time.Since(start).Nanoseconds()) / 1e6
	})
	_ = g.Set("performance", perf)

	_ = g.Set("setTimeout", func(fc goja.FunctionCall) goja.Value { return v.setTimer(fc, false) })
	_ = g.Set("setInterval", func(fc goja.FunctionCall) goja.Value { return v.setTimer(fc, true) })
	clear := func(fc goja.FunctionCall) goja.Value {
		if v.cur != nil {
			v.cur.timers.cancel(fc.Argument(0).ToInteger())
		}
		return goja.Undefined()
	}
	_ = g.Set("clearTimeout", clear)
	_ = g.Set("clearInterval", clear)
}

func (v *vmState) stringMap(m map[string]string) *goja.Object {
	o := v.vm.NewObject()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_ = o.Set(k, m[k])
	}
	return o
}

func (v *vmState) setTimer(fc goja.FunctionCall, interval bool) goja.Value {
	fn, ok := goja.AssertFunction(fc.Argument(0))
	if !ok {
		panic(v.vm.NewTypeError("The \"callback\" argument must be of type function"))
	}
	c := v.cur
	if c == nil {
		// Top-level code of the module: there is no call to drive timers.
		v.m.log.Warn("timer set outside of a call is ignored")
		return v.vm.ToValue(0)
	}
	ms := fc.Argument(1).ToFloat()
	if math.IsNaN(ms) || ms < 0 {
		ms = 0
	}
	d := time.Duration(ms * float64(time.Millisecond))
	var rest []goja.Value
	if len(fc.Arguments) > 2 {
		rest = append(rest, fc.Arguments[2:]...)
	}
	c.nextID++
	t := &timer{id: c.nextID, at: time.Now().Add(d), fn: fn, args: rest}
	if interval {
		t.interval = max(d, time.Millisecond)
	}
	c.timers.push(t)
	return v.vm.ToValue(t.id)
}

type timer struct {
	id       int64
	at       time.Time
	interval time.Duration
	fn       goja.Callable
	args     []goja.Value
	index    int
}

// timerQueue is a min-heap of timers by due time, then creation order.
type timerQueue struct{ h timerHeap }

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].id < h[j].id
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

func (q *timerQueue) push(t *timer) { heap.Push(&q.h, t) }
func (q *timerQueue) pop() *timer {
	if len(q.h) == 0 {
		return nil
	}
	return heap.Pop(&q.h).(*timer)
}
func (q *timerQueue) cancel(id int64) {
	for _, t := range q.h {
		if t.id == id {
			heap.Remove(&q.h, t.index)
			return
		}
	}
}

// toValue converts an argument to a JS value: nil, bool, numbers
// (json.Number too), string, []any, map[string]any (keys sorted), *Object,
// json.RawMessage (parsed), goja.Value, *Exograph, *Operation.
func (c *call) toValue(a any) (goja.Value, error) {
	vm := c.v.vm
	switch a := a.(type) {
	case nil:
		return goja.Null(), nil
	case goja.Value:
		return a, nil
	case json.RawMessage:
		if len(a) == 0 {
			return goja.Null(), nil
		}
		return c.v.helpers.parse(goja.Undefined(), vm.ToValue(string(a)))
	case json.Number:
		if i, err := a.Int64(); err == nil {
			return vm.ToValue(i), nil
		}
		f, err := a.Float64()
		if err != nil {
			return nil, fmt.Errorf("jsrt: bad number %q", a)
		}
		return vm.ToValue(f), nil
	case string, bool, int, int32, int64, float64, float32, uint32:
		return vm.ToValue(a), nil
	case []any:
		items := make([]any, len(a))
		for i, x := range a {
			jv, err := c.toValue(x)
			if err != nil {
				return nil, err
			}
			items[i] = jv
		}
		return vm.NewArray(items...), nil
	case map[string]any:
		keys := make([]string, 0, len(a))
		for k := range a {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := vm.NewObject()
		for _, k := range keys {
			jv, err := c.toValue(a[k])
			if err != nil {
				return nil, err
			}
			_ = o.Set(k, jv)
		}
		return o, nil
	case *Object:
		o := vm.NewObject()
		for i, k := range a.Keys {
			jv, err := c.toValue(a.Values[i])
			if err != nil {
				return nil, err
			}
			_ = o.Set(k, jv)
		}
		return o, nil
	case *Exograph:
		return c.exograph(a), nil
	case *Operation:
		return c.operation(a), nil
	}
	return vm.ToValue(a), nil
}

// errValue makes the JS exception for a host callback's error and
// remembers the original error.
func (c *call) errValue(err error) *goja.Object {
	vm := c.v.vm
	var o *goja.Object
	var je *Error
	switch {
	case errors.As(err, &je) && je.User:
		o, _ = vm.New(c.v.helpers.exographError, vm.ToValue(je.Message))
	case c.v.m.opts.UserMessage != nil:
		if msg, ok := c.v.m.opts.UserMessage(err); ok {
			o, _ = vm.New(c.v.helpers.exographError, vm.ToValue(msg))
		}
	}
	if o == nil {
		o = vm.NewGoError(err)
	}
	if c.goErrs == nil {
		c.goErrs = map[*goja.Object]error{}
	}
	c.goErrs[o] = err
	return o
}

var errClosed = errors.New("jsrt: injected object used after its call returned")

// promise runs fn now (host callbacks are synchronous: they run on the
// caller's goroutine, inside its transaction) and returns a settled promise.
func (c *call) promise(fn func() (goja.Value, error)) goja.Value {
	vm := c.v.vm
	p, resolve, reject := vm.NewPromise()
	var val goja.Value
	var err error
	if c.closed {
		err = errClosed
	} else if err = c.ctx.Err(); err == nil {
		val, err = fn()
	}
	if err != nil {
		_ = reject(c.errValue(err))
	} else {
		_ = resolve(val)
	}
	return vm.ToValue(p)
}

// decodeArg turns a JS value into JSON-like Go values (numbers as
// json.Number), or nil for undefined/null.
func (c *call) decodeArg(v goja.Value) (map[string]any, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	s, err := c.v.helpers.stringify(goja.Undefined(), v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s.String())))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("jsrt: expected an object: %w", err)
	}
	return m, nil
}

func (c *call) parseJSON(raw json.RawMessage) (goja.Value, error) {
	if len(raw) == 0 {
		return goja.Null(), nil
	}
	return c.v.helpers.parse(goja.Undefined(), c.v.vm.ToValue(string(raw)))
}

func (c *call) exograph(ex *Exograph) *goja.Object {
	vm := c.v.vm
	o := vm.NewObject()
	exec := func(fc goja.FunctionCall, priv bool) goja.Value {
		return c.promise(func() (goja.Value, error) {
			if ex.Host == nil {
				return nil, errors.New("jsrt: no host for executeQuery")
			}
			q := fc.Argument(0)
			if goja.IsUndefined(q) || goja.IsNull(q) {
				return nil, errors.New("jsrt: executeQuery needs a query")
			}
			vars, err := c.decodeArg(fc.Argument(1))
			if err != nil {
				return nil, err
			}
			var override map[string]any
			if priv {
				if override, err = c.decodeArg(fc.Argument(2)); err != nil {
					return nil, err
				}
				if override == nil {
					override = map[string]any{}
				}
			}
			raw, err := ex.Host.ExecuteQuery(c.ctx, q.String(), vars, override)
			if err != nil {
				return nil, err
			}
			return c.parseJSON(raw)
		})
	}
	_ = o.Set("executeQuery", func(fc goja.FunctionCall) goja.Value { return exec(fc, false) })
	if ex.Priv {
		_ = o.Set("executeQueryPriv", func(fc goja.FunctionCall) goja.Value { return exec(fc, true) })
	}
	addHeader := func(name, value string) (goja.Value, error) {
		if ex.Host == nil {
			return nil, errors.New("jsrt: no host for addResponseHeader")
		}
		return goja.Undefined(), ex.Host.AddResponseHeader(name, value)
	}
	_ = o.Set("addResponseHeader", func(fc goja.FunctionCall) goja.Value {
		return c.promise(func() (goja.Value, error) {
			return addHeader(fc.Argument(0).String(), fc.Argument(1).String())
		})
	})
	_ = o.Set("setCookie", func(fc goja.FunctionCall) goja.Value {
		return c.promise(func() (goja.Value, error) {
			s, err := c.v.helpers.cookie(goja.Undefined(), fc.Argument(0))
			if err != nil {
				return nil, err
			}
			return addHeader("Set-Cookie", s.String())
		})
	})
	return o
}

func (c *call) operation(op *Operation) *goja.Object {
	vm := c.v.vm
	o := vm.NewObject()
	_ = o.Set("name", func() string { return op.Name })
	_ = o.Set("query", func() goja.Value {
		v, err := c.toValue(op.Query)
		if err != nil {
			panic(vm.NewGoError(err))
		}
		return v
	})
	_ = o.Set("proceed", func() goja.Value {
		return c.promise(func() (goja.Value, error) {
			if op.Proceed == nil {
				return nil, errors.New("jsrt: proceed() is only available to @around interceptors")
			}
			raw, err := op.Proceed(c.ctx)
			if err != nil {
				return nil, err
			}
			return c.parseJSON(raw)
		})
	})
	return o
}
