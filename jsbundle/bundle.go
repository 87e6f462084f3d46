// Package jsbundle bundles the TypeScript/JavaScript source of @deno modules
// into one script with esbuild (the only package importing it).
//
// The output is an ES2017 IIFE that assigns the module's exports to the
// global [GlobalName]; package jsrt runs it on goja. Relative imports, TSX,
// the Node built-ins that jsrt provides (node:process, node:path, node:os,
// node:url, a read-only node:fs), npm: packages (installed once into a
// local cache, see npm.go) and https: modules (fetched once into a local
// cache, see remote.go) are bundled; jsr:, data: and file: imports are
// reported as diagnostics at the import. Syntax and resolution errors become
// diag.Diagnostics pointing into the TypeScript sources.
//
// The package also writes the generated type declarations
// (generated/exograph.d.ts, contexts.d.ts, <Module>.d.ts) and the skeleton
// of a missing module file, as Exograph does.
package jsbundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
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
	// WriteLock writes <module>.npm.lock next to a module with npm:
	// imports, recording the installed versions (exo build; tests never
	// write into the project).
	WriteLock bool
	// NpmCache is the directory npm packages are installed into (default:
	// $EXO_NPM_CACHE, else os.UserCacheDir()/exo/npm).
	NpmCache string
	// RemoteCache is the directory https: modules are cached in (default:
	// $EXO_REMOTE_CACHE, else os.UserCacheDir()/exo/remote).
	RemoteCache string
	// HTTPClient fetches https: modules (default: a client like
	// http.DefaultClient). Its CheckRedirect is replaced: up to 10
	// redirects are followed, to https: URLs (http: only on localhost).
	// Each module gets 30 seconds.
	HTTPClient *http.Client
	// ReloadRemote fetches https: modules again (once per Bundler) instead
	// of using the cached copies; $EXO_RELOAD_REMOTE=1 does the same.
	ReloadRemote bool
}

// Bundler implements compiler.ModuleBundler with esbuild.
type Bundler struct {
	opts Options

	mu      sync.Mutex
	created map[string]bool // skeletons written by this bundler (entry paths)
	npmInst *npmInstaller
	remote  *remoteFetcher
}

