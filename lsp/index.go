package lsp

import (
	"sort"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/compiler/syntax"
)

// The index resolves the names of a project's parsed files once per
// analysis: every declaration becomes a symbol, and every identifier that
// names a symbol (type references, fragment spreads, `self.a.b` paths and
// context references in expressions, enum values in defaults, projection
// elements) becomes a ref. Definition, references, rename, hover and
// semantic tokens are lookups in it. It works on the possibly partial AST
// of files with errors, so navigation keeps working while typing.

type symKind uint8

const (
	symType         symKind = iota + 1 // type of a @postgres module, or of a @deno/@wasm module
	symFragment                        // fragment
	symEnum                            // enum
	symEnumValue                       // enum value
	symContext                         // context
	symModule                          // module
	symField                           // field of a type or fragment
	symContextField                    // field of a context
	symMethod                          // query or mutation of a module
	symInterceptor                     // interceptor of a module
)

func (k symKind) String() string {
	return [...]string{"", "type", "fragment", "enum", "enum value", "context", "module", "field", "context field", "operation", "interceptor"}[k]
}

// symbol is a declaration.
type symbol struct {
	kind   symKind
	name   string
	parent *symbol // type, fragment, context or enum for members; module for module declarations
	file   *docFile
	id     *syntax.Ident // the declaring name
	node   syntax.Node   // the declaration
	doc    string

	members []*symbol // fields, enum values, module declarations, in source order
	spreads []string  // fragment names spread into a type or fragment
	typ     syntax.Type
}

func (s *symbol) member(name string) *symbol {
	for _, m := range s.members {
		if m.name == name {
			return m
		}
	}
	return nil
}

// moduleKind returns the plugin annotation name ("postgres", "deno",
// "wasm") of the module declaring s, or "".
func (s *symbol) moduleKind() string {
	for p := s; p != nil; p = p.parent {
		if p.kind == symModule {
			md := p.node.(*syntax.ModuleDecl)
			for _, a := range md.Annotations {
				switch a.Name.Name {
				case "postgres", "deno", "wasm":
					return a.Name.Name
				}
			}
			return ""
		}
	}
	return ""
}

// ref is an identifier naming a symbol.
type ref struct {
	start, end int
	sym        *symbol
	decl       bool // the declaring identifier itself
}

// importLink is an import declaration and the file it resolves to.
type importLink struct {
	decl   *syntax.ImportDecl
	target string // path relative to the project root
}

// docFile is one parsed file of a project.
type docFile struct {
	path    string
	ast     *syntax.File
	refs    []ref // sorted by start
	imports []importLink
}

// index is the symbol table of one analysis.
type index struct {
	files   []*docFile
	byPath  map[string]*docFile
	global  map[string]*symbol // types, fragments, enums, contexts by name (first declaration wins)
	modules map[string]*symbol
	all     []*symbol
}

func newIndex(a *compiler.Analysis) *index {
	ix := &index{byPath: map[string]*docFile{}, global: map[string]*symbol{}, modules: map[string]*symbol{}}
	for _, in := range a.Files {
		if in.File == nil {
			continue
		}
		df := &docFile{path: in.Path, ast: in.File}
		ix.files = append(ix.files, df)
		ix.byPath[in.Path] = df
		for _, d := range in.File.Decls {
			if imp, ok := d.(*syntax.ImportDecl); ok && imp.Path != nil && a.FS != nil {
				df.imports = append(df.imports, importLink{decl: imp, target: compiler.ResolveImport(a.FS, in.Path, imp.Path.Value)})
			}
		}
	}
	for _, df := range ix.files {
		ix.declare(df)
	}
	for _, df := range ix.files {
		b := &resolver{ix: ix, df: df}
		b.file()
		sort.SliceStable(df.refs, func(i, j int) bool { return df.refs[i].start < df.refs[j].start })
	}
	return ix
}

func (ix *index) add(s *symbol) *symbol {
	ix.all = append(ix.all, s)
	if s.id != nil {
		s.file.refs = append(s.file.refs, ref{start: int(s.id.Pos()), end: int(s.id.End()), sym: s, decl: true})
	}
	return s
}

func (ix *index) global1(s *symbol) {
	if _, dup := ix.global[s.name]; !dup {
		ix.global[s.name] = s
	}
}

