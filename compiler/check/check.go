package check

import (
	"path"
	"strings"

	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

// Input is one parsed file and its path relative to the project root.
type Input struct {
	File *syntax.File
	Path string
}

type moduleKind uint8

const (
	modPostgres moduleKind = iota + 1
	modDeno
	modWasm
)

type module struct {
	decl    *syntax.ModuleDecl
	src     Source
	kind    moduleKind
	name    string
	schema  string
	managed bool
	path    string
	// pathSpan is the annotation's path string (deno/wasm).
	pathSpan diag.Span
	// deno types by name: index into out.Types
	types map[string]int
	out   *Module
	index int // index in Model.Modules (deno/wasm)
}

type fragment struct {
	decl *syntax.TypeDecl
	src  Source
	mod  *module
}

type checker struct {
	diags diag.List
	model *Model

	modules   []*module
	contexts  map[string]int
	ctxDecls  []*syntax.ContextDecl
	ctxSrc    []Source
	enums     map[string]int
	entities  map[string]*Type
	fragments map[string]*fragment
	modByName map[string]*module
	// later holds checks that need every type's fields.
	later []func()
}

// Check checks the parsed program made of files (the entry file first,
// then imported files, each once) and returns the resolved model. The
// model is usable (with poison types) even when the list has errors.
func Check(files []Input) (*Model, diag.List) {
	c := &checker{
		model:     &Model{},
		contexts:  map[string]int{},
		enums:     map[string]int{},
		entities:  map[string]*Type{},
		fragments: map[string]*fragment{},
		modByName: map[string]*module{},
	}
	c.collect(files)
	c.buildContexts()
	c.buildTypeShells()
	c.buildFields()
	for _, f := range c.later {
		f()
	}
	c.matchRelations()
	c.buildAccess()
	c.buildModules()
	return c.model, c.diags
}

func (c *checker) errorf(src Source, n syntax.Node, code, format string, args ...any) *diag.Diagnostic {
	return c.diags.Errorf(src.File.Span(n), code, format, args...)
}

func (c *checker) errorAt(src Source, pos, end syntax.Pos, code, format string, args ...any) *diag.Diagnostic {
	return c.diags.Errorf(src.File.SpanOf(pos, end), code, format, args...)
}

// fieldNode spans a field from its first annotation to the end of its type,
// the span Exograph underlines for field diagnostics.
type fieldNode struct{ f *syntax.FieldDecl }

func (n fieldNode) Pos() syntax.Pos { return n.f.Pos() }
func (n fieldNode) End() syntax.Pos { return n.f.TypeEnd() }

func identName(id *syntax.Ident) string {
	if id == nil {
		return ""
	}
	return id.Name
}

// ---------------------------------------------------------------------------
// Collection

func (c *checker) collect(files []Input) {
	var docs []string
	for _, in := range files {
		if in.File == nil {
			continue
		}
		src := Source(in)
		for _, d := range in.File.Docs {
			docs = append(docs, d.Content())
		}
		for _, d := range in.File.Decls {
			switch d := d.(type) {
			case *syntax.ContextDecl:
				name := identName(d.Name)
				if name == "" {
					continue
				}
				if _, dup := c.contexts[name]; dup {
					c.errorf(src, d.Name, "check/duplicate-context", "Duplicate context: %s", name)
					continue
				}
				c.contexts[name] = len(c.ctxDecls)
				c.ctxDecls = append(c.ctxDecls, d)
				c.ctxSrc = append(c.ctxSrc, src)
			case *syntax.ModuleDecl:
				c.collectModule(d, src)
			case *syntax.TypeDecl, *syntax.EnumDecl, *syntax.MethodDecl, *syntax.InterceptorDecl:
				c.errorf(src, d, "check/outside-module", "declaration must be inside a module")
			}
		}
	}
	c.model.Doc = strings.Join(docs, "\n")
}

func (c *checker) collectModule(d *syntax.ModuleDecl, src Source) {
	m := &module{decl: d, src: src, name: identName(d.Name), managed: true, types: map[string]int{}}
	var plugin *syntax.Annotation
	for _, a := range d.Annotations {
		switch a.Name.Name {
		case "postgres", "deno", "wasm":
			if plugin != nil {
				c.errorf(src, a, "check/duplicate-annotation", "Duplicate annotation @%s", a.Name.Name)
				continue
			}
			plugin = a
		default:
			c.errorf(src, a, "check/annotation-target", "Annotation @%s is not allowed on modules", a.Name.Name)
		}
	}
	if plugin == nil {
		c.errorAt(src, d.Pos(), d.Module+6, "check/module-plugin", "Module %s must have a plugin annotation (@postgres, @deno or @wasm)", m.name)
		m.kind = modPostgres
	} else {
		switch plugin.Name.Name {
		case "postgres":
			m.kind = modPostgres
			args := c.annotationArgs(src, plugin, nil, []string{"schema", "managed"})
			if e, ok := args["schema"]; ok {
				m.schema = c.stringArg(src, plugin, e)
			}
			if e, ok := args["managed"]; ok {
				m.managed = c.boolArg(src, plugin, e)
			}
		case "deno", "wasm":
			m.kind = modDeno
			if plugin.Name.Name == "wasm" {
				m.kind = modWasm
			}
			args := c.annotationArgs(src, plugin, []string{"path"}, nil)
			if e, ok := args["path"]; ok {
				m.path = c.stringArg(src, plugin, e)
				m.pathSpan = src.File.Span(e)
			} else {
				c.errorf(src, plugin, "check/annotation-args", "@%s requires the module's source path", plugin.Name.Name)
			}
		}
	}
	if m.name != "" {
		if _, dup := c.modByName[m.name]; dup {
			c.errorf(src, d.Name, "check/duplicate-module", "Duplicate module: %s", m.name)
		} else {
			c.modByName[m.name] = m
		}
	}
	c.modules = append(c.modules, m)
	if m.kind != modPostgres {
		kind := ir.ModuleDeno
		if m.kind == modWasm {
			kind = ir.ModuleWasm
		}
		dir := path.Dir(src.Path)
		m.out = &Module{Kind: kind, Name: m.name, Doc: d.Doc.Text(), Path: m.path, Dir: dir, PathSpan: m.pathSpan}
		m.index = len(c.model.Modules)
		c.model.Modules = append(c.model.Modules, m.out)
	}
	for _, md := range d.Decls {
		switch md := md.(type) {
		case *syntax.EnumDecl:
			name := identName(md.Name)
			if name == "" {
				continue
			}
			if c.isTypeNameTaken(name) {
				c.errorf(src, md.Name, "check/duplicate-type", "Duplicate type: %s", name)
				continue
			}
			e := &Enum{Name: name, Doc: md.Doc.Text(), Schema: m.schema}
			seen := map[string]bool{}
			for _, v := range md.Values {
				if v.Name == nil {
					continue
				}
				if seen[v.Name.Name] {
					c.errorf(src, v.Name, "check/duplicate-enum-value", "Duplicate enum value: %s", v.Name.Name)
					continue
				}
				seen[v.Name.Name] = true
				e.Values = append(e.Values, v.Name.Name)
			}
			c.enums[name] = len(c.model.Enums)
			c.model.Enums = append(c.model.Enums, e)
		case *syntax.TypeDecl:
			name := identName(md.Name)
			if name == "" {
				continue
			}
			if md.Fragment {
				if _, dup := c.fragments[name]; dup {
					c.errorf(src, md.Name, "check/duplicate-type", "Duplicate fragment: %s", name)
					continue
				}
				c.fragments[name] = &fragment{decl: md, src: src, mod: m}
				continue
			}
			if m.kind == modPostgres {
				if c.isTypeNameTaken(name) {
					c.errorf(src, md.Name, "check/duplicate-type", "Duplicate type: %s", name)
					continue
				}
				t := &Type{Name: name, Doc: md.Doc.Text(), Index: len(c.model.Entities), Module: m.name,
					Schema: m.schema, Managed: m.managed, decl: md, src: src}
				c.entities[name] = t
				c.model.Entities = append(c.model.Entities, t)
			} else {
				if _, dup := m.types[name]; dup {
					c.errorf(src, md.Name, "check/duplicate-type", "Duplicate type: %s", name)
					continue
				}
				m.types[name] = len(m.out.Types)
				m.out.Types = append(m.out.Types, ir.ModuleType{Name: name, Doc: md.Doc.Text()})
			}
		case *syntax.MethodDecl, *syntax.InterceptorDecl:
			if m.kind == modPostgres {
				c.errorf(src, md, "check/postgres-method", "Queries, mutations and interceptors are not allowed in @postgres modules")
			}
		}
	}
}

func (c *checker) isTypeNameTaken(name string) bool {
	if _, ok := c.enums[name]; ok {
		return true
	}
	if _, ok := c.entities[name]; ok {
		return true
	}
	return ir.ScalarByName(name) != ir.ScalarInvalid
}

// ---------------------------------------------------------------------------
// Type references

var injectedTypes = map[string]bool{"Exograph": true, "ExographPriv": true, "Operation": true}

// resolveType resolves a type reference. mod is the module whose local
// (Deno) types are visible unqualified; it may be nil.
func (c *checker) resolveType(src Source, t syntax.Type, mod *module) (ref ir.TypeRef, optional bool) {
	if t == nil {
		return ir.TypeRef{}, false
	}
	if o, ok := t.(*syntax.OptionalType); ok {
		ref, _ = c.resolveType(src, o.Elem, mod)
		return ref, true
	}
	nt, ok := t.(*syntax.NamedType)
	if !ok || nt.Name == nil {
		return ir.TypeRef{}, false
	}
	name := nt.Name.Name
	if nt.Module == nil && (name == "Set" || name == "Array") {
		if len(nt.Args) != 1 {
			c.errorf(src, nt, "check/type-args", "%s expects exactly one type argument", name)
			return ir.TypeRef{}, false
		}
		elem, elemOpt := c.resolveType(src, nt.Args[0], mod)
		kind := ir.KindSet
		if name == "Array" {
			kind = ir.KindArray
		}
		return ir.TypeRef{Kind: kind, Name: name, Elem: &elem, ElemOptional: elemOpt}, false
	}
	if len(nt.Args) > 0 {
		c.errorf(src, nt, "check/type-args", "type %s does not take type arguments", name)
	}
	if nt.Module != nil {
		m := c.modByName[nt.Module.Name]
		if m == nil {
			c.errorf(src, nt, "check/unknown-type", "Reference to unknown type: %s.%s", nt.Module.Name, name)
			return ir.TypeRef{}, false
		}
		if m.kind == modPostgres {
			if e, ok := c.entities[name]; ok && e.Module == m.name {
				return ir.TypeRef{Kind: ir.KindEntity, Index: e.Index, Name: name}, false
			}
			if i, ok := c.enums[name]; ok {
				return ir.TypeRef{Kind: ir.KindEnum, Index: i, Name: name}, false
			}
		} else if i, ok := m.types[name]; ok {
			return ir.TypeRef{Kind: ir.KindModuleType, Module: m.index, Index: i, Name: name}, false
		}
		c.errorf(src, nt, "check/unknown-type", "Reference to unknown type: %s.%s", nt.Module.Name, name)
		return ir.TypeRef{}, false
	}
	if s := ir.ScalarByName(name); s != ir.ScalarInvalid {
		return ir.TypeRef{Kind: ir.KindScalar, Scalar: s, Name: name}, false
	}
	if mod != nil && mod.kind != modPostgres {
		if i, ok := mod.types[name]; ok {
			return ir.TypeRef{Kind: ir.KindModuleType, Module: mod.index, Index: i, Name: name}, false
		}
	}
	if i, ok := c.enums[name]; ok {
		return ir.TypeRef{Kind: ir.KindEnum, Index: i, Name: name}, false
	}
	if e, ok := c.entities[name]; ok {
		return ir.TypeRef{Kind: ir.KindEntity, Index: e.Index, Name: name}, false
	}
	if i, ok := c.contexts[name]; ok {
		return ir.TypeRef{Kind: ir.KindContext, Index: i, Name: name}, false
	}
	if injectedTypes[name] {
		return ir.TypeRef{Kind: ir.KindInjected, Name: name}, false
	}
	// A Deno type of another module, unqualified.
	for _, m := range c.modules {
		if m.kind != modPostgres {
			if i, ok := m.types[name]; ok {
				return ir.TypeRef{Kind: ir.KindModuleType, Module: m.index, Index: i, Name: name}, false
			}
		}
	}
	c.errorf(src, nt, "check/unknown-type", "Reference to unknown type: %s", name)
	return ir.TypeRef{}, false
}

// typeString renders a type reference as written in .exo files.
func typeString(t ir.TypeRef) string {
	switch t.Kind {
	case 0:
		return "<invalid>"
	case ir.KindArray, ir.KindSet:
		if t.Elem != nil {
			return t.Name + "<" + typeString(*t.Elem) + ">"
		}
	}
	return t.Name
}

// ---------------------------------------------------------------------------
// Contexts

var contextSources = map[string]ir.SourceKind{
	"jwt": ir.SourceJWT, "header": ir.SourceHeader, "cookie": ir.SourceCookie,
	"env": ir.SourceEnv, "clientIp": ir.SourceClientIP, "query": ir.SourceQuery,
}

func (c *checker) buildContexts() {
	for i, d := range c.ctxDecls {
		src := c.ctxSrc[i]
		ctx := &Context{Name: identName(d.Name), Doc: d.Doc.Text()}
		for _, a := range d.Annotations {
			c.errorf(src, a, "check/annotation-target", "Annotation @%s is not allowed on contexts", a.Name.Name)
		}
		seen := map[string]*syntax.FieldDecl{}
		for _, f := range d.Fields {
			if f.Name == nil {
				continue
			}
			if prev := seen[f.Name.Name]; prev != nil {
				c.duplicateField(src, prev, f)
				continue
			}
			seen[f.Name.Name] = f
			ref, opt := c.resolveType(src, f.Type, nil)
			cf := ir.ContextField{Name: f.Name.Name, Type: ref, Optional: opt}
			var source *syntax.Annotation
			for _, a := range f.Annotations {
				kind, ok := contextSources[a.Name.Name]
				if !ok {
					c.errorf(src, a, "check/annotation-target", "Annotation @%s is not allowed on context fields", a.Name.Name)
					continue
				}
				if source != nil {
					c.errorf(src, a, "check/context-source", "Context field %s must have exactly one source annotation", f.Name.Name)
					continue
				}
				source = a
				cf.Source = kind
				if kind == ir.SourceClientIP {
					c.annotationArgs(src, a, nil, nil)
					continue
				}
				args := c.annotationArgs(src, a, []string{"value"}, nil)
				if e, ok := args["value"]; ok {
					cf.Key = c.stringArg(src, a, e)
				} else if kind == ir.SourceJWT {
					cf.Key = f.Name.Name
				} else {
					c.errorf(src, a, "check/annotation-args", "@%s requires an argument", a.Name.Name)
				}
			}
			if source == nil {
				c.errorf(src, fieldNode{f}, "check/context-source", "Context field %s must have a source annotation", f.Name.Name)
			}
			if f.Default != nil {
				cf.Default = c.literal(src, f.Default, ref)
			}
			ctx.Fields = append(ctx.Fields, cf)
		}
		c.model.Contexts = append(c.model.Contexts, ctx)
	}
}

func (c *checker) duplicateField(src Source, prev, f *syntax.FieldDecl) {
	d := c.errorf(src, fieldNode{prev}, "check/duplicate-field", "Duplicate field: %s", f.Name.Name)
	d.Label = "first defined here"
	d.Related = append(d.Related, diag.Label{Span: src.File.Span(fieldNode{f}), Message: "again defined here"})
}

// literal converts a literal default expression of a field of type want.
func (c *checker) literal(src Source, e syntax.Expr, want ir.TypeRef) *ir.Literal {
	switch e := e.(type) {
	case *syntax.BasicLit:
		lit := basicLiteral(e)
		if want.Kind != 0 && !literalFits(lit, want) {
			c.errorf(src, e, "check/default-type", "Default value %s does not match the field type %s", e.Raw, typeString(want))
		}
		return lit
	case *syntax.Ident:
		if want.Kind == ir.KindEnum {
			en := c.model.Enums[want.Index]
			for _, v := range en.Values {
				if v == e.Name {
					return &ir.Literal{Kind: ir.LitEnum, Str: e.Name}
				}
			}
			c.errorf(src, e, "check/unknown-enum-value", "Enum %s has no value %s", en.Name, e.Name)
			return &ir.Literal{Kind: ir.LitEnum, Str: e.Name}
		}
	}
	c.errorf(src, e, "check/default-value", "Invalid default value")
	return nil
}

func basicLiteral(e *syntax.BasicLit) *ir.Literal {
	switch e.Kind {
	case syntax.IntLit:
		n, _ := parseInt(e.Value)
		return &ir.Literal{Kind: ir.LitInt, Int: n, Float: float64(n), Str: e.Raw}
	case syntax.FloatLit:
		f, _ := parseFloat(e.Value)
		return &ir.Literal{Kind: ir.LitFloat, Float: f, Str: e.Raw}
	case syntax.StringLit:
		return &ir.Literal{Kind: ir.LitString, Str: e.Value}
	case syntax.BoolLit:
		return &ir.Literal{Kind: ir.LitBool, Bool: e.Value == "true", Str: e.Raw}
	}
	return &ir.Literal{Kind: ir.LitNull}
}

// literalFits reports whether a literal may initialise a value of type t.
func literalFits(l *ir.Literal, t ir.TypeRef) bool {
	if t.Kind != ir.KindScalar {
		return l.Kind == ir.LitNull || t.Kind == ir.KindArray && l.Kind == ir.LitString
	}
	switch l.Kind {
	case ir.LitNull:
		return true
	case ir.LitBool:
		return t.Scalar == ir.Boolean
	case ir.LitInt:
		return t.Scalar == ir.Int || t.Scalar == ir.Float || t.Scalar == ir.Decimal
	case ir.LitFloat:
		return t.Scalar == ir.Float || t.Scalar == ir.Decimal
	case ir.LitString:
		switch t.Scalar {
		case ir.Int, ir.Float, ir.Boolean:
			return false
		}
		return true
	}
	return false
}
