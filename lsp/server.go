package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

// Options configure a [Server].
type Options struct {
	// Debounce is how long the server waits after the last edit before it
	// recompiles and publishes diagnostics. Zero means 150ms.
	Debounce time.Duration
	// Version is reported in serverInfo.
	Version string
	// Logf, if set, receives internal problems (never user diagnostics).
	Logf func(format string, args ...any)
}

// Server is the exo language server. One server serves one client.
type Server struct {
	opts Options
	conn *Conn

	mu          sync.Mutex
	docs        map[string]*document // by OS path
	projects    map[string]*project  // by key (root dir, or file path for standalone files)
	gen         int                  // bumped on every change of an open document
	initialized bool
	shutdown    bool
	timers      map[*project]*time.Timer
}

// document is an open text document.
type document struct {
	uri     string
	path    string
	version int32
	text    []byte
}

// project is a compile unit: a directory holding src/index.exo, or a
// single file that no project includes.
type project struct {
	key   string
	root  string // OS directory the compiler's FS is rooted at
	entry string // compiler.Options.Root inside that FS ("." or "name.exo")

	mu        sync.Mutex // serialises analyses of this project
	snap      *snapshot
	lastSys   *ir.System     // the last system that compiled without errors
	published map[string]int // uri -> number of diagnostics last published
}

// snapshot is the result of analysing a project at one generation.
type snapshot struct {
	gen int
	p   *project
	a   *compiler.Analysis
	ix  *index
	sys *ir.System // a.System, or the last good one
}

// NewServer returns a server with the given options.
func NewServer(opts Options) *Server {
	if opts.Debounce == 0 {
		opts.Debounce = 150 * time.Millisecond
	}
	return &Server{
		opts:     opts,
		docs:     map[string]*document{},
		projects: map[string]*project{},
		timers:   map[*project]*time.Timer{},
	}
}

// Serve runs the server on the stream rw until the client sends exit or
// closes the stream. It reports whether shutdown was requested before the
// end (the LSP exit code rule: exit 0 after shutdown, 1 otherwise).
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) (cleanShutdown bool, err error) {
	s.conn = NewConn(r, w, nil)
	err = s.conn.Run(ctx, s.handle)
	s.mu.Lock()
	for _, t := range s.timers {
		t.Stop()
	}
	clean := s.shutdown
	s.mu.Unlock()
	return clean, err
}

func (s *Server) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

func decode[T any](raw json.RawMessage) (T, error) {
	var v T
	if len(raw) == 0 {
		return v, &RPCError{Code: codeInvalidParams, Message: "missing params"}
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, &RPCError{Code: codeInvalidParams, Message: err.Error()}
	}
	return v, nil
}

// handle dispatches one message. A panic in a feature is turned into an
// internal error rather than killing the server.
func (s *Server) handle(ctx context.Context, method string, params json.RawMessage, isCall bool) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 4096)
			buf = buf[:runtime.Stack(buf, false)]
			s.logf("lsp: panic in %s: %v\n%s", method, r, buf)
			res, err = nil, &RPCError{Code: codeInternalError, Message: fmt.Sprintf("internal error in %s: %v", method, r)}
		}
	}()
	s.mu.Lock()
	initialized, shutdown := s.initialized, s.shutdown
	s.mu.Unlock()
	switch method {
	case "initialize":
		return s.initialize(params)
	case "initialized":
		return nil, nil
	case "shutdown":
		s.mu.Lock()
		s.shutdown = true
		for _, t := range s.timers {
			t.Stop()
		}
		s.mu.Unlock()
		return nil, nil
	case "exit":
		return nil, errExit
	case "$/cancelRequest", "$/setTrace", "$/progress":
		return nil, nil
	}
	if !initialized {
		if isCall {
			return nil, &RPCError{Code: codeServerNotInitialized, Message: "server not initialized"}
		}
		return nil, nil
	}
	if shutdown && isCall {
		return nil, &RPCError{Code: codeInvalidRequest, Message: "server is shutting down"}
	}
	switch method {
	case "textDocument/didOpen":
		p, err := decode[DidOpenTextDocumentParams](params)
		if err != nil {
			return nil, err
		}
		s.didOpen(p)
		return nil, nil
	case "textDocument/didChange":
		p, err := decode[DidChangeTextDocumentParams](params)
		if err != nil {
			return nil, err
		}
		s.didChange(p)
		return nil, nil
	case "textDocument/didClose":
		p, err := decode[DidCloseTextDocumentParams](params)
		if err != nil {
			return nil, err
		}
		s.didClose(p)
		return nil, nil
	case "textDocument/didSave", "workspace/didChangeWatchedFiles":
		s.touchAll()
		return nil, nil
	case "textDocument/hover":
		p, err := decode[TextDocumentPositionParams](params)
		if err != nil {
			return nil, err
		}
		return s.hover(p)
	case "textDocument/completion":
		p, err := decode[TextDocumentPositionParams](params)
		if err != nil {
			return nil, err
		}
		return s.completion(p)
	case "textDocument/definition":
		p, err := decode[TextDocumentPositionParams](params)
		if err != nil {
			return nil, err
		}
		return s.definition(p)
	case "textDocument/references":
		p, err := decode[ReferenceParams](params)
		if err != nil {
			return nil, err
		}
		return s.references(p)
	case "textDocument/prepareRename":
		p, err := decode[TextDocumentPositionParams](params)
		if err != nil {
			return nil, err
		}
		return s.prepareRename(p)
	case "textDocument/rename":
		p, err := decode[RenameParams](params)
		if err != nil {
			return nil, err
		}
		return s.rename(p)
	case "textDocument/documentSymbol":
		p, err := decode[DocumentFormattingParams](params)
		if err != nil {
			return nil, err
		}
		return s.documentSymbols(p.TextDocument.URI)
	case "textDocument/formatting":
		p, err := decode[DocumentFormattingParams](params)
		if err != nil {
			return nil, err
		}
		return s.formatting(p.TextDocument.URI)
	case "textDocument/semanticTokens/full":
		p, err := decode[DocumentFormattingParams](params)
		if err != nil {
			return nil, err
		}
		return s.semanticTokens(p.TextDocument.URI)
	}
	if isCall {
		return nil, &RPCError{Code: codeMethodNotFound, Message: "method not supported: " + method}
	}
	return nil, nil
}

