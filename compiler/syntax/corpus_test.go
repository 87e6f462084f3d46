package syntax

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/diag"
)

const conformanceDir = "../../../shared/conformance"

// corpusFiles returns the .exo files of the conformance corpus that are
// expected to parse without errors (integration-tests/model-with-errors
// holds deliberately broken models and is returned separately).
func corpusFiles(tb testing.TB) (good, broken []string) {
	tb.Helper()
	root := conformanceDir
	if _, err := os.Stat(root); err != nil {
		tb.Skipf("conformance corpus not found at %s (it lives in ../shared/conformance): %v", root, err)
	}
	for _, sub := range []string{"integration-tests", "migration-tests", "error-reports"} {
		err := filepath.WalkDir(filepath.Join(root, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".exo") {
				if strings.Contains(filepath.ToSlash(path), "/model-with-errors/") {
					broken = append(broken, path)
				} else {
					good = append(good, path)
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return good, broken
}

func renderDiags(list diag.List) string {
	var b bytes.Buffer
	_ = diag.Render(&b, list, diag.RenderOptions{})
	return b.String()
}

func TestParseConformanceCorpus(t *testing.T) {
	good, broken := corpusFiles(t)
	if len(good) < 100 {
		t.Fatalf("found only %d corpus files", len(good))
	}
	for _, path := range good {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, diags := ParseBytes(path, src)
		if len(diags) > 0 {
			t.Errorf("%s: unexpected diagnostics:\n%s", path, renderDiags(diags))
			continue
		}
		checkSpans(t, path, f, len(src))
	}
	for _, path := range broken {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		_, diags := ParseBytes(path, src)
		if !diags.HasErrors() {
			t.Errorf("%s: expected syntax errors in a deliberately broken model", path)
		}
	}
	t.Logf("parsed %d corpus files cleanly; %d broken models reported errors", len(good), len(broken))
}

// checkFormat verifies that Format(f) re-parses cleanly to the same tree and
// is a fixed point.
func checkFormat(t testing.TB, name string, src []byte) {
	t.Helper()
	f, diags := ParseBytes(name, src)
	if len(diags) > 0 {
		return
	}
	out := Format(f)
	f2, diags2 := ParseBytes(name, out)
	if len(diags2) > 0 {
		t.Fatalf("%s: formatted output does not parse:\n%s\n--- output:\n%s", name, renderDiags(diags2), out)
	}
	if d1, d2 := dumpCompact(f), dumpCompact(f2); d1 != d2 {
		t.Fatalf("%s: formatted output parses to a different tree\n--- source:\n%s\n--- output:\n%s\n--- before:\n%s\n--- after:\n%s", name, src, out, d1, d2)
	}
	if n1, n2 := len(f.Comments), len(f2.Comments); n1 != n2 {
		t.Fatalf("%s: formatting changed the number of comments from %d to %d\n--- output:\n%s", name, n1, n2, out)
	}
	out2 := Format(f2)
	if !bytes.Equal(out, out2) {
		t.Fatalf("%s: Format is not idempotent\n--- first:\n%s\n--- second:\n%s", name, out, out2)
	}
}

func TestFormatConformanceCorpus(t *testing.T) {
	good, _ := corpusFiles(t)
	for _, path := range good {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(path[len(conformanceDir)+1:], func(t *testing.T) { checkFormat(t, path, src) })
	}
}
