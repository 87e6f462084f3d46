package jsbundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
)

// TestConformanceModules compiles every conformance project with @deno
// modules through the bundler: all must bundle except those importing from
// the network (npm:, https:), which must fail with an import diagnostic.
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
				if d.Code == CodeUnsupported {
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
