package wasmrt

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exo-dev/exo/internal/wasmtest"
)

const (
	i32 = wasmtest.I32
	i64 = wasmtest.I64
	f32 = wasmtest.F32
	f64 = wasmtest.F64
)

// testModule has one function of each kind the tests call.
func testModule() []byte {
	return wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{
		wasmtest.AddFunc(),
		{Name: "add64", Params: []byte{i64, i64}, Results: []byte{i64},
			Code: []byte{wasmtest.OpLocalGet, 0, wasmtest.OpLocalGet, 1, wasmtest.OpI64Add}},
		{Name: "mul", Params: []byte{f64, f64}, Results: []byte{f64},
			Code: []byte{wasmtest.OpLocalGet, 0, wasmtest.OpLocalGet, 1, wasmtest.OpF64Mul}},
		{Name: "add32", Params: []byte{f32, f32}, Results: []byte{f32},
			Code: []byte{wasmtest.OpLocalGet, 0, wasmtest.OpLocalGet, 1, wasmtest.OpF32Add}},
		{Name: "not", Params: []byte{i32}, Results: []byte{i32},
			Code: []byte{wasmtest.OpLocalGet, 0, wasmtest.OpI32Eqz}},
		{Name: "div", Params: []byte{i32, i32}, Results: []byte{i32},
			Code: []byte{wasmtest.OpLocalGet, 0, wasmtest.OpLocalGet, 1, wasmtest.OpI32DivS}},
		{Name: "unreachable", Results: []byte{i32}, Code: []byte{wasmtest.OpUnreachable}},
		{Name: "spin", Results: []byte{i32},
			Code: []byte{wasmtest.OpLoop, wasmtest.BlockEmpty, wasmtest.OpBr, 0, wasmtest.OpEnd, wasmtest.OpUnreachable}},
		// counter increments the i32 at address 0 and returns it.
		{Name: "counter", Results: []byte{i32}, Code: []byte{
			wasmtest.OpI32Const, 0,
			wasmtest.OpI32Const, 0, wasmtest.OpI32Load, 2, 0,
			wasmtest.OpI32Const, 1, wasmtest.OpI32Add,
			wasmtest.OpI32Store, 2, 0,
			wasmtest.OpI32Const, 0, wasmtest.OpI32Load, 2, 0,
		}},
	}}.Bytes()
}

