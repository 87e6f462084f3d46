package compiler

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/exo-dev/exo/diag"
)

// conformanceDir is the shared conformance data (sibling of the repository),
// overridable with EXO_CONFORMANCE.
var conformanceDir = func() string {
	if d := os.Getenv("EXO_CONFORMANCE"); d != "" {
		return d
	}
	return "../../shared/conformance"
}()

func conformance(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join(conformanceDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("conformance data not found at %s (see /work/shared/conformance/README.md)", dir)
	}
	return dir
}

// projects returns the directories under root that hold src/index.exo.
func projects(t testing.TB, root string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "index.exo" && filepath.Base(filepath.Dir(p)) == "src" {
			dirs = append(dirs, filepath.Dir(filepath.Dir(p)))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(dirs)
	return dirs
}

func render(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		fmt.Fprintln(&b, d.Error())
	}
	return b.String()
}

// TestConformanceModels compiles every integration-test and migration-test
// model and expects no errors.
func TestConformanceModels(t *testing.T) {
	var dirs []string
	dirs = append(dirs, projects(t, conformance(t, "integration-tests"))...)
	dirs = append(dirs, projects(t, conformance(t, "migration-tests"))...)
	ok := 0
	for _, dir := range dirs {
		name, _ := filepath.Rel(conformanceDir, dir)
		// Nested project dirs such as imports/src/users are not projects.
		if strings.Contains(filepath.ToSlash(name), "/src/") {
			continue
		}
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			sys, diags := Compile(Options{Root: dir})
			if diags.HasErrors() || sys == nil {
				t.Fatalf("compile failed:\n%s", render(diags))
			}
			ok++
		})
	}
	t.Logf("%d models compiled without errors", ok)
}

var locRe = regexp.MustCompile(`-->\s*(\S+):(\d+):(\d+)`)

// TestErrorReports checks that each error-reports case yields a diagnostic
// with Exograph's message at Exograph's line and column.
func TestErrorReports(t *testing.T) {
	root := conformance(t, "error-reports")
	matched, total := 0, 0
	for _, dir := range projects(t, root) {
		name, _ := filepath.Rel(root, dir)
		want, err := os.ReadFile(filepath.Join(dir, "error.txt"))
		if err != nil {
			continue
		}
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			type exp struct {
				msg       string
				line, col int
			}
			var exps []exp
			lines := strings.Split(string(want), "\n")
			for i, l := range lines {
				msg, ok := strings.CutPrefix(l, "error[C000]: ")
				if !ok || i+1 >= len(lines) {
					continue
				}
				m := locRe.FindStringSubmatch(lines[i+1])
				if m == nil {
					continue
				}
				line, _ := strconv.Atoi(m[2])
				col, _ := strconv.Atoi(m[3])
				exps = append(exps, exp{msg, line, col})
			}
			if len(exps) == 0 {
				t.Skipf("no model diagnostic in error.txt (bundler error); needs a ModuleBundler")
			}
			total++
			_, diags := Compile(Options{Root: dir})
			for _, e := range exps {
				found := false
				for _, d := range diags {
					if !d.Span.IsValid() {
						continue
					}
					l, c := d.Span.File.LineCol(int(d.Span.Start))
					if l == e.line && c == e.col && d.Message == e.msg {
						found = true
					}
				}
				if !found {
					t.Errorf("missing diagnostic %d:%d: %s\ngot:\n%s", e.line, e.col, e.msg, render(diags))
				}
			}
			if !t.Failed() {
				matched++
			}
		})
	}
	t.Logf("%d of %d error-report cases matched", matched, total)
}