// declare collects the declarations of a file.
func (ix *index) declare(df *docFile) {
	for _, d := range df.ast.Decls {
		switch d := d.(type) {
		case *syntax.ContextDecl:
			if d.Name == nil {
				continue
			}
			ctx := ix.add(&symbol{kind: symContext, name: d.Name.Name, file: df, id: d.Name, node: d, doc: d.Doc.Text()})
			ix.global1(ctx)
			for _, f := range d.Fields {
				if f.Name == nil {
					continue
				}
				ctx.members = append(ctx.members, ix.add(&symbol{kind: symContextField, name: f.Name.Name, parent: ctx, file: df, id: f.Name, node: f, doc: f.Doc.Text(), typ: f.Type}))
			}
		case *syntax.ModuleDecl:
			if d.Name == nil {
				continue
			}
			mod := ix.add(&symbol{kind: symModule, name: d.Name.Name, file: df, id: d.Name, node: d, doc: d.Doc.Text()})
			if _, dup := ix.modules[mod.name]; !dup {
				ix.modules[mod.name] = mod
			}
			for _, md := range d.Decls {
				if s := ix.declareInModule(df, mod, md); s != nil {
					mod.members = append(mod.members, s)
				}
			}
		}
	}
}

func (ix *index) declareInModule(df *docFile, mod *symbol, d syntax.Decl) *symbol {
	switch d := d.(type) {
	case *syntax.TypeDecl:
		if d.Name == nil {
			return nil
		}
		kind := symType
		if d.Fragment {
			kind = symFragment
		}
		t := ix.add(&symbol{kind: kind, name: d.Name.Name, parent: mod, file: df, id: d.Name, node: d, doc: d.Doc.Text()})
		if mod.moduleKind() == "postgres" || kind == symFragment {
			ix.global1(t)
		}
		for _, m := range d.Members {
			switch m := m.(type) {
			case *syntax.FieldDecl:
				if m.Name != nil {
					t.members = append(t.members, ix.add(&symbol{kind: symField, name: m.Name.Name, parent: t, file: df, id: m.Name, node: m, doc: m.Doc.Text(), typ: m.Type}))
				}
			case *syntax.Spread:
				if m.Name != nil {
					t.spreads = append(t.spreads, m.Name.Name)
				}
			}
		}
		return t
	case *syntax.EnumDecl:
		if d.Name == nil {
			return nil
		}
		e := ix.add(&symbol{kind: symEnum, name: d.Name.Name, parent: mod, file: df, id: d.Name, node: d, doc: d.Doc.Text()})
		ix.global1(e)
		for _, v := range d.Values {
			if v.Name != nil {
				e.members = append(e.members, ix.add(&symbol{kind: symEnumValue, name: v.Name.Name, parent: e, file: df, id: v.Name, node: v, doc: v.Doc.Text()}))
			}
		}
		return e
	case *syntax.MethodDecl:
		if d.Name == nil {
			return nil
		}
		return ix.add(&symbol{kind: symMethod, name: d.Name.Name, parent: mod, file: df, id: d.Name, node: d, doc: d.Doc.Text(), typ: d.Result})
	case *syntax.InterceptorDecl:
		if d.Name == nil {
			return nil
		}
		return ix.add(&symbol{kind: symInterceptor, name: d.Name.Name, parent: mod, file: df, id: d.Name, node: d, doc: d.Doc.Text()})
	}
	return nil
}

// lookupType resolves a (possibly qualified) type name as seen from a
// declaration of module mod (which may be nil).
func (ix *index) lookupType(qual, name string, mod *symbol) *symbol {
	if qual != "" {
		m := ix.modules[qual]
		if m == nil {
			return nil
		}
		return m.member(name)
	}
	if mod != nil {
		if s := mod.member(name); s != nil && (s.kind == symType || s.kind == symEnum || s.kind == symFragment) {
			return s
		}
	}
	if s := ix.global[name]; s != nil {
		return s
	}
	// A type of another @deno module, unqualified.
	for _, s := range ix.all {
		if s.kind == symType && s.name == name {
			return s
		}
	}
	return nil
}

// fields returns the fields of a type or fragment, spreads expanded, or
// the fields of a context.
func (ix *index) fields(t *symbol) []*symbol {
	if t == nil {
		return nil
	}
	var out []*symbol
	seen := map[string]bool{}
	var visit func(t *symbol, visiting map[*symbol]bool)
	visit = func(t *symbol, visiting map[*symbol]bool) {
		if visiting[t] {
			return
		}
		visiting[t] = true
		for _, m := range t.members {
			if (m.kind == symField || m.kind == symContextField) && !seen[m.name] {
				seen[m.name] = true
				out = append(out, m)
			}
		}
		for _, sp := range t.spreads {
			if fr := ix.global[sp]; fr != nil && fr.kind == symFragment {
				visit(fr, visiting)
			}
		}
	}
	visit(t, map[*symbol]bool{})
	return out
}

// field returns the field name of t (spreads expanded).
func (ix *index) field(t *symbol, name string) *symbol {
	for _, f := range ix.fields(t) {
		if f.name == name {
			return f
		}
	}
	return nil
}

