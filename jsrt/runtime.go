// Package jsrt runs bundled @deno module scripts on goja (the only package
// importing it).
//
// A [Module] compiles its bundle once into a goja.Program and keeps a pool
// of VMs that have run it; each [Module.Call] borrows a VM (creating one when
// none is idle, so nested calls through proceed() or executeQuery never
// wait), calls the exported function, drives promises and timers to
// completion on the caller's goroutine and returns the result as JSON.
//
// Host bindings: the global ExographError class, console (to slog),
// Deno.env, process (for node:process), performance.now, setTimeout and
// friends, and per-call objects passed as arguments: [Exograph] (the
// executeQuery/addResponseHeader/setCookie shim, ExographPriv with
// executeQueryPriv) and [Operation] (interceptors). Per-call objects stop
// working when the call returns, so a module cannot leak one request's
// privileges into another through module state.
//
// A call is interrupted when its context is cancelled or its time limit
// passes; the VM is then discarded.
package jsrt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
)

// Options configure a [Module].
type Options struct {
	// Logger receives console output (with attribute module=<name>) and
	// diagnostics. Nil discards.
	Logger *slog.Logger
	// Env backs Deno.env.get / has and process.env; nil means an empty
	// environment.
	Env func(key string) (string, bool)
	// Environ lists the environment for Deno.env.toObject and process.env
	// ("K=V" entries); nil means none.
	Environ func() []string
	// Timeout bounds one call (0: no limit other than the context).
	Timeout time.Duration
	// MaxIdle is the number of idle VMs kept (default 8).
	MaxIdle int
	// MaxCallStack bounds the JS call stack depth (default 4096).
	MaxCallStack int
	// UserMessage tells which errors returned by host callbacks
	// (executeQuery, proceed) carry a message the client may see: they are
	// thrown into JS as ExographError(message). Others are thrown as
	// Error("Internal server error"). Either way, if the JS code lets the
	// exception propagate, Call returns the original error.
	UserMessage func(err error) (string, bool)
	// FSRoot is the directory node:fs may read (read-only; symbolic links
	// cannot lead out of it). Empty: node:fs sees no files at all.
	FSRoot string
}

// Module is a compiled module script with its VM pool. It is safe for
// concurrent use.
type Module struct {
	name   string
	global string
	prg    *goja.Program
	opts   Options
	log    *slog.Logger
	idle   chan *vmState

	fsRoot fsRoot

	exportsOnce sync.Once
	exports     map[string]bool
	exportsErr  error
}

var (
	preludeOnce sync.Once
	preludePrg  *goja.Program
	preludeErr  error
)

func compiledPrelude() (*goja.Program, error) {
	preludeOnce.Do(func() {
		preludePrg, preludeErr = goja.Compile("exo:prelude", prelude, true)
	})
	return preludePrg, preludeErr
}

// Compile compiles a bundled script (with its source map, possibly nil)
// once; name is used in stack traces and logs.
func Compile(name string, script, sourceMap []byte) (*goja.Program, error) {
	loader := func(string) ([]byte, error) {
		if sourceMap == nil {
			return nil, errors.New("no source map")
		}
		return sourceMap, nil
	}
	ast, err := goja.Parse(name, string(script), parser.WithSourceMapLoader(loader))
	if err != nil {
		return nil, err
	}
	return goja.CompileAST(ast, false)
}

