package exotest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestScanImports(t *testing.T) {
	type imp struct {
		spec     string
		names    []string
		typeOnly bool
	}
	tests := []struct {
		src  string
		want []imp
	}{
		{"", nil},
		{"function f() {}", nil},
		{"const important = 1", nil},
		{`import { v4 } from "https://deno.land/std@0.140.0/uuid/mod.ts";`, []imp{{"https://deno.land/std@0.140.0/uuid/mod.ts", []string{"v4"}, false}}},
		{"  import * as x from 'npm:lodash'\n", []imp{{"npm:lodash", []string{"x"}, false}}},
		{"import d, { a, b as c, \"str-name\" as s, default as e, } from './m.js'", []imp{{"./m.js", []string{"d", "a", "c", "s", "e"}, false}}},
		{"import d, * as ns from \"x\"", []imp{{"x", []string{"d", "ns"}, false}}},
		{"import {\n  a,\n  b\n} from \"./multi.js\"\nfunction f() { return a + b }", []imp{{"./multi.js", []string{"a", "b"}, false}}},
		{`import "./side-effect.js"; import data from "./d.json" with { type: "json" };`, []imp{{"./side-effect.js", nil, false}, {"./d.json", []string{"data"}, false}}},
		{`import type { T } from "./t.ts"; import { type U, v } from "./u.ts"; import type from "./t.js";`,
			[]imp{{"./t.ts", nil, true}, {"./u.ts", []string{"v"}, false}, {"./t.js", []string{"type"}, false}}},
		{"import { from } from './f.js'; import from from './g.js'", []imp{{"./f.js", []string{"from"}, false}, {"./g.js", []string{"from"}, false}}},
		// Not import declarations.
		{"const m = import('./dyn.js'); const u = import.meta.url; x.import; const o = { import: 1 };", nil},
		{"// import { a } from 'x'\n/* import { b } from 'y' */\nconst s = \"import { c } from 'z'\";", nil},
		{"const t = `import ${ `nested ${ '}' }` } import { a } from 'x'`;\nconst r = /import { a } from 'x'/g.test(t);", nil},
		{"function f() {\n  import { a } from 'x'\n}", nil},
		// After the declarations, code dividing and matching.
		{"import { a } from \"./a.js\"\nconst half = a / 2 / 1; const re = /[/]import/;", []imp{{"./a.js", []string{"a"}, false}}},
	}
	for _, tc := range tests {
		got, err := scanImports(tc.src)
		if err != nil {
			t.Errorf("scanImports(%q): %v", tc.src, err)
			continue
		}
		var g []imp
		for _, im := range got {
			g = append(g, imp{im.spec, im.names, im.typeOnly})
			// The declaration spans from its import keyword to its end.
			if decl := tc.src[im.start:im.end]; !strings.HasPrefix(decl, "import") || !strings.Contains(decl, im.spec) {
				t.Errorf("scanImports(%q): declaration %q", tc.src, decl)
			}
		}
		if !reflect.DeepEqual(g, tc.want) {
			t.Errorf("scanImports(%q) =\n %+v\nwant\n %+v", tc.src, g, tc.want)
		}
	}
}

func TestScanImportsErrors(t *testing.T) {
	for src, want := range map[string]string{
		"import { a from 'x'":            "line 1: cannot read the import declaration: expected ',' or '}', found from",
		"const a = 1;\nimport a 'x'":     `line 2: cannot read the import declaration: expected from, found "x"`,
		"import * from 'x'":              "line 1: cannot read the import declaration: expected as, found from",
		"import { a } from x":            "line 1: cannot read the import declaration: expected a module specifier string, found x",
		"import { a } from 'x\n'":        "line 1: unterminated string",
		"import { a } from 'x'\n/* open": "line 2: unterminated comment",
	} {
		_, err := scanImports(src)
		if err == nil || err.Error() != want {
			t.Errorf("scanImports(%q) = %v, want %s", src, err, want)
		}
	}
}

