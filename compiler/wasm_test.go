package compiler

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/internal/wasmtest"
	"github.com/exo-dev/exo/ir"
)

const wasmModel = `@wasm("../wasm/math.wasm")
module MathModule {
  @access(true)
  query add(a: Int, b: Int): Int
}
`

func compileWasm(t *testing.T, model string, wasm []byte) (*ir.System, diag.List) {
	t.Helper()
	fsys := fstest.MapFS{"src/index.exo": {Data: []byte(model)}}
	if wasm != nil {
		fsys["wasm/math.wasm"] = &fstest.MapFile{Data: wasm}
	}
	return Compile(Options{Root: ".", FS: fsys, ReadWasm: true})
}

// renderDiags renders l as the CLI does (file:line:col, snippet, caret).
func renderDiags(t *testing.T, l diag.List) string {
	t.Helper()
	var b bytes.Buffer
	if err := diag.Render(&b, l, diag.RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// wantDiag asserts that l has exactly one error, with code, message
// fragment and position (1-based line and column in src/index.exo).
func wantDiag(t *testing.T, l diag.List, code, fragment string, line, col int) {
	t.Helper()
	if l.ErrorCount() != 1 {
		t.Fatalf("want one error, got:\n%s", renderDiags(t, l))
	}
	var d *diag.Diagnostic
	for _, x := range l {
		if x.Severity == diag.Error {
			d = x
		}
	}
	if d.Code != code || !strings.Contains(d.Message, fragment) {
		t.Errorf("got %s %q, want %s containing %q", d.Code, d.Message, code, fragment)
	}
	if !d.Span.IsValid() {
		t.Fatalf("diagnostic without a position: %s", d.Message)
	}
	if d.Span.File.Name != "src/index.exo" {
		t.Errorf("diagnostic in %s, want src/index.exo", d.Span.File.Name)
	}
	if l, c := d.Span.File.LineCol(int(d.Span.Start)); l != line || c != col {
		t.Errorf("diagnostic at %d:%d, want %d:%d\n%s", l, c, line, col, renderDiags(t, diag.List{d}))
	}
}

func TestWasmModuleRead(t *testing.T) {
	bin := wasmtest.Add()
	sys, diags := compileWasm(t, wasmModel, bin)
	if sys == nil || diags.HasErrors() {
		t.Fatalf("compile failed:\n%s", renderDiags(t, diags))
	}
	m := &sys.Modules[0]
	if m.Kind != ir.ModuleWasm || m.SourcePath != "wasm/math.wasm" || !bytes.Equal(m.Wasm, bin) {
		t.Errorf("module = %v %q, %d bytes of wasm", m.Kind, m.SourcePath, len(m.Wasm))
	}

	// A model-only compile does not look at the file.
	sys, diags = Compile(Options{Root: ".", FS: fstest.MapFS{"src/index.exo": {Data: []byte(wasmModel)}}})
	if sys == nil || diags.HasErrors() || sys.Modules[0].Wasm != nil {
		t.Errorf("model-only compile: %v\n%s", sys != nil, renderDiags(t, diags))
	}
}

func TestWasmModuleMissingFile(t *testing.T) {
	_, diags := compileWasm(t, wasmModel, nil)
	wantDiag(t, diags, CodeWasmMissing, "Module file wasm/math.wasm not found", 1, 7)
	out := renderDiags(t, diags)
	for _, want := range []string{"src/index.exo:1:7", `@wasm("../wasm/math.wasm")`, "|       ^^^^^^^^^^^^^^^^^^^\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered diagnostic lacks %q:\n%s", want, out)
		}
	}
}

func TestWasmModuleNotWasm(t *testing.T) {
	_, diags := compileWasm(t, wasmModel, []byte("#!/bin/sh\necho add\n"))
	wantDiag(t, diags, CodeWasmInvalid, "is not a WebAssembly module (it does not start with \\0asm)", 1, 7)

	// Truncated: the magic is right, the sections are cut short.
	bin := wasmtest.Add()
	_, diags = compileWasm(t, wasmModel, bin[:len(bin)-3])
	wantDiag(t, diags, CodeWasmInvalid, "is not a valid WebAssembly module", 1, 7)
}

