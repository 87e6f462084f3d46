package diag

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func updating() bool { return *update || os.Getenv("EXO_UPDATE") == "1" }

// at returns the byte offset of 1-based line and column in f.
func at(f *File, line, col int) int32 { return int32(f.LineStart(line) + col - 1) }

func span(f *File, l1, c1, l2, c2 int) Span {
	return Span{File: f, Start: at(f, l1, c1), End: at(f, l2, c2)}
}

// TestRenderMatchesExograph renders, with code C000, the diagnostics that
// Exograph reports for the conformance error-reports cases and compares
// them with Exograph's own output byte for byte.
func TestRenderMatchesExograph(t *testing.T) {
	root := "../../shared/conformance/error-reports"
	if _, err := os.Stat(root); err != nil {
		t.Skipf("conformance corpus not found at %s: %v", root, err)
	}
	type d struct {
		msg            string
		l1, c1, l2, c2 int
		label          string
		related        []Label // File filled in below
	}
	cases := map[string][]d{
		"multiple-same-named-fields": {{msg: "Duplicate field: title", l1: 6, c1: 5, l2: 6, c2: 18, label: "first defined here",
			related: []Label{{Span: Span{Start: 7<<16 | 5, End: 7<<16 | 18}, Message: "again defined here"}}}},
		"typed-json/access-control": {
			{msg: "Cannot use @access for type Metadata. Json types behave like a primitive (and thus have always-allowed access)", l1: 12, c1: 8, l2: 12, c2: 16},
			{msg: "Cannot use @access for field 'notes' in a type with a '@json' annotation", l1: 13, c1: 5, l2: 14, c2: 18},
		},
		"contains/contains-no-param":      {{msg: "Contains function expects one parameter", l1: 7, c1: 29, l2: 7, c2: 39, label: "type mismatch"}},
		"contains/contains-type-mismatch": {{msg: "Parameter type does not match element type: expected `String`, found `Int`", l1: 7, c1: 38, l2: 7, c2: 39, label: "type mismatch"}},
		"relation-matching/relation-non-existing": {
			{msg: "Cannot determine cardinality of field. Either specify @oneToOne or @manyToOne on the field, or add a matching field to the other type.", l1: 8, c1: 5, l2: 8, c2: 21},
			{msg: "Could not find the matching field of the 'Venue' type 'concerts'. Ensure that there is only one field of that type or the '@relation' annotation specifies the matching field name.", l1: 15, c1: 5, l2: 15, c2: 50},
		},
		"unsupported-hint-annotations": {
			{msg: "Annotation @bits16 is not supported for type Decimal", l1: 5, c1: 9, l2: 5, c2: 31},
			{msg: "Annotation @singlePrecision is not supported for type Int", l1: 7, c1: 9, l2: 7, c2: 37},
		},
		"column-mapping/unspecified-pk": {{msg: "Primary key field 'memberId' from type 'Member' is missing in the column mapping", l1: 12, c1: 5, l2: 12, c2: 77}},
	}
	for name, ds := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(root, name)
			src, err := os.ReadFile(filepath.Join(dir, "src/index.exo"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(dir, "error.txt"))
			if err != nil {
				t.Fatal(err)
			}
			wantText, _, _ := strings.Cut(string(want), "\n\nError:")
			f := NewFile("src/index.exo", src)
			var list List
			for _, x := range ds {
				diag := &Diagnostic{Severity: Error, Code: "C000", Message: x.msg, Span: span(f, x.l1, x.c1, x.l2, x.c2), Label: x.label}
				for _, r := range x.related {
					l1, c1, c2 := int(r.Span.Start>>16), int(r.Span.Start&0xffff), int(r.Span.End&0xffff)
					diag.Related = append(diag.Related, Label{Span: span(f, l1, c1, l1, c2), Message: r.Message})
				}
				list.Add(diag)
			}
			var b bytes.Buffer
			if err := Render(&b, list, RenderOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimRight(b.String(), "\n"); got != wantText {
				t.Errorf("render mismatch\n--- got:\n%s\n--- want:\n%s", got, wantText)
			}
		})
	}
}

