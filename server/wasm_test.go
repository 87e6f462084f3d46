package server

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/internal/wasmtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/jsbundle"
	"github.com/exo-dev/exo/schema"
)

const wasmTestModel = `
context AuthContext {
  @header("X-Role") role: String?
}

@postgres
module NoteModule {
  @access(true)
  type Note {
    @pk id: Int = autoIncrement()
    text: String
  }
}

@wasm("../wasm/math.wasm")
module MathModule {
  @access(true) query add(a: Int, b: Int): Int
  @access(true) query mul(x: Float, y: Float): Float
  @access(true) query not(b: Boolean): Boolean
  @access(true) query div(a: Int, b: Int): Int
  @access(true) query unreachable(): Int
  @access(true) query spin(): Int
  @access(true) query inc(a: Int?): Int
  @access(AuthContext.role == "admin") mutation store(a: Int): Int
  query hidden(a: Int): Int
}

@deno("log.ts")
module Logging {
  @around("query add")
  interceptor twice(operation: Operation)
}
`

// around proceeds and doubles the result of the wasm function.
const wasmTestInterceptor = `
export async function twice(operation: Operation) {
  const r = await operation.proceed();
  return r * 2;
}
`

func wasmTestBinary() []byte {
	i32, i64, f64 := wasmtest.I32, wasmtest.I64, wasmtest.F64
	get := wasmtest.OpLocalGet
	return wasmtest.Module{MemoryPages: 1, Funcs: []wasmtest.Func{
		wasmtest.AddFunc(),
		{Name: "mul", Params: []byte{f64, f64}, Results: []byte{f64}, Code: []byte{get, 0, get, 1, wasmtest.OpF64Mul}},
		{Name: "not", Params: []byte{i32}, Results: []byte{i32}, Code: []byte{get, 0, wasmtest.OpI32Eqz}},
		{Name: "div", Params: []byte{i32, i32}, Results: []byte{i32}, Code: []byte{get, 0, get, 1, wasmtest.OpI32DivS}},
		{Name: "unreachable", Results: []byte{i32}, Code: []byte{wasmtest.OpUnreachable}},
		{Name: "spin", Results: []byte{i32}, Code: []byte{wasmtest.OpLoop, wasmtest.BlockEmpty, wasmtest.OpBr, 0, wasmtest.OpEnd, wasmtest.OpUnreachable}},
		{Name: "inc", Params: []byte{i64}, Results: []byte{i64}, Code: []byte{get, 0, get, 0, wasmtest.OpI64Add}},
		{Name: "store", Params: []byte{i32}, Results: []byte{i32}, Code: []byte{get, 0}},
		{Name: "hidden", Params: []byte{i32}, Results: []byte{i32}, Code: []byte{get, 0}},
	}}.Bytes()
}

// wasmProject writes the model, the interceptor and the binary into a
// project directory and compiles it as exo build does, through the IR
// file format.
func wasmProject(t *testing.T) (*ir.System, string) {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"src/index.exo":  []byte(wasmTestModel),
		"src/log.ts":     []byte(wasmTestInterceptor),
		"wasm/math.wasm": wasmTestBinary(),
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: jsbundle.New(jsbundle.Options{}), ReadWasm: true})
	if sys == nil || diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	path := filepath.Join(dir, ir.DefaultPath)
	if err := ir.WriteFile(path, sys); err != nil {
		t.Fatal(err)
	}
	sys, err := ir.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(sys.Modules[0].Wasm) == 0 {
		t.Fatal("the IR lost the wasm binary")
	}
	return sys, strings.Join(schema.FromIR(sys).DDL(), ";\n")
}

