package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Span is a half-open byte range [Start, End) in a File. The zero Span (nil
// File) means "no location".
type Span struct {
	File       *File
	Start, End int32
}

// NewSpan returns the span [start, end) in f.
func NewSpan(f *File, start, end int) Span {
	return Span{File: f, Start: int32(start), End: int32(end)}
}

// IsValid reports whether s refers to a file.
func (s Span) IsValid() bool { return s.File != nil }

// Len returns the length of the span in bytes.
func (s Span) Len() int { return int(s.End - s.Start) }

// Severity classifies a diagnostic.
type Severity uint8

// Severities, most severe first.
const (
	Error Severity = iota
	Warning
	Info
	Hint
)

// String returns the lowercase name used in rendered output ("error", ...).
func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	case Info:
		return "info"
	case Hint:
		return "help"
	}
	return fmt.Sprintf("severity(%d)", s)
}

// Label is a secondary location attached to a diagnostic, with an optional
// message printed next to its underline ("again defined here").
type Label struct {
	Span    Span
	Message string
}

// Edit replaces the text of Span with NewText.
type Edit struct {
	Span    Span
	NewText string
}

// Fix is a suggested, mechanically applicable change (an LSP code action).
type Fix struct {
	Message string
	Edits   []Edit
}

// Diagnostic is one compile-time problem.
type Diagnostic struct {
	Severity Severity
	// Code is a stable kebab-case identifier grouped by phase, such as
	// "syntax/unexpected-token" or "check/unknown-type". Tests and docs key on it.
	Code string
	// Message is the headline. Go style for our own messages (lowercase, no
	// period); Exograph's exact text where compatibility requires it.
	Message string
	// Span is the primary location, underlined with '^'.
	Span Span
	// Label is printed next to the primary underline (may be empty).
	Label string
	// Related are secondary locations, underlined with '-'.
	Related []Label
	// Help is a suggestion printed as "= help: ..." after the snippet.
	Help  string
	Fixes []Fix
}

// Error implements error with a one-line "name:line:col: message [code]" form.
func (d *Diagnostic) Error() string {
	var b strings.Builder
	if d.Span.IsValid() {
		l, c := d.Span.File.LineCol(int(d.Span.Start))
		fmt.Fprintf(&b, "%s:%d:%d: ", d.Span.File.Name, l, c)
	}
	b.WriteString(d.Message)
	if d.Code != "" {
		fmt.Fprintf(&b, " [%s]", d.Code)
	}
	return b.String()
}

// List is an ordered collection of diagnostics. The zero value is ready to use.
type List []*Diagnostic

// Add appends d.
func (l *List) Add(d *Diagnostic) { *l = append(*l, d) }

// Errorf appends an error diagnostic with the given span and code.
func (l *List) Errorf(span Span, code, format string, args ...any) *Diagnostic {
	d := &Diagnostic{Severity: Error, Code: code, Message: fmt.Sprintf(format, args...), Span: span}
	l.Add(d)
	return d
}

// Warnf appends a warning diagnostic with the given span and code.
func (l *List) Warnf(span Span, code, format string, args ...any) *Diagnostic {
	d := &Diagnostic{Severity: Warning, Code: code, Message: fmt.Sprintf(format, args...), Span: span}
	l.Add(d)
	return d
}

// Append appends all diagnostics of other.
func (l *List) Append(other List) { *l = append(*l, other...) }

// HasErrors reports whether the list contains at least one Error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// ErrorCount returns the number of diagnostics with Error severity.
func (l List) ErrorCount() int {
	n := 0
	for _, d := range l {
		if d.Severity == Error {
			n++
		}
	}
	return n
}

func fileName(s Span) string {
	if s.File == nil {
		return ""
	}
	return s.File.Name
}

// Sort orders the list by file name, start offset, severity, code and
// message; diagnostics without a span come first. The sort is stable.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b *Diagnostic) int {
		return cmp.Or(
			cmp.Compare(fileName(a.Span), fileName(b.Span)),
			cmp.Compare(a.Span.Start, b.Span.Start),
			cmp.Compare(a.Severity, b.Severity),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Message, b.Message),
			cmp.Compare(a.Span.End, b.Span.End),
		)
	})
}

// Dedupe sorts the list and removes diagnostics identical in file, span,
// severity, code and message to their predecessor. It returns the shortened list.
func (l List) Dedupe() List {
	l.Sort()
	out := l[:0]
	for i, d := range l {
		if i > 0 {
			p := out[len(out)-1]
			if p.Span == d.Span && p.Severity == d.Severity && p.Code == d.Code && p.Message == d.Message {
				continue
			}
		}
		out = append(out, d)
	}
	clear(l[len(out):])
	return out
}

// Err returns nil if the list has no errors, and an *[ListError] holding the
// whole list otherwise.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return &ListError{List: l}
}

// ListError is the error form of a List containing errors.
type ListError struct{ List List }

// Error returns the first error and a count of the rest.
func (e *ListError) Error() string {
	var first *Diagnostic
	for _, d := range e.List {
		if d.Severity == Error {
			first = d
			break
		}
	}
	if first == nil {
		return "no errors"
	}
	n := e.List.ErrorCount()
	if n == 1 {
		return first.Error()
	}
	return fmt.Sprintf("%s (and %d more errors)", first.Error(), n-1)
}
