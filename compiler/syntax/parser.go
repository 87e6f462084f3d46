package syntax

import (
	"sort"
	"strconv"

	"github.com/exo-dev/exo/diag"
)

// Parse parses one .exo file. It always returns a File, possibly partial,
// together with the diagnostics found (codes "syntax/..."). It never panics.
func Parse(src *diag.File) (f *File, diags diag.List) {
	p := &parser{file: src}
	sc := &scanner{file: src, src: src.Src, diags: &p.diags}
	p.toks = sc.scanAll()
	p.comments = sc.comments
	f = &File{Source: src, Comments: sc.comments}
	for _, c := range sc.comments {
		if c.Kind == SchemaDocComment {
			f.Docs = append(f.Docs, c)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				// An internal bug: report it as a diagnostic instead of crashing the caller.
				p.diags.Errorf(diag.NewSpan(src, 0, 0), "syntax/internal-error", "internal parser error: %v", r)
			}
		}
		diags = p.diags.Dedupe()
	}()
	f.Decls = p.parseFile()
	return f, p.diags
}

// ParseBytes is a convenience wrapper around [Parse].
func ParseBytes(name string, src []byte) (*File, diag.List) {
	return Parse(diag.NewFile(name, src))
}

// bailout is the private panic value used to abandon a parse (not used for
// ordinary errors, which are recovered from locally).
type bailout struct{}

type parser struct {
	file     *diag.File
	toks     []token
	i        int
	comments []*Comment
	diags    diag.List
	lastErr  int // line of the last reported error (0 = none)
}

func (p *parser) tok() token { return p.toks[p.i] }