func (s *Server) initialize(raw json.RawMessage) (any, error) {
	s.mu.Lock()
	s.initialized = true
	s.mu.Unlock()
	caps := map[string]any{
		"positionEncoding": "utf-16",
		"textDocumentSync": map[string]any{
			"openClose": true,
			"change":    2, // incremental
			"save":      map[string]any{"includeText": false},
		},
		"hoverProvider":              true,
		"completionProvider":         map[string]any{"triggerCharacters": []string{"@", ".", ":", "="}},
		"definitionProvider":         true,
		"referencesProvider":         true,
		"renameProvider":             map[string]any{"prepareProvider": true},
		"documentSymbolProvider":     true,
		"documentFormattingProvider": true,
		"semanticTokensProvider": map[string]any{
			"legend": map[string]any{"tokenTypes": tokenTypes, "tokenModifiers": tokenModifiers},
			"full":   true,
		},
	}
	return InitializeResult{Capabilities: caps, ServerInfo: ServerInfo{Name: "exo", Version: s.opts.Version}}, nil
}

// ---------------------------------------------------------------------------
// Documents

// uriPath converts a file URI into a cleaned OS path.
func uriPath(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", err
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("unsupported URI scheme %q", u.Scheme)
	}
	p := u.Path
	if runtime.GOOS == "windows" {
		p = strings.TrimPrefix(p, "/")
	}
	return filepath.Clean(filepath.FromSlash(p)), nil
}

