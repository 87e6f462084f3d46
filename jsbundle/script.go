package jsbundle

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/exo-dev/exo/diag"
)

// BundleScript bundles JavaScript source that is not a file of a project
// (the imports of an .exotest deno prelude) into one ES2017 script, an IIFE
// assigning the source's exports to the global [GlobalName], like
// [Bundler.Bundle] does for module files. Imports are resolved as in
// modules: relative ones against dir, https: modules through the remote
// cache, npm: packages through the npm cache, node: built-ins to jsrt's
// shims. name is the file name the diagnostics show for src.
//
// Problems with the source or its imports are diagnostics, as with Bundle:
// an https: module that cannot be reached has Code
// [CodeRemoteUnreachable], npm packages that cannot be installed
// [CodeNpmFetch]. The error is for failures of the bundler itself.
func (b *Bundler) BundleScript(src, dir, name string) ([]byte, diag.List, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	if name == "" {
		name = "script.js"
	}
	opts := b.baseOptions("script.js")
	opts.AbsWorkingDir = abs
	opts.Stdin = &api.StdinOptions{Contents: src, ResolveDir: abs, Sourcefile: name, Loader: api.LoaderJS}
	files := newFileCache(os.DirFS(abs), abs)
	// Messages about the source point into it by its name.
	files.files[name] = diag.NewFile(name, []byte(src))
	res, diags, err := b.build(opts, os.DirFS(abs), false, name, "", files)
	if err != nil {
		return nil, nil, err
	}
	if len(res.Errors) > 0 {
		return nil, diags, nil
	}
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".js") {
			return f.Contents, diags, nil
		}
	}
	return nil, diags, errors.New("jsbundle: esbuild produced no script")
}
