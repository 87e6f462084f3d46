// Package wasmrt runs the functions of @wasm modules on wazero, a
// WebAssembly runtime written in Go without cgo (so exo stays one static
// binary that cross-compiles).
//
// A [Module] is compiled once (to machine code where wazero supports it,
// else interpreted; the code is cached for the life of the process). Every
// [Module.Call] instantiates it afresh, so calls are independent of each
// other (a function that changes its memory or globals does not see
// earlier calls, as in Exograph, which creates a new wasmtime store per
// call) and a Module is safe for concurrent use. Linear memories are
// recycled between instances (zeroed), which keeps a call at tens of
// microseconds even for Rust's 1.1 MiB default memory.
//
// Arguments are Go values of GraphQL types (int64 for Int, float64 for
// Float, bool for Boolean) and are converted to the types of the export's
// parameters: Int to i32 or i64, Float to f32 or f64, Boolean to i32 0 or 1.
// The single result comes back as int64 (i32, i64) or float64 (f32, f64).
package wasmrt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/sys"
)

// Options configure a [Module].
type Options struct {
	// Timeout bounds one call (0: none). A function still running then is
	// stopped and the call fails with ErrTimeout.
	Timeout time.Duration
	// MaxMemoryPages bounds the linear memory of an instance, in 64 KiB
	// pages (default 4096, 256 MiB).
	MaxMemoryPages uint32
}

// ErrTimeout is returned by a call that ran longer than Options.Timeout.
var ErrTimeout = errors.New("wasmrt: the function ran out of time")

// cache keeps compiled code for the life of the process, keyed by the
// binary's hash: exo test starts a server per test and exo dev one per
// rebuild, and they all compile the same few binaries. Module.Close closes
// the runtime but leaves its code here. Every runtime created here has the
// same configuration, on which the compiled code depends
// (WithCloseOnContextDone inserts checks into loops).
var cache = wazero.NewCompilationCache()

// Module is a compiled WebAssembly module. It is safe for concurrent use.
type Module struct {
	name    string
	rt      wazero.Runtime
	code    wazero.CompiledModule
	funcs   map[string]api.FunctionDefinition
	cfg     wazero.ModuleConfig
	timeout time.Duration

	// closed is canceled by Close, which stops the calls in flight and
	// waits for them (calls) before closing the runtime: a memory must not
	// go back to memoryPool while a function still runs on it.
	closed     context.Context
	closeCalls context.CancelFunc
	mu         sync.Mutex
	calls      sync.WaitGroup
	isClosed   bool
}

// Compile compiles the binary bin; name identifies the module in errors.
// The binary must not import anything: there is nothing to link it to.
func Compile(ctx context.Context, name string, bin []byte, opts Options) (*Module, error) {
	pages := opts.MaxMemoryPages
	if pages == 0 {
		pages = 4096
	}
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().
		WithCompilationCache(cache).
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(pages))
	code, err := rt.CompileModule(ctx, bin)
	if err != nil {
		_ = rt.Close(ctx)
		return nil, fmt.Errorf("wasm module %s: %w", name, err)
	}
	if imp := code.ImportedFunctions(); len(imp) > 0 {
		_ = rt.Close(ctx)
		mod, fn, _ := imp[0].Import()
		return nil, fmt.Errorf("wasm module %s imports %s.%s: imports are not supported", name, mod, fn)
	}
	if imp := code.ImportedMemories(); len(imp) > 0 {
		_ = rt.Close(ctx)
		mod, mem, _ := imp[0].Import()
		return nil, fmt.Errorf("wasm module %s imports memory %s.%s: imports are not supported", name, mod, mem)
	}
	closed, closeCalls := context.WithCancel(context.Background())
	return &Module{
		name:  name,
		rt:    rt,
		code:  code,
		funcs: code.ExportedFunctions(),
		// Anonymous (so that instances can coexist), without a _start call
		// (only the binary's own start function runs, as in wasmtime).
		cfg:        wazero.NewModuleConfig().WithName("").WithStartFunctions(),
		timeout:    opts.Timeout,
		closed:     closed,
		closeCalls: closeCalls,
	}, nil
}

// ErrClosed is returned by calls on a closed Module, and by calls that
// Close stopped.
var ErrClosed = errors.New("wasmrt: the module is closed")

