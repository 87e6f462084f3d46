package syntax

import (
	"bytes"
	"strings"

	"github.com/exo-dev/exo/diag"
)

// Format prints f in canonical layout: two-space indentation, one
// declaration or field per line, single spaces around binary operators and
// "=", `name = value` annotation arguments, no ';' after fields. It keeps
// every comment, at most one blank line where the source had blank lines,
// and some of the author's choices: whether an annotation sits on its own
// line or before the element on the same line, and whether annotation
// arguments and method parameters are laid out one per line.
//
// Format is idempotent, and Format(Parse(src)) parses to a tree with the same
// [Dump]. The output for files with syntax errors is best effort (bad
// declarations and expressions are copied verbatim).
func Format(f *File) []byte {
	p := &printer{src: f.Source.Src, file: f.Source, comments: f.Comments, atLineStart: true, prevEnd: -1}
	for i, d := range f.Decls {
		p.startLine(d.Pos(), i > 0)
		p.decl(d)
	}
	p.flushComments(Pos(len(p.src)) + 1)
	out := p.buf.Bytes()
	out = bytes.TrimRight(out, "\n ")
	if len(out) == 0 {
		return []byte{}
	}
	return append(out, '\n')
}

// FormatSource parses and formats src. If src has syntax errors it is
// returned unchanged together with the diagnostics.
func FormatSource(name string, src []byte) ([]byte, diag.List) {
	f, diags := ParseBytes(name, src)
	if diags.HasErrors() {
		return src, diags
	}
	return Format(f), diags
}

// trailingBlanks are removed from the end of comments by Format.
const trailingBlanks = " \t\r\v\f"

type printer struct {
	buf         bytes.Buffer
	src         []byte
	file        *diag.File
	comments    []*Comment
	next        int  // index of the next comment to print
	indent      int  // current indentation level
	atLineStart bool // nothing written on the current output line yet
	needNewline bool // a line comment ended the output line's content
	prevEnd     Pos  // source end of the last printed token or comment (-1 at start)
	// pendingSpace separates the next token from a block comment just printed.
	pendingSpace bool
}

func (p *printer) write(s string) {
	if p.needNewline {
		p.newline()
	}
	if p.atLineStart {
		if s == "" || s == " " {
			return
		}
		p.buf.WriteString(strings.Repeat("  ", max(p.indent, 0)))
		p.atLineStart = false
	}
	p.buf.WriteString(s)
}

func (p *printer) newline() {
	p.needNewline = false
	if !p.atLineStart {
		p.trimSpace()
		p.buf.WriteByte('\n')
		p.atLineStart = true
	}
}

// trimSpace removes trailing blanks from the current output line.
func (p *printer) trimSpace() {
	b := p.buf.Bytes()
	n := len(b)
	for n > 0 && (b[n-1] == ' ' || b[n-1] == '\t') {
		n--
	}
	p.buf.Truncate(n)
}

func (p *printer) blankLine() {
	p.newline()
	b := p.buf.Bytes()
	if len(b) > 0 && !bytes.HasSuffix(b, []byte("\n\n")) {
		p.buf.WriteByte('\n')
	}
}

// newlinesBetween counts newlines in src[from:to].
func (p *printer) newlinesBetween(from, to Pos) int {
	if from < 0 {
		from = 0
	}
	if to > Pos(len(p.src)) {
		to = Pos(len(p.src))
	}
	if from >= to {
		return 0
	}
	return bytes.Count(p.src[from:to], []byte("\n"))
}

