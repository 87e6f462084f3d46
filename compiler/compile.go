// Package compiler is the compile core: it loads the .exo files of a
// project (following imports), parses them (package syntax), checks them
// (package check) and lowers the result to an [ir.System] (package lower).
//
// Imports are textual inclusion: `import "x"` (".exo" optional) names a
// file relative to the importing file; every file is included once, so
// import cycles are harmless. Declarations are visited in depth-first order
// of inclusion (the entry file first), which fixes the order of entities
// and modules in the IR.
package compiler

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/exo-dev/exo/compiler/check"
	"github.com/exo-dev/exo/compiler/lower"
	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

// ModuleBundler bundles the TypeScript/JavaScript source of a @deno module
// into one script. It is implemented outside the compile core (esbuild);
// [Options.Bundler] may be nil, in which case module scripts stay empty.
type ModuleBundler interface {
	// Bundle bundles the module whose entry is the slash-separated path
	// entry relative to the project root. Problems in the sources are
	// returned as diagnostics; a non-nil error is an operational failure.
	Bundle(req BundleRequest) (BundleResult, diag.List, error)
}

// BundleRequest describes one module to bundle.
type BundleRequest struct {
	// Root is the project root directory (empty when compiling from an fs.FS
	// that is not backed by the operating system).
	Root string
	// Entry is the module source relative to the project root ("src/todo.ts").
	Entry  string
	Module *ir.Module
	// FS is the file system the compiler reads from, rooted at the project root.
	FS fs.FS
}

// BundleResult is the output of [ModuleBundler.Bundle].
type BundleResult struct {
	Script    []byte
	SourceMap []byte
}

// Options configure [Compile].
type Options struct {
	// Root is the project directory (containing src/index.exo) or the
	// entry .exo file itself. With FS set, Root is a path inside FS ("." or
	// "" for its root).
	Root string
	// FS, when non-nil, is used instead of the operating system's files.
	FS fs.FS
	// Bundler bundles @deno modules; nil leaves Module.Script empty.
	Bundler ModuleBundler
	// ReadWasm reads the binary of each @wasm module into Module.Wasm and
	// checks it against the declared operations (a missing file, a file
	// that is not WebAssembly or a missing export is an error). False is a
	// model-only compile (schema, migrations, tools): Module.Wasm stays
	// empty and the files are not looked at.
	ReadWasm bool
}

// Compile loads, checks and lowers a project. The returned system is nil
// when the list contains errors.
func Compile(opts Options) (*ir.System, diag.List) {
	fsys, root, entry, err := resolveRoot(opts)
	if err != nil {
		var l diag.List
		l.Errorf(diag.Span{}, "compile/no-entry", "%v", err)
		return nil, l
	}
	files, diags := load(fsys, entry)
	model, cd := check.Check(files)
	diags.Append(cd)
	if diags.HasErrors() {
		return nil, diags.Dedupe()
	}
	sys, ld := lower.Lower(model)
	diags.Append(ld)
	td, tdd := loadTrustedDocuments(fsys)
	sys.TrustedDocuments = td
	diags.Append(tdd)
	if opts.ReadWasm {
		diags.Append(loadWasm(fsys, model.Modules, sys))
	}
	if opts.Bundler != nil {
		for i := range sys.Modules {
			m := &sys.Modules[i]
			if m.Kind != ir.ModuleDeno {
				continue
			}
			res, bd, err := opts.Bundler.Bundle(BundleRequest{Root: root, Entry: m.SourcePath, Module: m, FS: fsys})
			diags.Append(bd)
			if err != nil {
				diags.Errorf(diag.Span{}, "compile/bundle", "bundle %s: %v", m.SourcePath, err)
				continue
			}
			m.Script, m.SourceMap = res.Script, res.SourceMap
		}
	}
	diags = diags.Dedupe()
	if diags.HasErrors() {
		return nil, diags
	}
	return sys, diags
}

// resolveRoot returns the file system rooted at the project directory, the
// OS path of that directory (if any) and the entry file inside it.
func resolveRoot(opts Options) (fsys fs.FS, root, entry string, err error) {
	if opts.FS != nil {
		r := path.Clean(strings.TrimPrefix(filepath.ToSlash(opts.Root), "./"))
		if r == "" {
			r = "."
		}
		if strings.HasSuffix(r, ".exo") {
			// Entry file given: the project root is the parent of src/.
			dir := path.Dir(r)
			base := path.Base(r)
			if path.Base(dir) == "src" {
				sub, err := fs.Sub(opts.FS, path.Dir(dir))
				return sub, "", "src/" + base, err
			}
			sub, err := fs.Sub(opts.FS, dir)
			return sub, "", base, err
		}
		sub, err := fs.Sub(opts.FS, r)
		if err != nil {
			return nil, "", "", err
		}
		return sub, "", "src/index.exo", nil
	}
	r := opts.Root
	if r == "" {
		r = "."
	}
	info, err := os.Stat(r)
	if err != nil {
		return nil, "", "", err
	}
	if !info.IsDir() {
		dir := filepath.Dir(r)
		base := filepath.Base(r)
		if filepath.Base(dir) == "src" {
			proj := filepath.Dir(dir)
			return os.DirFS(proj), proj, "src/" + base, nil
		}
		return os.DirFS(dir), dir, base, nil
	}
	if _, err := os.Stat(filepath.Join(r, "src", "index.exo")); err != nil {
		return nil, "", "", errors.New("no src/index.exo in " + r)
	}
	return os.DirFS(r), r, "src/index.exo", nil
}

// load parses entry and, transitively, the files it imports.
func load(fsys fs.FS, entry string) ([]check.Input, diag.List) {
	var (
		diags diag.List
		files []check.Input
		seen  = map[string]bool{}
	)
	var visit func(p string, from *syntax.File, imp *syntax.ImportDecl)
	visit = func(p string, from *syntax.File, imp *syntax.ImportDecl) {
		if seen[p] {
			return
		}
		seen[p] = true
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			if from != nil && imp != nil {
				diags.Errorf(from.Span(imp), "compile/import", "Cannot read imported file %s: %v", p, unwrapPathError(err))
			} else {
				diags.Errorf(diag.Span{}, "compile/no-entry", "cannot read %s: %v", p, unwrapPathError(err))
			}
			return
		}
		f, pd := syntax.Parse(diag.NewFile(p, src))
		diags.Append(pd)
		files = append(files, check.Input{File: f, Path: p})
		for _, d := range f.Decls {
			imp, ok := d.(*syntax.ImportDecl)
			if !ok || imp.Path == nil {
				continue
			}
			target := imp.Path.Value
			if strings.Contains(target, "://") {
				diags.Errorf(f.Span(imp), "compile/import", "Only local imports are supported: %s", target)
				continue
			}
			visit(resolveImport(fsys, path.Join(path.Dir(p), target)), f, imp)
		}
	}
	visit(entry, nil, nil)
	return files, diags
}

// resolveImport maps an import path (joined to the importing file's
// directory) to a file: the path itself if it ends in .exo, else path.exo,
// else path/index.exo when path is a directory.
func resolveImport(fsys fs.FS, p string) string {
	if strings.HasSuffix(p, ".exo") {
		return p
	}
	if _, err := fs.Stat(fsys, p+".exo"); err == nil {
		return p + ".exo"
	}
	if info, err := fs.Stat(fsys, p); err == nil && info.IsDir() {
		return path.Join(p, "index.exo")
	}
	return p + ".exo"
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
