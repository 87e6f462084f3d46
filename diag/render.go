package diag

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// RenderOptions controls [Render] and [RenderJSON].
type RenderOptions struct {
	// Color enables ANSI colours (rustc palette).
	Color bool
	// Cwd, when set, makes absolute file names relative to it. Paths are
	// always printed slash-separated so golden files are OS-independent.
	Cwd string
	// NoSnippets prints only the header line and the location of each diagnostic.
	NoSnippets bool
	// Max limits the number of diagnostics printed (0 means all); the rest
	// are summarised as "N more errors not shown".
	Max int
}

const tabWidth = 4

// Render prints the list in the style of Exograph's compiler output (the
// rustc/codemap emitter):
//
//	error[check/duplicate-field]: Duplicate field: title
//	 --> src/index.exo:6:5
//	  |
//	6 |     title: String
//	  |     ^^^^^^^^^^^^^ first defined here
//	7 |     title: String
//	  |     ------------- again defined here
//
// The primary span is underlined with '^', related spans with '-'. A span
// covering several lines is drawn with the "/ | |_^" form. As in the original
// emitter, the line-number gutter has one width for the whole list: that of
// the largest line number shown. Render prints the list in the given order;
// call [List.Dedupe] first for the canonical order.
func Render(w io.Writer, list List, opts RenderOptions) error {
	bw := bufio.NewWriter(w)
	r := renderer{w: bw, opts: opts}
	shown := list
	if opts.Max > 0 && len(shown) > opts.Max {
		shown = shown[:opts.Max]
	}
	maxLine := 0
	for _, d := range shown {
		for _, l := range labelsOf(d) {
			maxLine = max(maxLine, l.Span.File.Line(int(l.Span.End)))
		}
	}
	r.pad = len(strconv.Itoa(max(maxLine, 1)))
	for _, d := range shown {
		r.diagnostic(d)
	}
	if n := len(list) - len(shown); n > 0 {
		word := "errors"
		if n == 1 {
			word = "error"
		}
		fmt.Fprintf(bw, "%d more %s not shown\n", n, word)
	}
	return bw.Flush()
}

type renderer struct {
	w    *bufio.Writer
	opts RenderOptions
	pad  int
}

const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[1;31m"
	ansiYel   = "\x1b[1;33m"
	ansiBlue  = "\x1b[1;34m"
	ansiCyan  = "\x1b[1;36m"
	ansiGreen = "\x1b[1;32m"
)

func (r *renderer) color(c, s string) string {
	if !r.opts.Color || s == "" {
		return s
	}
	return c + s + ansiReset
}

func sevColor(s Severity) string {
	switch s {
	case Error:
		return ansiRed
	case Warning:
		return ansiYel
	case Info:
		return ansiGreen
	}
	return ansiCyan
}

// label is a span to underline in a snippet.
type label struct {
	Span    Span
	Message string
	Primary bool
}

func labelsOf(d *Diagnostic) []label {
	var ls []label
	if d.Span.IsValid() {
		ls = append(ls, label{Span: d.Span, Message: d.Label, Primary: true})
	}
	for _, rel := range d.Related {
		if rel.Span.IsValid() {
			ls = append(ls, label{Span: rel.Span, Message: rel.Message})
		}
	}
	return ls
}