// flushComments prints the comments that start before pos.
func (p *printer) flushComments(pos Pos) {
	for p.next < len(p.comments) && p.comments[p.next].Slash < pos {
		c := p.comments[p.next]
		p.next++
		sameLine := p.prevEnd >= 0 && p.newlinesBetween(p.prevEnd, c.Slash) == 0
		switch {
		case sameLine && !p.atLineStart && !p.needNewline:
			p.trimSpace()
			p.write(" ")
		default:
			if p.prevEnd >= 0 && p.newlinesBetween(p.prevEnd, c.Slash) >= 2 && !p.afterOpen() {
				p.blankLine()
			}
			p.newline()
		}
		p.write(strings.TrimRight(c.Text, trailingBlanks))
		p.prevEnd = c.End()
		if c.Kind == LineComment || c.Kind == DocComment && strings.HasPrefix(c.Text, "//") || c.Kind == SchemaDocComment && strings.HasPrefix(c.Text, "//") {
			p.needNewline = true
		} else {
			// A block comment: keep the next token separated from it.
			p.pendingSpace = true
		}
	}
}

// afterOpen reports whether the last thing printed opened a block.
func (p *printer) afterOpen() bool {
	b := bytes.TrimRight(p.buf.Bytes(), " \n")
	return len(b) == 0 || b[len(b)-1] == '{' || b[len(b)-1] == '('
}

// startLine begins a new output line for an element starting at pos,
// printing preceding comments and keeping one blank line if the source had one.
func (p *printer) startLine(pos Pos, allowBlank bool) {
	p.flushComments(pos)
	blank := allowBlank && p.prevEnd >= 0 && p.newlinesBetween(p.prevEnd, pos) >= 2 && !p.afterOpen()
	p.newline()
	if blank {
		p.blankLine()
	}
	p.pendingSpace = false
}

// tok prints the token text found at pos, after the comments before it.
func (p *printer) tok(pos Pos, text string) {
	if pos.IsValid() {
		p.flushComments(pos)
	}
	if p.pendingSpace && !p.atLineStart && !p.needNewline {
		p.write(" ")
	}
	p.pendingSpace = false
	p.write(text)
	if pos.IsValid() {
		p.prevEnd = pos + Pos(len(text))
	}
}

func (p *printer) line(pos Pos) int { return p.file.Line(int(pos)) }

// ----------------------------------------------------------------------------

func (p *printer) annotations(anns []*Annotation, next Pos) {
	for i, a := range anns {
		p.annotation(a)
		following := next
		if i+1 < len(anns) {
			following = anns[i+1].Pos()
		}
		if p.line(a.End()) < p.line(following) {
			p.startLine(following, false)
		} else {
			p.write(" ")
		}
	}
}

func (p *printer) annotation(a *Annotation) {
	p.tok(a.At, "@")
	p.tok(a.Name.Pos(), a.Name.Name)
	if !a.Lparen.IsValid() {
		return
	}
	p.tok(a.Lparen, "(")
	multi := false
	for _, arg := range a.Args {
		if p.line(arg.Pos()) != p.line(a.Lparen) {
			multi = true
		}
	}
	if multi {
		p.indent++
		for i, arg := range a.Args {
			p.startLine(arg.Pos(), false)
			p.arg(arg)
			if i < len(a.Args)-1 {
				p.write(",")
			}
		}
		p.indent--
		p.startLine(a.Rparen, false)
	} else {
		for i, arg := range a.Args {
			if i > 0 {
				p.write(", ")
			}
			p.arg(arg)
		}
	}
	p.tok(a.Rparen, ")")
}

func (p *printer) arg(a *Arg) {
	if a.Name != nil {
		p.tok(a.Name.Pos(), a.Name.Name)
		p.write(" ")
		p.tok(a.Assign, "=")
		p.write(" ")
	}
	p.expr(a.Value)
}

func (p *printer) ident(id *Ident) {
	if id != nil {
		p.tok(id.Pos(), id.Name)
	}
}