func (p *parser) peek(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() {
	if p.i < len(p.toks)-1 {
		p.i++
	}
}

func (p *parser) at(k Token) bool { return p.tok().kind == k }

func (p *parser) atWord(w string) bool { t := p.tok(); return t.kind == IDENT && t.lit == w }

func describe(t token) string {
	switch t.kind {
	case EOF:
		return "end of file"
	case IDENT, INT, FLOAT, STRING, ILLEGAL:
		if len(t.lit) > 40 {
			return strconv.Quote(t.lit[:40] + "...")
		}
		return strconv.Quote(t.lit)
	}
	return strconv.Quote(t.kind.String())
}

// errorAt reports an error unless one was already reported on the same line.
func (p *parser) errorAt(start, end Pos, code, format string, args ...any) {
	line := p.file.Line(int(start))
	if p.lastErr == line {
		return
	}
	p.lastErr = line
	p.diags.Errorf(diag.NewSpan(p.file, int(start), int(end)), code, format, args...)
}

func (p *parser) errorExpected(what string) {
	t := p.tok()
	if t.kind == ILLEGAL {
		return // the scanner reported it
	}
	p.errorAt(t.pos, t.end, "syntax/unexpected-token", "expected %s, found %s", what, describe(t))
}

// expect consumes a token of kind k and returns its position, or reports an
// error and returns NoPos without consuming anything.
func (p *parser) expect(k Token) Pos {
	if p.at(k) {
		pos := p.tok().pos
		p.next()
		return pos
	}
	if k == GT && p.at(GEQ) {
		// Split ">=" in "Set<Int>= default".
		t := p.tok()
		p.toks[p.i] = token{kind: ASSIGN, pos: t.pos + 1, end: t.end}
		return t.pos
	}
	p.errorExpected(strconv.Quote(k.String()))
	return NoPos
}

func (p *parser) optional(k Token) Pos {
	if p.at(k) {
		pos := p.tok().pos
		p.next()
		return pos
	}
	return NoPos
}

func (p *parser) ident() *Ident {
	t := p.tok()
	if t.kind != IDENT {
		p.errorExpected("identifier")
		return nil
	}
	p.next()
	return &Ident{NamePos: t.pos, Name: t.lit}
}

// docs returns the doc comments between the previous token and the current one.
func (p *parser) docs() *CommentGroup {
	var from Pos
	if p.i > 0 {
		from = p.toks[p.i-1].end
	}
	to := p.tok().pos
	k := sort.Search(len(p.comments), func(i int) bool { return p.comments[i].Slash >= from })
	var g *CommentGroup
	for ; k < len(p.comments) && p.comments[k].Slash < to; k++ {
		c := p.comments[k]
		switch c.Kind {
		case DocComment:
			if g == nil {
				g = &CommentGroup{}
			}
			g.List = append(g.List, c)
		case SchemaDocComment:
		default:
			g = nil // a plain comment separates doc comments from the element
		}
	}
	return g
}

// skipBalanced consumes tokens until stop reports true for a token at
// bracket depth 0, or a closing brace at depth 0, or EOF. It consumes at
// least one token unless already at such a stop.
func (p *parser) skipTo(stop func(t token) bool) Pos {
	start := p.tok().pos
	depth := 0
	first := true
	for !p.at(EOF) {
		t := p.tok()
		if depth == 0 && !first && stop(t) {
			break
		}
		switch t.kind {
		case LBRACE, LPAREN, LBRACK:
			depth++
		case RBRACE, RPAREN, RBRACK:
			if depth == 0 {
				if t.kind == RBRACE {
					if !first {
						return start
					}
					return start
				}
			} else {
				depth--
			}
		}
		first = false
		p.next()
	}
	return start
}

var topKeywords = map[string]bool{"import": true, "context": true, "module": true}

var moduleKeywords = map[string]bool{
	"type": true, "fragment": true, "enum": true, "query": true, "mutation": true,
	"export": true, "interceptor": true,
}

func isDeclStart(t token) bool {
	return t.kind == AT || t.kind == IDENT && (topKeywords[t.lit] || moduleKeywords[t.lit])
}

// ----------------------------------------------------------------------------
// Declarations

func (p *parser) parseFile() []Decl {
	var decls []Decl
	for !p.at(EOF) {
		start := p.i
		if p.at(RBRACE) {
			t := p.tok()
			p.errorAt(t.pos, t.end, "syntax/unexpected-token", "unexpected \"}\"")
			p.next()
			continue
		}
		if d := p.parseDecl(true); d != nil {
			decls = append(decls, d)
		}
		if p.i == start {
			p.next()
		}
	}
	return decls
}

// parseDecl parses one declaration (top level or module member).
func (p *parser) parseDecl(top bool) Decl {
	doc := p.docs()
	startTok := p.tok()
	anns := p.parseAnnotations()
	t := p.tok()
	if t.kind == IDENT {
		if !top && topKeywords[t.lit] {
			// Most likely a missing '}' closing the module: let the caller handle it.
			return nil
		}
		if top && moduleKeywords[t.lit] {
			p.errorAt(t.pos, t.end, "syntax/decl-outside-module", "%s declaration outside a module", t.lit)
		}
		switch t.lit {
		case "import":
			if len(anns) > 0 {
				p.errorAt(anns[0].Pos(), anns[0].End(), "syntax/unexpected-annotation", "annotations are not allowed on import")
			}
			return p.parseImport(doc)
		case "context":
			return p.parseContext(doc, anns)
		case "module":
			if !top {
				return nil
			}
			return p.parseModule(doc, anns)
		case "type", "fragment":
			return p.parseTypeDecl(doc, anns)
		case "enum":
			return p.parseEnum(doc, anns)
		case "query", "mutation", "export":
			return p.parseMethod(doc, anns)
		case "interceptor":
			return p.parseInterceptor(doc, anns)
		}
	}
	if top {
		p.errorExpected("declaration (import, context or module)")
	} else {
		p.errorExpected("declaration (type, fragment, enum, query, mutation or interceptor)")
	}
	from := startTok.pos
	p.skipTo(func(t token) bool { return t.nl && isDeclStart(t) })
	to := from
	if p.i > 0 {
		to = max(p.toks[p.i-1].end, from)
	}
	return &BadDecl{From: from, To: to}
}

func (p *parser) parseImport(doc *CommentGroup) *ImportDecl {
	d := &ImportDecl{Doc: doc, Import: p.tok().pos}
	p.next()
	if p.at(STRING) {
		d.Path = p.basicLit()
	} else {
		p.errorExpected("import path string")
	}
	p.optional(SEMI)
	return d
}

func (p *parser) parseContext(doc *CommentGroup, anns []*Annotation) *ContextDecl {
	d := &ContextDecl{Doc: doc, Annotations: anns, Context: p.tok().pos, Lbrace: NoPos, Rbrace: NoPos}
	p.next()
	d.Name = p.ident()
	var members []Member
	d.Lbrace, members, d.Rbrace = p.parseBody(false)
	for _, m := range members {
		if f, ok := m.(*FieldDecl); ok {
			d.Fields = append(d.Fields, f)
		}
	}
	return d
}

func (p *parser) parseModule(doc *CommentGroup, anns []*Annotation) *ModuleDecl {
	d := &ModuleDecl{Doc: doc, Annotations: anns, Module: p.tok().pos, Lbrace: NoPos, Rbrace: NoPos}
	p.next()
	d.Name = p.ident()
	d.Lbrace = p.expect(LBRACE)
	if !d.Lbrace.IsValid() {
		return d
	}
	for !p.at(RBRACE) && !p.at(EOF) {
		start := p.i
		decl := p.parseDecl(false)
		if decl == nil {
			// "module", "context" or "import": the closing brace is missing.
			t := p.tok()
			p.errorAt(t.pos, t.end, "syntax/unexpected-token", "expected \"}\", found %s", describe(t))
			return d
		}
		d.Decls = append(d.Decls, decl)
		if p.i == start {
			p.next()
		}
	}
	d.Rbrace = p.expect(RBRACE)
	return d
}

func (p *parser) parseTypeDecl(doc *CommentGroup, anns []*Annotation) *TypeDecl {
	d := &TypeDecl{Doc: doc, Annotations: anns, Keyword: p.tok().pos, Fragment: p.tok().lit == "fragment"}
	p.next()
	d.Name = p.ident()
	d.Lbrace, d.Members, d.Rbrace = p.parseBody(true)
	return d
}

// parseBody parses `{ members }` of a type, fragment (spreads allowed) or context.
func (p *parser) parseBody(spreads bool) (lbrace Pos, members []Member, rbrace Pos) {
	lbrace = p.expect(LBRACE)
	if !lbrace.IsValid() {
		return lbrace, nil, NoPos
	}
	for !p.at(RBRACE) && !p.at(EOF) {
		t := p.tok()
		// A declaration keyword followed by a name: the '}' is missing.
		if t.kind == IDENT && (topKeywords[t.lit] || moduleKeywords[t.lit]) && p.peek(1).kind == IDENT {
			p.errorAt(t.pos, t.end, "syntax/unexpected-token", "expected \"}\", found %s", describe(t))
			return lbrace, members, NoPos
		}
		start := p.i
		errs := len(p.diags)
		doc := p.docs()
		if p.at(ELLIPSIS) && spreads {
			s := &Spread{Ellipsis: p.tok().pos}
			p.next()
			s.Name = p.ident()
			members = append(members, s)
			p.optional(SEMI)
		} else {
			anns := p.parseAnnotations()
			if p.at(IDENT) {
				members = append(members, p.parseField(doc, anns))
			} else {
				p.errorExpected("field name")
			}
		}
		if len(p.diags) > errs || p.i == start {
			p.skipTo(func(t token) bool { return t.nl && (t.kind == IDENT || t.kind == AT || t.kind == ELLIPSIS) })
		}
	}
	rbrace = p.expect(RBRACE)
	return lbrace, members, rbrace
}

func (p *parser) parseField(doc *CommentGroup, anns []*Annotation) *FieldDecl {
	f := &FieldDecl{Doc: doc, Annotations: anns, Colon: NoPos, Assign: NoPos, Semi: NoPos}
	f.Name = p.ident()
	f.Colon = p.expect(COLON)
	if f.Colon.IsValid() {
		f.Type = p.parseType()
	}
	if p.at(ASSIGN) {
		f.Assign = p.tok().pos
		p.next()
		f.Default = p.parseExpr()
	}
	f.Semi = p.optional(SEMI)
	return f
}

func (p *parser) parseEnum(doc *CommentGroup, anns []*Annotation) *EnumDecl {
	d := &EnumDecl{Doc: doc, Annotations: anns, Enum: p.tok().pos, Rbrace: NoPos}
	p.next()
	d.Name = p.ident()
	d.Lbrace = p.expect(LBRACE)
	if !d.Lbrace.IsValid() {
		return d
	}
	for !p.at(RBRACE) && !p.at(EOF) {
		t := p.tok()
		if t.kind == IDENT && (topKeywords[t.lit] || moduleKeywords[t.lit]) && p.peek(1).kind == IDENT {
			p.errorAt(t.pos, t.end, "syntax/unexpected-token", "expected \"}\", found %s", describe(t))
			return d
		}
		start := p.i
		v := &EnumValue{Doc: p.docs()}
		v.Annotations = p.parseAnnotations()
		if name := p.ident(); name != nil {
			v.Name = name
			d.Values = append(d.Values, v)
			if !p.optionalSep() && !p.at(RBRACE) && !p.tok().nl {
				p.errorExpected("newline, \",\" or \"}\"")
			}
		}
		if p.i == start {
			p.next()
		}
	}
	d.Rbrace = p.expect(RBRACE)
	return d
}

// optionalSep consumes an optional ',' or ';'.
func (p *parser) optionalSep() bool {
	if p.at(COMMA) || p.at(SEMI) {
		p.next()
		return true
	}
	return false
}

func (p *parser) parseMethod(doc *CommentGroup, anns []*Annotation) *MethodDecl {
	d := &MethodDecl{Doc: doc, Annotations: anns, Export: NoPos, Lparen: NoPos, Rparen: NoPos, Colon: NoPos, Semi: NoPos}
	if p.atWord("export") {
		d.Export = p.tok().pos
		p.next()
	}
	switch {
	case p.atWord("query"):
		d.Kind = Query
	case p.atWord("mutation"):
		d.Kind = Mutation
	default:
		d.KindPos = NoPos
		p.errorExpected("\"query\" or \"mutation\"")
		p.skipTo(func(t token) bool { return t.nl && isDeclStart(t) })
		return d
	}
	d.KindPos = p.tok().pos
	p.next()
	d.Name = p.ident()
	if d.Name == nil {
		p.skipTo(func(t token) bool { return t.nl && isDeclStart(t) })
		return d
	}
	d.Lparen, d.Params, d.Rparen = p.parseParams()
	if d.Rparen.IsValid() {
		d.Colon = p.expect(COLON)
		if d.Colon.IsValid() {
			d.Result = p.parseType()
		}
	}
	d.Semi = p.optional(SEMI)
	return d
}

func (p *parser) parseInterceptor(doc *CommentGroup, anns []*Annotation) *InterceptorDecl {
	d := &InterceptorDecl{Doc: doc, Annotations: anns, Interceptor: p.tok().pos, Lparen: NoPos, Rparen: NoPos, Semi: NoPos}
	p.next()
	d.Name = p.ident()
	if d.Name == nil {
		p.skipTo(func(t token) bool { return t.nl && isDeclStart(t) })
		return d
	}
	d.Lparen, d.Params, d.Rparen = p.parseParams()
	d.Semi = p.optional(SEMI)
	return d
}

func (p *parser) parseParams() (lparen Pos, params []*Param, rparen Pos) {
	lparen = p.expect(LPAREN)
	if !lparen.IsValid() {
		return NoPos, nil, NoPos
	}
	for !p.at(RPAREN) && !p.at(EOF) {
		anns := p.parseAnnotations()
		name := p.ident()
		if name == nil {
			p.skipTo(func(t token) bool { return t.kind == RPAREN || t.nl && isDeclStart(t) })
			break
		}
		prm := &Param{Annotations: anns, Name: name, Colon: NoPos}
		prm.Colon = p.expect(COLON)
		if prm.Colon.IsValid() {
			prm.Type = p.parseType()
		}
		params = append(params, prm)
		if !p.at(RPAREN) && !p.at(COMMA) {
			p.errorExpected("\",\" or \")\"")
			p.skipTo(func(t token) bool { return t.kind == RPAREN || t.nl && isDeclStart(t) })
			return lparen, params, p.optional(RPAREN)
		}
		p.optional(COMMA)
	}
	rparen = p.expect(RPAREN)
	return lparen, params, rparen
}

// ----------------------------------------------------------------------------
// Annotations

func (p *parser) parseAnnotations() []*Annotation {
	var anns []*Annotation
	for p.at(AT) {
		a := &Annotation{At: p.tok().pos, Lparen: NoPos, Rparen: NoPos}
		p.next()
		a.Name = p.ident()
		if a.Name == nil {
			a.Name = &Ident{NamePos: a.At + 1}
			anns = append(anns, a)
			continue
		}
		if p.at(LPAREN) {
			a.Lparen = p.tok().pos
			a.Args = []*Arg{}
			p.next()
			for !p.at(RPAREN) && !p.at(EOF) {
				arg := &Arg{Assign: NoPos}
				if p.at(IDENT) && p.peek(1).kind == ASSIGN {
					arg.Name = p.ident()
					arg.Assign = p.tok().pos
					p.next()
				}
				start := p.i
				arg.Value = p.parseExpr()
				a.Args = append(a.Args, arg)
				if p.i == start || !p.at(RPAREN) && !p.at(COMMA) {
					if p.i != start {
						p.errorExpected("\",\" or \")\"")
					}
					p.skipTo(func(t token) bool { return t.kind == RPAREN || t.nl && isDeclStart(t) })
					break
				}
				p.optional(COMMA)
			}
			a.Rparen = p.expect(RPAREN)
		}
		anns = append(anns, a)
	}
	return anns
}

// ----------------------------------------------------------------------------
// Types

func (p *parser) parseType() Type {
	nt := p.parseNamedType()
	if nt == nil {
		return nil
	}
	var t Type = nt
	if p.at(QUESTION) {
		t = &OptionalType{Elem: t, Question: p.tok().pos}
		p.next()
	}
	return t
}

func (p *parser) parseNamedType() *NamedType {
	name := p.ident()
	if name == nil {
		return nil
	}
	t := &NamedType{Name: name, Dot: NoPos, Lt: NoPos, Gt: NoPos}
	if p.at(PERIOD) && p.peek(1).kind == IDENT {
		t.Dot = p.tok().pos
		p.next()
		t.Module = t.Name
		t.Name = p.ident()
	}
	if p.at(LT) {
		t.Lt = p.tok().pos
		p.next()
		for {
			arg := p.parseType()
			if arg == nil {
				break
			}
			t.Args = append(t.Args, arg)
			if !p.at(COMMA) {
				break
			}
			p.next()
		}
		t.Gt = p.expect(GT)
	}
	return t
}

// ----------------------------------------------------------------------------
// Expressions

func (p *parser) parseExpr() Expr {
	// Lambdas: x => body, (x, y) => body.
	if p.at(IDENT) && p.peek(1).kind == ARROW {
		id := p.ident()
		l := &LambdaExpr{Lparen: NoPos, Params: []*Ident{id}, Rparen: NoPos, Arrow: p.tok().pos}
		p.next()
		l.Body = p.parseExpr()
		return l
	}
	if p.at(LPAREN) && p.isParenLambda() {
		l := &LambdaExpr{Lparen: p.tok().pos}
		p.next()
		for p.at(IDENT) {
			l.Params = append(l.Params, p.ident())
			if !p.at(COMMA) {
				break
			}
			p.next()
		}
		l.Rparen = p.expect(RPAREN)
		l.Arrow = p.expect(ARROW)
		l.Body = p.parseExpr()
		return l
	}
	return p.parseBinary(1)
}

// isParenLambda reports whether the tokens at '(' are `(a, b) =>`; a lambda
// needs at least one parameter.
func (p *parser) isParenLambda() bool {
	n := 1
	if p.peek(n).kind != IDENT {
		return false
	}
	for {
		if p.peek(n).kind != IDENT {
			return false
		}
		n++
		if p.peek(n).kind == COMMA {
			n++
			continue
		}
		return p.peek(n).kind == RPAREN && p.peek(n+1).kind == ARROW
	}
}

func (p *parser) binaryOp() (Token, int) {
	t := p.tok()
	if t.kind == IDENT && t.lit == "in" {
		return IN, PrecIn
	}
	return t.kind, t.kind.Precedence()
}

func (p *parser) parseBinary(prec int) Expr {
	x := p.parseUnary()
	for {
		op, oprec := p.binaryOp()
		if oprec < prec || oprec == 0 {
			return x
		}
		pos := p.tok().pos
		p.next()
		y := p.parseBinary(oprec + 1)
		x = &BinaryExpr{X: x, OpPos: pos, Op: op, Y: y}
	}
}

func (p *parser) parseUnary() Expr {
	t := p.tok()
	switch t.kind {
	case NOT:
		p.next()
		return &UnaryExpr{OpPos: t.pos, Op: NOT, X: p.parseUnary()}
	case SUB:
		n := p.peek(1)
		if (n.kind == INT || n.kind == FLOAT) && n.pos == t.end {
			p.next()
			lit := p.basicLit()
			lit.ValuePos = t.pos
			lit.Raw = "-" + lit.Raw
			lit.Value = lit.Raw
			return lit
		}
		p.next()
		return &UnaryExpr{OpPos: t.pos, Op: SUB, X: p.parseUnary()}
	}
	return p.parsePostfix(p.parsePrimary())
}

func (p *parser) parsePostfix(x Expr) Expr {
	for {
		switch p.tok().kind {
		case PERIOD:
			dot := p.tok().pos
			p.next()
			sel := p.ident()
			if sel == nil {
				return &SelectorExpr{X: x, Dot: dot}
			}
			x = &SelectorExpr{X: x, Dot: dot, Sel: sel}
		case LPAREN:
			c := &CallExpr{Fun: x, Lparen: p.tok().pos, Rparen: NoPos}
			p.next()
			c.Args = p.parseExprList(RPAREN)
			c.Rparen = p.expect(RPAREN)
			x = c
		default:
			return x
		}
	}
}

// parseExprList parses comma-separated expressions up to (not including)
// the closing token; a trailing comma is allowed.
func (p *parser) parseExprList(closing Token) []Expr {
	var list []Expr
	for !p.at(closing) && !p.at(EOF) {
		start := p.i
		list = append(list, p.parseExpr())
		if p.i == start {
			break
		}
		if !p.at(COMMA) {
			break
		}
		p.next()
	}
	return list
}

func (p *parser) basicLit() *BasicLit {
	t := p.tok()
	p.next()
	lit := &BasicLit{ValuePos: t.pos, Raw: t.lit, Value: t.lit}
	switch t.kind {
	case INT:
		lit.Kind = IntLit
	case FLOAT:
		lit.Kind = FloatLit
	case STRING:
		lit.Kind = StringLit
		lit.Value = unquote(t.lit)
	}
	return lit
}

// unquote decodes a string literal; invalid escapes are kept verbatim.
func unquote(raw string) string {
	if s, err := strconv.Unquote(raw); err == nil {
		return s
	}
	s := raw[1:]
	if len(s) > 0 && s[len(s)-1] == '"' {
		s = s[:len(s)-1]
	}
	return s
}

func (p *parser) parsePrimary() Expr {
	t := p.tok()
	switch t.kind {
	case IDENT:
		switch t.lit {
		case "true", "false":
			p.next()
			return &BasicLit{ValuePos: t.pos, Kind: BoolLit, Raw: t.lit, Value: t.lit}
		case "null":
			p.next()
			return &BasicLit{ValuePos: t.pos, Kind: NullLit, Raw: t.lit, Value: t.lit}
		}
		id := p.ident()
		if p.at(SLASH) && p.peek(1).kind == IDENT {
			slash := p.tok().pos
			p.next()
			return &ProjectionExpr{Rel: id, Slash: slash, Name: p.ident()}
		}
		return id
	case INT, FLOAT, STRING:
		return p.basicLit()
	case SLASH:
		p.next()
		name := p.ident()
		if name == nil {
			return &BadExpr{From: t.pos, To: t.end}
		}
		return &ProjectionExpr{Slash: t.pos, Name: name}
	case LPAREN:
		p.next()
		x := &ParenExpr{Lparen: t.pos, X: p.parseExpr()}
		x.Rparen = p.expect(RPAREN)
		return x
	case LBRACK:
		p.next()
		a := &ArrayLit{Lbrack: t.pos}
		a.Elems = p.parseExprList(RBRACK)
		a.Rbrack = p.expect(RBRACK)
		return a
	case LBRACE:
		p.next()
		o := &ObjectLit{Lbrace: t.pos}
		for !p.at(RBRACE) && !p.at(EOF) {
			var key Expr
			switch p.tok().kind {
			case IDENT:
				key = p.ident()
			case STRING:
				key = p.basicLit()
			default:
				p.errorExpected("object key")
			}
			if key == nil {
				break
			}
			f := &ObjectField{Key: key}
			f.Colon = p.expect(COLON)
			if !f.Colon.IsValid() {
				f.Value = &BadExpr{From: key.End(), To: key.End()}
				o.Fields = append(o.Fields, f)
				break
			}
			f.Value = p.parseExpr()
			o.Fields = append(o.Fields, f)
			if !p.at(COMMA) {
				break
			}
			p.next()
		}
		o.Rbrace = p.expect(RBRACE)
		return o
	}
	p.errorExpected("expression")
	return &BadExpr{From: t.pos, To: t.pos}
}