func TestSplitPrelude(t *testing.T) {
	src := "// helpers\nimport { a, b as c } from \"./m.js\"; const x = a;\nimport type { T } from './t.ts'\nfunction f() { return c }\nimport * as ns from \"./n.js\";\n"
	imports, err := scanImports(src)
	if err != nil {
		t.Fatal(err)
	}
	entry, rest, names := splitPrelude(src, imports)
	if !reflect.DeepEqual(names, []string{"a", "c", "ns"}) {
		t.Errorf("names = %v", names)
	}
	// Same lines and columns as the prelude: only the imports (not the
	// type-only one) in the entry, everything but them in the rest.
	wantEntry := []string{"", `import { a, b as c } from "./m.js";`, "", "", `import * as ns from "./n.js";`, "", "export { a, c, ns };", ""}
	wantRest := []string{"// helpers", "const x = a;", "", "function f() { return c }", "", ""}
	srcLines := strings.Split(src, "\n")
	for _, c := range []struct {
		name, got string
		want      []string
	}{{"entry", entry, wantEntry}, {"rest", rest, wantRest}} {
		lines := strings.Split(c.got, "\n")
		if len(lines) != len(c.want) {
			t.Errorf("%s has %d lines, want %d: %q", c.name, len(lines), len(c.want), c.got)
			continue
		}
		for i, l := range lines {
			if strings.TrimSpace(l) != c.want[i] {
				t.Errorf("%s line %d = %q, want %q", c.name, i+1, l, c.want[i])
			}
			if i < len(srcLines)-1 && len(l) != len(srcLines[i]) {
				t.Errorf("%s line %d has length %d, the prelude's %d", c.name, i+1, len(l), len(srcLines[i]))
			}
			if i < len(srcLines) && c.want[i] != "" && strings.Contains(srcLines[i], c.want[i]) && strings.Index(srcLines[i], c.want[i]) != strings.Index(l, c.want[i]) {
				t.Errorf("%s line %d: %q moved", c.name, i+1, c.want[i])
			}
		}
	}
}

// counterBundle stands for the bundle of `import { next, shout as loud }
// from ...`: next counts its calls, so the test sees how often the module
// ran.
const counterBundle = `var __exo_module = (() => {
  let n = 0;
  return { next: () => ++n, loud: (s) => s.toUpperCase() + "!" };
})();`

func TestJSPreludeImports(t *testing.T) {
	var calls int
	r := newRunner(&Suite{Root: "/"}, Options{BundlePrelude: func(ctx context.Context, src, dir, name string) ([]byte, error) {
		calls++
		if !strings.HasSuffix(src, "\nexport { next, loud };\n") || !strings.Contains(src, `import { next, shout as loud } from "https://example.com/m.ts";`) {
			t.Errorf("module of imports:\n%s", src)
		}
		if dir != "/p/tests" || name != "p/tests/t.exotest (deno prelude)" {
			t.Errorf("dir %q name %q", dir, name)
		}
		return []byte(counterBundle), nil
	}})
	src := "import { next, shout as loud } from \"https://example.com/m.ts\";\nfunction greet(s) { return loud(s) + $.suffix }\n"
	p, st, msg := r.prelude(context.Background(), src, "/p/tests/t.exotest", Failed)
	if p == nil {
		t.Fatalf("prelude: %s %s", st, msg)
	}
	// Prepared once per source and directory.
	if p2, _, _ := r.prelude(context.Background(), src, "/p/tests/other.exotest", Failed); p2 != p || calls != 1 {
		t.Errorf("prepared again: %p %p, %d bundles", p, p2, calls)
	}
	e := newTestJS(t)
	ctx := context.Background()
	b := map[string]any{"suffix": "?"}
	// The imported names and the prelude's own functions are usable; the
	// module runs once per runtime (next keeps counting).
	v, err := e.EvalJSON(ctx, p, `{"n": next(), "g": greet("hi")}`, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"n": json.Number("1"), "g": "HI!?"}; !reflect.DeepEqual(v, want) {
		t.Errorf("EvalJSON = %#v, want %#v", v, want)
	}
	if err := e.Assert(ctx, p, `{"n": next(), "g": (g) => g === greet("hi")}`, b, `{"n": 2, "g": "HI!?"}`, nil, nil); err != nil {
		t.Errorf("Assert: %v", err)
	}
	var ae *AssertionError
	if err := e.Assert(ctx, p, `{"n": next()}`, b, `{"n": 99}`, nil, nil); !errors.As(err, &ae) || !strings.Contains(ae.Message, "expected 3, got 99") {
		t.Errorf("Assert with a wrong value: %v", err)
	}
	// A new runtime runs the module again.
	e2 := newTestJS(t)
	if v, err := e2.EvalJSON(ctx, p, `next()`, nil); err != nil || !reflect.DeepEqual(v, json.Number("1")) {
		t.Errorf("new runtime: next() = %v, %v", v, err)
	}
	// Expressions without the prelude do not see the imports.
	if _, err := e.EvalJSON(ctx, nil, `next()`, nil); err == nil || !strings.Contains(err.Error(), "next is not defined") {
		t.Errorf("without the prelude: %v", err)
	}
}

func TestJSPreludeBundleThrows(t *testing.T) {
	r := newRunner(&Suite{Root: t.TempDir()}, Options{BundlePrelude: func(ctx context.Context, src, dir, name string) ([]byte, error) {
		return []byte(`var __exo_module = (() => { throw new Error("no crypto here"); })();`), nil
	}})
	p, _, msg := r.prelude(context.Background(), `import { a } from "./a.js";`, "/p/t.exotest", Failed)
	if p == nil {
		t.Fatal(msg)
	}
	_, err := newTestJS(t).EvalJSON(context.Background(), p, `a`, nil)
	if err == nil || !strings.Contains(err.Error(), "evaluating the imports of the deno prelude") || !strings.Contains(err.Error(), "no crypto here") {
		t.Errorf("err = %v", err)
	}
}

