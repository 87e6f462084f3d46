package lsp

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
	"time"
	"unicode/utf16"
)

const conformanceDir = "../../shared/conformance"

func conformance(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join(conformanceDir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("conformance data not found at %s (see /work/shared/conformance/README.md)", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
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

var locRe = regexp.MustCompile(`-->\s*(\S+):(\d+):(\d+)`)

// expectedDiag is one diagnostic of an error.txt: message, file, and the
// range underlined with carets (lines 1-based, columns counted in code
// points as codespan prints them: col 1-based, endCol exclusive 0-based).
type expectedDiag struct {
	msg             string
	file            string
	line, col       int
	endLine, endCol int // endLine 0 when error.txt shows no underline
}

var gutterRe = regexp.MustCompile(`^\s*(\d*)\s*\| ?(.*)$`)

func parseErrorTxt(text string) []expectedDiag {
	var out []expectedDiag
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		msg, ok := strings.CutPrefix(l, "error[C000]: ")
		if !ok || i+1 >= len(lines) {
			continue
		}
		m := locRe.FindStringSubmatch(lines[i+1])
		if m == nil {
			continue
		}
		e := expectedDiag{msg: msg, file: m[1]}
		e.line, _ = strconv.Atoi(m[2])
		e.col, _ = strconv.Atoi(m[3])
		lastNum := e.line
		multi := false
		for _, cl := range lines[i+2:] {
			g := gutterRe.FindStringSubmatch(cl)
			if g == nil {
				break
			}
			if g[1] != "" {
				lastNum, _ = strconv.Atoi(g[1])
				if strings.HasPrefix(g[2], "/ ") {
					multi = true
				}
				continue
			}
			rest := []rune(g[2])
			caret := -1
			for k, r := range rest {
				if r == '^' {
					caret = k
					break
				}
			}
			if caret < 0 {
				continue
			}
			if multi { // "|____^": the caret marks the last character
				e.endLine, e.endCol = lastNum, caret-2+1
			} else {
				w := 0
				for _, r := range rest[caret:] {
					if r != '^' {
						break
					}
					w++
				}
				e.endLine, e.endCol = lastNum, caret+w
			}
			break
		}
		out = append(out, e)
	}
	return out
}

// knownEnds lists error reports whose start matches Exograph but whose
// underline ends elsewhere because of the compile core's span choice (see
// the issue note); the end is then not compared.
var knownEnds = map[string]string{
	"Field 'invalid' specified in column mapping does not exist in type 'Member'":      "compiler underlines the @column annotation, Exograph the whole field",
	"Primary key field 'memberId' from type 'Member' is missing in the column mapping": "compiler underlines the @column annotation, Exograph the whole field",
}

// utf16Col converts a 1-based code point column of line into a 0-based
// UTF-16 column.
func utf16Col(line string, col int) uint32 {
	r := []rune(line)
	if col-1 > len(r) {
		col = len(r) + 1
	}
	return uint32(len(utf16.Encode(r[:col-1])))
}

// TestErrorReports opens each error-report model in the server and expects
// a published diagnostic with Exograph's message on the range Exograph
// underlines.
func TestErrorReports(t *testing.T) {
	root := conformance(t, "error-reports")
	matched := 0
	for _, dir := range projects(t, root) {
		name, _ := filepath.Rel(root, dir)
		want, err := os.ReadFile(filepath.Join(dir, "error.txt"))
		if err != nil {
			continue
		}
		exps := parseErrorTxt(string(want))
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			if len(exps) == 0 {
				t.Skip("no model diagnostic in error.txt (TypeScript bundling error; the server does not bundle)")
			}
			c := connect(t, dir)
			c.open("src/index.exo")
			for _, e := range exps {
				lines := strings.Split(c.read(e.file), "\n")
				start := Position{Line: uint32(e.line - 1), Character: utf16Col(lines[e.line-1], e.col)}
				var end Position
				if e.endLine > 0 {
					end = Position{Line: uint32(e.endLine - 1), Character: utf16Col(lines[e.endLine-1], e.endCol+1)}
				}
				ds := c.waitDiags(e.file, func(ds []Diagnostic) bool { return len(ds) > 0 })
				var startOnly *Diagnostic
				found := false
				for _, d := range ds {
					if d.Message != e.msg || d.Range.Start != start {
						continue
					}
					if e.endLine == 0 || d.Range.End == end {
						found = true
					} else {
						startOnly = &d
					}
				}
				if !found && startOnly != nil {
					if why, ok := knownEnds[e.msg]; ok {
						t.Logf("range end %+v differs from Exograph's %+v (known: %s)", startOnly.Range.End, end, why)
						found = true
					}
				}
				if !found {
					t.Errorf("missing %s %+v-%+v: %s\ngot: %+v", e.file, start, end, e.msg, ds)
				}
			}
			if !t.Failed() {
				matched++
			}
		})
	}
	t.Logf("%d error-report cases matched", matched)
}