func TestWasmModuleImports(t *testing.T) {
	bin := wasmtest.Module{
		Imports: []wasmtest.Import{{Module: "wasi_snapshot_preview1", Name: "fd_write", Params: []byte{wasmtest.I32}, Results: []byte{wasmtest.I32}}},
		Funcs:   []wasmtest.Func{wasmtest.AddFunc()},
	}.Bytes()
	_, diags := compileWasm(t, wasmModel, bin)
	wantDiag(t, diags, CodeWasmInvalid, "imports wasi_snapshot_preview1.fd_write", 1, 7)
}

func TestWasmModuleMissingExport(t *testing.T) {
	model := wasmModel[:strings.LastIndex(wasmModel, "}")] + "  @access(true)\n  mutation sub(a: Int, b: Int): Int\n}\n"
	_, diags := compileWasm(t, model, wasmtest.Add())
	wantDiag(t, diags, CodeWasmExport, "Module file wasm/math.wasm does not export a function named sub (mutation sub calls it)", 6, 12)

	// An export of that name that is not a function.
	model = wasmModel[:strings.LastIndex(wasmModel, "}")] + "  @access(true)\n  query memory(a: Int): Int\n}\n"
	_, diags = compileWasm(t, model, wasmtest.Add())
	wantDiag(t, diags, CodeWasmExport, "The export memory of module file wasm/math.wasm is not a function", 6, 9)
}

func TestWasmModuleSignature(t *testing.T) {
	f := func(params, results []byte) []byte {
		return wasmtest.Module{Funcs: []wasmtest.Func{{Name: "add", Params: params, Results: results, Code: []byte{wasmtest.OpUnreachable}}}}.Bytes()
	}
	i32, i64, f32, f64 := wasmtest.I32, wasmtest.I64, wasmtest.F32, wasmtest.F64
	for _, c := range []struct {
		name            string
		model           string
		params, results []byte
		ok              bool
	}{
		{"i32", wasmModel, []byte{i32, i32}, []byte{i32}, true},
		{"i64", wasmModel, []byte{i64, i32}, []byte{i64}, true},
		{"float", strings.ReplaceAll(wasmModel, "Int", "Float"), []byte{f32, f64}, []byte{f64}, true},
		{"boolean", strings.ReplaceAll(wasmModel, "Int", "Boolean"), []byte{i32, i32}, []byte{i32}, true},
		{"float for int", wasmModel, []byte{f64, i32}, []byte{i32}, false},
		{"boolean as i64", strings.ReplaceAll(wasmModel, "Int", "Boolean"), []byte{i64, i32}, []byte{i32}, false},
		{"too few params", wasmModel, []byte{i32}, []byte{i32}, false},
		{"no result", wasmModel, []byte{i32, i32}, nil, false},
		{"two results", wasmModel, []byte{i32, i32}, []byte{i32, i32}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sys, diags := compileWasm(t, c.model, f(c.params, c.results))
			if c.ok {
				if sys == nil || diags.HasErrors() {
					t.Fatalf("compile failed:\n%s", renderDiags(t, diags))
				}
				return
			}
			wantDiag(t, diags, CodeWasmExport, "The function add of module file wasm/math.wasm has type", 4, 9)
		})
	}
	_, diags := compileWasm(t, wasmModel, f([]byte{f64, i32}, []byte{i32}))
	if msg := diags[0].Message; !strings.Contains(msg, "has type (f64, i32) -> (i32), which does not fit query add(a: Int, b: Int): Int") {
		t.Errorf("message = %q", msg)
	}
}