// baseType returns the innermost named type of t: String for String?,
// Concert for Set<Concert>.
func baseType(t syntax.Type) *syntax.NamedType {
	for t != nil {
		switch x := t.(type) {
		case *syntax.OptionalType:
			t = x.Elem
		case *syntax.NamedType:
			if x.Module == nil && x.Name != nil && (x.Name.Name == "Set" || x.Name.Name == "Array") && len(x.Args) == 1 {
				t = x.Args[0]
				continue
			}
			return x
		default:
			return nil
		}
	}
	return nil
}

// typeOf returns the symbol of the (element) type of a field, or nil for
// scalars and unknown types.
func (ix *index) typeOf(f *symbol) *symbol {
	if f == nil {
		return nil
	}
	nt := baseType(f.typ)
	if nt == nil || nt.Name == nil {
		return nil
	}
	qual := ""
	if nt.Module != nil {
		qual = nt.Module.Name
	}
	return ix.lookupType(qual, nt.Name.Name, moduleOf(f))
}

func moduleOf(s *symbol) *symbol {
	for p := s; p != nil; p = p.parent {
		if p.kind == symModule {
			return p
		}
	}
	return nil
}

// refAt returns the ref covering the byte offset off of df (the end of an
// identifier counts, so a cursor just after a name finds it).
func (df *docFile) refAt(off int) (ref, bool) {
	i := sort.Search(len(df.refs), func(i int) bool { return df.refs[i].end >= off })
	for ; i < len(df.refs) && df.refs[i].start <= off; i++ {
		if off <= df.refs[i].end {
			return df.refs[i], true
		}
	}
	return ref{}, false
}

// importAt returns the import whose path literal covers off.
func (df *docFile) importAt(off int) (importLink, bool) {
	for _, l := range df.imports {
		if int(l.decl.Path.Pos()) <= off && off <= int(l.decl.Path.End()) {
			return l, true
		}
	}
	return importLink{}, false
}

