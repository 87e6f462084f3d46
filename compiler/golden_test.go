package compiler

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/exo-dev/exo/diag"
)

// txtar is a minimal reader/writer of the txtar format (comment, then
// "-- name --" sections), enough for the golden files here.
type txtarFile struct {
	comment string
	files   []txtarSection
}

type txtarSection struct {
	name string
	data string
}

func parseTxtar(s string) txtarFile {
	var a txtarFile
	lines := strings.SplitAfter(s, "\n")
	cur := -1
	for _, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			a.files = append(a.files, txtarSection{name: strings.TrimSpace(t[3 : len(t)-3])})
			cur = len(a.files) - 1
			continue
		}
		if cur < 0 {
			a.comment += l
		} else {
			a.files[cur].data += l
		}
	}
	return a
}

func (a txtarFile) format() string {
	var b strings.Builder
	b.WriteString(a.comment)
	for _, f := range a.files {
		b.WriteString("-- " + f.name + " --\n")
		b.WriteString(f.data)
		if f.data != "" && !strings.HasSuffix(f.data, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func updateGolden() bool { return os.Getenv("EXO_UPDATE") != "" }

// TestGoldenIR compiles each compiler/testdata/ir/*.txtar project (its
// src/... sections) and compares the IR as JSON with want/ir.json, or the
// rendered diagnostics with want/diagnostics. EXO_UPDATE=1 rewrites the
// want sections.
func TestGoldenIR(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "ir", "*.txtar"))
	if len(paths) == 0 {
		t.Fatal("no golden files")
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			a := parseTxtar(string(raw))
			fsys := fstest.MapFS{}
			for _, f := range a.files {
				if !strings.HasPrefix(f.name, "want/") {
					fsys[f.name] = &fstest.MapFile{Data: []byte(f.data)}
				}
			}
			sys, diags := Compile(Options{Root: ".", FS: fsys})
			got := map[string]string{}
			if sys != nil {
				js, err := json.MarshalIndent(sys, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got["want/ir.json"] = string(js) + "\n"
			}
			if len(diags) > 0 {
				var b bytes.Buffer
				if err := diag.Render(&b, diags, diag.RenderOptions{}); err != nil {
					t.Fatal(err)
				}
				got["want/diagnostics"] = b.String()
			}
			if updateGolden() {
				var kept []txtarSection
				for _, f := range a.files {
					if !strings.HasPrefix(f.name, "want/") {
						kept = append(kept, f)
					}
				}
				for _, name := range []string{"want/diagnostics", "want/ir.json"} {
					if s, ok := got[name]; ok {
						kept = append(kept, txtarSection{name, s})
					}
				}
				a.files = kept
				if err := os.WriteFile(p, []byte(a.format()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := map[string]string{}
			for _, f := range a.files {
				if strings.HasPrefix(f.name, "want/") {
					want[f.name] = f.data
				}
			}
			for _, name := range []string{"want/diagnostics", "want/ir.json"} {
				if got[name] != want[name] {
					t.Errorf("%s differs (EXO_UPDATE=1 rewrites it)\n--- got ---\n%s\n--- want ---\n%s", name, got[name], want[name])
				}
			}
		})
	}
}
