package syntax

import (
	"strings"

	"github.com/exo-dev/exo/diag"
)

// Pos is a byte offset into the source of a [File]. Positions of absent
// optional tokens are [NoPos].
type Pos int32

// NoPos marks an absent token (for example the '?' of a non-optional type).
const NoPos Pos = -1

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p >= 0 }

// Node is implemented by every AST node. Pos is the offset of the node's
// first byte and End the offset just after its last byte, so the source text
// of n is src[n.Pos():n.End()]. End never includes a trailing ';'.
type Node interface {
	Pos() Pos
	End() Pos
}

// Decl is a declaration: top level ([ImportDecl], [ContextDecl],
// [ModuleDecl], or a misplaced module-level declaration) or inside a module
// ([TypeDecl], [EnumDecl], [MethodDecl], [InterceptorDecl]). [BadDecl]
// stands for unparsable input.
type Decl interface {
	Node
	declNode()
}

// Expr is an expression: literals, names, selectors, calls, lambdas,
// operators, array and object literals and projection references.
type Expr interface {
	Node
	exprNode()
}

// Type is a type reference: [NamedType] or [OptionalType].
type Type interface {
	Node
	typeNode()
}

// Member is an element of a type or fragment body: [FieldDecl] or [Spread].
type Member interface {
	Node
	memberNode()
}

// ----------------------------------------------------------------------------
// Files and comments

// File is a parsed .exo source file.
type File struct {
	// Source is the file as given to [Parse]; use [File.Span] to turn node
	// positions into diagnostic spans.
	Source *diag.File
	// Decls are the top-level declarations in source order.
	Decls []Decl
	// Docs are the schema documentation comments (//! and /*! */) in
	// source order, wherever they appear.
	Docs []*Comment
	// Comments lists every comment of the file in source order, including
	// doc comments that are also attached to nodes.
	Comments []*Comment
}

// Pos returns 0.
func (f *File) Pos() Pos { return 0 }

// End returns the length of the source.
func (f *File) End() Pos { return Pos(len(f.Source.Src)) }

// Span returns the diagnostic span of n in this file.
func (f *File) Span(n Node) diag.Span {
	return diag.NewSpan(f.Source, int(n.Pos()), int(n.End()))
}

// SpanOf returns the diagnostic span [pos, end) in this file.
func (f *File) SpanOf(pos, end Pos) diag.Span {
	return diag.NewSpan(f.Source, int(pos), int(end))
}

// CommentKind classifies comments.
type CommentKind uint8

// Comment kinds.
const (
	LineComment      CommentKind = iota // // text
	BlockComment                        // /* text */
	DocComment                          // /// text or /** text */ (documents the next element)
	SchemaDocComment                    // //! text or /*! text */ (documents the schema)
)

// Comment is one comment, with its markers.
type Comment struct {
	Slash Pos    // position of the leading '/'
	Text  string // raw text including "//" or "/* */"
	Kind  CommentKind
}

// Pos returns the position of the leading '/'.
func (c *Comment) Pos() Pos { return c.Slash }

// End returns the position just after the comment (before the newline for line comments).
func (c *Comment) End() Pos { return c.Slash + Pos(len(c.Text)) }

