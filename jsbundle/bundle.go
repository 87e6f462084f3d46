// Package jsbundle bundles the TypeScript/JavaScript source of @deno modules
// into one script with esbuild (the only package importing it).
//
// The output is an ES2017 IIFE that assigns the module's exports to the
// global [GlobalName]; package jsrt runs it on goja. Relative imports, TSX and
// the Node built-ins that jsrt provides (node:process) are bundled; npm:,
// jsr: and URL imports cannot be fetched here and are reported as
// diagnostics at the import. Syntax and resolution errors become
// diag.Diagnostics pointing into the TypeScript sources.
//
// The package also writes the generated type declarations
// (generated/exograph.d.ts, contexts.d.ts, <Module>.d.ts) and the skeleton
// of a missing module file, as Exograph does.
package jsbundle

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

// GlobalName is the global variable the bundled script assigns the module's
// exports to (an object whose properties are the exported functions).
const GlobalName = "__exo_module"

// Options configure a [Bundler].
type Options struct {
	// Skeleton writes a starter module file when the module's source is
	// missing (only for projects on the operating system's file system).
	Skeleton bool
	// Minify minifies the bundle (identifiers in stack traces stay
	// source-mapped).
	Minify bool
}

// Bundler implements compiler.ModuleBundler with esbuild.
type Bundler struct {
	opts Options

	mu      sync.Mutex
	created map[string]bool // skeletons written by this bundler (entry paths)
}

// New returns a bundler.
func New(opts Options) *Bundler { return &Bundler{opts: opts} }

var _ compiler.ModuleBundler = (*Bundler)(nil)

// Diagnostic codes.
const (
	CodeSyntax      = "bundle/syntax"
	CodeResolve     = "bundle/resolve"
	CodeUnsupported = "bundle/unsupported-import"
	CodeMissing     = "bundle/missing-module"
	CodeWarning     = "bundle/warning"
)

// nodeShims are the Node built-ins jsrt provides, as ES modules over its
// globals.
var nodeShims = map[string]string{
	"process": "const p = globalThis.process;\nexport default p;\nexport const env = p.env, cwd = p.cwd, argv = p.argv, platform = p.platform, nextTick = p.nextTick;\n",
}