// Types that cannot cross into WebAssembly are model errors, reported by the
// checker (also without reading the file, so editors show them).
func TestWasmModuleUnsupportedTypes(t *testing.T) {
	for _, c := range []struct {
		name, decl, fragment string
		col                  int
	}{
		{"string param", "query greet(name: String): Int", "Type String of parameter name is not supported in @wasm modules", 21},
		{"string return", "query greet(n: Int): String", "Return type String of query greet is not supported in @wasm modules", 24},
		{"array param", "query sum(xs: Array<Int>): Int", "Type Array<Int> of parameter xs is not supported in @wasm modules", 17},
		{"module type", "query make(n: Int): Pair", "Return type Pair of query make is not supported in @wasm modules", 23},
		{"injected context", "query who(@inject ctx: AuthContext): Int", "Parameter ctx of query who cannot be injected", 13},
		{"injected exograph", "mutation run(@inject exograph: Exograph): Int", "Parameter exograph of mutation run cannot be injected", 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			model := "context AuthContext {\n  @jwt role: String\n}\n" +
				"@wasm(\"../wasm/math.wasm\")\nmodule MathModule {\n  type Pair {\n    a: Int\n  }\n  @access(true)\n  " + c.decl + "\n}\n"
			for _, read := range []bool{false, true} {
				fsys := fstest.MapFS{"src/index.exo": {Data: []byte(model)}, "wasm/math.wasm": {Data: wasmtest.Add()}}
				_, diags := Compile(Options{Root: ".", FS: fsys, ReadWasm: read})
				wantDiag(t, diags, "check/wasm-type", c.fragment, 10, c.col)
			}
		})
	}
}

func TestWasmModuleInterceptor(t *testing.T) {
	model := wasmModel[:strings.LastIndex(wasmModel, "}")] + "  @before(\"query *\")\n  interceptor log()\n}\n"
	_, diags := compileWasm(t, model, wasmtest.Add())
	wantDiag(t, diags, "check/wasm-interceptor", "Interceptors are not supported in @wasm modules", 6, 15)
}

// Every prefix and every single-byte corruption of a valid binary is
// either accepted or rejected with an error; never a panic.
func TestParseWasmCorrupt(t *testing.T) {
	bin := wasmtest.Module{
		Imports:     []wasmtest.Import{{Module: "env", Name: "f", Params: []byte{wasmtest.I64}}},
		Funcs:       []wasmtest.Func{wasmtest.AddFunc(), {Name: "neg", Params: []byte{wasmtest.F64}, Results: []byte{wasmtest.F64}, Code: []byte{wasmtest.OpUnreachable}}},
		MemoryPages: 1,
	}.Bytes()
	info, err := parseWasm(bin)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.funcs["add"].String(); got != "(i32, i32) -> (i32)" {
		t.Errorf("add: %s", got)
	}
	if got := info.funcs["neg"].String(); got != "(f64) -> (f64)" {
		t.Errorf("neg: %s", got)
	}
	if !info.other["memory"] || len(info.imports) != 1 || info.imports[0] != "env.f" {
		t.Errorf("other %v, imports %v", info.other, info.imports)
	}
	for n := range bin {
		if _, err := parseWasm(bin[:n]); err == nil && n < 8 {
			t.Errorf("%d-byte prefix accepted", n)
		}
	}
	for i := 8; i < len(bin); i++ {
		for _, v := range []byte{0x00, 0x7f, 0x80, 0xff} {
			c := bytes.Clone(bin)
			c[i] = v
			_, _ = parseWasm(c)
		}
	}
}

// FuzzParseWasm: parseWasm never panics, and what it accepts it describes
// consistently (every export it lists has a known kind).
func FuzzParseWasm(f *testing.F) {
	f.Add(wasmtest.Module{Funcs: []wasmtest.Func{wasmtest.AddFunc()}}.Bytes())
	f.Add(wasmtest.Module{
		Imports:     []wasmtest.Import{{Module: "env", Name: "f", Params: []byte{wasmtest.I64}}},
		Funcs:       []wasmtest.Func{wasmtest.AddFunc(), {Name: "neg", Params: []byte{wasmtest.F64}, Results: []byte{wasmtest.F64}, Code: []byte{wasmtest.OpUnreachable}}},
		MemoryPages: 1,
	}.Bytes())
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := parseWasm(data)
		if err != nil {
			return
		}
		for name, ft := range info.funcs {
			_ = ft.String()
			if info.other[name] {
				t.Errorf("%q is both a function and another export", name)
			}
		}
	})
}