func (b *Bundler) npm() *npmInstaller {
	if b.opts.NpmCache == "" {
		return sharedNpm()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.npmInst == nil {
		b.npmInst = &npmInstaller{dir: b.opts.NpmCache}
	}
	return b.npmInst
}

func (b *Bundler) remoteFetcher() *remoteFetcher {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.remote == nil {
		b.remote = newRemoteFetcher(b.opts)
	}
	return b.remote
}

func (b *Bundler) withPlugins(opts api.BuildOptions, st *npmState, rs *remoteState, fsys fs.FS, fromFS bool) api.BuildOptions {
	opts.Plugins = []api.Plugin{importPolicy(st, rs)}
	if fromFS {
		opts.Plugins = append(opts.Plugins, fsPlugin(fsys))
	}
	return opts
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
	// CodeNpmFetch: npm packages that could not be installed (registry
	// unreachable, unknown package or version, npm missing).
	CodeNpmFetch = "bundle/npm-fetch"
	CodeWarning  = "bundle/warning"
)

// nodeShims are the Node built-ins jsrt provides, as ES modules over its
// globals (process, and jsrt.NodeGlobal for the others).
var nodeShims = map[string]string{
	"process": "const p = globalThis.process;\nexport default p;\nexport const env = p.env, cwd = p.cwd, argv = p.argv, platform = p.platform, nextTick = p.nextTick;\n",
}

// nodeModuleExports lists the exports of the built-ins jsrt implements in
// JavaScript (jsrt/nodejs.go), reached through its global require
// function (jsrt.NodeGlobal).
var nodeModuleExports = map[string]string{
	"path":       "sep delimiter resolve normalize isAbsolute join relative toNamespacedPath dirname basename extname parse format posix",
	"path/posix": "sep delimiter resolve normalize isAbsolute join relative toNamespacedPath dirname basename extname parse format posix",
	"os": "EOL devNull constants homedir tmpdir platform type arch machine endianness hostname release version uptime loadavg " +
		"totalmem freemem availableParallelism cpus networkInterfaces userInfo",
	"url": "URL URLSearchParams fileURLToPath pathToFileURL format parse",
	"fs": "statSync lstatSync readFileSync readdirSync accessSync existsSync realpathSync stat lstat readFile readdir access " +
		"realpath exists promises Stats constants F_OK R_OK W_OK X_OK " + fsWriteOps + " " + fsWriteOpsSync,
	"fs/promises": "stat lstat readFile readdir access realpath constants " + fsWriteOps,
}

const (
	fsWriteOps     = "writeFile appendFile mkdir rm rmdir unlink rename copyFile symlink chmod utimes mkdtemp"
	fsWriteOpsSync = "writeFileSync appendFileSync mkdirSync rmSync rmdirSync unlinkSync renameSync copyFileSync symlinkSync chmodSync utimesSync mkdtempSync"
)

// nodeGlobal is jsrt.NodeGlobal (jsbundle does not import jsrt).
const nodeGlobal = "__exo_node"

func init() {
	for name, exports := range nodeModuleExports {
		var b strings.Builder
		fmt.Fprintf(&b, "const m = globalThis.%s(%q);\nexport default m;\n", nodeGlobal, name)
		for i, e := range strings.Fields(exports) {
			if i == 0 {
				b.WriteString("export const ")
			} else {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = m.%s", e, e)
		}
		b.WriteString(";\n")
		nodeShims[name] = b.String()
	}
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
	opts := b.baseOptions(outName)
	opts.Sourcemap = api.SourceMapLinked
	opts.SourcesContent = api.SourcesContentInclude
	entryAbs := ""
	if req.Root != "" {
		abs, err := filepath.Abs(req.Root)
		if err != nil {
			return compiler.BundleResult{}, nil, err
		}
		opts.AbsWorkingDir = abs
		entryAbs = filepath.Join(abs, filepath.FromSlash(entry))
		opts.EntryPoints = []string{entryAbs}
	} else {
		// Not on disk: resolve and load relative imports from fsys.
		opts.AbsWorkingDir = "/"
		opts.EntryPoints = []string{entry}
	}
	files := newFileCache(fsys, opts.AbsWorkingDir)
	res, bdiags, err := b.build(opts, fsys, req.Root == "", entry, entryAbs, files)
	if err != nil {
		return compiler.BundleResult{}, nil, err
	}
	diags.Append(bdiags)
	if len(res.Errors) > 0 {
		return compiler.BundleResult{}, diags, nil
	}
	var out compiler.BundleResult
	for _, f := range res.OutputFiles {
		switch {
		case strings.HasSuffix(f.Path, ".map"):
			// Files loaded from fsys carry the plugin's namespace; remote
			// modules are named by their URL.
			m := bytes.ReplaceAll(f.Contents, []byte(`"`+nsFS+`:`), []byte(`"`))
			out.SourceMap = bytes.ReplaceAll(m, []byte(`"`+nsRemote+`:`), []byte(`"`))
		case strings.HasSuffix(f.Path, ".js"):
			out.Script = f.Contents
		}
	}
	if out.Script == nil {
		return compiler.BundleResult{}, diags, errors.New("jsbundle: esbuild produced no script")
	}
	return out, diags, nil
}

// baseOptions are the esbuild options of every bundle: an ES2017 IIFE
// assigning the entry's exports to [GlobalName], for goja.
func (b *Bundler) baseOptions(outName string) api.BuildOptions {
	return api.BuildOptions{
		Bundle:            true,
		Write:             false,
		Outfile:           outName,
		Format:            api.FormatIIFE,
		GlobalName:        GlobalName,
		Platform:          api.PlatformNeutral,
		MainFields:        []string{"module", "main"},
		Target:            api.ES2017,
		LogLevel:          api.LogLevelSilent,
		Charset:           api.CharsetUTF8,
		LegalComments:     api.LegalCommentsNone,
		JSX:               api.JSXTransform,
		TsconfigRaw:       `{"compilerOptions":{}}`,
		MinifySyntax:      b.opts.Minify,
		MinifyWhitespace:  b.opts.Minify,
		MinifyIdentifiers: b.opts.Minify,
		// What goja cannot parse: esbuild turns import(x) into a rejected
		// require and such regular expression literals into new RegExp
		// calls, so that packages using them on code paths modules do not
		// take still load.
		Supported: map[string]bool{
			"dynamic-import":                  false,
			"regexp-unicode-property-escapes": false,
			"regexp-match-indices":            false,
			"regexp-set-notation":             false,
			// Unicode property escapes inside character classes (which
			// esbuild does not look for) come with the u flag.
			"regexp-sticky-and-unicode-flags": false,
		},
	}
}

// build runs esbuild with the import plugins and turns its messages into
// diagnostics (sources read through files). npm: imports take two passes:
// the first loads them as empty stubs while their specifiers are collected;
// with any, the packages are installed and the second pass bundles from
// them. entry names the entry in diagnostics; entryAbs, when not "", is
// its path on disk (for the npm lock file). fromFS resolves the entry and
// relative imports in fsys instead of on disk. The result has errors when
// res.Errors is not empty; the error is for failures of the bundler itself.
func (b *Bundler) build(opts api.BuildOptions, fsys fs.FS, fromFS bool, entry, entryAbs string, files *fileCache) (api.BuildResult, diag.List, error) {
	var diags diag.List
	st := &npmState{n: b.npm(), scan: true}
	rs := newRemoteState(b.remoteFetcher())
	res := api.Build(b.withPlugins(opts, st, rs, fsys, fromFS))
	if len(st.specs) > 0 {
		// Second pass, from the installed packages.
		specs := st.sortedSpecs()
		dir, lock, err := st.n.install(context.Background(), entryAbs, specs)
		if err != nil {
			var ne *npmError
			if !errors.As(err, &ne) {
				return api.BuildResult{}, nil, err
			}
			st.err = ne
		} else if b.opts.WriteLock && entryAbs != "" {
			if err := writeLock(entryAbs, specs, lock); err != nil {
				diags.Add(&diag.Diagnostic{Severity: diag.Warning, Code: CodeWarning,
					Message: fmt.Sprintf("Cannot write %s.npm.lock: %v", entry, err)})
			}
		}
		st.dir, st.scan = dir, false
		// Packages are bundled for a web-like platform: browser builds,
		// "deno"/"worker"/"browser" export conditions.
		opts.Platform = api.PlatformBrowser
		opts.MainFields = []string{"browser", "module", "main"}
		opts.Conditions = []string{"deno", "worker", "browser"}
		opts.Define = map[string]string{"process.env.NODE_ENV": "globalThis.process.env.NODE_ENV"}
		res = api.Build(b.withPlugins(opts, st, rs, fsys, fromFS))
	}
	files.remote = rs
	for _, m := range res.Errors {
		diags.Add(toDiagnostic(files, m, diag.Error))
	}
	for _, m := range res.Warnings {
		if ignoredWarning(m) || st.inCache(m) || fromRemote(m) {
			continue
		}
		diags.Add(toDiagnostic(files, m, diag.Warning))
	}
	return res, diags, nil
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

// fromRemote tells whether a message points into a remote module (whose
// warnings are not the module author's concern).
func fromRemote(m api.Message) bool {
	return m.Location != nil && (m.Location.Namespace == nsRemote || strings.HasPrefix(m.Location.File, nsRemote+":"))
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
	reNpm    = regexp.MustCompile(`^npm:`)
	reRemote = regexp.MustCompile(`^(jsr|data|file):`)
	reBare   = regexp.MustCompile(`^[a-z_][a-z0-9_]*(/[a-z0-9_/]+)?$`)
)

// nodeBuiltins are Node's built-in modules. npm packages that import one
// jsrt does not provide get an empty module (most only touch them on
// Node-only code paths).
var nodeBuiltins = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`assert async_hooks buffer child_process cluster console constants crypto
dgram diagnostics_channel dns domain events fs http http2 https inspector module net os path
perf_hooks process punycode querystring readline repl stream string_decoder sys timers tls trace_events
tty url util v8 vm wasi worker_threads zlib`) {
		nodeBuiltins[n] = true
	}
}

// npmState carries npm: imports across the two passes of a build.
type npmState struct {
	n     *npmInstaller
	scan  bool // first pass: collect specifiers
	mu    sync.Mutex
	specs map[string]npmSpec // by specifier
	dir   string             // install directory (second pass)
	err   *npmError          // install failure (second pass)
}

func (st *npmState) sortedSpecs() []npmSpec {
	keys := make([]string, 0, len(st.specs))
	for k := range st.specs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]npmSpec, len(keys))
	for i, k := range keys {
		out[i] = st.specs[k]
	}
	return out
}

