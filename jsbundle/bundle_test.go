package jsbundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for k, v := range files {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

func bundleBoth(t *testing.T, files map[string]string, entry string, fn func(t *testing.T, res compiler.BundleResult, diags diag.List)) {
	t.Run("disk", func(t *testing.T) {
		dir := writeFiles(t, files)
		res, diags, err := New(Options{}).Bundle(compiler.BundleRequest{Root: dir, Entry: entry, FS: os.DirFS(dir)})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, res, diags)
	})
	t.Run("fs", func(t *testing.T) {
		res, diags, err := New(Options{}).Bundle(compiler.BundleRequest{Entry: entry, FS: mapFS(files)})
		if err != nil {
			t.Fatal(err)
		}
		fn(t, res, diags)
	})
}

func TestBundleRelativeImportsAndTSX(t *testing.T) {
	files := map[string]string{
		"src/index.exo": "",
		"src/math.ts": `import { twice } from "./util";
import type { Exograph } from "../generated/exograph.d.ts";
import { h } from "./view.tsx";
export function add(a: number, b: number): number { return twice(a) + b; }
export async function view(_e: Exograph): Promise<string> { return h(); }
`,
		"src/util.ts": "export const twice = (x: number): number => x * 2;\n",
		"src/view.tsx": `const React = { createElement: (t: string, _p: any, ...c: any[]) => "<" + t + ">" + c.join("") + "</" + t + ">" };
export function h(): string { return <b>hi</b>; }
`,
	}
	bundleBoth(t, files, "src/math.ts", func(t *testing.T, res compiler.BundleResult, diags diag.List) {
		if diags.HasErrors() {
			t.Fatalf("unexpected diagnostics: %v", diags)
		}
		js := string(res.Script)
		if !strings.Contains(js, "var "+GlobalName+" = ") {
			t.Errorf("script does not assign %s:\n%s", GlobalName, js)
		}
		if !strings.Contains(js, "x * 2") || !strings.Contains(js, "createElement") {
			t.Errorf("imports were not bundled:\n%s", js)
		}
		if strings.Contains(js, "interface") || strings.Contains(js, ": number") {
			t.Errorf("types were not stripped:\n%s", js)
		}
		if !strings.Contains(js, "//# sourceMappingURL=math.js.map") {
			t.Errorf("no source map link:\n%s", js)
		}
		if !strings.Contains(string(res.SourceMap), `"mappings"`) || !strings.Contains(string(res.SourceMap), "util.ts") {
			t.Errorf("bad source map: %s", res.SourceMap)
		}
	})
}

func TestBundleSyntaxError(t *testing.T) {
	// The conformance case transpilation-errors, inlined.
	files := map[string]string{
		"src/todo.ts": "export function todoCount(): number {\n\t5\n// Purposefully not adding `}`",
		"src/bad.ts":  "export function f() {\n  return 1 +* 2;\n}\n",
	}
	bundleBoth(t, files, "src/todo.ts", func(t *testing.T, res compiler.BundleResult, diags diag.List) {
		if !diags.HasErrors() || res.Script != nil {
			t.Fatalf("want an error, got %v", diags)
		}
		d := diags[0]
		if d.Message != "SyntaxError: Expected '}', got '<eof>'" {
			t.Errorf("message = %q", d.Message)
		}
		if !d.Span.IsValid() || d.Span.File.Name != "src/todo.ts" {
			t.Fatalf("span = %+v", d.Span)
		}
		// Right after the last token ("5"), where Deno points too.
		l, c := d.Span.File.LineCol(int(d.Span.Start))
		if l != 2 || c != 3 {
			t.Errorf("position = %d:%d, want 2:3 (after the 5)", l, c)
		}
	})
	bundleBoth(t, files, "src/bad.ts", func(t *testing.T, res compiler.BundleResult, diags diag.List) {
		if !diags.HasErrors() {
			t.Fatal("want an error")
		}
		d := diags[0]
		l, c := d.Span.File.LineCol(int(d.Span.Start))
		if l != 2 || c != 13 || !strings.HasPrefix(d.Message, "SyntaxError: Unexpected \"*\"") {
			t.Errorf("got %d:%d %q, want 2:13 Unexpected \"*\"", l, c, d.Message)
		}
	})
}

func TestBundleImportDiagnostics(t *testing.T) {
	files := map[string]string{
		"src/ops.ts": `import process from "node:process";
import Color from "jsr:@std/color@1";
import * as m from "data:text/javascript,export default 1";
import fs from "node:child_process";
import { nope } from "./missing";
export function f(): string { return process.cwd() + Color + m + fs + nope; }
`,
	}
	bundleBoth(t, files, "src/ops.ts", func(t *testing.T, res compiler.BundleResult, diags diag.List) {
		type want struct {
			line, col  int
			code, text string
		}
		wants := []want{
			{2, 19, CodeUnsupported, `Cannot import "jsr:@std/color@1"`},
			{3, 20, CodeUnsupported, `Cannot import "data:text/javascript,export default 1": data: specifiers are not supported`},
			{4, 16, CodeUnsupported, `Node built-in module "node:child_process" is not supported`},
			{5, 22, CodeResolve, `Could not resolve "./missing"`},
		}
		if len(diags) != len(wants) {
			t.Fatalf("got %d diagnostics, want %d:\n%v", len(diags), len(wants), diags)
		}
		for _, w := range wants {
			found := false
			for _, d := range diags {
				if !d.Span.IsValid() {
					continue
				}
				l, c := d.Span.File.LineCol(int(d.Span.Start))
				if l == w.line && c == w.col && d.Code == w.code && strings.HasPrefix(d.Message, w.text) {
					found = true
				}
			}
			if !found {
				t.Errorf("missing %d:%d %s %s in\n%v", w.line, w.col, w.code, w.text, diags)
			}
		}
	})
}

