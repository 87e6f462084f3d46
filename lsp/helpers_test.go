package lsp

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// client is an in-process LSP client connected to a Server over net.Pipe.
type client struct {
	t    *testing.T
	conn *Conn
	root string

	mu      sync.Mutex
	changed chan struct{}
	diags   map[string]PublishDiagnosticsParams
	counts  map[string]int
}

func newClient(t *testing.T, files map[string]string) *client {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := connect(t, root)
	return c
}

func connect(t *testing.T, root string) *client {
	t.Helper()
	a, b := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	srv := NewServer(Options{Debounce: 5 * time.Millisecond, Logf: t.Logf})
	served := make(chan struct{})
	go func() {
		defer close(served)
		if _, err := srv.Serve(ctx, a, a); err != nil {
			t.Logf("serve: %v", err)
		}
	}()
	c := &client{t: t, conn: NewConn(b, b, b), root: root, changed: make(chan struct{}, 1),
		diags: map[string]PublishDiagnosticsParams{}, counts: map[string]int{}}
	go c.conn.Run(ctx, func(ctx context.Context, method string, params json.RawMessage, isCall bool) (any, error) {
		if method == "textDocument/publishDiagnostics" {
			var p PublishDiagnosticsParams
			if err := json.Unmarshal(params, &p); err != nil {
				t.Errorf("bad publishDiagnostics: %v", err)
				return nil, nil
			}
			c.mu.Lock()
			c.diags[p.URI] = p
			c.counts[p.URI]++
			c.mu.Unlock()
			select {
			case c.changed <- struct{}{}:
			default:
			}
		}
		return nil, nil
	})
	t.Cleanup(func() {
		ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel2()
		if err := c.conn.Call(ctx2, "shutdown", nil, nil); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		_ = c.conn.Notify("exit", nil)
		select {
		case <-served:
		case <-time.After(5 * time.Second):
			t.Errorf("server did not stop after exit")
		}
		cancel()
		a.Close()
		b.Close()
	})
	var res InitializeResult
	c.call("initialize", map[string]any{"processId": nil, "rootUri": pathURI(root), "capabilities": map[string]any{}}, &res)
	if res.ServerInfo.Name != "exo" {
		t.Fatalf("initialize: unexpected server info %+v", res.ServerInfo)
	}
	if err := c.conn.Notify("initialized", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *client) call(method string, params, result any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.conn.Call(ctx, method, params, result); err != nil {
		c.t.Fatalf("%s: %v", method, err)
	}
}

func (c *client) uri(name string) string {
	return pathURI(filepath.Join(c.root, filepath.FromSlash(name)))
}

func (c *client) read(name string) string {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.root, filepath.FromSlash(name)))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(data)
}

func (c *client) open(name string) string {
	c.t.Helper()
	text := c.read(name)
	if err := c.conn.Notify("textDocument/didOpen", DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: c.uri(name), LanguageID: "exo", Version: 1, Text: text}}); err != nil {
		c.t.Fatal(err)
	}
	return text
}

func (c *client) change(name string, version int32, changes ...TextDocumentContentChangeEvent) {
	c.t.Helper()
	if err := c.conn.Notify("textDocument/didChange", DidChangeTextDocumentParams{
		TextDocument:   VersionedTextDocumentIdentifier{URI: c.uri(name), Version: version},
		ContentChanges: changes}); err != nil {
		c.t.Fatal(err)
	}
}

// waitDiags waits until the latest diagnostics published for name satisfy ok.
func (c *client) waitDiags(name string, ok func([]Diagnostic) bool) []Diagnostic {
	c.t.Helper()
	uri := c.uri(name)
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		p, seen := c.diags[uri]
		c.mu.Unlock()
		if seen && ok(p.Diagnostics) {
			return p.Diagnostics
		}
		select {
		case <-c.changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			c.t.Fatalf("timed out waiting for diagnostics of %s; last: %+v (published: %v)", name, p.Diagnostics, seen)
		}
	}
}

func (c *client) tdpp(name string, pos Position) TextDocumentPositionParams {
	return TextDocumentPositionParams{TextDocument: TextDocumentIdentifier{URI: c.uri(name)}, Position: pos}
}

// posOf returns the LSP position of the n-th (0-based) occurrence of
// needle in text, plus delta bytes. It computes UTF-16 columns with
// unicode/utf16, independently of mapper.go.
func posOf(t *testing.T, text, needle string, n, delta int) Position {
	t.Helper()
	off := -1
	from := 0
	for i := 0; i <= n; i++ {
		j := strings.Index(text[from:], needle)
		if j < 0 {
			t.Fatalf("occurrence %d of %q not found", n, needle)
		}
		off = from + j
		from = off + 1
	}
	return posAt(text, off+delta)
}

func posAt(text string, off int) Position {
	prefix := text[:off]
	line := strings.Count(prefix, "\n")
	lineText := prefix[strings.LastIndexByte(prefix, '\n')+1:]
	return Position{Line: uint32(line), Character: uint32(len(utf16.Encode([]rune(lineText))))}
}

// offsetAt converts an LSP position back to a byte offset of text (test
// side, independent of mapper.go).
func offsetAt(text string, p Position) int {
	lines := strings.SplitAfter(text, "\n")
	off := 0
	for i := 0; i < int(p.Line) && i < len(lines); i++ {
		off += len(lines[i])
	}
	if int(p.Line) >= len(lines) {
		return len(text)
	}
	units := 0
	for _, r := range strings.TrimRight(lines[p.Line], "\r\n") {
		if units >= int(p.Character) {
			break
		}
		units += len(utf16.Encode([]rune{r}))
		off += len(string(r))
	}
	return off
}

// applyEdits applies non-overlapping edits to text.
func applyEdits(text string, edits []TextEdit) string {
	type e struct {
		start, end int
		s          string
	}
	var es []e
	for _, x := range edits {
		es = append(es, e{offsetAt(text, x.Range.Start), offsetAt(text, x.Range.End), x.NewText})
	}
	// Apply from the end so earlier offsets stay valid.
	for i := 0; i < len(es); i++ {
		for j := i + 1; j < len(es); j++ {
			if es[j].start > es[i].start {
				es[i], es[j] = es[j], es[i]
			}
		}
	}
	for _, x := range es {
		text = text[:x.start] + x.s + text[x.end:]
	}
	return text
}