// pathURI converts an OS path into a file URI.
func pathURI(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

func (s *Server) didOpen(p DidOpenTextDocumentParams) {
	fp, err := uriPath(p.TextDocument.URI)
	if err != nil {
		s.logf("lsp: didOpen: %v", err)
		return
	}
	s.mu.Lock()
	s.docs[fp] = &document{uri: p.TextDocument.URI, path: fp, version: p.TextDocument.Version, text: []byte(p.TextDocument.Text)}
	s.gen++
	s.mu.Unlock()
	s.schedule(fp)
}

func (s *Server) didChange(p DidChangeTextDocumentParams) {
	fp, err := uriPath(p.TextDocument.URI)
	if err != nil {
		return
	}
	s.mu.Lock()
	d := s.docs[fp]
	if d == nil {
		s.mu.Unlock()
		return
	}
	for _, ch := range p.ContentChanges {
		if ch.Range == nil {
			d.text = []byte(ch.Text)
			continue
		}
		f := diag.NewFile("", d.text)
		start, end := positionOffset(f, ch.Range.Start), positionOffset(f, ch.Range.End)
		if end < start {
			start, end = end, start
		}
		text := make([]byte, 0, len(d.text)-(end-start)+len(ch.Text))
		text = append(text, d.text[:start]...)
		text = append(text, ch.Text...)
		text = append(text, d.text[end:]...)
		d.text = text
	}
	d.version = p.TextDocument.Version
	s.gen++
	s.mu.Unlock()
	s.schedule(fp)
}

func (s *Server) didClose(p DidCloseTextDocumentParams) {
	fp, err := uriPath(p.TextDocument.URI)
	if err != nil {
		return
	}
	s.mu.Lock()
	delete(s.docs, fp)
	s.gen++
	s.mu.Unlock()
	s.schedule(fp)
}

// touchAll invalidates every snapshot (files changed on disk) and
// rediagnoses the projects of the open documents.
func (s *Server) touchAll() {
	s.mu.Lock()
	s.gen++
	var paths []string
	for p := range s.docs {
		paths = append(paths, p)
	}
	s.mu.Unlock()
	for _, p := range paths {
		s.schedule(p)
	}
}

// ---------------------------------------------------------------------------
// Projects and snapshots

// findRoot returns the project directory of the file at fp: the nearest
// ancestor directory holding src/index.exo (as the file itself, if open,
// or on disk).
func (s *Server) findRoot(fp string) (string, bool) {
	dir := filepath.Dir(fp)
	for {
		idx := filepath.Join(dir, "src", "index.exo")
		s.mu.Lock()
		_, open := s.docs[idx]
		s.mu.Unlock()
		if open {
			return dir, true
		}
		if info, err := os.Stat(idx); err == nil && !info.IsDir() {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func (s *Server) project(key, root, entry string) *project {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[key]
	if p == nil {
		p = &project{key: key, root: root, entry: entry, published: map[string]int{}}
		s.projects[key] = p
	}
	return p
}

// projectFor returns the project the file at fp belongs to: the enclosing
// project if it includes the file, else a standalone project of the file.
//
// Membership is decided on the last analysis of the enclosing project when
// there is one (so that typing does not compile on every keystroke); a file
// missing from a stale analysis is looked up again in a fresh one, since an
// edit may have just imported it.
func (s *Server) projectFor(fp string) *project {
	if root, ok := s.findRoot(fp); ok {
		p := s.project(root, root, ".")
		rel, err := filepath.Rel(root, fp)
		if err == nil {
			rel = filepath.ToSlash(rel)
			p.mu.Lock()
			snap := p.snap
			p.mu.Unlock()
			s.mu.Lock()
			gen := s.gen
			s.mu.Unlock()
			if snap == nil || snap.gen != gen && snap.ix.byPath[rel] == nil {
				snap = s.snapshot(p)
			}
			if snap.ix.byPath[rel] != nil {
				return p
			}
		}
	}
	return s.project(fp, filepath.Dir(fp), filepath.Base(fp))
}

// snapshotFor returns the up-to-date analysis that includes the file at
// the URI, and the file's entry in it (nil if the file is unknown).
func (s *Server) snapshotFor(uri string) (*snapshot, *docFile, error) {
	fp, err := uriPath(uri)
	if err != nil {
		return nil, nil, &RPCError{Code: codeInvalidParams, Message: err.Error()}
	}
	p := s.projectFor(fp)
	snap := s.snapshot(p)
	rel, err := filepath.Rel(p.root, fp)
	if err != nil {
		return snap, nil, nil
	}
	return snap, snap.ix.byPath[filepath.ToSlash(rel)], nil
}

// snapshot returns the analysis of p for the current generation,
// compiling if needed.
func (s *Server) snapshot(p *project) *snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.mu.Lock()
	gen := s.gen
	files := map[string][]byte{}
	for fp, d := range s.docs {
		if rel, err := filepath.Rel(p.root, fp); err == nil && filepath.IsLocal(rel) {
			files[filepath.ToSlash(rel)] = d.text
		}
	}
	s.mu.Unlock()
	if p.snap != nil && p.snap.gen == gen {
		return p.snap
	}
	fsys := &overlayFS{base: os.DirFS(p.root), files: files}
	a := compiler.Analyze(compiler.Options{Root: p.entry, FS: fsys})
	if a.System != nil {
		p.lastSys = a.System
	}
	p.snap = &snapshot{gen: gen, p: p, a: a, ix: newIndex(a), sys: p.lastSys}
	return p.snap
}

// uri returns the URI of a file of the project given by its relative path.
func (p *project) uri(rel string) string {
	return pathURI(filepath.Join(p.root, filepath.FromSlash(rel)))
}

// ---------------------------------------------------------------------------
// Diagnostics

// schedule (re)starts the debounce timer of the project of fp.
func (s *Server) schedule(fp string) {
	p := s.projectFor(fp)
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.timers[p]; t != nil {
		t.Stop()
	}
	s.timers[p] = time.AfterFunc(s.opts.Debounce, func() { s.diagnose(p) })
}

// diagnose analyses p and publishes the diagnostics of each of its files,
// clearing files that no longer have any.
func (s *Server) diagnose(p *project) {
	s.mu.Lock()
	stopped := s.shutdown
	s.mu.Unlock()
	if stopped {
		return
	}
	snap := s.snapshot(p)
	byURI := s.diagnostics(snap)
	p.mu.Lock()
	var clear []string
	for uri := range p.published {
		if _, ok := byURI[uri]; !ok {
			clear = append(clear, uri)
		}
	}
	for _, uri := range clear {
		delete(p.published, uri)
		byURI[uri] = []Diagnostic{}
	}
	for uri, ds := range byURI {
		if len(ds) > 0 {
			p.published[uri] = len(ds)
		}
	}
	p.mu.Unlock()
	uris := make([]string, 0, len(byURI))
	for uri := range byURI {
		uris = append(uris, uri)
	}
	sort.Strings(uris)
	for _, uri := range uris {
		params := PublishDiagnosticsParams{URI: uri, Diagnostics: byURI[uri]}
		if fp, err := uriPath(uri); err == nil {
			s.mu.Lock()
			if d := s.docs[fp]; d != nil {
				v := d.version
				params.Version = &v
			}
			s.mu.Unlock()
		}
		if err := s.conn.Notify("textDocument/publishDiagnostics", params); err != nil {
			s.logf("lsp: publish: %v", err)
		}
	}
}

// diagnostics converts the analysis' diagnostics into LSP diagnostics by
// document URI. Every file of the project gets an entry, so that fixed
// files are cleared. Diagnostics without a location go to the entry file.
func (s *Server) diagnostics(snap *snapshot) map[string][]Diagnostic {
	out := map[string][]Diagnostic{}
	for _, df := range snap.ix.files {
		out[snap.p.uri(df.path)] = []Diagnostic{}
	}
	entry := snap.a.Entry
	if entry == "" {
		entry = snap.p.entry
	}
	for _, d := range snap.a.Diags {
		uri := snap.p.uri(entry)
		var rng Range
		if d.Span.IsValid() {
			uri = snap.p.uri(d.Span.File.Name)
			rng = spanRange(d.Span)
		}
		out[uri] = append(out[uri], convertDiagnostic(snap.p, d, rng))
	}
	return out
}

func convertDiagnostic(p *project, d *diag.Diagnostic, rng Range) Diagnostic {
	sev := SeverityError
	switch d.Severity {
	case diag.Warning:
		sev = SeverityWarning
	case diag.Info:
		sev = SeverityInformation
	case diag.Hint:
		sev = SeverityHint
	}
	msg := d.Message
	if d.Help != "" {
		msg += "\nhelp: " + d.Help
	}
	ld := Diagnostic{Range: rng, Severity: sev, Code: d.Code, Source: "exo", Message: msg}
	if d.Label != "" && d.Span.IsValid() {
		ld.RelatedInformation = append(ld.RelatedInformation, DiagnosticRelatedInformation{
			Location: Location{URI: p.uri(d.Span.File.Name), Range: rng}, Message: d.Label})
	}
	for _, r := range d.Related {
		if !r.Span.IsValid() {
			continue
		}
		ld.RelatedInformation = append(ld.RelatedInformation, DiagnosticRelatedInformation{
			Location: Location{URI: p.uri(r.Span.File.Name), Range: spanRange(r.Span)}, Message: r.Message})
	}
	return ld
}

// ---------------------------------------------------------------------------
// Overlay file system

// overlayFS serves the open documents' text in place of the files on disk.
type overlayFS struct {
	base  fs.FS
	files map[string][]byte // slash paths relative to the root
}

func (o *overlayFS) Open(name string) (fs.File, error) {
	if data, ok := o.files[name]; ok {
		return &memFile{name: path.Base(name), data: data}, nil
	}
	return o.base.Open(name)
}

func (o *overlayFS) ReadFile(name string) ([]byte, error) {
	if data, ok := o.files[name]; ok {
		return data, nil
	}
	return fs.ReadFile(o.base, name)
}

func (o *overlayFS) Stat(name string) (fs.FileInfo, error) {
	if data, ok := o.files[name]; ok {
		return memInfo{name: path.Base(name), size: int64(len(data))}, nil
	}
	return fs.Stat(o.base, name)
}

type memFile struct {
	name string
	data []byte
	off  int
}

func (f *memFile) Stat() (fs.FileInfo, error) {
	return memInfo{name: f.name, size: int64(len(f.data))}, nil
}

func (f *memFile) Read(b []byte) (int, error) {
	if f.off >= len(f.data) {
		return 0, io.EOF
	}
	n := copy(b, f.data[f.off:])
	f.off += n
	return n, nil
}

func (f *memFile) Close() error { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o644 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

var errNoFile = &RPCError{Code: codeInvalidParams, Message: "document is not part of an exo project"}
