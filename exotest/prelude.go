package exotest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// Deno preludes.
//
// A stage's `deno` source is spliced, like in Exograph, before each of the
// stage's expressions, in the function scope that also holds $ (see
// script). A prelude without imports takes that path as it is. A prelude
// with import declarations is split: its imports, at their original
// positions and followed by an export of the names they bind, form an ES
// module that Options.BundlePrelude bundles into a script (relative
// imports resolve against the directory of the file holding the stage);
// the rest of the prelude, with the imports blanked out, is spliced as
// before, after a const declaration of each imported name taken from the
// bundle's exports. The bundle runs once per JavaScript runtime (a test
// attempt), as Deno evaluates an imported module once.

// PreludeGlobal is the global variable the script returned by a
// [BundleFunc] assigns the module's exports to (jsbundle.GlobalName).
const PreludeGlobal = "__exo_module"

// prelude is a stage's deno source ready for evaluation.
type prelude struct {
	// src is spliced before the expressions: the prelude without its
	// import declarations.
	src string
	// names are the local names bound by the imports.
	names []string
	// bundle evaluates the imports and returns their exports; nil when the
	// prelude has no imports.
	bundle *goja.Program
}

// textPrelude is a prelude without imports.
func textPrelude(src string) *prelude {
	if src == "" {
		return nil
	}
	return &prelude{src: src}
}

// preludeEntry caches the preparation of one prelude (by directory and
// source) for the run.
type preludeEntry struct {
	once   sync.Once
	p      *prelude
	status Status
	msg    string
}

// prelude prepares the deno source of a stage of file; fail is the status
// of the test when the prelude is broken. A nil prelude and a status mean
// the test does not run.
func (r *runner) prelude(ctx context.Context, src, file string, fail Status) (*prelude, Status, string) {
	if strings.TrimSpace(src) == "" {
		return nil, "", ""
	}
	imports, err := scanImports(src)
	if err != nil {
		if !importRE.MatchString(src) {
			// Not understood, but without a line starting with import:
			// spliced as it is, as before preludes could import.
			return textPrelude(src), "", ""
		}
		return nil, fail, fmt.Sprintf("deno prelude of %s: %v", r.suite.rel(file), err)
	}
	if len(imports) == 0 {
		return textPrelude(src), "", ""
	}
	if r.opts.BundlePrelude == nil {
		return nil, Skipped, "deno prelude imports are not supported (" + imports[0].spec + ")"
	}
	dir := filepath.Dir(file)
	v, _ := r.preludes.LoadOrStore(dir+"\x00"+src, &preludeEntry{})
	e := v.(*preludeEntry)
	e.once.Do(func() {
		e.p, e.status, e.msg = r.bundlePrelude(ctx, src, file, imports)
	})
	if e.p == nil {
		st := e.status
		if st != Skipped {
			st = fail
		}
		return nil, st, e.msg
	}
	return e.p, "", ""
}

func (r *runner) bundlePrelude(ctx context.Context, src, file string, imports []preludeImport) (*prelude, Status, string) {
	entry, rest, names := splitPrelude(src, imports)
	name := r.suite.rel(file) + " (deno prelude)"
	script, err := r.opts.BundlePrelude(ctx, entry, filepath.Dir(file), name)
	if err != nil {
		var skip *SkipError
		if errors.As(err, &skip) {
			return nil, Skipped, skip.Reason
		}
		return nil, Failed, "deno prelude of " + r.suite.rel(file) + ": " + strings.TrimRight(err.Error(), "\n")
	}
	prg, err := goja.Compile(name, "(function () {\n"+string(script)+"\n;return "+PreludeGlobal+";\n})()", false)
	if err != nil {
		return nil, Failed, fmt.Sprintf("deno prelude of %s: the bundle of its imports does not compile: %v", r.suite.rel(file), err)
	}
	return &prelude{src: rest, names: names, bundle: prg}, "", ""
}

// importRE finds lines starting with an import declaration.
var importRE = regexp.MustCompile(`(?m)^\s*import\b[^;\n]*?(?:from\s*)?["']([^"']+)["']`)

