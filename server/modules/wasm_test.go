package modules

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/wasmtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
)

const wasmModel = `
@wasm("math.wasm")
module MathModule {
  @access(true) query spin(): Int
  @access(true) query div(x: Float, y: Float): Float
  @access(true) query divq(x: Float, y: Float): Float?
  @access(true) query add(a: Int, b: Int): Int
}
`

func wasmSystem(t *testing.T, read bool) *ir.System {
	t.Helper()
	f64 := wasmtest.F64
	bin := wasmtest.Module{Funcs: []wasmtest.Func{
		{Name: "spin", Results: []byte{wasmtest.I32}, Code: []byte{wasmtest.OpLoop, wasmtest.BlockEmpty, wasmtest.OpBr, 0, wasmtest.OpEnd, wasmtest.OpUnreachable}},
		{Name: "div", Params: []byte{f64, f64}, Results: []byte{f64}, Code: []byte{wasmtest.OpLocalGet, 0, wasmtest.OpLocalGet, 1, wasmtest.OpF64Div}},
		{Name: "divq", Params: []byte{f64, f64}, Results: []byte{f64}, Code: []byte{wasmtest.OpLocalGet, 0, wasmtest.OpLocalGet, 1, wasmtest.OpF64Div}},
		wasmtest.AddFunc(),
	}}.Bytes()
	fsys := fstest.MapFS{"src/index.exo": {Data: []byte(wasmModel)}, "src/math.wasm": {Data: bin}}
	sys, diags := compiler.Compile(compiler.Options{Root: ".", FS: fsys, ReadWasm: read})
	if sys == nil || diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	return sys
}

func callWasm(t *testing.T, e *Engine, name string, args map[string]any) (string, error) {
	t.Helper()
	op, ok := e.Operation(graphql.Query, name)
	if !ok {
		t.Fatalf("no operation %s", name)
	}
	out, err := e.Resolve(context.Background(), op, &graphql.Field{Name: name, Alias: name, Arguments: args}, &Request{})
	return string(out), err
}

func TestWasmResolve(t *testing.T) {
	var logs bytes.Buffer
	e, err := New(wasmSystem(t, true), Options{Timeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if out, err := callWasm(t, e, "add", map[string]any{"a": int64(40), "b": int64(2)}); out != "42" || err != nil {
		t.Errorf("add = %s, %v", out, err)
	}
	if out, err := callWasm(t, e, "div", map[string]any{"x": 1.0, "y": 8.0}); out != "0.125" || err != nil {
		t.Errorf("div = %s, %v", out, err)
	}
	// NaN and infinities are not GraphQL Floats.
	for _, name := range []string{"div", "divq"} {
		if out, err := callWasm(t, e, name, map[string]any{"x": 0.0, "y": 0.0}); err == nil || err.Error() != graphql.MsgInternalServerError {
			t.Errorf("%s(0, 0) = %s, %v", name, out, err)
		}
	}
	start := time.Now()
	if _, err := callWasm(t, e, "spin", nil); err == nil || err.Error() != graphql.MsgInternalServerError {
		t.Errorf("spin: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("spin stopped after %v", d)
	}
	for _, want := range []string{"NaN is not a valid Float", "ran out of time"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}

// A model-only compile has no binary: the engine starts, calls fail with a
// logged reason.
func TestWasmWithoutBinary(t *testing.T) {
	var logs bytes.Buffer
	e, err := New(wasmSystem(t, false), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := callWasm(t, e, "add", map[string]any{"a": int64(1), "b": int64(2)}); err == nil || err.Error() != graphql.MsgInternalServerError {
		t.Errorf("add: %v", err)
	}
	if !strings.Contains(logs.String(), "has no WebAssembly binary") {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestWasmResult(t *testing.T) {
	op := func(scalar ir.Scalar, optional bool) *ir.Operation {
		return &ir.Operation{Name: "f", Return: ir.TypeRef{Kind: ir.KindScalar, Scalar: scalar, Name: scalar.String()}, ReturnOptional: optional}
	}
	for _, c := range []struct {
		op   *ir.Operation
		v    any
		want string // "" for an error
	}{
		{op(ir.Int, false), int64(-3), "-3"},
		{op(ir.Int, false), 4.0, "4"},
		{op(ir.Int, false), 4.5, ""},
		{op(ir.Float, false), 2.5, "2.5"},
		{op(ir.Float, false), int64(2), "2"},
		{op(ir.Boolean, false), int64(0), "false"},
		{op(ir.Boolean, false), int64(7), "true"},
		{op(ir.Boolean, false), 1.0, ""},
		{op(ir.Int, true), nil, "null"},
		{op(ir.Int, false), nil, ""},
		{op(ir.String, false), int64(1), ""},
	} {
		got, err := wasmResult(c.op, c.v)
		if (c.want == "") != (err != nil) || string(got) != c.want {
			t.Errorf("%s from %v = %s, %v; want %q", c.op.Return.Name, c.v, got, err, c.want)
		}
	}
}