// fromCache tells whether a file is part of the installed npm packages.
func (st *npmState) fromCache(file string) bool {
	return st.dir != "" && strings.HasPrefix(file, st.dir+string(filepath.Separator))
}

// inCache tells whether a message points into the installed packages
// (their warnings are not the module author's concern).
func (st *npmState) inCache(m api.Message) bool {
	if m.Location == nil {
		return false
	}
	f := m.Location.File
	if !filepath.IsAbs(f) && st.dir != "" {
		return strings.Contains(filepath.ToSlash(f), "/node_modules/") && !strings.HasPrefix(f, "src/")
	}
	return st.fromCache(f)
}

const nsStub = "exo-npm-stub"

// builtinStub stands for a Node built-in jsrt does not provide (and, in the
// first pass, for npm: imports): any property path can be read (packages
// often pick functions at load time), calling or constructing one throws.
const builtinStub = `function stub(path) {
  const f = function () { throw new Error("Node built-in module " + NAME + " is not available (" + path + ")"); };
  return new Proxy(f, {
    get(t, k) {
      if (typeof k === "symbol" || k === "then" || k === "__esModule") return undefined;
      if (k === "prototype") return t.prototype;
      return stub(path + "." + k);
    },
  });
}
module.exports = stub(NAME);
`

// npmFetchDetail marks the messages of failed npm installs.
const npmFetchDetail = "exo-npm-fetch"