// preludeImport is an import declaration of a prelude.
type preludeImport struct {
	start, end int // byte offsets of the declaration (with its semicolon)
	spec       string
	names      []string // local names bound (none for import "x" and type-only imports)
	typeOnly   bool     // TypeScript's import type
}

// splitPrelude returns the module of the prelude's imports (the rest of the
// source blanked, then an export of the imported names), the rest of the
// prelude (the imports blanked) and the imported names. Blanking keeps
// line breaks, so positions stay those of the prelude.
func splitPrelude(src string, imports []preludeImport) (entry, rest string, names []string) {
	var eb, rb strings.Builder
	seen := map[string]bool{}
	pos := 0
	for _, im := range imports {
		eb.WriteString(blank(src[pos:im.start]))
		rb.WriteString(src[pos:im.start])
		decl := src[im.start:im.end]
		if im.typeOnly {
			eb.WriteString(blank(decl))
		} else {
			eb.WriteString(decl)
		}
		rb.WriteString(blank(decl))
		pos = im.end
		for _, n := range im.names {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	eb.WriteString(blank(src[pos:]))
	rb.WriteString(src[pos:])
	if len(names) > 0 {
		eb.WriteString("\nexport { " + strings.Join(names, ", ") + " };\n")
	}
	return eb.String(), rb.String(), names
}

// blank replaces everything but line breaks with spaces.
func blank(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return r
		}
		return ' '
	}, s)
}

// scanImports finds the import declarations of a prelude: the `import`
// keywords at the top level (outside brackets, strings, comments, template
// literals and regular expressions) that do not start import(...) or
// import.meta.
func scanImports(src string) ([]preludeImport, error) {
	s := &jsScanner{src: src}
	var out []preludeImport
	for {
		member := s.afterDot // x.import
		t := s.next()
		switch {
		case t.kind == tokEOF:
			return out, nil
		case t.kind == tokError:
			return nil, s.errorf(t.pos, "%s", t.text)
		case t.kind == tokIdent && t.text == "import" && s.depth() == 0 && !member:
			if p := s.peek(); p.text == "(" || p.text == "." {
				continue
			}
			im, err := s.importDecl(t.pos)
			if err != nil {
				return nil, err
			}
			out = append(out, im)
		}
	}
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokError
	tokIdent
	tokString
	tokNumber
	tokPunct
	tokRegexp
	tokTemplate
)

type token struct {
	kind tokKind
	text string // identifier name, string value, punctuator, or error message
	pos  int
}

// jsScanner is a JavaScript tokenizer that knows just enough (strings,
// template literals with nested expressions, comments, regular
// expressions, bracket nesting) to find top-level import declarations.
type jsScanner struct {
	src string
	i   int
	// stack holds the open brackets; '`' marks the ${ of a template
	// literal.
	stack []byte
	// prev is the last token, for telling regular expressions from
	// divisions; afterDot is set when it was . or ?.
	prev     token
	afterDot bool
}

func (s *jsScanner) depth() int { return len(s.stack) }

func (s *jsScanner) errorf(pos int, format string, args ...any) error {
	line := 1 + strings.Count(s.src[:min(pos, len(s.src))], "\n")
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

// peek returns the next token without consuming it.
func (s *jsScanner) peek() token {
	save := *s
	save.stack = append([]byte(nil), s.stack...)
	t := s.next()
	*s = save
	return t
}

// regexAllowed tells whether a / after the previous token starts a
// regular expression.
func (s *jsScanner) regexAllowed() bool {
	switch s.prev.kind {
	case tokEOF:
		return true
	case tokIdent:
		switch s.prev.text {
		case "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await":
			return true
		}
		return false
	case tokNumber, tokString, tokRegexp, tokTemplate:
		return false
	case tokPunct:
		return s.prev.text != ")" && s.prev.text != "]"
	}
	return true
}

func (s *jsScanner) next() token {
	t := s.lex()
	if t.kind != tokEOF && t.kind != tokError {
		s.afterDot = t.kind == tokPunct && (t.text == "." || t.text == "?.")
		s.prev = t
	}
	return t
}

func isIdentStart(r rune) bool {
	return r == '$' || r == '_' || r == '\\' || unicode.IsLetter(r)
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r) || r == '\u200c' || r == '\u200d' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Pc, r)
}