// Content returns the comment text without its markers ("///", "/**", "*/",
// a leading '*' on each line of a block comment) and with surrounding
// blank space trimmed.
func (c *Comment) Content() string {
	t := c.Text
	if strings.HasPrefix(t, "//") {
		t = strings.TrimPrefix(t[2:], "/")
		t = strings.TrimPrefix(t, "!")
		return strings.TrimSpace(t)
	}
	t = strings.TrimPrefix(t, "/*")
	t = strings.TrimSuffix(t, "*/")
	if strings.HasPrefix(t, "*") || strings.HasPrefix(t, "!") {
		t = t[1:]
	}
	lines := strings.Split(t, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "*") {
			l = strings.TrimSpace(l[1:])
		}
		lines[i] = l
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// CommentGroup is the sequence of doc comments (/// or /** */) directly
// preceding a documented element.
type CommentGroup struct {
	List []*Comment
}

// Pos returns the position of the first comment.
func (g *CommentGroup) Pos() Pos { return g.List[0].Pos() }

// End returns the end of the last comment.
func (g *CommentGroup) End() Pos { return g.List[len(g.List)-1].End() }

// Text returns the documentation text: the contents of the comments joined
// by newlines. It returns "" for a nil group.
func (g *CommentGroup) Text() string {
	if g == nil {
		return ""
	}
	parts := make([]string, len(g.List))
	for i, c := range g.List {
		parts[i] = c.Content()
	}
	return strings.Join(parts, "\n")
}

// ----------------------------------------------------------------------------
// Annotations

// Annotation is "@name" or "@name(args)".
type Annotation struct {
	At     Pos    // position of '@'
	Name   *Ident // annotation name after '@'
	Lparen Pos    // position of '(' or NoPos when there is no argument list
	Args   []*Arg // arguments (nil when Lparen is NoPos; empty for "@name()")
	Rparen Pos    // position of ')' or NoPos
}

// Pos returns the position of '@'.
func (a *Annotation) Pos() Pos { return a.At }

// End returns the end of ')' or of the name.
func (a *Annotation) End() Pos {
	if a.Rparen.IsValid() {
		return a.Rparen + 1
	}
	if a.Lparen.IsValid() {
		if len(a.Args) > 0 {
			return max(a.Args[len(a.Args)-1].End(), a.Lparen+1)
		}
		return a.Lparen + 1
	}
	return a.Name.End()
}

// HasParens reports whether the annotation has an argument list.
func (a *Annotation) HasParens() bool { return a.Lparen.IsValid() }

// Arg returns the named argument with the given name, or nil.
func (a *Annotation) Arg(name string) *Arg {
	for _, x := range a.Args {
		if x.Name != nil && x.Name.Name == name {
			return x
		}
	}
	return nil
}

// Arg is one annotation argument: positional ("expr", Name nil) or named
// ("name = expr").
type Arg struct {
	Name   *Ident // nil for positional arguments
	Assign Pos    // position of '=' or NoPos
	Value  Expr
}

// Pos returns the start of the name or value.
func (a *Arg) Pos() Pos {
	if a.Name != nil {
		return a.Name.Pos()
	}
	return a.Value.Pos()
}

// End returns the end of the value.
func (a *Arg) End() Pos { return a.Value.End() }

// FindAnnotation returns the first annotation named name in list, or nil.
func FindAnnotation(list []*Annotation, name string) *Annotation {
	for _, a := range list {
		if a.Name.Name == name {
			return a
		}
	}
	return nil
}

// startPos returns the position of the first annotation, or else p.
func startPos(doc *CommentGroup, anns []*Annotation, p Pos) Pos {
	if len(anns) > 0 {
		return anns[0].Pos()
	}
	return p
}

// ----------------------------------------------------------------------------
// Declarations

// ImportDecl is `import "path"`.
type ImportDecl struct {
	Doc    *CommentGroup
	Import Pos       // position of "import"
	Path   *BasicLit // string literal; nil if missing
}

// ContextDecl is `[annotations] context Name { fields }`.
type ContextDecl struct {
	Doc         *CommentGroup
	Annotations []*Annotation
	Context     Pos // position of "context"
	Name        *Ident
	Lbrace      Pos
	Fields      []*FieldDecl
	Rbrace      Pos // NoPos if missing
}

// ModuleDecl is `[annotations] module Name { decls }`, e.g.
// `@postgres module ConcertModule { ... }`.
type ModuleDecl struct {
	Doc         *CommentGroup
	Annotations []*Annotation
	Module      Pos // position of "module"
	Name        *Ident
	Lbrace      Pos
	Decls       []Decl // TypeDecl, EnumDecl, MethodDecl, InterceptorDecl, BadDecl
	Rbrace      Pos    // NoPos if missing
}

// TypeDecl is `[annotations] type Name { members }` or, with Fragment set,
// `fragment Name { members }`.
type TypeDecl struct {
	Doc         *CommentGroup
	Annotations []*Annotation
	Keyword     Pos  // position of "type" or "fragment"
	Fragment    bool // declared with "fragment"
	Name        *Ident
	Lbrace      Pos
	Members     []Member // FieldDecl and Spread, in source order
	Rbrace      Pos      // NoPos if missing
}

// Fields returns the field declarations of the body (without spreads).
func (t *TypeDecl) Fields() []*FieldDecl {
	var fs []*FieldDecl
	for _, m := range t.Members {
		if f, ok := m.(*FieldDecl); ok {
			fs = append(fs, f)
		}
	}
	return fs
}

// FieldDecl is `[annotations] name: Type [= default] [;]` in a type,
// fragment or context.
type FieldDecl struct {
	Doc         *CommentGroup
	Annotations []*Annotation
	Name        *Ident
	Colon       Pos  // NoPos if missing
	Type        Type // nil if missing
	Assign      Pos  // position of '=' or NoPos
	Default     Expr // nil without default
	Semi        Pos  // position of the optional ';' or NoPos
}

// Spread is `...FragmentName` inside a type or fragment body.
type Spread struct {
	Ellipsis Pos
	Name     *Ident
}

// EnumDecl is `[annotations] enum Name { VALUE ... }`.
type EnumDecl struct {
	Doc         *CommentGroup
	Annotations []*Annotation
	Enum        Pos // position of "enum"
	Name        *Ident
	Lbrace      Pos
	Values      []*EnumValue
	Rbrace      Pos // NoPos if missing
}

// EnumValue is one value of an enum, optionally documented and annotated.
type EnumValue struct {
	Doc         *CommentGroup
	Annotations []*Annotation
	Name        *Ident
}

// MethodKind distinguishes queries and mutations.
type MethodKind uint8

// Method kinds.
const (
	Query MethodKind = iota
	Mutation
)

// String returns "query" or "mutation".
func (k MethodKind) String() string {
	if k == Mutation {
		return "mutation"
	}
	return "query"
}

// MethodDecl is `[annotations] [export] query|mutation name(params): Result`
// in a @deno or @wasm module.
type MethodDecl struct {
	Doc         *CommentGroup
	Annotations []*Annotation
	Export      Pos // position of "export" or NoPos
	Kind        MethodKind
	KindPos     Pos // position of "query" or "mutation" (NoPos if missing after "export")
	Name        *Ident
	Lparen      Pos
	Params      []*Param
	Rparen      Pos  // NoPos if missing
	Colon       Pos  // NoPos if missing
	Result      Type // nil if missing
	Semi        Pos  // optional ';' or NoPos
}

// InterceptorDecl is `@before|@after|@around("pattern") interceptor name(params)`.
type InterceptorDecl struct {
	Doc         *CommentGroup
	Annotations []*Annotation
	Interceptor Pos // position of "interceptor"
	Name        *Ident
	Lparen      Pos
	Params      []*Param
	Rparen      Pos // NoPos if missing
	Semi        Pos // optional ';' or NoPos
}

// Param is a method or interceptor parameter `[annotations] name: Type`
// (e.g. `@inject ctx: AuthContext`).
type Param struct {
	Annotations []*Annotation
	Name        *Ident
	Colon       Pos  // NoPos if missing
	Type        Type // nil if missing
}

// BadDecl is a span of source that could not be parsed as a declaration.
type BadDecl struct {
	From, To Pos
}

// ----------------------------------------------------------------------------
// Types

// NamedType is a possibly qualified, possibly generic type name:
// `String`, `Module.Type`, `Set<Concert>`, `Array<Array<Int>>`.
type NamedType struct {
	Module *Ident // qualifier before '.', or nil
	Dot    Pos    // position of '.' or NoPos
	Name   *Ident
	Lt     Pos    // position of '<' or NoPos
	Args   []Type // type arguments
	Gt     Pos    // position of '>' or NoPos
}

// OptionalType is `Elem?`.
type OptionalType struct {
	Elem     Type
	Question Pos
}

// ----------------------------------------------------------------------------
// Expressions

// Ident is a name. In expressions "self", context names, lambda parameters
// and enum values (`= MEDIUM`) are all Idents.
type Ident struct {
	NamePos Pos
	Name    string
}

// LitKind is the kind of a [BasicLit].
type LitKind uint8

// Literal kinds.
const (
	IntLit LitKind = iota
	FloatLit
	StringLit
	BoolLit
	NullLit
)

// BasicLit is a literal: integer (`42`, `-10`), float (`4.5`), string,
// boolean (`true`) or `null`. A '-' directly before a number is folded into
// the literal.
type BasicLit struct {
	ValuePos Pos
	Kind     LitKind
	Raw      string // source text, e.g. `"a\"b"`, `-10`, `true`
	Value    string // decoded value: string contents without quotes and escapes; Raw for other kinds
}

// SelectorExpr is `X.Sel`, e.g. `self.venue`, `AuthContext.id`.
type SelectorExpr struct {
	X   Expr
	Dot Pos
	Sel *Ident
}

// CallExpr is `Fun(Args)`, e.g. `autoIncrement()`, `now()`,
// `AuthContext.roles.contains("ADMIN")`, `self.items.some(i => i.done)`.
type CallExpr struct {
	Fun    Expr
	Lparen Pos
	Args   []Expr
	Rparen Pos // NoPos if missing
}

// LambdaExpr is `x => body` or `(x, y) => body`.
type LambdaExpr struct {
	Lparen Pos // NoPos without parentheses
	Params []*Ident
	Rparen Pos // NoPos without parentheses
	Arrow  Pos
	Body   Expr
}

// UnaryExpr is `!X` (Op NOT) or `-X` (Op SUB, for non-literal operands).
type UnaryExpr struct {
	OpPos Pos
	Op    Token
	X     Expr
}

// BinaryExpr is `X Op Y`; Op is one of LOR, LAND, EQL, NEQ, LT, LEQ, GT, GEQ
// or [IN].
type BinaryExpr struct {
	X     Expr
	OpPos Pos
	Op    Token
	Y     Expr
}

// ParenExpr is `(X)`.
type ParenExpr struct {
	Lparen Pos
	X      Expr
	Rparen Pos // NoPos if missing
}

// ArrayLit is `[elems]`; inside @projection it holds [ProjectionExpr]s and Idents.
type ArrayLit struct {
	Lbrack Pos
	Elems  []Expr
	Rbrack Pos // NoPos if missing
}

// ObjectLit is `{key: value, ...}`, e.g. `@column(mapping = {id: "m_id"})`.
type ObjectLit struct {
	Lbrace Pos
	Fields []*ObjectField
	Rbrace Pos // NoPos if missing
}

// ObjectField is `key: value`; Key is an *Ident or a string *BasicLit.
type ObjectField struct {
	Key   Expr
	Colon Pos
	Value Expr
}

// ProjectionExpr is a projection reference in @projection lists: `/basic`
// (Rel nil: a projection of the same type) or `venue/basic` (projection
// basic of the type of field venue).
type ProjectionExpr struct {
	Rel   *Ident // nil for `/name`
	Slash Pos
	Name  *Ident
}

// BadExpr stands for an expression that could not be parsed.
type BadExpr struct {
	From, To Pos
}

// ----------------------------------------------------------------------------
// Pos and End

func docStart(doc *CommentGroup, anns []*Annotation, p Pos) Pos { return startPos(doc, anns, p) }

// Pos returns the position of "import".
func (d *ImportDecl) Pos() Pos { return d.Import }

// End returns the end of the path (or of "import").
func (d *ImportDecl) End() Pos {
	if d.Path != nil {
		return d.Path.End()
	}
	return d.Import + Pos(len("import"))
}

// Pos returns the start of the first annotation or of "context". Doc
// comments are not part of the node's span.
func (d *ContextDecl) Pos() Pos { return docStart(d.Doc, d.Annotations, d.Context) }

// End returns the end of the closing brace.
func (d *ContextDecl) End() Pos {
	return bodyEnd(d.Rbrace, d.Lbrace, d.Name, d.Context, 7, len(d.Fields), func() Pos { return d.Fields[len(d.Fields)-1].End() })
}

// Pos returns the start of the first annotation or of "module".
func (d *ModuleDecl) Pos() Pos { return docStart(d.Doc, d.Annotations, d.Module) }

// End returns the end of the closing brace.
func (d *ModuleDecl) End() Pos {
	return bodyEnd(d.Rbrace, d.Lbrace, d.Name, d.Module, 6, len(d.Decls), func() Pos { return d.Decls[len(d.Decls)-1].End() })
}

// Pos returns the start of the first annotation or of the keyword.
func (d *TypeDecl) Pos() Pos { return docStart(d.Doc, d.Annotations, d.Keyword) }

// End returns the end of the closing brace.
func (d *TypeDecl) End() Pos {
	kw := 4
	if d.Fragment {
		kw = 8
	}
	return bodyEnd(d.Rbrace, d.Lbrace, d.Name, d.Keyword, kw, len(d.Members), func() Pos { return d.Members[len(d.Members)-1].End() })
}

// Pos returns the start of the first annotation or of "enum".
func (d *EnumDecl) Pos() Pos { return docStart(d.Doc, d.Annotations, d.Enum) }

// End returns the end of the closing brace.
func (d *EnumDecl) End() Pos {
	return bodyEnd(d.Rbrace, d.Lbrace, d.Name, d.Enum, 4, len(d.Values), func() Pos { return d.Values[len(d.Values)-1].End() })
}

// bodyEnd computes the end of a `keyword Name { ... }` declaration that may be incomplete.
func bodyEnd(rbrace, lbrace Pos, name *Ident, kw Pos, kwLen int, n int, last func() Pos) Pos {
	switch {
	case rbrace.IsValid():
		return rbrace + 1
	case n > 0:
		return last()
	case lbrace.IsValid():
		return lbrace + 1
	case name != nil:
		return name.End()
	}
	return kw + Pos(kwLen)
}

// Pos returns the start of the first annotation or of the name.
func (v *EnumValue) Pos() Pos { return docStart(v.Doc, v.Annotations, v.Name.Pos()) }

// End returns the end of the name.
func (v *EnumValue) End() Pos { return v.Name.End() }

// Pos returns the start of the first annotation or of "export"/"query"/"mutation".
func (d *MethodDecl) Pos() Pos {
	p := d.KindPos
	if d.Export.IsValid() {
		p = d.Export
	}
	return docStart(d.Doc, d.Annotations, p)
}

// End returns the end of the result type (or of the last parsed token).
func (d *MethodDecl) End() Pos {
	switch {
	case d.Result != nil:
		return d.Result.End()
	case d.Colon.IsValid():
		return d.Colon + 1
	case d.Rparen.IsValid():
		return d.Rparen + 1
	case len(d.Params) > 0:
		return d.Params[len(d.Params)-1].End()
	case d.Lparen.IsValid():
		return d.Lparen + 1
	case d.Name != nil:
		return d.Name.End()
	case !d.KindPos.IsValid():
		return d.Export + Pos(len("export"))
	}
	return d.KindPos + Pos(len(d.Kind.String()))
}

// Pos returns the start of the first annotation or of "interceptor".
func (d *InterceptorDecl) Pos() Pos { return docStart(d.Doc, d.Annotations, d.Interceptor) }

// End returns the end of ')' (or of the last parsed token).
func (d *InterceptorDecl) End() Pos {
	switch {
	case d.Rparen.IsValid():
		return d.Rparen + 1
	case len(d.Params) > 0:
		return d.Params[len(d.Params)-1].End()
	case d.Lparen.IsValid():
		return d.Lparen + 1
	case d.Name != nil:
		return d.Name.End()
	}
	return d.Interceptor + Pos(len("interceptor"))
}

// Pos returns the start of the first annotation or of the name.
func (p *Param) Pos() Pos { return docStart(nil, p.Annotations, p.Name.Pos()) }

// End returns the end of the type (or of the name).
func (p *Param) End() Pos {
	switch {
	case p.Type != nil:
		return p.Type.End()
	case p.Colon.IsValid():
		return p.Colon + 1
	}
	return p.Name.End()
}

// Pos returns From.
func (d *BadDecl) Pos() Pos { return d.From }

// End returns To.
func (d *BadDecl) End() Pos { return d.To }

// Pos returns the start of the first annotation or of the name. This is the
// span Exograph underlines for field errors.
func (f *FieldDecl) Pos() Pos { return docStart(f.Doc, f.Annotations, f.Name.Pos()) }

// End returns the end of the default value, or of the type; the optional
// ';' is not included.
func (f *FieldDecl) End() Pos {
	switch {
	case f.Default != nil:
		return f.Default.End()
	case f.Assign.IsValid():
		return f.Assign + 1
	case f.Type != nil:
		return f.Type.End()
	case f.Colon.IsValid():
		return f.Colon + 1
	}
	return f.Name.End()
}

// TypeEnd returns the end of the field's type (or name), excluding any
// default value: the span Exograph uses for field diagnostics.
func (f *FieldDecl) TypeEnd() Pos {
	if f.Type != nil {
		return f.Type.End()
	}
	return f.Name.End()
}

// Pos returns the position of "...".
func (s *Spread) Pos() Pos { return s.Ellipsis }

// End returns the end of the fragment name.
func (s *Spread) End() Pos {
	if s.Name != nil {
		return s.Name.End()
	}
	return s.Ellipsis + 3
}

// Pos returns the start of the qualifier or name.
func (t *NamedType) Pos() Pos {
	if t.Module != nil {
		return t.Module.Pos()
	}
	return t.Name.Pos()
}

// End returns the end of '>' or of the name.
func (t *NamedType) End() Pos {
	switch {
	case t.Gt.IsValid():
		return t.Gt + 1
	case len(t.Args) > 0:
		return t.Args[len(t.Args)-1].End()
	case t.Lt.IsValid():
		return t.Lt + 1
	}
	return t.Name.End()
}

// Pos returns the start of the element type.
func (t *OptionalType) Pos() Pos { return t.Elem.Pos() }

// End returns the end of '?'.
func (t *OptionalType) End() Pos { return t.Question + 1 }

// Pos returns the start of the name.
func (x *Ident) Pos() Pos { return x.NamePos }

// End returns the end of the name.
func (x *Ident) End() Pos { return x.NamePos + Pos(len(x.Name)) }

// Pos returns the start of the literal.
func (x *BasicLit) Pos() Pos { return x.ValuePos }

// End returns the end of the literal.
func (x *BasicLit) End() Pos { return x.ValuePos + Pos(len(x.Raw)) }

// Pos returns the start of X.
func (x *SelectorExpr) Pos() Pos { return x.X.Pos() }

// End returns the end of Sel.
func (x *SelectorExpr) End() Pos {
	if x.Sel != nil {
		return x.Sel.End()
	}
	return x.Dot + 1
}

// Pos returns the start of Fun.
func (x *CallExpr) Pos() Pos { return x.Fun.Pos() }

// End returns the end of ')'.
func (x *CallExpr) End() Pos {
	switch {
	case x.Rparen.IsValid():
		return x.Rparen + 1
	case len(x.Args) > 0:
		return x.Args[len(x.Args)-1].End()
	}
	return x.Lparen + 1
}

// Pos returns the start of the parameter list.
func (x *LambdaExpr) Pos() Pos {
	if x.Lparen.IsValid() {
		return x.Lparen
	}
	return x.Params[0].Pos()
}

// End returns the end of the body.
func (x *LambdaExpr) End() Pos { return x.Body.End() }

// Pos returns the position of the operator.
func (x *UnaryExpr) Pos() Pos { return x.OpPos }

// End returns the end of the operand.
func (x *UnaryExpr) End() Pos { return x.X.End() }

// Pos returns the start of X.
func (x *BinaryExpr) Pos() Pos { return x.X.Pos() }

// End returns the end of Y.
func (x *BinaryExpr) End() Pos { return x.Y.End() }

// Pos returns the position of '('.
func (x *ParenExpr) Pos() Pos { return x.Lparen }

// End returns the end of ')'.
func (x *ParenExpr) End() Pos {
	if x.Rparen.IsValid() {
		return x.Rparen + 1
	}
	return x.X.End()
}

// Pos returns the position of '['.
func (x *ArrayLit) Pos() Pos { return x.Lbrack }

// End returns the end of ']'.
func (x *ArrayLit) End() Pos {
	switch {
	case x.Rbrack.IsValid():
		return x.Rbrack + 1
	case len(x.Elems) > 0:
		return x.Elems[len(x.Elems)-1].End()
	}
	return x.Lbrack + 1
}

// Pos returns the position of '{'.
func (x *ObjectLit) Pos() Pos { return x.Lbrace }

// End returns the end of '}'.
func (x *ObjectLit) End() Pos {
	switch {
	case x.Rbrace.IsValid():
		return x.Rbrace + 1
	case len(x.Fields) > 0:
		return x.Fields[len(x.Fields)-1].End()
	}
	return x.Lbrace + 1
}

// Pos returns the start of the key.
func (x *ObjectField) Pos() Pos { return x.Key.Pos() }

// End returns the end of the value.
func (x *ObjectField) End() Pos { return x.Value.End() }

// Pos returns the start of Rel or of '/'.
func (x *ProjectionExpr) Pos() Pos {
	if x.Rel != nil {
		return x.Rel.Pos()
	}
	return x.Slash
}

// End returns the end of the projection name.
func (x *ProjectionExpr) End() Pos { return x.Name.End() }

// Pos returns From.
func (x *BadExpr) Pos() Pos { return x.From }

// End returns To.
func (x *BadExpr) End() Pos { return x.To }

func (*ImportDecl) declNode()      {}
func (*ContextDecl) declNode()     {}
func (*ModuleDecl) declNode()      {}
func (*TypeDecl) declNode()        {}
func (*EnumDecl) declNode()        {}
func (*MethodDecl) declNode()      {}
func (*InterceptorDecl) declNode() {}
func (*BadDecl) declNode()         {}

func (*FieldDecl) memberNode() {}
func (*Spread) memberNode()    {}

func (*NamedType) typeNode()    {}
func (*OptionalType) typeNode() {}

func (*Ident) exprNode()          {}
func (*BasicLit) exprNode()       {}
func (*SelectorExpr) exprNode()   {}
func (*CallExpr) exprNode()       {}
func (*LambdaExpr) exprNode()     {}
func (*UnaryExpr) exprNode()      {}
func (*BinaryExpr) exprNode()     {}
func (*ParenExpr) exprNode()      {}
func (*ArrayLit) exprNode()       {}
func (*ObjectLit) exprNode()      {}
func (*ProjectionExpr) exprNode() {}
func (*BadExpr) exprNode()        {}

// String returns "int", "float", "string", "bool" or "null".
func (k LitKind) String() string {
	switch k {
	case IntLit:
		return "int"
	case FloatLit:
		return "float"
	case StringLit:
		return "string"
	case BoolLit:
		return "bool"
	case NullLit:
		return "null"
	}
	return "invalid"
}