// Bundle implements compiler.ModuleBundler.
func (b *Bundler) Bundle(req compiler.BundleRequest) (compiler.BundleResult, diag.List, error) {
	var diags diag.List
	entry := path.Clean(filepath.ToSlash(req.Entry))
	fsys := req.FS
	if fsys == nil && req.Root != "" {
		fsys = os.DirFS(req.Root)
	}
	if fsys == nil {
		return compiler.BundleResult{}, nil, errors.New("jsbundle: no file system")
	}
	if _, err := fs.Stat(fsys, entry); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return compiler.BundleResult{}, nil, err
		}
		if !b.opts.Skeleton || req.Root == "" || req.Module == nil {
			diags.Errorf(diag.Span{}, CodeMissing, "Module file %s not found", entry)
			return compiler.BundleResult{}, diags, nil
		}
		dst := filepath.Join(req.Root, filepath.FromSlash(entry))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return compiler.BundleResult{}, nil, err
		}
		if err := os.WriteFile(dst, Skeleton(req.Module, entry), 0o644); err != nil {
			return compiler.BundleResult{}, nil, err
		}
		b.mu.Lock()
		if b.created == nil {
			b.created = map[string]bool{}
		}
		b.created[entry] = true
		b.mu.Unlock()
		diags.Add(&diag.Diagnostic{Severity: diag.Info, Code: CodeMissing,
			Message: fmt.Sprintf("Module file %s did not exist: created a skeleton", entry)})
	}

	outName := strings.TrimSuffix(path.Base(entry), path.Ext(entry)) + ".js"
	opts := api.BuildOptions{
		Bundle:            true,
		Write:             false,
		Outfile:           outName,
		Format:            api.FormatIIFE,
		GlobalName:        GlobalName,
		Platform:          api.PlatformNeutral,
		MainFields:        []string{"module", "main"},
		Target:            api.ES2017,
		Sourcemap:         api.SourceMapLinked,
		SourcesContent:    api.SourcesContentInclude,
		LogLevel:          api.LogLevelSilent,
		Charset:           api.CharsetUTF8,
		LegalComments:     api.LegalCommentsNone,
		JSX:               api.JSXTransform,
		TsconfigRaw:       `{"compilerOptions":{}}`,
		MinifySyntax:      b.opts.Minify,
		MinifyWhitespace:  b.opts.Minify,
		MinifyIdentifiers: b.opts.Minify,
	}
	plugins := []api.Plugin{importPolicy()}
	if req.Root != "" {
		abs, err := filepath.Abs(req.Root)
		if err != nil {
			return compiler.BundleResult{}, nil, err
		}
		opts.AbsWorkingDir = abs
		opts.EntryPoints = []string{filepath.Join(abs, filepath.FromSlash(entry))}
	} else {
		// Not on disk: resolve and load relative imports from fsys.
		opts.AbsWorkingDir = "/"
		opts.EntryPoints = []string{entry}
		plugins = append(plugins, fsPlugin(fsys))
	}
	opts.Plugins = plugins

	res := api.Build(opts)
	files := newFileCache(fsys, opts.AbsWorkingDir)
	for _, m := range res.Errors {
		diags.Add(toDiagnostic(files, m, diag.Error))
	}
	for _, m := range res.Warnings {
		if ignoredWarning(m) {
			continue
		}
		diags.Add(toDiagnostic(files, m, diag.Warning))
	}
	if len(res.Errors) > 0 {
		return compiler.BundleResult{}, diags, nil
	}
	var out compiler.BundleResult
	for _, f := range res.OutputFiles {
		switch {
		case strings.HasSuffix(f.Path, ".map"):
			// Files loaded from fsys carry the plugin's namespace.
			out.SourceMap = bytes.ReplaceAll(f.Contents, []byte(`"`+nsFS+`:`), []byte(`"`))
		case strings.HasSuffix(f.Path, ".js"):
			out.Script = f.Contents
		}
	}
	if out.Script == nil {
		return compiler.BundleResult{}, diags, errors.New("jsbundle: esbuild produced no script")
	}
	return out, diags, nil
}

// Finish completes a successful build of the project in root: it rewrites
// the skeletons this bundler created with the whole system at hand (types
// of other modules qualified and imported, interceptor functions added) and
// writes the generated type declarations ([WriteTypes]).
func (b *Bundler) Finish(root string, sys *ir.System) error {
	b.mu.Lock()
	created := b.created
	b.created = nil
	b.mu.Unlock()
	for mi := range sys.Modules {
		entry := path.Clean(sys.Modules[mi].SourcePath)
		if !created[entry] {
			continue
		}
		dst := filepath.Join(root, filepath.FromSlash(entry))
		if err := os.WriteFile(dst, SkeletonFor(sys, mi, entry), 0o644); err != nil {
			return err
		}
	}
	return WriteTypes(root, sys)
}

// ignoredWarning drops warnings that are noise for module authors.
func ignoredWarning(m api.Message) bool {
	// Type-only re-exports and the like produce no warnings worth showing;
	// "import.meta" is empty in an IIFE but harmless.
	return m.ID == "empty-import-meta"
}

const (
	nsNode = "exo-node"
	nsFS   = "exo-fs"
)

var (
	reNode   = regexp.MustCompile(`^node:`)
	reRemote = regexp.MustCompile(`^(npm|jsr|https?|data|file):`)
)

// importPolicy maps node: built-ins to jsrt's shims and rejects remote
// specifiers (npm:, jsr:, https:), which cannot be fetched here.
func importPolicy() api.Plugin {
	return api.Plugin{Name: "exo-imports", Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: reNode.String()}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			name := strings.TrimPrefix(a.Path, "node:")
			if _, ok := nodeShims[name]; ok {
				return api.OnResolveResult{Path: name, Namespace: nsNode}, nil
			}
			return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf(
				"Node built-in module %q is not supported (available: %s)", a.Path, nodeList())}}}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsNode}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src := nodeShims[a.Path]
			return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
		})
		pb.OnResolve(api.OnResolveOptions{Filter: reRemote.String()}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			scheme, _, _ := strings.Cut(a.Path, ":")
			var msg string
			switch scheme {
			case "npm":
				msg = fmt.Sprintf("Cannot import %q: npm: specifiers are not supported; install the package with npm (node_modules next to the module) and import it by its bare name", a.Path)
			case "jsr":
				msg = fmt.Sprintf("Cannot import %q: jsr: specifiers are not supported", a.Path)
			default:
				msg = fmt.Sprintf("Cannot import %q: remote imports are not supported; vendor the file next to the module and import it with a relative path", a.Path)
			}
			return api.OnResolveResult{Errors: []api.Message{{Text: msg}}}, nil
		})
	}}
}