func compileTest(t testing.TB, opts Options) *Module {
	t.Helper()
	m, err := Compile(context.Background(), "test.wasm", testModule(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m
}

func TestCall(t *testing.T) {
	m := compileTest(t, Options{})
	ctx := context.Background()
	for _, c := range []struct {
		fn   string
		args []any
		want any
	}{
		{"add", []any{int64(5), int64(6)}, int64(11)},
		{"add", []any{int64(-5), int64(2)}, int64(-3)},
		{"add", []any{int64(2147483647), int64(1)}, int64(-2147483648)}, // i32 wraps
		{"add64", []any{int64(1) << 40, int64(2)}, int64(1)<<40 + 2},
		{"mul", []any{1.5, 4.0}, 6.0},
		{"mul", []any{int64(3), 0.5}, 1.5},
		{"add32", []any{0.25, 0.5}, 0.75},
		{"not", []any{true}, int64(0)},
		{"not", []any{false}, int64(1)},
		{"div", []any{int64(7), int64(2)}, int64(3)},
		// Every call runs in a fresh instance: the counter starts at 0.
		{"counter", nil, int64(1)},
		{"counter", nil, int64(1)},
	} {
		got, err := m.Call(ctx, c.fn, c.args...)
		if err != nil || got != c.want {
			t.Errorf("%s%v = %v (%T), %v; want %v", c.fn, c.args, got, got, err, c.want)
		}
	}
	if f, ok := m.Func("mul"); !ok || strings.Join(f.Params, ",") != "f64,f64" || strings.Join(f.Results, ",") != "f64" {
		t.Errorf("Func(mul) = %+v, %v", f, ok)
	}
}

func TestCallErrors(t *testing.T) {
	m := compileTest(t, Options{Timeout: 200 * time.Millisecond})
	ctx := context.Background()

	var trap *TrapError
	if _, err := m.Call(ctx, "unreachable"); !errors.As(err, &trap) || trap.Message != "wasm error: unreachable" || !strings.Contains(trap.Stack, "$6()") {
		t.Errorf("unreachable: %v (%#v)", err, trap)
	}
	if _, err := m.Call(ctx, "div", int64(1), int64(0)); !errors.As(err, &trap) || trap.Message != "wasm error: integer divide by zero" {
		t.Errorf("div by 0: %v", err)
	}
	start := time.Now()
	if _, err := m.Call(ctx, "spin"); !errors.Is(err, ErrTimeout) {
		t.Errorf("spin: %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("spin stopped after %v", d)
	}
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := m.Call(cctx, "spin"); !errors.Is(err, context.Canceled) {
		t.Errorf("spin canceled: %v, want context.Canceled", err)
	}

	var ae *ArgError
	for _, c := range []struct {
		fn   string
		args []any
		want string
	}{
		{"add", []any{nil, int64(1)}, "argument 0 of add: null cannot be passed to a WebAssembly function"},
		{"add", []any{int64(1) << 40, int64(1)}, "argument 0 of add: 1099511627776 does not fit in i32"},
		{"add", []any{int64(1)}, "add takes 2 arguments, got 1"},
		{"add", []any{"1", int64(1)}, "argument 0 of add: 1 is not an integer"},
		{"mul", []any{true, 1.0}, "argument 0 of mul: a Boolean cannot be passed as f64"},
	} {
		if _, err := m.Call(ctx, c.fn, c.args...); !errors.As(err, &ae) || ae.Msg != c.want {
			t.Errorf("%s%v: %v, want %q", c.fn, c.args, err, c.want)
		}
	}
	var nf *NotFoundError
	if _, err := m.Call(ctx, "nope"); !errors.As(err, &nf) || nf.Func != "nope" {
		t.Errorf("nope: %v", err)
	}
	// The module still works after all that.
	if got, err := m.Call(ctx, "add", int64(1), int64(2)); err != nil || got != int64(3) {
		t.Errorf("add after errors = %v, %v", got, err)
	}
}

// Close stops a call in flight and waits for it; later calls fail.
func TestClose(t *testing.T) {
	m, err := Compile(context.Background(), "test.wasm", testModule(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := m.Call(context.Background(), "spin")
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v", d)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("spin stopped by Close: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("the call did not return")
	}
	if _, err := m.Call(context.Background(), "add", int64(1), int64(2)); !errors.Is(err, ErrClosed) {
		t.Errorf("call after Close: %v", err)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Recycled memories start zeroed, whatever the previous instance (of any
// module, of any size) left in them.
func TestMemoryRecycled(t *testing.T) {
	big, err := Compile(context.Background(), "add.wasm", wasmtest.Add(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close(context.Background())
	m := compileTest(t, Options{})
	for range 50 {
		if _, err := big.Call(context.Background(), "add", int64(1), int64(2)); err != nil {
			t.Fatal(err)
		}
		if got, err := m.Call(context.Background(), "counter"); err != nil || got != int64(1) {
			t.Fatalf("counter = %v, %v; want 1 (a fresh memory)", got, err)
		}
	}
	// A memory that grows past a recycled buffer keeps its contents.
	mem := allocateMemory(0, 0)
	b := mem.Reallocate(8)
	copy(b, "abcdefgh")
	b = mem.Reallocate(1 << 20)
	if string(b[:8]) != "abcdefgh" || b[8] != 0 || b[len(b)-1] != 0 {
		t.Errorf("grown memory: %q ... %d", b[:9], b[len(b)-1])
	}
	b[100] = 1
	mem.Free()
	mem = allocateMemory(0, 0)
	if b := mem.Reallocate(200); b[100] != 0 {
		t.Error("a recycled buffer was not zeroed")
	}
	mem.Free()
}

func TestCompileErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Compile(ctx, "bad.wasm", []byte("\x00asm\x01\x00\x00\x00\x01"), Options{}); err == nil || !strings.Contains(err.Error(), "bad.wasm") {
		t.Errorf("truncated module: %v", err)
	}
	imp := wasmtest.Module{
		Imports: []wasmtest.Import{{Module: "env", Name: "log", Params: []byte{i32}}},
		Funcs:   []wasmtest.Func{wasmtest.AddFunc()},
	}.Bytes()
	if _, err := Compile(ctx, "imp.wasm", imp, Options{}); err == nil || !strings.Contains(err.Error(), "imports env.log") {
		t.Errorf("module with imports: %v", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	m := compileTest(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				got, err := m.Call(context.Background(), "add", int64(g), int64(i))
				if err != nil || got != int64(g+i) {
					errs <- errors.New("wrong result")
					return
				}
				if c, err := m.Call(context.Background(), "counter"); err != nil || c != int64(1) {
					errs <- errors.New("instances share state")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkCompile(b *testing.B) {
	bin := testModule()
	ctx := context.Background()
	for b.Loop() {
		m, err := Compile(ctx, "test.wasm", bin, Options{})
		if err != nil {
			b.Fatal(err)
		}
		m.Close(ctx)
	}
}

func BenchmarkCall(b *testing.B) {
	m := compileTest(b, Options{Timeout: time.Second})
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.Call(ctx, "add", int64(5), int64(6)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallRustSized calls add in a module with the 17-page memory of
// Rust's output: every call instantiates it, memory included.
func BenchmarkCallRustSized(b *testing.B) {
	m, err := Compile(context.Background(), "add.wasm", wasmtest.Add(), Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close(context.Background())
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.Call(ctx, "add", int64(5), int64(6)); err != nil {
			b.Fatal(err)
		}
	}
}