func (p *printer) decl(d Decl) {
	switch d := d.(type) {
	case *ImportDecl:
		p.tok(d.Import, "import")
		if d.Path != nil {
			p.write(" ")
			p.expr(d.Path)
		}
	case *ContextDecl:
		p.annotations(d.Annotations, d.Context)
		p.tok(d.Context, "context")
		p.header(d.Name)
		p.openBody(d.Lbrace)
		for i, f := range d.Fields {
			p.startLine(f.Pos(), i > 0)
			p.field(f)
		}
		p.closeBody(d.Lbrace, d.Rbrace)
	case *ModuleDecl:
		p.annotations(d.Annotations, d.Module)
		p.tok(d.Module, "module")
		p.header(d.Name)
		p.openBody(d.Lbrace)
		for i, m := range d.Decls {
			p.startLine(m.Pos(), i > 0)
			p.decl(m)
		}
		p.closeBody(d.Lbrace, d.Rbrace)
	case *TypeDecl:
		p.annotations(d.Annotations, d.Keyword)
		if d.Fragment {
			p.tok(d.Keyword, "fragment")
		} else {
			p.tok(d.Keyword, "type")
		}
		p.header(d.Name)
		p.openBody(d.Lbrace)
		for i, m := range d.Members {
			p.startLine(m.Pos(), i > 0)
			switch m := m.(type) {
			case *FieldDecl:
				p.field(m)
			case *Spread:
				p.tok(m.Ellipsis, "...")
				p.ident(m.Name)
			}
		}
		p.closeBody(d.Lbrace, d.Rbrace)
	case *EnumDecl:
		p.annotations(d.Annotations, d.Enum)
		p.tok(d.Enum, "enum")
		p.header(d.Name)
		p.openBody(d.Lbrace)
		for i, v := range d.Values {
			p.startLine(v.Pos(), i > 0)
			p.annotations(v.Annotations, v.Name.Pos())
			p.ident(v.Name)
		}
		p.closeBody(d.Lbrace, d.Rbrace)
	case *MethodDecl:
		first := d.KindPos
		if d.Export.IsValid() {
			first = d.Export
		}
		p.annotations(d.Annotations, first)
		if d.Export.IsValid() {
			p.tok(d.Export, "export")
			p.write(" ")
		}
		if !d.KindPos.IsValid() {
			return
		}
		p.tok(d.KindPos, d.Kind.String())
		if d.Name == nil {
			return
		}
		p.write(" ")
		p.ident(d.Name)
		p.params(d.Lparen, d.Params, d.Rparen)
		if d.Colon.IsValid() {
			p.tok(d.Colon, ":")
			if d.Result != nil {
				p.write(" ")
				p.typ(d.Result)
			}
		}
	case *InterceptorDecl:
		p.annotations(d.Annotations, d.Interceptor)
		p.tok(d.Interceptor, "interceptor")
		if d.Name == nil {
			return
		}
		p.write(" ")
		p.ident(d.Name)
		p.params(d.Lparen, d.Params, d.Rparen)
	case *BadDecl:
		p.tok(d.From, string(p.src[d.From:d.To]))
	}
}

func (p *printer) header(name *Ident) {
	if name != nil {
		p.write(" ")
		p.ident(name)
	}
}

func (p *printer) openBody(lbrace Pos) {
	if !lbrace.IsValid() {
		return
	}
	p.write(" ")
	p.tok(lbrace, "{")
	p.indent++
}

func (p *printer) closeBody(lbrace, rbrace Pos) {
	if !lbrace.IsValid() {
		return
	}
	p.indent--
	if rbrace.IsValid() {
		p.startLine(rbrace, false)
		p.tok(rbrace, "}")
	}
}

func (p *printer) params(lparen Pos, params []*Param, rparen Pos) {
	if !lparen.IsValid() {
		return
	}
	p.tok(lparen, "(")
	multi := false
	for _, prm := range params {
		if p.line(prm.Pos()) != p.line(lparen) {
			multi = true
		}
	}
	if multi {
		p.indent++
	}
	for i, prm := range params {
		if multi {
			p.startLine(prm.Pos(), false)
		} else if i > 0 {
			p.write(" ")
		}
		for _, a := range prm.Annotations {
			p.annotation(a)
			p.write(" ")
		}
		p.ident(prm.Name)
		if prm.Colon.IsValid() {
			p.tok(prm.Colon, ":")
			if prm.Type != nil {
				p.write(" ")
				p.typ(prm.Type)
			}
		}
		if i < len(params)-1 {
			p.write(",")
		}
	}
	if multi {
		p.indent--
		if rparen.IsValid() {
			p.startLine(rparen, false)
		}
	}
	if rparen.IsValid() {
		p.tok(rparen, ")")
	}
}