func nodeList() string {
	names := make([]string, 0, len(nodeShims))
	for n := range nodeShims {
		names = append(names, "node:"+n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

var loaderExt = []string{"", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", "/index.ts", "/index.tsx", "/index.js"}

// fsPlugin resolves the entry and relative imports against fsys (for
// projects that are not on the operating system's file system).
func fsPlugin(fsys fs.FS) api.Plugin {
	return api.Plugin{Name: "exo-fs", Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			var p string
			switch {
			case a.Kind == api.ResolveEntryPoint:
				p = a.Path
			case strings.HasPrefix(a.Path, "./") || strings.HasPrefix(a.Path, "../"):
				p = path.Join(path.Dir(a.Importer), a.Path)
			case strings.HasPrefix(a.Path, "/"):
				p = strings.TrimPrefix(a.Path, "/")
			default:
				return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf("Could not resolve %q", a.Path)}}}, nil
			}
			p = path.Clean(p)
			for _, ext := range loaderExt {
				if st, err := fs.Stat(fsys, p+ext); err == nil && !st.IsDir() {
					return api.OnResolveResult{Path: p + ext, Namespace: nsFS}, nil
				}
			}
			return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf("Could not resolve %q", a.Path)}}}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsFS}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src, err := fs.ReadFile(fsys, a.Path)
			if err != nil {
				return api.OnLoadResult{}, err
			}
			s := string(src)
			return api.OnLoadResult{Contents: &s, Loader: loaderFor(a.Path)}, nil
		})
	}}
}

func loaderFor(p string) api.Loader {
	switch path.Ext(p) {
	case ".ts", ".mts", ".cts":
		return api.LoaderTS
	case ".tsx":
		return api.LoaderTSX
	case ".jsx":
		return api.LoaderJSX
	case ".json":
		return api.LoaderJSON
	}
	return api.LoaderJS
}

// fileCache reads the sources that messages point into, once each.
type fileCache struct {
	fsys  fs.FS
	abs   string
	files map[string]*diag.File
}

func newFileCache(fsys fs.FS, abs string) *fileCache {
	return &fileCache{fsys: fsys, abs: abs, files: map[string]*diag.File{}}
}

// get returns the file esbuild calls name (relative to the working
// directory, possibly "ns:path"), or nil.
func (c *fileCache) get(name string) *diag.File {
	if f, ok := c.files[name]; ok {
		return f
	}
	p := name
	if i := strings.Index(p, ":"); i > 0 && !filepath.IsAbs(p) {
		p = p[i+1:]
	}
	p = filepath.ToSlash(p)
	if filepath.IsAbs(p) && c.abs != "" {
		if rel, err := filepath.Rel(c.abs, p); err == nil {
			p = filepath.ToSlash(rel)
		}
	}
	p = strings.TrimPrefix(path.Clean(p), "/")
	var f *diag.File
	if src, err := fs.ReadFile(c.fsys, p); err == nil {
		f = diag.NewFile(p, src)
	} else if c.abs != "" && c.abs != "/" {
		// Outside the project's fs (e.g. node_modules of a parent directory).
		if src, err := os.ReadFile(filepath.Join(c.abs, filepath.FromSlash(p))); err == nil {
			f = diag.NewFile(p, src)
		}
	}
	c.files[name] = f
	return f
}

var reExpected = regexp.MustCompile(`^Expected (".*?"|[^"]\S*) but found (.*)$`)