// builtinProbe marks the resolution of a Node built-in's name as a package.
const builtinProbe = "exo-builtin-probe"

func resolved(r api.ResolveResult) api.OnResolveResult {
	se := api.SideEffectsTrue
	if !r.SideEffects {
		se = api.SideEffectsFalse
	}
	return api.OnResolveResult{Path: r.Path, Namespace: r.Namespace, External: r.External, SideEffects: se, PluginData: r.PluginData}
}

// importPolicy maps node: built-ins to jsrt's shims, resolves npm:
// specifiers into the npm cache (see npm.go) and https: ones into the
// remote cache (see remote.go), and rejects the other schemes (jsr:,
// data:, file:).
func importPolicy(st *npmState, rs *remoteState) api.Plugin {
	return api.Plugin{Name: "exo-imports", Setup: func(pb api.PluginBuild) {
		pb.OnResolve(api.OnResolveOptions{Filter: reNode.String()}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			name := strings.TrimPrefix(a.Path, "node:")
			if _, ok := nodeShims[name]; ok {
				return api.OnResolveResult{Path: name, Namespace: nsNode}, nil
			}
			if st.fromCache(a.Importer) {
				return api.OnResolveResult{Path: name, Namespace: nsStub}, nil
			}
			return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf(
				"Node built-in module %q is not supported (available: %s)", a.Path, nodeList())}}}, nil
		})
		pb.OnResolve(api.OnResolveOptions{Filter: reBare.String()}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			// Bare Node built-ins imported by npm packages.
			root, _, _ := strings.Cut(a.Path, "/")
			if a.PluginData == builtinProbe || !nodeBuiltins[root] || !st.fromCache(a.Importer) {
				return api.OnResolveResult{}, nil
			}
			if _, ok := nodeShims[a.Path]; ok {
				return api.OnResolveResult{Path: a.Path, Namespace: nsNode}, nil
			}
			// A package of that name (a polyfill) wins.
			r := pb.Resolve(a.Path, api.ResolveOptions{ResolveDir: a.ResolveDir, Kind: a.Kind, Importer: a.Importer, Namespace: "file", PluginData: builtinProbe})
			if len(r.Errors) == 0 && filepath.IsAbs(r.Path) {
				return resolved(r), nil
			}
			return api.OnResolveResult{Path: a.Path, Namespace: nsStub}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsNode}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src := nodeShims[a.Path]
			return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
		})
		pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsStub}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src := strings.ReplaceAll(builtinStub, "NAME", strconv.Quote(a.Path))
			return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
		})
		pb.OnResolve(api.OnResolveOptions{Filter: reNpm.String()}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			sp, err := parseNpmSpec(a.Path)
			if err != nil {
				return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf("Cannot import %q: %v", a.Path, err)}}}, nil
			}
			if st.scan {
				st.mu.Lock()
				if st.specs == nil {
					st.specs = map[string]npmSpec{}
				}
				st.specs[a.Path] = sp
				st.mu.Unlock()
				return api.OnResolveResult{Path: a.Path, Namespace: nsStub}, nil
			}
			if st.err != nil {
				return api.OnResolveResult{Errors: []api.Message{{Text: st.err.msg, Detail: npmFetchDetail}}}, nil
			}
			r := pb.Resolve(sp.importPath(), api.ResolveOptions{ResolveDir: st.dir, Kind: a.Kind, Importer: a.Importer, Namespace: "file"})
			if len(r.Errors) > 0 {
				return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf("Cannot import %q: %s", a.Path, r.Errors[0].Text)}}}, nil
			}
			return resolved(r), nil
		})
		pb.OnResolve(api.OnResolveOptions{Filter: reRemote.String()}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			scheme, _, _ := strings.Cut(a.Path, ":")
			var msg string
			switch scheme {
			case "jsr":
				msg = fmt.Sprintf("Cannot import %q: jsr: specifiers are not supported; import the package from https: or npm: instead", a.Path)
			default:
				msg = fmt.Sprintf("Cannot import %q: %s: specifiers are not supported; vendor the file next to the module and import it with a relative path", a.Path, scheme)
			}
			return api.OnResolveResult{Errors: []api.Message{{Text: msg}}}, nil
		})
		// Last: it takes every import of a remote module left over.
		remotePlugin(pb, rs)
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
			if a.Kind != api.ResolveEntryPoint && a.Namespace != nsFS {
				return api.OnResolveResult{}, nil // npm packages: esbuild resolves them
			}
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
	fsys   fs.FS
	abs    string
	files  map[string]*diag.File
	remote *remoteState // may be nil
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
	if u, ok := strings.CutPrefix(name, nsRemote+":"); ok && c.remote != nil {
		var f *diag.File
		if m := c.remote.module(u); m != nil {
			f = diag.NewFile(u, m.body)
		}
		c.files[name] = f
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
		switch m.Detail {
		case npmFetchDetail:
			d.Code = CodeNpmFetch
		case remoteFetchDetail:
			d.Code = CodeRemoteFetch
		case remoteNetDetail:
			d.Code = CodeRemoteUnreachable
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