// refsTo returns every ref to s in the project, declaration included,
// grouped by file in index order.
func (ix *index) refsTo(s *symbol) map[*docFile][]ref {
	out := map[*docFile][]ref{}
	for _, df := range ix.files {
		for _, r := range df.refs {
			if r.sym == s {
				out[df] = append(out[df], r)
			}
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Name resolution of references

type resolver struct {
	ix *index
	df *docFile
}

func (b *resolver) ref(id *syntax.Ident, s *symbol) {
	if id == nil || s == nil {
		return
	}
	b.df.refs = append(b.df.refs, ref{start: int(id.Pos()), end: int(id.End()), sym: s})
}

func (b *resolver) typ(t syntax.Type, mod *symbol) {
	if t == nil {
		return
	}
	switch x := t.(type) {
	case *syntax.OptionalType:
		b.typ(x.Elem, mod)
	case *syntax.NamedType:
		for _, a := range x.Args {
			b.typ(a, mod)
		}
		if x.Name == nil {
			return
		}
		qual := ""
		if x.Module != nil {
			qual = x.Module.Name
			b.ref(x.Module, b.ix.modules[qual])
		}
		if s := b.ix.lookupType(qual, x.Name.Name, mod); s != nil {
			b.ref(x.Name, s)
		} else if c := b.ix.global[x.Name.Name]; c != nil && c.kind == symContext {
			b.ref(x.Name, c)
		}
	}
}

func (b *resolver) file() {
	for _, d := range b.df.ast.Decls {
		switch d := d.(type) {
		case *syntax.ContextDecl:
			ctx := b.ix.global[identName(d.Name)]
			for _, f := range d.Fields {
				b.typ(f.Type, nil)
				b.annotations(f.Annotations, nil)
				b.fieldDefault(f, ctx)
			}
		case *syntax.ModuleDecl:
			mod := b.ix.modules[identName(d.Name)]
			if mod != nil && mod.node != d {
				mod = nil // a duplicate module: resolve its names without module scope
			}
			b.annotations(d.Annotations, nil)
			for _, md := range d.Decls {
				b.moduleDecl(md, mod)
			}
		}
	}
}

func identName(id *syntax.Ident) string {
	if id == nil {
		return ""
	}
	return id.Name
}

func (b *resolver) moduleDecl(d syntax.Decl, mod *symbol) {
	switch d := d.(type) {
	case *syntax.TypeDecl:
		var self *symbol
		if mod != nil {
			self = mod.member(identName(d.Name))
		}
		if self != nil && self.node != d {
			self = nil
		}
		b.annotations(d.Annotations, self)
		for _, m := range d.Members {
			switch m := m.(type) {
			case *syntax.FieldDecl:
				b.typ(m.Type, mod)
				b.annotations(m.Annotations, self)
				var fs *symbol
				if self != nil {
					fs = self.member(identName(m.Name))
				}
				b.fieldDefault(m, fs)
			case *syntax.Spread:
				if m.Name != nil {
					if fr := b.ix.global[m.Name.Name]; fr != nil && fr.kind == symFragment {
						b.ref(m.Name, fr)
					}
				}
			}
		}
	case *syntax.EnumDecl:
		b.annotations(d.Annotations, nil)
	case *syntax.MethodDecl:
		b.annotations(d.Annotations, nil)
		for _, p := range d.Params {
			b.annotations(p.Annotations, nil)
			b.typ(p.Type, mod)
		}
		b.typ(d.Result, mod)
	case *syntax.InterceptorDecl:
		b.annotations(d.Annotations, nil)
		for _, p := range d.Params {
			b.annotations(p.Annotations, nil)
			b.typ(p.Type, mod)
		}
	}
}

// fieldDefault resolves `= ENUM_VALUE` and `= Context.field` defaults.
func (b *resolver) fieldDefault(f *syntax.FieldDecl, fs *symbol) {
	if f.Default == nil {
		return
	}
	if id, ok := f.Default.(*syntax.Ident); ok && fs != nil {
		if t := b.ix.typeOf(fs); t != nil && t.kind == symEnum {
			b.ref(id, t.member(id.Name))
			return
		}
	}
	b.expr(f.Default, env{})
}

type env struct {
	self   *symbol
	params map[string]*symbol
}

func (e env) with(name string, t *symbol) env {
	p := make(map[string]*symbol, len(e.params)+1)
	for k, v := range e.params {
		p[k] = v
	}
	p[name] = t
	e.params = p
	return e
}

func (b *resolver) annotations(anns []*syntax.Annotation, self *symbol) {
	for _, a := range anns {
		if a.Name == nil {
			continue
		}
		e := env{self: self}
		for _, arg := range a.Args {
			if a.Name.Name == "projection" {
				b.projection(arg.Value, self)
				continue
			}
			if a.Name.Name == "column" || a.Name.Name == "relation" {
				continue // strings and column mappings
			}
			b.expr(arg.Value, e)
		}
	}
}

// projection resolves the elements of a @projection list: field names and
// rel/projection references.
func (b *resolver) projection(x syntax.Expr, self *symbol) {
	arr, ok := x.(*syntax.ArrayLit)
	if !ok || self == nil {
		return
	}
	for _, el := range arr.Elems {
		switch el := el.(type) {
		case *syntax.Ident:
			b.ref(el, b.ix.field(self, el.Name))
		case *syntax.ProjectionExpr:
			if el.Rel != nil {
				b.ref(el.Rel, b.ix.field(self, el.Rel.Name))
			}
		}
	}
}

// expr resolves the names in an expression and returns the symbol of the
// type (entity, context) that the expression denotes, when known.
func (b *resolver) expr(x syntax.Expr, e env) *symbol {
	switch x := x.(type) {
	case *syntax.Ident:
		if x.Name == "self" && e.self != nil {
			return e.self
		}
		if t, ok := e.params[x.Name]; ok {
			return t
		}
		if c := b.ix.global[x.Name]; c != nil && c.kind == symContext {
			b.ref(x, c)
			return c
		}
	case *syntax.SelectorExpr:
		t := b.expr(x.X, e)
		if t == nil || x.Sel == nil {
			return nil
		}
		f := b.ix.field(t, x.Sel.Name)
		b.ref(x.Sel, f)
		return b.ix.typeOf(f)
	case *syntax.CallExpr:
		var recv *symbol
		if sel, ok := x.Fun.(*syntax.SelectorExpr); ok {
			recv = b.expr(sel.X, e)
		} else {
			b.expr(x.Fun, e)
		}
		for _, a := range x.Args {
			if l, ok := a.(*syntax.LambdaExpr); ok && recv != nil && len(l.Params) > 0 {
				b.expr(l.Body, e.with(l.Params[0].Name, recv))
				continue
			}
			b.expr(a, e)
		}
	case *syntax.LambdaExpr:
		b.expr(x.Body, e)
	case *syntax.UnaryExpr:
		b.expr(x.X, e)
	case *syntax.BinaryExpr:
		b.expr(x.X, e)
		b.expr(x.Y, e)
	case *syntax.ParenExpr:
		return b.expr(x.X, e)
	case *syntax.ArrayLit:
		for _, el := range x.Elems {
			b.expr(el, e)
		}
	case *syntax.ObjectLit:
		for _, f := range x.Fields {
			b.expr(f.Value, e)
		}
	}
	return nil
}
