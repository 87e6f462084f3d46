package compiler

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/exo-dev/exo/ir"
)

// BenchmarkCompileLargest compiles the conformance project with the most
// .exo source, from memory (no disk I/O in the loop).
func BenchmarkCompileLargest(b *testing.B) {
	root := conformance(b, "integration-tests")
	best, bestSize := "", 0
	for _, dir := range projects(b, root) {
		size := 0
		_ = filepath.WalkDir(filepath.Join(dir, "src"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".exo") {
				if info, err := d.Info(); err == nil {
					size += int(info.Size())
				}
			}
			return nil
		})
		if size > bestSize {
			best, bestSize = dir, size
		}
	}
	mem := fstest.MapFS{}
	_ = filepath.WalkDir(best, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".exo") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(best, p)
		mem[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
		return nil
	})
	name, _ := filepath.Rel(root, best)
	b.Logf("largest model: %s (%d bytes of .exo)", name, bestSize)
	b.SetBytes(int64(bestSize))
	b.ReportAllocs()
	for b.Loop() {
		sys, diags := Compile(Options{Root: ".", FS: mem})
		if sys == nil {
			b.Fatalf("compile failed:\n%s", render(diags))
		}
	}
}

// BenchmarkLoadIR measures what server start-up pays for the model: decoding
// the IR file of the largest conformance project (target: under 5 ms).
func BenchmarkLoadIR(b *testing.B) {
	root := conformance(b, "integration-tests")
	var encoded []byte
	best := 0
	for _, dir := range projects(b, root) {
		sys, _ := Compile(Options{Root: dir})
		if sys == nil {
			continue
		}
		var buf bytes.Buffer
		if err := ir.Encode(&buf, sys); err != nil {
			b.Fatal(err)
		}
		if buf.Len() > best {
			best, encoded = buf.Len(), buf.Bytes()
		}
	}
	b.Logf("largest IR: %d bytes", best)
	b.SetBytes(int64(best))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ir.Decode(bytes.NewReader(encoded)); err != nil {
			b.Fatal(err)
		}
	}
}
