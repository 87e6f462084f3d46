package jsbundle

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
)

// TestConformanceModules compiles every conformance project with @deno
// modules through the bundler: all must bundle except those importing from
// the network (npm:, https:) when it cannot be reached, which must fail
// with an import diagnostic.
func TestConformanceModules(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "conformance", "integration-tests")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("conformance suite not found at %s", root)
	}
	var projects []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "index.exo" && filepath.Base(filepath.Dir(p)) == "src" {
			src, _ := os.ReadFile(p)
			dir := filepath.Dir(filepath.Dir(p))
			entries, _ := os.ReadDir(filepath.Dir(p))
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".exo") && e.Name() != "index.exo" {
					more, _ := os.ReadFile(filepath.Join(filepath.Dir(p), e.Name()))
					src = append(src, more...)
				}
			}
			if strings.Contains(string(src), "@deno(") {
				projects = append(projects, dir)
			}
		}
		return nil
	})
	if len(projects) == 0 {
		t.Skip("no module projects")
	}
	ok, network := 0, 0
	for _, dir := range projects {
		name, _ := filepath.Rel(root, dir)
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			// Bundle from an fs.FS: the conformance tree must stay untouched.
			sys, diags := compiler.Compile(compiler.Options{FS: os.DirFS(dir), Root: ".", Bundler: New(Options{})})
			needsNet := false
			for _, d := range diags {
				if d.Code == CodeRemoteUnreachable {
					needsNet = true
				}
			}
			switch {
			case needsNet:
				network++
				if sys != nil {
					t.Errorf("network import accepted")
				}
			case sys == nil || diags.HasErrors():
				t.Errorf("compile failed:\n%v", diags)
			default:
				for _, m := range sys.Modules {
					if len(m.Script) == 0 || len(m.SourceMap) == 0 {
						t.Errorf("module %s has no script", m.Name)
					}
				}
				ok++
			}
		})
	}
	t.Logf("%d module projects bundled, %d need the network", ok, network)
}

// TestConformanceTranspilationError checks the error-reports case whose
// TypeScript does not parse: Exograph (Deno) reports "Expected '}', got
// '<eof>'" with its caret right after the last token, printed as
// "at src/todo.ts:2:4" (Deno's column there is one past the caret's
// 1-based column, as its snippet shows). We put the caret on the same
// character.
func TestConformanceTranspilationError(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "conformance", "error-reports", "transpilation-errors")
	want, err := os.ReadFile(filepath.Join(dir, "error.txt"))
	if err != nil {
		t.Skipf("conformance case not found: %v", err)
	}
	m := regexp.MustCompile(`SyntaxError: (.*)\n[\s\S]*at (src/\S+):(\d+):(\d+)`).FindStringSubmatch(string(want))
	if m == nil {
		t.Fatalf("unexpected error.txt:\n%s", want)
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: New(Options{})})
	if sys != nil || len(diags) == 0 {
		t.Fatalf("the model built; want a transpilation error")
	}
	d := diags[0]
	if d.Message != "SyntaxError: "+m[1] {
		t.Errorf("message %q, want %q", d.Message, "SyntaxError: "+m[1])
	}
	line, col := d.Span.File.LineCol(int(d.Span.Start))
	wantLine, _ := strconv.Atoi(m[3])
	wantCol, _ := strconv.Atoi(m[4])
	if d.Span.File.Name != m[2] || line != wantLine || col+1 != wantCol {
		t.Errorf("at %s:%d:%d (Deno style %d:%d), want %s:%s:%s", d.Span.File.Name, line, col, line, col+1, m[2], m[3], m[4])
	}
}