func TestBundleNodeProcess(t *testing.T) {
	files := map[string]string{"src/node_ops.ts": `import process from "node:process";
export function test_builtin(): string { return process.cwd().length > 0 ? "OK" : "FAIL"; }
`}
	bundleBoth(t, files, "src/node_ops.ts", func(t *testing.T, res compiler.BundleResult, diags diag.List) {
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if !strings.Contains(string(res.Script), "globalThis.process") {
			t.Errorf("node:process shim missing:\n%s", res.Script)
		}
	})
}

func TestSkeletonWhenMissing(t *testing.T) {
	dir := writeFiles(t, map[string]string{"src/index.exo": ""})
	intT := ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Int, Name: "Int"}
	m := &ir.Module{Kind: ir.ModuleDeno, Name: "MathModule", Path: "math.ts", SourcePath: "src/math.ts",
		Types: []ir.ModuleType{{Name: "Result", Fields: []ir.ModuleField{{Name: "q", Type: intT}}}},
		Queries: []ir.Operation{{Name: "add", Args: []ir.Arg{{Name: "a", Type: intT}, {Name: "b", Type: intT, Optional: true},
			{Name: "exograph", Type: ir.TypeRef{Kind: ir.KindInjected, Name: "Exograph"}, Injected: true}},
			Return: ir.TypeRef{Kind: ir.KindModuleType, Name: "Result"}}}}
	b := New(Options{Skeleton: true})
	res, diags, err := b.Bundle(compiler.BundleRequest{Root: dir, Entry: "src/math.ts", Module: m, FS: os.DirFS(dir)})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	src, err := os.ReadFile(filepath.Join(dir, "src", "math.ts"))
	if err != nil {
		t.Fatal(err)
	}
	want := `import type { Exograph } from '../generated/exograph.d.ts';
import type { Result } from '../generated/MathModule.d.ts';

export function add(a: number, b: number | undefined | null, exograph: Exograph): Result {
	// TODO
	throw new Error('not implemented');
}
`
	if string(src) != want {
		t.Errorf("skeleton:\n%s\nwant:\n%s", src, want)
	}
	if !strings.Contains(string(res.Script), "not implemented") {
		t.Errorf("skeleton was not bundled: %s", res.Script)
	}
	// Without Skeleton: a diagnostic.
	_, diags, err = New(Options{}).Bundle(compiler.BundleRequest{Root: dir, Entry: "src/nope.ts", Module: m, FS: os.DirFS(dir)})
	if err != nil || !diags.HasErrors() || diags[0].Code != CodeMissing {
		t.Errorf("missing module: err=%v diags=%v", err, diags)
	}
}

func TestExographText(t *testing.T) {
	for in, want := range map[string]string{
		`Expected "}" but found end of file`: `Expected '}', got '<eof>'`,
		`Expected ";" but found "x"`:         `Expected ';', got 'x'`,
		`Unexpected "*"`:                     `Unexpected "*"`,
	} {
		if got := exographText(in); got != want {
			t.Errorf("exographText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBundleNodeModules(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"src/m.ts": `import pad from "leftpad"; import { up } from "esm-only";
export function f(s: string): string { return up(pad(s, 5)); }
`,
		"node_modules/leftpad/package.json":  `{"name":"leftpad","main":"lib.js"}`,
		"node_modules/leftpad/lib.js":        `module.exports = function (s, n) { while (s.length < n) s = " " + s; return s; };`,
		"node_modules/esm-only/package.json": `{"name":"esm-only","module":"index.mjs"}`,
		"node_modules/esm-only/index.mjs":    `export const up = (s) => s.toUpperCase();`,
	})
	res, diags, err := New(Options{}).Bundle(compiler.BundleRequest{Root: dir, Entry: "src/m.ts", FS: os.DirFS(dir)})
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	js := string(res.Script)
	if !strings.Contains(js, "module.exports = function") || !strings.Contains(js, "toUpperCase") {
		t.Errorf("node_modules packages not bundled:\n%s", js)
	}
}

func TestBundleNodeBuiltins(t *testing.T) {
	files := map[string]string{
		"src/ops.ts": `import { join } from "node:path";
import * as fs from "node:fs";
import { homedir } from "node:os";
import { readFile } from "node:fs/promises";
export function f(): string { return join(homedir(), "x") + fs.existsSync("a") + typeof readFile; }
`,
	}
	bundleBoth(t, files, "src/ops.ts", func(t *testing.T, res compiler.BundleResult, diags diag.List) {
		if len(diags) != 0 {
			t.Fatalf("unexpected diagnostics: %v", diags)
		}
		for _, name := range []string{"path", "fs", "os", "fs/promises"} {
			if !strings.Contains(string(res.Script), `globalThis.__exo_node("`+name+`")`) {
				t.Errorf("bundle does not reach node:%s through the runtime", name)
			}
		}
	})
}