func (s *jsScanner) lex() token {
	src := s.src
	for s.i < len(src) {
		c := src[s.i]
		start := s.i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			s.i++
		case strings.HasPrefix(src[s.i:], "//"):
			for s.i < len(src) && src[s.i] != '\n' {
				s.i++
			}
		case strings.HasPrefix(src[s.i:], "/*"):
			end := strings.Index(src[s.i+2:], "*/")
			if end < 0 {
				return token{kind: tokError, text: "unterminated comment", pos: start}
			}
			s.i += end + 4
		case c == '"' || c == '\'':
			return s.str(c)
		case c == '`':
			s.i++
			return s.template(start)
		case c == '}' && len(s.stack) > 0 && s.stack[len(s.stack)-1] == '`':
			// The end of a ${...} of a template literal.
			s.stack = s.stack[:len(s.stack)-1]
			s.i++
			return s.template(start)
		case c == '/' && s.regexAllowed():
			return s.regexp()
		case c >= '0' && c <= '9' || c == '.' && s.i+1 < len(src) && src[s.i+1] >= '0' && src[s.i+1] <= '9':
			for s.i < len(src) && (isNumberByte(src[s.i]) || (src[s.i] == '+' || src[s.i] == '-') && (src[s.i-1] == 'e' || src[s.i-1] == 'E')) {
				s.i++
			}
			return token{kind: tokNumber, text: src[start:s.i], pos: start}
		default:
			r, size := utf8.DecodeRuneInString(src[s.i:])
			if isIdentStart(r) {
				s.i += size
				for s.i < len(src) {
					r, size := utf8.DecodeRuneInString(src[s.i:])
					if !isIdentPart(r) {
						break
					}
					s.i += size
				}
				return token{kind: tokIdent, text: src[start:s.i], pos: start}
			}
			s.i += size
			switch c {
			case '(', '[', '{':
				s.stack = append(s.stack, c)
			case ')', ']', '}':
				open := map[byte]byte{')': '(', ']': '[', '}': '{'}[c]
				if len(s.stack) == 0 || s.stack[len(s.stack)-1] != open {
					return token{kind: tokError, text: fmt.Sprintf("unbalanced %q", c), pos: start}
				}
				s.stack = s.stack[:len(s.stack)-1]
			case '?':
				if s.i < len(src) && src[s.i] == '.' && (s.i+1 >= len(src) || src[s.i+1] < '0' || src[s.i+1] > '9') {
					s.i++
				}
			}
			return token{kind: tokPunct, text: src[start:s.i], pos: start}
		}
	}
	return token{kind: tokEOF, pos: len(src)}
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '_'
}

// str reads a string literal and returns its (roughly unescaped) value.
func (s *jsScanner) str(q byte) token {
	start := s.i
	s.i++
	var b strings.Builder
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == q:
			s.i++
			return token{kind: tokString, text: b.String(), pos: start}
		case c == '\\' && s.i+1 < len(s.src):
			b.WriteByte(s.src[s.i+1])
			s.i += 2
		case c == '\n':
			return token{kind: tokError, text: "unterminated string", pos: start}
		default:
			b.WriteByte(c)
			s.i++
		}
	}
	return token{kind: tokError, text: "unterminated string", pos: start}
}

// template reads template characters up to the closing backquote or the
// next ${ (which opens a nesting level).
func (s *jsScanner) template(start int) token {
	for s.i < len(s.src) {
		switch c := s.src[s.i]; {
		case c == '\\':
			s.i += 2
		case c == '`':
			s.i++
			return token{kind: tokTemplate, pos: start}
		case strings.HasPrefix(s.src[s.i:], "${"):
			s.i += 2
			s.stack = append(s.stack, '`')
			return token{kind: tokTemplate, pos: start}
		default:
			s.i++
		}
	}
	return token{kind: tokError, text: "unterminated template literal", pos: start}
}