// TestRenderGolden covers the renderer features the corpus does not:
// help, multiple files, long and non-leading multi-line spans, gaps, tabs,
// spans at end of file, colour, Max, and the JSON form.
func TestRenderGolden(t *testing.T) {
	src := "module M {\n  type T {\n\tname: Strin\n    a: Int = foo(1,\n      2)\n  }\n\n\n\n  type U { x: Int }\n}"
	f := NewFile("/work/proj/src/index.exo", []byte(src))
	g := NewFile("/work/proj/src/other.exo", []byte("import \"x\"\n"))
	find := func(s string) int32 { return int32(strings.Index(src, s)) }
	list := List{
		{Severity: Error, Code: "check/unknown-type", Message: `unknown type "Strin"`,
			Span: Span{f, find("Strin"), find("Strin") + 5}, Label: "not found", Help: `did you mean "String"?`},
		{Severity: Warning, Code: "check/odd-call", Message: "call spans lines",
			Span: Span{f, find("foo("), find("2)") + 2}, Label: "here"},
		{Severity: Error, Code: "check/duplicate-type", Message: `duplicate type "T"`,
			Span: Span{f, find("type U"), find("type U") + 6},
			Related: []Label{{Span: Span{f, find("type T"), find("type T") + 6}, Message: "first declared here"},
				{Span: Span{g, 0, 6}, Message: "imported here"}}},
		{Severity: Error, Code: "syntax/unexpected-token", Message: "expected \"}\", found end of file",
			Span: Span{f, int32(len(src)), int32(len(src))}},
		{Severity: Error, Code: "check/whole-module", Message: "whole module",
			Span: Span{f, 0, int32(len(src))}},
		{Severity: Error, Message: "no location"},
	}
	var b bytes.Buffer
	_ = Render(&b, list, RenderOptions{Cwd: "/work/proj"})
	b.WriteString("---- Max 2\n")
	_ = Render(&b, list, RenderOptions{Cwd: "/work/proj", Max: 2})
	b.WriteString("---- NoSnippets\n")
	_ = Render(&b, list[:3], RenderOptions{Cwd: "/work/proj", NoSnippets: true})
	b.WriteString("---- Color\n")
	_ = Render(&b, list[:1], RenderOptions{Cwd: "/work/proj", Color: true})
	b.WriteString("---- JSON\n")
	list[0].Fixes = []Fix{{Message: "change to String", Edits: []Edit{{Span: list[0].Span, NewText: "String"}}}}
	_ = RenderJSON(&b, list[:1], RenderOptions{Cwd: "/work/proj"})
	golden(t, "testdata/render.golden", b.String())
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with EXO_UPDATE=1 to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch (EXO_UPDATE=1 to accept)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

func TestListSortDedupe(t *testing.T) {
	f := NewFile("a.exo", []byte("abc\ndef\n"))
	var l List
	l.Errorf(NewSpan(f, 5, 6), "b", "second")
	l.Errorf(NewSpan(f, 1, 2), "a", "first")
	l.Errorf(NewSpan(f, 5, 6), "b", "second")
	l.Warnf(NewSpan(f, 1, 2), "a", "warn")
	l = l.Dedupe()
	if len(l) != 3 || l[0].Message != "first" || l[1].Message != "warn" || l[2].Message != "second" {
		t.Fatalf("unexpected order: %v", l)
	}
	if !l.HasErrors() || l.ErrorCount() != 2 {
		t.Fatalf("HasErrors/ErrorCount wrong")
	}
	if err := l.Err(); err == nil || err.Error() != "a.exo:1:2: first [a] (and 1 more errors)" {
		t.Fatalf("Err() = %v", err)
	}
	if (List{}).Err() != nil {
		t.Fatal("empty list must give nil error")
	}
}

func TestLineCol(t *testing.T) {
	f := NewFile("x", []byte("ab\r\nçd\n\nz"))
	for _, c := range []struct{ off, line, col int }{
		{0, 1, 1}, {2, 1, 3}, {4, 2, 1}, {6, 2, 2}, {7, 2, 3}, {8, 3, 1}, {9, 4, 1}, {10, 4, 2}, {99, 4, 2}, {-1, 1, 1},
	} {
		if l, col := f.LineCol(c.off); l != c.line || col != c.col {
			t.Errorf("LineCol(%d) = %d:%d, want %d:%d", c.off, l, col, c.line, c.col)
		}
	}
	if got := string(f.LineText(1)); got != "ab" {
		t.Errorf("LineText(1) = %q", got)
	}
	if f.LineCount() != 4 {
		t.Errorf("LineCount = %d", f.LineCount())
	}
}