// DisplayPath returns the name of f as printed: relative to cwd when
// possible, slash-separated.
func DisplayPath(f *File, cwd string) string {
	name := f.Name
	if cwd != "" && filepath.IsAbs(name) {
		if rel, err := filepath.Rel(cwd, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
	}
	return filepath.ToSlash(name)
}

func (r *renderer) gutter() string { return strings.Repeat(" ", r.pad) }

func (r *renderer) emptyGutter() {
	r.w.WriteString(r.color(ansiBlue, r.gutter()+" |") + "\n")
}

func (r *renderer) diagnostic(d *Diagnostic) {
	w := r.w
	sev := d.Severity.String()
	if d.Code != "" {
		sev += "[" + d.Code + "]"
	}
	w.WriteString(r.color(sevColor(d.Severity), sev))
	w.WriteString(r.color(ansiBold, ": "+d.Message))
	w.WriteString("\n")

	labels := labelsOf(d)
	// Group labels by file, primary file first.
	var files []*File
	for _, l := range labels {
		if !slices.Contains(files, l.Span.File) {
			files = append(files, l.Span.File)
		}
	}
	for i, f := range files {
		var group []label
		for _, l := range labels {
			if l.Span.File == f {
				group = append(group, l)
			}
		}
		arrow := "--> "
		if i > 0 {
			arrow = "::: "
		}
		line, col := f.LineCol(int(group[0].Span.Start))
		w.WriteString(r.color(ansiBlue, r.gutter()+arrow))
		fmt.Fprintf(w, "%s:%d:%d\n", DisplayPath(f, r.opts.Cwd), line, col)
		if r.opts.NoSnippets {
			continue
		}
		r.snippet(f, group)
	}
	if d.Help != "" {
		if len(files) > 0 && !r.opts.NoSnippets {
			r.emptyGutter()
		}
		w.WriteString(r.gutter() + r.color(ansiBlue, " = ") + r.color(ansiBold, "help") + ": " + d.Help + "\n")
	}
}

// lineLabel is a label resolved to lines and display columns.
type lineLabel struct {
	label
	startLine, endLine int
	startCol, endCol   int // display columns (0-based); endCol exclusive
}

func (l *lineLabel) multi() bool { return l.endLine > l.startLine }

// expand returns the line with tabs expanded, for display.
func expand(text []byte) string {
	if !slices.Contains(text, '\t') {
		return string(text)
	}
	var b strings.Builder
	col := 0
	for _, r := range string(text) {
		if r == '\t' {
			n := tabWidth - col%tabWidth
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}

// dispCol returns the display column of byte index i within text.
func dispCol(text []byte, i int) int {
	if i > len(text) {
		i = len(text)
	}
	col := 0
	for _, r := range string(text[:i]) {
		if r == '\t' {
			col += tabWidth - col%tabWidth
		} else {
			col++
		}
	}
	return col
}

func (r *renderer) resolve(f *File, l label) lineLabel {
	start, end := int(l.Span.Start), int(l.Span.End)
	start = f.clamp(start)
	end = max(f.clamp(end), start)
	// A span that ends just after a newline is shown as ending on the line before.
	for end > start && (f.Src[end-1] == '\n' || f.Src[end-1] == '\r') {
		end--
	}
	ll := lineLabel{label: l}
	ll.startLine = f.Line(start)
	ll.endLine = f.Line(end)
	st := f.LineText(ll.startLine)
	ll.startCol = dispCol(st, start-f.LineStart(ll.startLine))
	et := f.LineText(ll.endLine)
	ll.endCol = dispCol(et, end-f.LineStart(ll.endLine))
	if !ll.multi() && ll.endCol <= ll.startCol {
		ll.endCol = ll.startCol + 1
	}
	return ll
}

func leadingSpace(text string, col int) bool {
	for i, r := range text {
		if i >= col {
			break
		}
		if r != ' ' {
			return false
		}
	}
	return true
}

func (r *renderer) snippet(f *File, group []label) {
	w := r.w
	r.emptyGutter()
	var lls []lineLabel
	hasMulti := false
	for _, l := range group {
		ll := r.resolve(f, l)
		hasMulti = hasMulti || ll.multi()
		lls = append(lls, ll)
	}
	// Lines to show.
	var lines []int
	for _, ll := range lls {
		lines = append(lines, ll.startLine, ll.endLine)
		if ll.multi() {
			n := ll.endLine - ll.startLine - 1
			if n <= 4 {
				for ln := ll.startLine + 1; ln < ll.endLine; ln++ {
					lines = append(lines, ln)
				}
			} else {
				lines = append(lines, ll.startLine+1, ll.endLine-1)
			}
		}
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)

	source := func(ln int) {
		text := expand(f.LineText(ln))
		num := fmt.Sprintf("%-*d |", r.pad, ln)
		w.WriteString(r.color(ansiBlue, num))
		prefix := ""
		if hasMulti {
			prefix = "  "
			for _, ll := range lls {
				if !ll.multi() {
					continue
				}
				switch {
				case ln == ll.startLine && leadingSpace(text, ll.startCol):
					prefix = r.color(r.labelColor(ll.label), "/") + " "
				case ln > ll.startLine && ln <= ll.endLine:
					prefix = r.color(r.labelColor(ll.label), "|") + " "
				}
			}
		}
		if text == "" && prefix == "" {
			w.WriteString("\n")
			return
		}
		w.WriteString(" " + prefix + text + "\n")
	}
	marker := func(prefix, body string) {
		w.WriteString(r.color(ansiBlue, r.gutter()+" |") + " " + prefix + body)
		w.WriteString("\n")
	}

	prev := 0
	for _, ln := range lines {
		if prev != 0 && ln-prev > 1 {
			if ln-prev == 2 {
				source(prev + 1)
			} else {
				w.WriteString(r.color(ansiBlue, "...") + "\n")
			}
		}
		prev = ln
		source(ln)
		text := expand(f.LineText(ln))
		// Prefix column for marker lines: "| " while a multi-line span is open below.
		open := func() string {
			if !hasMulti {
				return ""
			}
			for _, ll := range lls {
				if ll.multi() && ln >= ll.startLine && ln < ll.endLine && !(ln == ll.startLine && !leadingSpace(text, ll.startCol)) {
					return r.color(r.labelColor(ll.label), "|") + " "
				}
			}
			return "  "
		}
		var singles []lineLabel
		for _, ll := range lls {
			if !ll.multi() && ll.startLine == ln {
				singles = append(singles, ll)
			}
		}
		slices.SortStableFunc(singles, func(a, b lineLabel) int { return a.startCol - b.startCol })
		for _, ll := range singles {
			ch := "-"
			if ll.Primary {
				ch = "^"
			}
			body := strings.Repeat(" ", ll.startCol) + r.color(r.labelColor(ll.label), strings.Repeat(ch, ll.endCol-ll.startCol))
			if ll.Message != "" {
				body += " " + r.color(r.labelColor(ll.label), ll.Message)
			}
			marker(open(), body)
		}
		for _, ll := range lls {
			if !ll.multi() {
				continue
			}
			ch := "-"
			if ll.Primary {
				ch = "^"
			}
			c := r.labelColor(ll.label)
			if ln == ll.startLine && !leadingSpace(text, ll.startCol) {
				w.WriteString(r.color(ansiBlue, r.gutter()+" |") + " " + r.color(c, " "+strings.Repeat("_", ll.startCol+1)+ch) + "\n")
			}
			if ln == ll.endLine {
				n := max(ll.endCol, 1)
				body := r.color(c, "|"+strings.Repeat("_", n)+ch)
				if ll.Message != "" {
					body += " " + r.color(c, ll.Message)
				}
				marker("", body)
			}
		}
	}
}

func (r *renderer) labelColor(l label) string {
	if l.Primary {
		return ansiRed
	}
	return ansiBlue
}

// JSON types for RenderJSON.
type (
	jsonPos struct {
		Offset int `json:"offset"`
		Line   int `json:"line"`
		Column int `json:"column"`
	}
	jsonSpan struct {
		File  string  `json:"file"`
		Start jsonPos `json:"start"`
		End   jsonPos `json:"end"`
	}
	jsonLabel struct {
		Span    *jsonSpan `json:"span"`
		Message string    `json:"message,omitempty"`
	}
	jsonEdit struct {
		Span    *jsonSpan `json:"span"`
		NewText string    `json:"newText"`
	}
	jsonFix struct {
		Message string     `json:"message"`
		Edits   []jsonEdit `json:"edits"`
	}
	jsonDiag struct {
		Severity string      `json:"severity"`
		Code     string      `json:"code,omitempty"`
		Message  string      `json:"message"`
		Span     *jsonSpan   `json:"span,omitempty"`
		Label    string      `json:"label,omitempty"`
		Related  []jsonLabel `json:"related,omitempty"`
		Help     string      `json:"help,omitempty"`
		Fixes    []jsonFix   `json:"fixes,omitempty"`
	}
)

func toJSONSpan(s Span, cwd string) *jsonSpan {
	if !s.IsValid() {
		return nil
	}
	pos := func(off int32) jsonPos {
		l, c := s.File.LineCol(int(off))
		return jsonPos{Offset: int(off), Line: l, Column: c}
	}
	return &jsonSpan{File: DisplayPath(s.File, cwd), Start: pos(s.Start), End: pos(s.End)}
}

// RenderJSON writes the list as a JSON array with the same content as
// [Render]: severity, code, message, span (file, offsets, 1-based line and
// column), label, related, help and fixes. Max and Color are ignored.
func RenderJSON(w io.Writer, list List, opts RenderOptions) error {
	out := make([]jsonDiag, 0, len(list))
	for _, d := range list {
		jd := jsonDiag{
			Severity: d.Severity.String(),
			Code:     d.Code,
			Message:  d.Message,
			Span:     toJSONSpan(d.Span, opts.Cwd),
			Label:    d.Label,
			Help:     d.Help,
		}
		for _, rel := range d.Related {
			jd.Related = append(jd.Related, jsonLabel{Span: toJSONSpan(rel.Span, opts.Cwd), Message: rel.Message})
		}
		for _, fx := range d.Fixes {
			jf := jsonFix{Message: fx.Message, Edits: []jsonEdit{}}
			for _, e := range fx.Edits {
				jf.Edits = append(jf.Edits, jsonEdit{Span: toJSONSpan(e.Span, opts.Cwd), NewText: e.NewText})
			}
			jd.Fixes = append(jd.Fixes, jf)
		}
		out = append(out, jd)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
