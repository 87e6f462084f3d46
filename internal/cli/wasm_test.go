package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/internal/wasmtest"
)

const wasmBinaryPath = "src/wasm-source/target/wasm32-unknown-unknown/debug/wasi_add.wasm"

// writeWasmProject writes a project shaped like Exograph's wasm integration
// test: the model, one .exotest and the Rust crate's Cargo.toml; the
// binary only when bin is not nil.
func writeWasmProject(t *testing.T, bin []byte) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"src/index.exo": `@wasm("./wasm-source/target/wasm32-unknown-unknown/debug/wasi_add.wasm")
module ArithmeticModule {
    @access(true)
    query add(a: Int, b: Int): Int
}
`,
		"src/wasm-source/Cargo.toml": "[package]\nname = \"wasi-add\"\n",
		"tests/basic.exotest": `operation: |
    query add($a: Int!, $b: Int!) {
      add(a: $a, b: $b)
    }
variable: |
    {
        "a": 5,
        "b": 6,
    }
response: |
    {
      "data": {
        "add": 11
      }
    }
`,
	}
	if bin != nil {
		files[wasmBinaryPath] = string(bin)
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestWasmBuildMissing(t *testing.T) {
	defer func(f func(context.Context) bool) { canBuildWasm = f }(canBuildWasm)
	toolchain := false
	canBuildWasm = func(context.Context) bool { return toolchain }
	ctx := context.Background()

	dir := writeWasmProject(t, nil)
	want := "needs wasm build (" + wasmBinaryPath + " is missing; build it with cargo build --target wasm32-unknown-unknown)"
	if got := unsupportedProject(ctx, dir); got != want {
		t.Errorf("missing binary, Rust sources, no toolchain: %q\nwant %q", got, want)
	}
	// With a toolchain the build script builds it: the project runs.
	toolchain = true
	if got := unsupportedProject(ctx, dir); got != "" {
		t.Errorf("missing binary with a toolchain: %q", got)
	}
	toolchain = false
	// Without Rust sources nothing can build it: the project runs (and
	// fails with the compiler's diagnostic).
	if err := os.Remove(filepath.Join(dir, "src/wasm-source/Cargo.toml")); err != nil {
		t.Fatal(err)
	}
	if got := unsupportedProject(ctx, dir); got != "" {
		t.Errorf("missing binary without Rust sources: %q", got)
	}
	// The binary is there.
	if got := unsupportedProject(ctx, writeWasmProject(t, wasmtest.Add())); got != "" {
		t.Errorf("binary present: %q", got)
	}
}

// exo test runs a @wasm module end to end: build (reading the binary),
// server, GraphQL.
func TestExoTestWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("launches PostgreSQL")
	}
	dir := writeWasmProject(t, wasmtest.Add())
	var out, errb bytes.Buffer
	if code := Run([]string{"test", dir}, IO{Out: &out, Err: &errb}); code != ExitOK {
		t.Fatalf("exo test: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "1 passed, 0 failed") {
		t.Errorf("exo test output:\n%s", out.String())
	}

	// Without the binary and its sources, the build fails with the
	// compiler's diagnostic.
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(wasmBinaryPath))); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "src/wasm-source/Cargo.toml")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	code := Run([]string{"test", dir}, IO{Out: &out, Err: &errb})
	all := out.String() + errb.String()
	if code == ExitOK || !strings.Contains(all, "Module file "+wasmBinaryPath+" not found") || !strings.Contains(all, "src/index.exo:1:7") {
		t.Errorf("exo test without the binary: exit %d\n%s", code, all)
	}
}