// largestModel returns the conformance project with the most .exo source.
func largestModel(t testing.TB) (dir string, size int) {
	root := conformance(t, "integration-tests")
	for _, d := range projects(t, root) {
		n := 0
		_ = filepath.WalkDir(filepath.Join(d, "src"), func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(p, ".exo") {
				if info, err := e.Info(); err == nil {
					n += int(info.Size())
				}
			}
			return nil
		})
		if n > size {
			dir, size = d, n
		}
	}
	return dir, size
}

// BenchmarkDiagnosticsAfterEdit measures the time from an edit of the
// largest conformance model to its diagnostics being ready for publishing:
// apply the change, recompile the whole project from the overlay, convert
// the diagnostics (the debounce delay is not included).
func BenchmarkDiagnosticsAfterEdit(b *testing.B) {
	dir, size := largestModel(b)
	b.Logf("largest model: %s (%d bytes of .exo)", filepath.Base(dir), size)
	s := NewServer(Options{Debounce: time.Hour})
	fp := filepath.Join(dir, "src", "index.exo")
	text, err := os.ReadFile(fp)
	if err != nil {
		b.Fatal(err)
	}
	uri := pathURI(fp)
	s.didOpen(DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: uri, Version: 1, Text: string(text)}})
	p := s.projectFor(fp)
	b.ReportAllocs()
	v := int32(1)
	for b.Loop() {
		v++
		// Append and remove a comment alternately, so every iteration is an edit.
		s.didChange(DidChangeTextDocumentParams{TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: v},
			ContentChanges: []TextDocumentContentChangeEvent{{Text: string(text) + fmt.Sprintf("\n// edit %d\n", v)}}})
		snap := s.snapshot(p)
		if ds := s.diagnostics(snap); len(ds) == 0 {
			b.Fatal("no files diagnosed")
		}
	}
	s.mu.Lock()
	for _, t := range s.timers {
		t.Stop()
	}
	s.mu.Unlock()
}

// TestDiagnosticsLatency checks the benchmark's figure loosely (a tenfold
// margin over the 50 ms target, for slow CI machines).
func TestDiagnosticsLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir, _ := largestModel(t)
	c := connect(t, dir)
	text := c.open("src/index.exo")
	c.waitDiags("src/index.exo", func([]Diagnostic) bool { return true })
	var best time.Duration
	for i := 0; i < 5; i++ {
		c.mu.Lock()
		before := c.counts[c.uri("src/index.exo")]
		c.mu.Unlock()
		start := time.Now()
		c.change("src/index.exo", int32(i+2), TextDocumentContentChangeEvent{Text: text + strings.Repeat("\n", i+1)})
		c.waitDiags("src/index.exo", func([]Diagnostic) bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.counts[c.uri("src/index.exo")] > before
		})
		// Subtract the debounce delay (5ms in tests).
		d := time.Since(start) - 5*time.Millisecond
		if best == 0 || d < best {
			best = d
		}
	}
	t.Logf("edit -> diagnostics of %s: best %v (plus debounce)", filepath.Base(dir), best)
	if best > 500*time.Millisecond {
		t.Errorf("diagnostics took %v after an edit, want well under 50ms", best)
	}
}