// exographText rewords esbuild's parser messages the way Exograph (Deno)
// prints them: `Expected '}', got '<eof>'`.
func exographText(s string) string {
	m := reExpected.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	exp := strings.Trim(m[1], `"`)
	found := m[2]
	if found == "end of file" {
		found = "<eof>"
	} else {
		found = strings.Trim(found, `"`)
	}
	return fmt.Sprintf("Expected '%s', got '%s'", exp, found)
}

func toDiagnostic(files *fileCache, m api.Message, sev diag.Severity) *diag.Diagnostic {
	d := &diag.Diagnostic{Severity: sev, Code: CodeSyntax, Message: m.Text}
	if m.PluginName != "" {
		d.Code = CodeResolve
		if strings.HasPrefix(m.Text, "Cannot import") || strings.HasPrefix(m.Text, "Node built-in") {
			d.Code = CodeUnsupported
		}
	} else if strings.HasPrefix(m.Text, "Could not resolve") || strings.HasPrefix(m.Text, "No matching export") {
		d.Code = CodeResolve
	}
	if sev == diag.Warning {
		d.Code = CodeWarning
	}
	if d.Code == CodeSyntax {
		d.Message = "SyntaxError: " + exographText(m.Text)
	}
	if m.Location != nil {
		if f := files.get(m.Location.File); f != nil && d.Code == CodeSyntax && m.Text == "Unexpected end of file" {
			// Like Deno, point right after the last token and say which
			// bracket is still open.
			end := lastTokenEnd(f.Src)
			if open := unclosedBracket(f.Src); open != 0 {
				d.Message = fmt.Sprintf("SyntaxError: Expected '%c', got '<eof>'", open)
			}
			d.Span = diag.NewSpan(f, end, end)
		} else if f != nil {
			start := f.LineStart(m.Location.Line) + m.Location.Column
			end := start + m.Location.Length
			if end > len(f.Src) {
				end = len(f.Src)
			}
			if start > len(f.Src) {
				start = len(f.Src)
			}
			d.Span = diag.NewSpan(f, start, end)
		} else if m.Location.File != "" {
			d.Message = fmt.Sprintf("%s (at %s:%d:%d)", d.Message, m.Location.File, m.Location.Line, m.Location.Column+1)
		}
		if m.Location.Suggestion != "" {
			d.Help = fmt.Sprintf("did you mean %q?", m.Location.Suggestion)
		}
	}
	for _, n := range m.Notes {
		if n.Text == "" {
			continue
		}
		if d.Help == "" {
			d.Help = n.Text
		} else {
			d.Help += "; " + n.Text
		}
	}
	return d
}

// lastTokenEnd returns the offset just after the last character of src that
// is not white space or part of a trailing // or /* */ comment.
func lastTokenEnd(src []byte) int {
	end := 0
	for i := 0; i < len(src); {
		switch {
		case strings.HasPrefix(string(src[i:min(i+2, len(src))]), "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(string(src[i:min(i+2, len(src))]), "/*"):
			j := strings.Index(string(src[i+2:]), "*/")
			if j < 0 {
				return end
			}
			i += j + 4
		case src[i] == '"' || src[i] == '\'' || src[i] == '`':
			q := src[i]
			i++
			for i < len(src) && src[i] != q {
				if src[i] == '\\' {
					i++
				}
				i++
			}
			i++
			end = min(i, len(src))
		case src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r':
			i++
		default:
			i++
			end = i
		}
	}
	return end
}

// unclosedBracket returns the closing bracket expected for the innermost
// bracket left open in src (ignoring strings and comments), or 0.
func unclosedBracket(src []byte) byte {
	var stack []byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := strings.Index(string(src[i+2:]), "*/")
			if j < 0 {
				return closerOf(stack)
			}
			i += j + 3
		case c == '"' || c == '\'' || c == '`':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case c == '{' || c == '(' || c == '[':
			stack = append(stack, c)
		case c == '}' || c == ')' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return closerOf(stack)
}

func closerOf(stack []byte) byte {
	if len(stack) == 0 {
		return 0
	}
	switch stack[len(stack)-1] {
	case '{':
		return '}'
	case '(':
		return ')'
	}
	return ']'
}