// writeTree writes files (slash paths) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
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

func TestRunPreludeImports(t *testing.T) {
	shoutPrelude := "deno: |\n  import { shout } from \"./helpers.js\";\n"
	root := writeTree(t, map[string]string{
		"p/src/index.exo": "",
		// Imported names in variable and response expressions.
		"p/tests/pass.exotest": shoutPrelude + "operation: |\n  query($s: String) { variables }\nvariable: |\n  {\"s\": shout(\"hi\")}\n" +
			"response: |\n  {\"data\": {\"variables\": {\"s\": (s) => s === shout(\"hi\")}}}\n",
		"p/tests/fail.exotest": shoutPrelude + "operation: |\n  query { noop }\nresponse: |\n  {\"data\": {\"noop\": shout(\"x\")}}\n",
		"p/tests/offline.exotest": "deno: |\n  import { v4 } from \"https://offline.example/uuid.ts\";\n" +
			"operation: |\n  query { noop }\nresponse: |\n  {\"data\": {\"noop\": v4.validate}}\n",
		"p/tests/broken.exotest":     "deno: |\n  import { nope } from \"./helpers.js\";\noperation: |\n  query { noop }\n",
		"p/tests/bad-syntax.exotest": "deno: |\n  import { a from \"./helpers.js\";\noperation: |\n  query { noop }\n",
		// In a sub-directory: relative imports resolve there.
		"p/tests/sub/nested.exotest": shoutPrelude + "operation: |\n  query { noop }\nresponse: |\n  {\"data\": {\"noop\": (v) => v === true && shout(\"a\") === \"A!\"}}\n",
		// An init file's prelude that cannot be bundled fails the setup.
		"q/src/index.exo":       "",
		"q/tests/init.gql":      "deno: |\n  import { nope } from \"./helpers.js\";\noperation: |\n  query { noop }\n",
		"q/tests/any.exotest":   "operation: |\n  query { noop }\n",
		"q/tests/other.exotest": "operation: |\n  query { noop }\n",
	})
	var mu sync.Mutex
	dirs := map[string]int{}
	bundle := func(ctx context.Context, src, dir, name string) ([]byte, error) {
		mu.Lock()
		dirs[dir]++
		mu.Unlock()
		switch {
		case strings.Contains(src, "offline.example"):
			return nil, &SkipError{Reason: "needs network (https: modules cannot be fetched)"}
		case strings.Contains(src, "nope"):
			return nil, errors.New(`error[bundle/resolve]: No matching export in "helpers.js" for import "nope"`)
		}
		return []byte(`var __exo_module = { shout: (s) => s.toUpperCase() + "!" };`), nil
	}
	w := newFakeWorld()
	rep := runFake(t, w, root, "", func(o *Options) { o.BundlePrelude = bundle })
	type want struct {
		status Status
		msg    string
	}
	wants := map[string]want{
		"p/pass":       {Passed, ""},
		"p/fail":       {Failed, "assertion failed at 'data.noop': expected X!, got true"},
		"p/offline":    {Skipped, "needs network (https: modules cannot be fetched)"},
		"p/broken":     {Failed, "deno prelude of p/tests/broken.exotest: error[bundle/resolve]: No matching export"},
		"p/bad-syntax": {Failed, "deno prelude of p/tests/bad-syntax.exotest: line 1: cannot read the import declaration"},
		"p/sub/nested": {Passed, ""},
		"q/any":        {SetupFailed, "deno prelude of q/tests/init.gql: error[bundle/resolve]"},
		"q/other":      {SetupFailed, "deno prelude of q/tests/init.gql: error[bundle/resolve]"},
	}
	got := byName(rep)
	if len(got) != len(wants) {
		t.Errorf("got %d results, want %d: %+v", len(got), len(wants), rep.Tests)
	}
	for name, wt := range wants {
		res := got[name]
		if res.Status != wt.status || !strings.Contains(res.Message, wt.msg) {
			t.Errorf("%s: %s %q, want %s %q", name, res.Status, res.Message, wt.status, wt.msg)
		}
	}
	// One bundle per distinct prelude and directory: shout in tests/ (3
	// tests) and tests/sub, offline and nope in tests/, nope in q's tests/.
	tests := filepath.Join(root, "p", "tests")
	wantDirs := map[string]int{tests: 3, filepath.Join(tests, "sub"): 1, filepath.Join(root, "q", "tests"): 1}
	if !reflect.DeepEqual(dirs, wantDirs) {
		t.Errorf("bundles by dir = %v, want %v", dirs, wantDirs)
	}

	// Without a bundler, importing preludes are skipped, never passed.
	rep = runFake(t, newFakeWorld(), root, "p/pass", nil)
	if res := byName(rep)["p/pass"]; res.Status != Skipped || res.Message != "deno prelude imports are not supported (./helpers.js)" {
		t.Errorf("without BundlePrelude: %s %q", res.Status, res.Message)
	}
}