func TestWasmModule(t *testing.T) {
	sys, ddl := wasmProject(t)
	ts := startServer(t, sys, pgtest.NewFromTemplate(t, ddl), map[string]string{"EXO_UNSTABLE_ENABLE_RPC_API": "true"}, func(c *Config) {
		c.ProjectDir = ""
	})
	internal := `{"errors":[{"message":"Internal server error"}]}`
	for _, c := range []struct{ query, want string }{
		// The around interceptor of the @deno module doubles add's result.
		{`{ add(a: 5, b: 6) }`, `{"data":{"add":22}}`},
		{`{ mul(x: 1.5, y: 4) }`, `{"data":{"mul":6}}`},
		{`{ mul(x: 0.1, y: 3) }`, `{"data":{"mul":0.30000000000000004}}`},
		{`{ t: not(b: true) f: not(b: false) }`, `{"data":{"t":false,"f":true}}`},
		{`{ div(a: -7, b: 2) }`, `{"data":{"div":-3}}`},
		{`{ inc(a: 2147483647) }`, `{"data":{"inc":4294967294}}`},
		// Postgres and wasm fields in one operation.
		{`{ notes { id } add(a: 1, b: 1) }`, `{"data":{"notes":[],"add":4}}`},
		// Traps are internal errors, logged; the server keeps serving.
		{`{ unreachable }`, internal},
		{`{ div(a: 1, b: 0) }`, internal},
		{`{ inc }`, `{"errors":[{"message":"Argument 'a' of inc must not be null: WebAssembly functions take only numbers"}]}`},
		{`{ inc(a: null) }`, `{"errors":[{"message":"Argument 'a' of inc must not be null: WebAssembly functions take only numbers"}]}`},
		// Access rules apply as to any module operation.
		{`mutation { store(a: 3) }`, `{"errors":[{"message":"Not authorized"}]}`},
	} {
		ts.expect(c.query, c.want)
	}
	ts.expect(`mutation { store(a: 3) }`, `{"data":{"store":3}}`, "X-Role", "admin")
	status, got := ts.post(map[string]any{"query": `query($a: Int!, $b: Int!) { add(a: $a, b: $b) }`, "variables": map[string]any{"a": 5, "b": 6}})
	if status != http.StatusOK || got != `{"data":{"add":22}}` {
		t.Errorf("add with variables: %d %s", status, got)
	}
	// Operations without @access are not exposed.
	if _, got := ts.post(`{ hidden(a: 1) }`); !strings.Contains(got, `Field 'hidden' is not valid for type 'Query'`) {
		t.Errorf("hidden: %s", got)
	}
	logs := ts.logs.String()
	for _, want := range []string{"wasm error: unreachable", "wasm error: integer divide by zero"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}

	// The same operations through JSON-RPC.
	for _, c := range []struct{ body, want string }{
		{`{"jsonrpc":"2.0","id":1,"method":"add","params":{"a":5,"b":6}}`, `{"jsonrpc":"2.0","result":22,"id":1}`},
		{`{"jsonrpc":"2.0","id":2,"method":"mul","params":{"x":2.5,"y":2}}`, `{"jsonrpc":"2.0","result":5,"id":2}`},
		{`{"jsonrpc":"2.0","id":3,"method":"unreachable"}`, `{"jsonrpc":"2.0","error":{"code":-32001,"message":"Internal server error"},"id":3}`},
		{`{"jsonrpc":"2.0","id":4,"method":"store","params":{"a":1}}`, `{"jsonrpc":"2.0","error":{"code":-32004,"message":"Not authorized"},"id":4}`},
	} {
		resp, err := ts.http.Client().Post(ts.http.URL+"/rpc", "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := compact(b); got != c.want {
			t.Errorf("rpc %s\n got %s\nwant %s", c.body, got, c.want)
		}
	}
}

// The server does not start on a binary wazero cannot compile, and says
// which module it is.
func TestWasmModuleInvalidBinary(t *testing.T) {
	sys, ddl := wasmProject(t)
	bin := bytes.Clone(sys.Modules[0].Wasm)
	// Corrupt the code section: add's body (local.get 0 local.get 1
	// i32.add end) becomes local.get 0 local.get 7 ...: an unknown local.
	i := bytes.Index(bin, []byte{wasmtest.OpLocalGet, 0, wasmtest.OpLocalGet, 1, wasmtest.OpI32Add})
	if i < 0 {
		t.Fatal("add's body not found")
	}
	bin[i+3] = 7
	sys.Modules[0].Wasm = bin
	cfg, err := FromEnv(map[string]string{"EXO_POSTGRES_URL": pgtest.NewFromTemplate(t, ddl)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(t.Context(), sys, cfg, nil)
	if err == nil {
		s.Close()
		t.Fatal("the server started on an invalid binary")
	}
	if !strings.Contains(err.Error(), "module MathModule") || !strings.Contains(err.Error(), "wasm/math.wasm") {
		t.Errorf("error = %v", err)
	}
}