// regexp reads a regular expression literal with its flags.
func (s *jsScanner) regexp() token {
	start := s.i
	s.i++
	inClass := false
	for s.i < len(s.src) {
		c := s.src[s.i]
		s.i++
		switch {
		case c == '\\':
			s.i++
		case c == '\n':
			return token{kind: tokError, text: "unterminated regular expression", pos: start}
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			for s.i < len(s.src) && isNumberByte(s.src[s.i]) {
				s.i++
			}
			return token{kind: tokRegexp, pos: start}
		}
	}
	return token{kind: tokError, text: "unterminated regular expression", pos: start}
}

// importDecl reads an import declaration whose `import` keyword is at
// start (already consumed).
func (s *jsScanner) importDecl(start int) (preludeImport, error) {
	im := preludeImport{start: start}
	bad := func(t token, what string) (preludeImport, error) {
		got := t.text
		switch t.kind {
		case tokEOF:
			got = "the end"
		case tokError:
			return im, s.errorf(t.pos, "%s", t.text)
		case tokString:
			got = fmt.Sprintf("%q", t.text)
		}
		return im, s.errorf(t.pos, "cannot read the import declaration: expected %s, found %s", what, got)
	}
	ident := func(t token) bool { return t.kind == tokIdent }
	t := s.next()
	if t.kind == tokString {
		im.spec = t.text
		return s.importEnd(im)
	}
	if ident(t) && t.text == "type" {
		// import type X from ..., import type { X } from ..., import type *
		// as X from ...; but import type from "x" imports a default named
		// type.
		p := s.peek()
		if p.text == "{" || p.text == "*" || ident(p) && p.text != "from" {
			im.typeOnly = true
			t = s.next()
		}
	}
	var names []string
	if ident(t) {
		// A default import, unless this is the from of import { } from.
		if p := s.peek(); t.text != "from" || p.text == "," || p.kind == tokIdent && p.text == "from" {
			names = append(names, t.text)
			if p.text == "," {
				s.next()
			}
			t = s.next()
		}
	}
	switch t.text {
	case "*":
		if a := s.next(); a.text != "as" {
			return bad(a, "as")
		}
		n := s.next()
		if !ident(n) {
			return bad(n, "a name")
		}
		names = append(names, n.text)
		t = s.next()
	case "{":
		for {
			n := s.next()
			if n.text == "}" && n.kind == tokPunct {
				break
			}
			if !ident(n) && n.kind != tokString {
				return bad(n, "an imported name")
			}
			typeSpec := false
			if ident(n) && n.text == "type" {
				if p := s.peek(); p.kind == tokString || ident(p) && p.text != "as" {
					typeSpec = true
					n = s.next()
				}
			}
			local := n.text
			if p := s.peek(); ident(p) && p.text == "as" {
				s.next()
				l := s.next()
				if !ident(l) {
					return bad(l, "a name")
				}
				local = l.text
			} else if n.kind == tokString {
				return bad(p, "as")
			}
			if !typeSpec {
				names = append(names, local)
			}
			sep := s.next()
			if sep.text == "}" && sep.kind == tokPunct {
				break
			}
			if sep.text != "," {
				return bad(sep, "',' or '}'")
			}
		}
		t = s.next()
	}
	if !ident(t) || t.text != "from" {
		return bad(t, "from")
	}
	spec := s.next()
	if spec.kind != tokString {
		return bad(spec, "a module specifier string")
	}
	im.spec = spec.text
	if !im.typeOnly {
		im.names = names
	}
	return s.importEnd(im)
}

// importEnd reads the optional import attributes (with { ... }, or the
// older assert { ... }) and semicolon that end an import declaration.
func (s *jsScanner) importEnd(im preludeImport) (preludeImport, error) {
	im.end = s.i
	if p := s.peek(); p.kind == tokIdent && (p.text == "with" || p.text == "assert") {
		save := *s
		save.stack = append([]byte(nil), s.stack...)
		s.next()
		if s.next().text == "{" {
			for {
				t := s.next()
				if t.kind == tokEOF || t.kind == tokError {
					return im, s.errorf(t.pos, "unterminated import attributes")
				}
				if t.text == "}" && s.depth() == 0 {
					break
				}
			}
			im.end = s.i
		} else {
			*s = save
		}
	}
	if p := s.peek(); p.kind == tokPunct && p.text == ";" {
		s.next()
		im.end = s.i
	}
	return im, nil
}
