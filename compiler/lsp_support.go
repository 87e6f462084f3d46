package compiler

import (
	"io/fs"
	"path"

	"github.com/exo-dev/exo/compiler/check"
	"github.com/exo-dev/exo/compiler/lower"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

// Analysis is everything an editor needs from one compilation: the parsed
// files, the checked model, the lowered system (when the model has no
// errors) and the diagnostics. It is produced by [Analyze].
type Analysis struct {
	// FS is the file system the files were read from, rooted at the
	// project directory; Entry is the entry file inside it.
	FS    fs.FS
	Entry string
	// Files are the parsed files, the entry first, then imported files in
	// depth-first order of inclusion. Paths are slash-separated and
	// relative to FS.
	Files []check.Input
	// Model is the checked program; it is usable (with poison types) even
	// when Diags has errors. It is nil only when the entry cannot be found.
	Model *check.Model
	// System is the lowered IR, nil when Diags has errors. Module scripts
	// are never bundled.
	System *ir.System
	// Diags are sorted and deduplicated.
	Diags diag.List
}

// Analyze is [Compile] for tools: it runs the same phases (without
// bundling) and returns the intermediate results. With [Options.FS] set to
// an overlay of the editor's open documents on top of the disk, it checks
// unsaved text, imports included.
func Analyze(opts Options) *Analysis {
	fsys, _, entry, err := resolveRoot(opts)
	if err != nil {
		a := &Analysis{}
		a.Diags.Errorf(diag.Span{}, "compile/no-entry", "%v", err)
		return a
	}
	a := &Analysis{FS: fsys, Entry: entry}
	files, diags := load(fsys, entry)
	a.Files = files
	model, cd := check.Check(files)
	a.Model = model
	diags.Append(cd)
	if !diags.HasErrors() {
		sys, ld := lower.Lower(model)
		diags.Append(ld)
		if !diags.HasErrors() {
			a.System = sys
		}
	}
	a.Diags = diags.Dedupe()
	return a
}

// ResolveImport returns the file, relative to the root of fsys, that the
// import path target written in the file from (also relative to fsys)
// refers to: target itself if it ends in .exo, else target.exo, else
// target/index.exo for a directory. It follows the rules of [Compile].
func ResolveImport(fsys fs.FS, from, target string) string {
	return resolveImport(fsys, path.Join(path.Dir(from), target))
}
