package syntax

import (
	"fmt"
	"unicode/utf8"

	"github.com/exo-dev/exo/diag"
)

// token is one scanned token.
type token struct {
	kind     Token
	pos, end Pos
	lit      string // source text for IDENT, INT, FLOAT, STRING
	nl       bool   // a newline separates this token from the previous one
}

// scanner turns source bytes into tokens and comments. It never fails:
// unknown characters become ILLEGAL tokens with a diagnostic.
type scanner struct {
	file     *diag.File
	src      []byte
	off      int
	diags    *diag.List
	comments []*Comment
}

func isLetter(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }

func (s *scanner) errorf(start, end int, code, format string, args ...any) {
	s.diags.Errorf(diag.NewSpan(s.file, start, end), code, format, args...)
}

// scanAll returns all tokens of the file, ending with EOF.
func (s *scanner) scanAll() []token {
	var toks []token
	for {
		t := s.next()
		toks = append(toks, t)
		if t.kind == EOF {
			return toks
		}
	}
}

// skip skips whitespace and comments, reporting whether a newline was seen.
func (s *scanner) skip() (nl bool) {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == '\n':
			nl = true
			s.off++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			s.off++
		case c == '/' && s.off+1 < len(s.src) && s.src[s.off+1] == '/':
			start := s.off
			for s.off < len(s.src) && s.src[s.off] != '\n' {
				s.off++
			}
			end := s.off
			if end > start && s.src[end-1] == '\r' {
				end--
			}
			s.addComment(start, end)
		case c == '/' && s.off+1 < len(s.src) && s.src[s.off+1] == '*':
			start := s.off
			s.off += 2
			closed := false
			for s.off+1 < len(s.src) {
				if s.src[s.off] == '*' && s.src[s.off+1] == '/' {
					s.off += 2
					closed = true
					break
				}
				s.off++
			}
			if !closed {
				s.off = len(s.src)
				s.errorf(start, start+2, "syntax/unterminated-comment", "comment not terminated")
			}
			s.addComment(start, s.off)
		case c == 0xEF && s.off == 0 && len(s.src) >= 3 && s.src[1] == 0xBB && s.src[2] == 0xBF:
			s.off += 3 // byte order mark
		default:
			return nl
		}
	}
	return nl
}

func (s *scanner) addComment(start, end int) {
	text := string(s.src[start:end])
	kind := LineComment
	switch {
	case len(text) >= 3 && text[:3] == "///" && (len(text) == 3 || text[3] != '/'):
		kind = DocComment
	case len(text) >= 3 && text[:3] == "//!":
		kind = SchemaDocComment
	case len(text) >= 2 && text[:2] == "//":
		kind = LineComment
	case len(text) >= 4 && text[:3] == "/**" && text != "/**/" && (len(text) < 5 || text[3] != '*'):
		kind = DocComment
	case len(text) >= 3 && text[:3] == "/*!":
		kind = SchemaDocComment
	default:
		kind = BlockComment
	}
	s.comments = append(s.comments, &Comment{Slash: Pos(start), Text: text, Kind: kind})
}

func (s *scanner) next() token {
	nl := s.skip()
	start := s.off
	t := token{pos: Pos(start), nl: nl}
	if s.off >= len(s.src) {
		t.kind = EOF
		t.end = t.pos
		return t
	}
	c := s.src[s.off]
	peek := func(n int) byte {
		if s.off+n < len(s.src) {
			return s.src[s.off+n]
		}
		return 0
	}
	one := func(k Token, n int) {
		t.kind = k
		s.off += n
	}
	switch {
	case isLetter(c):
		for s.off < len(s.src) && (isLetter(s.src[s.off]) || isDigit(s.src[s.off])) {
			s.off++
		}
		t.kind = IDENT
	case isDigit(c):
		t.kind = INT
		for s.off < len(s.src) && isDigit(s.src[s.off]) {
			s.off++
		}
		if peek(0) == '.' && isDigit(peek(1)) {
			t.kind = FLOAT
			s.off++
			for s.off < len(s.src) && isDigit(s.src[s.off]) {
				s.off++
			}
		}
		if (peek(0) == 'e' || peek(0) == 'E') && (isDigit(peek(1)) || (peek(1) == '+' || peek(1) == '-') && isDigit(peek(2))) {
			t.kind = FLOAT
			s.off += 2
			for s.off < len(s.src) && isDigit(s.src[s.off]) {
				s.off++
			}
		}
	case c == '"':
		s.scanString()
		t.kind = STRING
	case c == '(':
		one(LPAREN, 1)
	case c == ')':
		one(RPAREN, 1)
	case c == '{':
		one(LBRACE, 1)
	case c == '}':
		one(RBRACE, 1)
	case c == '[':
		one(LBRACK, 1)
	case c == ']':
		one(RBRACK, 1)
	case c == '<' && peek(1) == '=':
		one(LEQ, 2)
	case c == '<':
		one(LT, 1)
	case c == '>' && peek(1) == '=':
		one(GEQ, 2)
	case c == '>':
		one(GT, 1)
	case c == '=' && peek(1) == '=':
		one(EQL, 2)
	case c == '=' && peek(1) == '>':
		one(ARROW, 2)
	case c == '=':
		one(ASSIGN, 1)
	case c == '!' && peek(1) == '=':
		one(NEQ, 2)
	case c == '!':
		one(NOT, 1)
	case c == '&' && peek(1) == '&':
		one(LAND, 2)
	case c == '|' && peek(1) == '|':
		one(LOR, 2)
	case c == ':':
		one(COLON, 1)
	case c == ';':
		one(SEMI, 1)
	case c == ',':
		one(COMMA, 1)
	case c == '.' && peek(1) == '.' && peek(2) == '.':
		one(ELLIPSIS, 3)
	case c == '.':
		one(PERIOD, 1)
	case c == '@':
		one(AT, 1)
	case c == '?':
		one(QUESTION, 1)
	case c == '/':
		one(SLASH, 1)
	case c == '-':
		one(SUB, 1)
	default:
		r, n := utf8.DecodeRune(s.src[s.off:])
		s.off += n
		t.kind = ILLEGAL
		desc := fmt.Sprintf("%q", r)
		if r == utf8.RuneError && n == 1 {
			desc = fmt.Sprintf("byte 0x%02x", c)
		}
		s.errorf(start, s.off, "syntax/invalid-character", "invalid character %s", desc)
	}
	t.end = Pos(s.off)
	if t.kind == IDENT || t.kind == INT || t.kind == FLOAT || t.kind == STRING || t.kind == ILLEGAL {
		t.lit = string(s.src[start:s.off])
	}
	return t
}

// scanString scans a double-quoted string; s.off is at the opening quote.
// Strings cannot span lines.
func (s *scanner) scanString() {
	start := s.off
	s.off++
	for s.off < len(s.src) {
		switch s.src[s.off] {
		case '"':
			s.off++
			return
		case '\\':
			s.off += 2
			if s.off > len(s.src) {
				s.off = len(s.src)
			}
			continue
		case '\n':
			s.errorf(start, s.off, "syntax/unterminated-string", "string literal not terminated")
			return
		}
		s.off++
	}
	s.errorf(start, s.off, "syntax/unterminated-string", "string literal not terminated")
}