// NewModule compiles script and prepares its pool. The script must assign
// the module's exports to the global globalName (jsbundle.GlobalName).
func NewModule(name string, script, sourceMap []byte, globalName string, opts Options) (*Module, error) {
	if _, err := compiledPrelude(); err != nil {
		return nil, fmt.Errorf("jsrt: prelude: %w", err)
	}
	prg, err := Compile(name, script, sourceMap)
	if err != nil {
		return nil, fmt.Errorf("jsrt: compiling %s: %w", name, err)
	}
	if opts.MaxIdle <= 0 {
		opts.MaxIdle = 8
	}
	if opts.MaxCallStack <= 0 {
		opts.MaxCallStack = 4096
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Module{name: name, global: globalName, prg: prg, opts: opts, log: log.With("module", name), idle: make(chan *vmState, opts.MaxIdle)}
	return m, nil
}

// Name returns the module's name.
func (m *Module) Name() string { return m.name }

// Exports returns the names of the module's exported functions. It runs
// the script once (in a VM that then joins the pool).
func (m *Module) Exports() (map[string]bool, error) {
	m.exportsOnce.Do(func() {
		v, err := m.get()
		if err != nil {
			m.exportsErr = err
			return
		}
		m.exports = map[string]bool{}
		if v.exports != nil {
			for _, k := range v.exports.Keys() {
				if _, ok := goja.AssertFunction(v.exports.Get(k)); ok {
					m.exports[k] = true
				}
			}
		}
		m.put(v, true)
	})
	return m.exports, m.exportsErr
}

// Warm creates up to n idle VMs ahead of the first calls.
func (m *Module) Warm(n int) error {
	for i := 0; i < n && i < cap(m.idle); i++ {
		v, err := m.newVM()
		if err != nil {
			return err
		}
		m.put(v, true)
	}
	return nil
}

func (m *Module) get() (*vmState, error) {
	select {
	case v := <-m.idle:
		return v, nil
	default:
		return m.newVM()
	}
}

func (m *Module) put(v *vmState, ok bool) {
	if !ok {
		return
	}
	select {
	case m.idle <- v:
	default:
	}
}

// vmState is one VM that has run the module's script.
type vmState struct {
	m       *Module
	vm      *goja.Runtime
	exports *goja.Object
	helpers struct {
		exographError *goja.Object
		out, parse    goja.Callable
		cookie, show  goja.Callable
		stringify     goja.Callable
	}
	cur *call // the call in progress
}

func (m *Module) newVM() (*vmState, error) {
	vm := goja.New()
	vm.SetMaxCallStackSize(m.opts.MaxCallStack)
	v := &vmState{m: m, vm: vm}
	pp, _ := compiledPrelude()
	h, err := vm.RunProgram(pp)
	if err != nil {
		return nil, fmt.Errorf("jsrt: prelude: %w", err)
	}
	ho := h.ToObject(vm)
	v.helpers.exographError = ho.Get("ExographError").ToObject(vm)
	fn := func(name string) goja.Callable { f, _ := goja.AssertFunction(ho.Get(name)); return f }
	v.helpers.out, v.helpers.parse, v.helpers.cookie = fn("out"), fn("parse"), fn("cookie")
	v.helpers.show, v.helpers.stringify = fn("show"), fn("stringify")
	v.installGlobals()
	if err := v.installWeb(); err != nil {
		return nil, fmt.Errorf("jsrt: web APIs: %w", err)
	}
	if err := v.installRegExp(); err != nil {
		return nil, fmt.Errorf("jsrt: RegExp: %w", err)
	}
	if err := v.installStreams(); err != nil {
		return nil, fmt.Errorf("jsrt: streams: %w", err)
	}
	if err := v.installNode(); err != nil {
		return nil, fmt.Errorf("jsrt: Node built-ins: %w", err)
	}
	if _, err := vm.RunProgram(m.prg); err != nil {
		return nil, fmt.Errorf("jsrt: running %s: %w", m.name, describeInit(err))
	}
	if g := vm.Get(m.global); g != nil && !goja.IsUndefined(g) && !goja.IsNull(g) {
		v.exports = g.ToObject(vm)
	}
	return v, nil
}

func describeInit(err error) error {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return errors.New(ex.String())
	}
	return err
}

// ErrTimeout is returned when a call exceeds Options.Timeout.
var ErrTimeout = errors.New("jsrt: module call timed out")

// ErrNotSettled is returned when an async function's promise can never
// settle (no timers pending and nothing else to wait for).
var ErrNotSettled = errors.New("jsrt: the function's promise never settled")

// Error is an exception thrown by module code.
type Error struct {
	// User is true for ExographError: Message is shown to the client.
	User    bool
	Message string
	// Stack is the source-mapped stack trace (for logs), when available.
	Stack string
}

func (e *Error) Error() string {
	if e.User {
		return e.Message
	}
	if e.Stack != "" {
		return e.Stack
	}
	return e.Message
}

// NotFoundError is returned by Call when the module exports no such function.
type NotFoundError struct{ Module, Function string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("module %s does not export a function named %s", e.Module, e.Function)
}

// call is the state of one Call: timers and per-call host objects.
type call struct {
	v      *vmState
	ctx    context.Context
	start  time.Time
	timers timerQueue
	nextID int64
	goErrs map[*goja.Object]error
	closed bool

	// Asynchronous host operations (fetch): wctx is ctx bounded by the time
	// limit; completions arrive on done and run in await.
	wctx     context.Context
	pending  int
	done     chan func()
	finished chan struct{}
	aborts   map[int64]context.CancelFunc
}

// Call calls the exported function fn with args (see [ToValue] for the
// accepted Go values) and returns its (awaited) result as JSON ("null" for
// undefined). Errors: *Error for exceptions thrown by the module (User for
// ExographError), the original error for failures of host callbacks that
// the module let propagate, ctx.Err() or ErrTimeout when interrupted,
// *NotFoundError, ErrNotSettled.
func (m *Module) Call(ctx context.Context, fn string, args ...any) (json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	v, err := m.get()
	if err != nil {
		return nil, err
	}
	out, keep, err := v.call(ctx, fn, args)
	m.put(v, keep)
	return out, err
}

type interruptReason struct{ err error }

