// Package diag holds compile-time diagnostics shared by the compiler, the
// CLI and the language server.
//
// A [File] is a name plus source bytes with a lazily built line table. A
// [Span] is a half-open byte range in a File; nodes and diagnostics store
// only offsets, and lines and columns are computed when rendering. A
// [Diagnostic] has a severity, a stable kebab-case code grouped by phase
// ("syntax/unexpected-token", "check/unknown-type"), a message, a primary
// span with an optional label, related spans, help and fixes. A [List]
// collects them; [List.Dedupe] sorts by file, offset, severity and code and
// drops duplicates, so output is deterministic.
//
// [Render] is the one text renderer, printing the codemap/rustc style that
// Exograph uses (so our output reads like the original's), and [RenderJSON]
// the machine form. The LSP converts spans to UTF-16 ranges itself; nothing
// here knows about UTF-16.
package diag
