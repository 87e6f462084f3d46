package compiler

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/exo-dev/exo/diag"
)

// FuzzCompile runs the whole compile core (parser, checker, lowering) on
// arbitrary single-file models. Invariants: no panic; a nil system comes
// with at least one error; every diagnostic's span lies inside the file;
// a model that compiles yields an IR whose cross references are in range.
func FuzzCompile(f *testing.F) {
	f.Add("@postgres module M { @access(true) type T { @pk id: Int = autoIncrement() name: String } }")
	f.Add("context C { @jwt role: String } @postgres module M { @access(C.role == \"a\") type T { @pk id: Int } }")
	f.Add("@postgres module M { type A { @pk id: Int b: B } type B { @pk id: Int as: Set<A>? } }")
	f.Add("@deno(\"x.ts\") module D { @access(true) query q(a: Int): Int }")
	f.Add("@wasm(\"m.wasm\") module W { @access(true) query add(a: Int, b: Float): Boolean @access(true) mutation m(s: String): Int }")
	if root := filepath.Join(conformanceDir, "integration-tests"); dirExists(root) {
		for _, dir := range projects(f, root) {
			if src, err := os.ReadFile(filepath.Join(dir, "src", "index.exo")); err == nil {
				f.Add(string(src))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{"src/index.exo": &fstest.MapFile{Data: []byte(src)}}
		sys, diags := Compile(Options{Root: ".", FS: fsys})
		if sys == nil && !diags.HasErrors() {
			t.Fatalf("no system and no error")
		}
		for _, d := range diags {
			checkSpan(t, d.Span, d.Message)
			for _, r := range d.Related {
				checkSpan(t, r.Span, d.Message)
			}
		}
		if sys == nil {
			return
		}
		for i := range sys.Entities {
			e := &sys.Entities[i]
			for _, pk := range e.PK {
				if pk < 0 || pk >= len(e.Fields) {
					t.Fatalf("%s: pk index %d out of range", e.Name, pk)
				}
			}
			for _, fld := range e.Fields {
				if fld.Relation != nil && (fld.Relation.Target < 0 || fld.Relation.Target >= len(sys.Entities)) {
					t.Fatalf("%s.%s: relation target %d out of range", e.Name, fld.Name, fld.Relation.Target)
				}
			}
		}
	})
}

func checkSpan(t *testing.T, s diag.Span, msg string) {
	t.Helper()
	if !s.IsValid() {
		return
	}
	if s.Start < 0 || s.End < s.Start || int(s.End) > len(s.File.Src) {
		t.Fatalf("diagnostic %q: span %d..%d outside the file (%d bytes)", msg, s.Start, s.End, len(s.File.Src))
	}
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
