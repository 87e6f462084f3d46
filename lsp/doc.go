// Package lsp is the exo language server: the compile core's diagnostics
// as you type, hover, completion, go-to-definition, references, rename,
// document symbols, formatting and semantic tokens for .exo files.
//
// # Design
//
// The server keeps the text of the open documents and, per project (a
// directory holding src/index.exo, or a lone file no project includes),
// a snapshot: the result of [compiler.Analyze] run over an overlay file
// system in which open documents replace the files on disk, so unsaved
// text is checked together with the files it imports and that import it.
// Snapshots are keyed by a generation counter bumped on every edit;
// requests compile lazily when the snapshot is stale, and diagnostics are
// published by a debounced timer after the last edit, for every file of
// the project (files that became clean get an empty list).
//
// Names are resolved by the index (index.go) on the parsed files, not on
// the lowered IR, so navigation works while the model has errors; the IR
// of the last error-free compile supplies the table and column names shown
// on hover.
//
// Positions: everything in exo is a byte offset ([diag.Span]). mapper.go
// is the only place that converts to and from LSP's zero-based lines and
// UTF-16 columns (surrogate pairs, CRLF, clamping past the end of a line
// or file).
//
// Transport: a small JSON-RPC 2.0 implementation with the LSP base
// protocol's Content-Length framing (jsonrpc.go). go.lsp.dev/protocol
// v1.0.1 was evaluated first: its go.mod lists its lint tools as
// requirements, so adding it upgraded eight modules other packages of exo
// depend on (x/sys, the charm terminal stack, pflag); the subset of the
// protocol exo speaks fits in protocol.go.
package lsp