func (p *printer) field(f *FieldDecl) {
	p.annotations(f.Annotations, f.Name.Pos())
	p.ident(f.Name)
	if f.Colon.IsValid() {
		p.tok(f.Colon, ":")
		if f.Type != nil {
			p.write(" ")
			p.typ(f.Type)
		}
	}
	if f.Assign.IsValid() {
		p.write(" ")
		p.tok(f.Assign, "=")
		if f.Default != nil {
			p.write(" ")
			p.expr(f.Default)
		}
	}
}

func (p *printer) typ(t Type) {
	switch t := t.(type) {
	case *NamedType:
		if t.Module != nil {
			p.ident(t.Module)
			p.tok(t.Dot, ".")
		}
		p.ident(t.Name)
		if t.Lt.IsValid() {
			p.tok(t.Lt, "<")
			for i, a := range t.Args {
				if i > 0 {
					p.write(", ")
				}
				p.typ(a)
			}
			p.tok(t.Gt, ">")
		}
	case *OptionalType:
		p.typ(t.Elem)
		p.tok(t.Question, "?")
	}
}

func (p *printer) expr(x Expr) {
	switch x := x.(type) {
	case *Ident:
		p.ident(x)
	case *BasicLit:
		p.tok(x.ValuePos, x.Raw)
	case *SelectorExpr:
		p.expr(x.X)
		p.tok(x.Dot, ".")
		p.ident(x.Sel)
	case *CallExpr:
		p.expr(x.Fun)
		p.tok(x.Lparen, "(")
		p.exprList(x.Args)
		p.tok(x.Rparen, ")")
	case *LambdaExpr:
		if x.Lparen.IsValid() {
			p.tok(x.Lparen, "(")
		}
		for i, prm := range x.Params {
			if i > 0 {
				p.write(", ")
			}
			p.ident(prm)
		}
		if x.Lparen.IsValid() {
			p.tok(x.Rparen, ")")
		}
		p.write(" ")
		p.tok(x.Arrow, "=>")
		p.write(" ")
		p.expr(x.Body)
	case *UnaryExpr:
		p.tok(x.OpPos, x.Op.String())
		if lit, ok := x.X.(*BasicLit); ok && x.Op == SUB && (lit.Kind == IntLit || lit.Kind == FloatLit) {
			p.write(" ") // keep "- 5" distinct from the literal -5
		}
		p.expr(x.X)
	case *BinaryExpr:
		p.expr(x.X)
		p.write(" ")
		p.tok(x.OpPos, x.Op.String())
		p.write(" ")
		p.expr(x.Y)
	case *ParenExpr:
		p.tok(x.Lparen, "(")
		p.expr(x.X)
		p.tok(x.Rparen, ")")
	case *ArrayLit:
		p.tok(x.Lbrack, "[")
		p.exprList(x.Elems)
		p.tok(x.Rbrack, "]")
	case *ObjectLit:
		p.tok(x.Lbrace, "{")
		for i, f := range x.Fields {
			if i > 0 {
				p.write(", ")
			}
			p.expr(f.Key)
			p.tok(f.Colon, ":")
			p.write(" ")
			p.expr(f.Value)
		}
		p.tok(x.Rbrace, "}")
	case *ProjectionExpr:
		if x.Rel != nil {
			p.ident(x.Rel)
		}
		p.tok(x.Slash, "/")
		p.ident(x.Name)
	case *BadExpr:
		if x.To > x.From {
			p.tok(x.From, string(p.src[x.From:x.To]))
		}
	}
}

func (p *printer) exprList(list []Expr) {
	for i, e := range list {
		if i > 0 {
			p.write(", ")
		}
		p.expr(e)
	}
}