// Close stops the calls in flight (they fail with ErrClosed), waits for
// them to return and releases the runtime. The compiled code stays in the
// process's cache.
func (m *Module) Close(ctx context.Context) error {
	m.mu.Lock()
	if m.isClosed {
		m.mu.Unlock()
		return nil
	}
	m.isClosed = true
	m.mu.Unlock()
	m.closeCalls()
	m.calls.Wait()
	return m.rt.Close(ctx)
}

// enter registers a call; it returns false when the module is closed.
func (m *Module) enter() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.isClosed {
		return false
	}
	m.calls.Add(1)
	return true
}

// Func describes an exported function.
type Func struct {
	// Params and Results are the value types ("i32", "i64", "f32", "f64").
	Params, Results []string
}

// Func returns the signature of the exported function fn.
func (m *Module) Func(fn string) (Func, bool) {
	def, ok := m.funcs[fn]
	if !ok {
		return Func{}, false
	}
	var f Func
	for _, t := range def.ParamTypes() {
		f.Params = append(f.Params, api.ValueTypeName(t))
	}
	for _, t := range def.ResultTypes() {
		f.Results = append(f.Results, api.ValueTypeName(t))
	}
	return f, true
}

// NotFoundError is returned when the module does not export the function.
type NotFoundError struct{ Module, Func string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("wasm module %s does not export a function %s", e.Module, e.Func)
}

// ArgError reports an argument that cannot be passed to the function: a
// null, a value of the wrong kind or out of the parameter's range. Its
// message is meant for the client.
type ArgError struct {
	Func  string
	Index int
	Msg   string
}

func (e *ArgError) Error() string { return e.Msg }

// TrapError is a WebAssembly trap (unreachable, division by zero, out of
// bounds memory access, stack overflow, ...) or a failed instantiation.
type TrapError struct {
	Func string
	// Message is the trap ("wasm error: unreachable"); Stack is the wasm
	// stack trace, when there is one.
	Message, Stack string
}

func (e *TrapError) Error() string {
	return fmt.Sprintf("wasm function %s failed: %s", e.Func, e.Message)
}

// Call calls the exported function fn with args (see the package
// documentation for the conversions) in a fresh instance and returns its
// result: nil for a function without results, int64 or float64 otherwise
// (the first result when there are several).
func (m *Module) Call(ctx context.Context, fn string, args ...any) (result any, err error) {
	def, ok := m.funcs[fn]
	if !ok {
		return nil, &NotFoundError{Module: m.name, Func: fn}
	}
	ptypes := def.ParamTypes()
	if len(args) != len(ptypes) {
		return nil, &ArgError{Func: fn, Index: -1, Msg: fmt.Sprintf("%s takes %d arguments, got %d", fn, len(ptypes), len(args))}
	}
	params := make([]uint64, len(args))
	for i, a := range args {
		if params[i], err = encode(ptypes[i], a); err != nil {
			name := fmt.Sprint(i)
			if names := def.ParamNames(); i < len(names) && names[i] != "" {
				name = names[i]
			}
			return nil, &ArgError{Func: fn, Index: i, Msg: fmt.Sprintf("argument %s of %s: %v", name, fn, err)}
		}
	}
	if !m.enter() {
		return nil, ErrClosed
	}
	defer m.calls.Done()
	if m.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, m.timeout, ErrTimeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer context.AfterFunc(m.closed, func() { cancel(ErrClosed) })()
	ctx = experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(allocateMemory))
	defer func() {
		// wazero turns traps into errors; this is a last line of defence
		// so that no module can crash the server.
		if r := recover(); r != nil {
			result, err = nil, &TrapError{Func: fn, Message: fmt.Sprint(r)}
		}
	}()
	inst, err := m.rt.InstantiateModule(ctx, m.code, m.cfg)
	if err != nil {
		return nil, m.callError(ctx, fn, err)
	}
	defer inst.Close(context.WithoutCancel(ctx))
	f := inst.ExportedFunction(fn)
	if f == nil {
		return nil, &NotFoundError{Module: m.name, Func: fn}
	}
	res, err := f.Call(ctx, params...)
	if err != nil {
		return nil, m.callError(ctx, fn, err)
	}
	if len(res) == 0 {
		return nil, nil
	}
	return decode(def.ResultTypes()[0], res[0]), nil
}

