package lsp

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBinary drives the real `exo lsp` over stdio: initialize, didOpen,
// didChange, diagnostics, shutdown, exit (and checks the exit code).
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the exo binary")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "exo")
	build := exec.Command("go", "build", "-o", bin, "./cmd/exo")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root := filepath.Join(tmp, "proj")
	if err := os.MkdirAll(filepath.Join(root, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	good := "@postgres\nmodule M {\n  type T {\n    @pk id: Int = autoIncrement()\n    name: String\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(root, "src", "index.exo"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "lsp")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	diags := make(chan PublishDiagnosticsParams, 16)
	conn := NewConn(stdout, stdin, stdin)
	go conn.Run(ctx, func(ctx context.Context, method string, params json.RawMessage, isCall bool) (any, error) {
		if method == "textDocument/publishDiagnostics" {
			var p PublishDiagnosticsParams
			if json.Unmarshal(params, &p) == nil {
				diags <- p
			}
		}
		return nil, nil
	})
	var init InitializeResult
	if err := conn.Call(ctx, "initialize", map[string]any{"processId": os.Getpid(), "rootUri": pathURI(root), "capabilities": map[string]any{}}, &init); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	if init.ServerInfo.Name != "exo" || init.Capabilities["hoverProvider"] != true {
		t.Fatalf("initialize result: %+v", init)
	}
	_ = conn.Notify("initialized", map[string]any{})
	uri := pathURI(filepath.Join(root, "src", "index.exo"))
	_ = conn.Notify("textDocument/didOpen", DidOpenTextDocumentParams{TextDocument: TextDocumentItem{URI: uri, LanguageID: "exo", Version: 1, Text: good}})
	next := func(what string) PublishDiagnosticsParams {
		t.Helper()
		select {
		case p := <-diags:
			return p
		case <-ctx.Done():
			t.Fatalf("no diagnostics (%s); stderr: %s", what, stderr.String())
		}
		return PublishDiagnosticsParams{}
	}
	if p := next("after open"); p.URI != uri || len(p.Diagnostics) != 0 {
		t.Fatalf("after open: %+v", p)
	}
	bad := strings.Replace(good, "name: String", "name: Strng", 1)
	_ = conn.Notify("textDocument/didChange", DidChangeTextDocumentParams{TextDocument: VersionedTextDocumentIdentifier{URI: uri, Version: 2},
		ContentChanges: []TextDocumentContentChangeEvent{{Text: bad}}})
	p := next("after change")
	if len(p.Diagnostics) != 1 || p.Diagnostics[0].Message != "Reference to unknown type: Strng" ||
		p.Diagnostics[0].Range.Start != (Position{Line: 4, Character: 10}) || p.Version == nil || *p.Version != 2 {
		t.Fatalf("after change: %+v", p)
	}
	if err := conn.Call(ctx, "shutdown", nil, nil); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	_ = conn.Notify("exit", nil)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exo lsp exited with %v; stderr: %s", err, stderr.String())
	}
}