func (v *vmState) call(ctx context.Context, name string, args []any) (out json.RawMessage, keep bool, err error) {
	if v.exports == nil {
		return nil, true, &NotFoundError{v.m.name, name}
	}
	f, ok := goja.AssertFunction(v.exports.Get(name))
	if !ok {
		return nil, true, &NotFoundError{v.m.name, name}
	}
	c := &call{v: v, ctx: ctx, start: time.Now(), done: make(chan func()), finished: make(chan struct{})}
	var stopW context.CancelFunc
	if d := v.m.opts.Timeout; d > 0 {
		c.wctx, stopW = context.WithTimeoutCause(ctx, d, ErrTimeout)
	} else {
		c.wctx, stopW = context.WithCancel(ctx)
	}
	v.cur = c

	// Interruption: context cancellation and the time limit.
	stopCtx := context.AfterFunc(ctx, func() { v.vm.Interrupt(interruptReason{ctx.Err()}) })
	var timer *time.Timer
	if d := v.m.opts.Timeout; d > 0 {
		timer = time.AfterFunc(d, func() { v.vm.Interrupt(interruptReason{ErrTimeout}) })
	}
	defer func() {
		c.closed = true
		close(c.finished)
		stopW()
		v.cur = nil
		// An interrupt may land after the call ended: never reuse such a VM.
		if !stopCtx() {
			keep = false
		}
		if timer != nil && !timer.Stop() {
			keep = false
		}
	}()

	jsArgs := make([]goja.Value, len(args))
	for i, a := range args {
		jv, err := c.toValue(a)
		if err != nil {
			return nil, true, err
		}
		jsArgs[i] = jv
	}
	res, err := f(goja.Undefined(), jsArgs...)
	if err == nil {
		res, err = c.await(res)
	}
	if err == nil {
		var s goja.Value
		if s, err = v.helpers.out(goja.Undefined(), res); err == nil {
			return json.RawMessage(s.String()), true, nil
		}
	}
	e, k := c.exception(err)
	return nil, k, e
}

// await drives promises and timers until res settles.
func (c *call) await(res goja.Value) (goja.Value, error) {
	for {
		p, ok := res.Export().(*goja.Promise)
		if !ok {
			return res, nil
		}
		switch p.State() {
		case goja.PromiseStateFulfilled:
			res = p.Result()
			continue // a promise may resolve to a thenable only via adoption; loop is cheap
		case goja.PromiseStateRejected:
			return nil, &rejection{p.Result()}
		}
		// Pending: run the next timer or host completion, waiting for it
		// if needed.
		if err := c.wait(); err != nil {
			return nil, err
		}
	}
}

// exception maps an error from goja to Call's error, and whether the VM
// can be reused.
func (c *call) exception(err error) (error, bool) {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if r, ok := ie.Value().(interruptReason); ok && r.err != nil {
			return r.err, false
		}
		return context.Canceled, false
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return &Error{Message: "Maximum call stack size exceeded", Stack: so.Error()}, true
	}
	if err == ErrNotSettled || err == ErrTimeout || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err, true
	}
	var ex *goja.Exception
	if !errors.As(err, &ex) {
		if r, ok := err.(*rejection); ok {
			return c.thrown(r.val, ""), true
		}
		return err, true
	}
	return c.thrown(ex.Value(), ex.String()), true
}

// thrown classifies a thrown JS value.
func (c *call) thrown(val goja.Value, stack string) error {
	vm := c.v.vm
	if o, ok := val.(*goja.Object); ok {
		if orig, ok := c.goErrs[o]; ok {
			return orig
		}
		if vm.InstanceOf(o, c.v.helpers.exographError) {
			return &Error{User: true, Message: o.Get("message").String(), Stack: stackOf(o, stack)}
		}
		if gv := o.Get("value"); gv != nil {
			if ge, ok := gv.Export().(error); ok {
				return ge
			}
		}
		s, _ := c.v.helpers.show(goja.Undefined(), o)
		msg := ""
		if s != nil {
			msg = s.String()
		}
		return &Error{Message: firstLine(msg), Stack: stackOf(o, stack)}
	}
	msg := "undefined"
	if val != nil {
		msg = val.String()
	}
	return &Error{Message: msg, Stack: stack}
}

func stackOf(o *goja.Object, fallback string) string {
	if s := o.Get("stack"); s != nil && !goja.IsUndefined(s) {
		return s.String()
	}
	return fallback
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// rejection carries a rejected promise's reason out of await.
type rejection struct{ val goja.Value }

func (r *rejection) Error() string { return "promise rejected" }

// environ returns the environment as a map.
func (m *Module) environ() map[string]string {
	env := map[string]string{}
	if m.opts.Environ == nil {
		return env
	}
	for _, kv := range m.opts.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

func cwd() string {
	d, err := os.Getwd()
	if err != nil {
		return "/"
	}
	return d
}