func (m *Module) callError(ctx context.Context, fn string, err error) error {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded, sys.ExitCodeContextCanceled:
			// The timeout, Close, or the caller's own context.
			if cause := context.Cause(ctx); cause != nil {
				return cause
			}
			return ctx.Err()
		}
	}
	msg, stack, _ := strings.Cut(err.Error(), "\nwasm stack trace:\n")
	return &TrapError{Func: fn, Message: msg, Stack: stack}
}

// memoryPool recycles the linear memories of finished calls. Every call
// instantiates the module, and a Rust module asks for 17 pages (1.1 MiB):
// allocating that afresh made each call garbage for the collector (0.64 ms
// a call, against 0.04 ms with recycled memory, on the CI machine).
var memoryPool sync.Pool // of *[]byte

// maxPooledMemory bounds the memories kept for reuse.
const maxPooledMemory = 64 << 20

// pooledMemory is a linear memory backed by a recycled buffer. Bytes past
// the length are stale and are zeroed as the memory grows over them.
type pooledMemory struct{ buf []byte }

func allocateMemory(capacity, max uint64) experimental.LinearMemory {
	m := &pooledMemory{}
	if p, ok := memoryPool.Get().(*[]byte); ok {
		m.buf = (*p)[:0]
	}
	return m
}

// Reallocate implements experimental.LinearMemory.
func (m *pooledMemory) Reallocate(size uint64) []byte {
	if size > uint64(cap(m.buf)) {
		if size > math.MaxInt {
			return nil
		}
		grown := make([]byte, size)
		copy(grown, m.buf)
		m.buf = grown
		return m.buf
	}
	old := len(m.buf)
	m.buf = m.buf[:size]
	clear(m.buf[old:])
	return m.buf
}

// Free implements experimental.LinearMemory. wazero calls it when the
// instance is closed, after its functions have returned.
func (m *pooledMemory) Free() {
	if m.buf != nil && cap(m.buf) <= maxPooledMemory {
		b := m.buf[:0]
		memoryPool.Put(&b)
	}
	m.buf = nil
}

// encode converts a GraphQL value to a wasm value of type t.
func encode(t api.ValueType, v any) (uint64, error) {
	if v == nil {
		return 0, errors.New("null cannot be passed to a WebAssembly function")
	}
	if b, ok := v.(bool); ok {
		if t != api.ValueTypeI32 {
			return 0, fmt.Errorf("a Boolean cannot be passed as %s", api.ValueTypeName(t))
		}
		if b {
			return 1, nil
		}
		return 0, nil
	}
	switch t {
	case api.ValueTypeI32, api.ValueTypeI64:
		n, ok := toInt(v)
		if !ok {
			return 0, fmt.Errorf("%v is not an integer", v)
		}
		if t == api.ValueTypeI32 {
			if n < math.MinInt32 || n > math.MaxInt32 {
				return 0, fmt.Errorf("%d does not fit in i32", n)
			}
			return api.EncodeI32(int32(n)), nil
		}
		return api.EncodeI64(n), nil
	case api.ValueTypeF32, api.ValueTypeF64:
		x, ok := toFloat(v)
		if !ok {
			return 0, fmt.Errorf("%v is not a number", v)
		}
		if t == api.ValueTypeF32 {
			return api.EncodeF32(float32(x)), nil
		}
		return api.EncodeF64(x), nil
	}
	return 0, fmt.Errorf("parameters of type %s are not supported", api.ValueTypeName(t))
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n), true
		}
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	case int32:
		return float64(n), true
	case json.Number:
		x, err := n.Float64()
		return x, err == nil
	}
	return 0, false
}

// decode converts a wasm result of type t to int64 or float64.
func decode(t api.ValueType, v uint64) any {
	switch t {
	case api.ValueTypeI32:
		return int64(api.DecodeI32(v))
	case api.ValueTypeI64:
		return int64(v)
	case api.ValueTypeF32:
		return float64(api.DecodeF32(v))
	case api.ValueTypeF64:
		return api.DecodeF64(v)
	}
	return v
}
