package check

import (
	"strings"

	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/ir"
)

// buildTypeShells processes the type-level annotations of Postgres types.
func (c *checker) buildTypeShells() {
	for _, t := range c.model.Entities {
		for _, a := range t.decl.Annotations {
			if a.Name.Name == "json" {
				c.noArgs(t.src, a)
				t.JSON = true
			}
		}
		for _, a := range t.decl.Annotations {
			src := t.src
			switch a.Name.Name {
			case "json":
			case "access":
				if t.JSON {
					c.errorf(src, t.decl.Name, "check/json-access",
						"Cannot use @access for type %s. Json types behave like a primitive (and thus have always-allowed access)", t.Name)
				}
			case "table":
				args := c.annotationArgs(src, a, []string{"name"}, []string{"schema", "managed"})
				if e, ok := args["name"]; ok {
					t.TableName = c.stringArg(src, a, e)
				}
				if e, ok := args["schema"]; ok {
					t.Schema = c.stringArg(src, a, e)
				}
				if e, ok := args["managed"]; ok {
					t.Managed = c.boolArg(src, a, e)
				}
			case "plural":
				args := c.annotationArgs(src, a, []string{"name"}, nil)
				if e, ok := args["name"]; ok {
					t.Plural = c.stringArg(src, a, e)
				} else {
					c.errorf(src, a, "check/annotation-args", "@plural requires the plural name")
				}
			case "projection":
				// checked after fields are known
			default:
				c.errorf(src, a, "check/annotation-target", "Annotation @%s is not allowed on types", a.Name.Name)
			}
		}
	}
}

// members expands fragment spreads into the list of field declarations of
// a type body, in source order. Each field carries the source it came from.
type memberField struct {
	decl *syntax.FieldDecl
	src  Source
}

func (c *checker) members(src Source, ms []syntax.Member, visiting map[string]bool) []memberField {
	var out []memberField
	for _, m := range ms {
		switch m := m.(type) {
		case *syntax.FieldDecl:
			if m.Name != nil {
				out = append(out, memberField{m, src})
			}
		case *syntax.Spread:
			name := identName(m.Name)
			fr := c.fragments[name]
			if fr == nil {
				if name != "" {
					c.errorf(src, m, "check/unknown-fragment", "Reference to unknown fragment: %s", name)
				}
				continue
			}
			if visiting[name] {
				c.errorf(src, m, "check/fragment-cycle", "Fragment cycle detected: %s", name)
				continue
			}
			visiting[name] = true
			out = append(out, c.members(fr.src, fr.decl.Members, visiting)...)
			delete(visiting, name)
		}
	}
	return out
}

func (c *checker) moduleOf(name string) *module { return c.modByName[name] }

// buildFields builds the fields of every Postgres type.
func (c *checker) buildFields() {
	for _, t := range c.model.Entities {
		seen := map[string]*syntax.FieldDecl{}
		for _, mf := range c.members(t.src, t.decl.Members, map[string]bool{}) {
			f := mf.decl
			if prev := seen[f.Name.Name]; prev != nil {
				c.duplicateField(mf.src, prev, f)
				continue
			}
			seen[f.Name.Name] = f
			fld := c.buildField(t, mf.src, f)
			fld.Index = len(t.Fields)
			t.Fields = append(t.Fields, fld)
		}
		c.buildProjections(t)
	}
}

var hintScalars = map[string][]ir.Scalar{
	"maxLength":        {ir.String},
	"bits16":           {ir.Int},
	"bits32":           {ir.Int},
	"bits64":           {ir.Int},
	"range":            {ir.Int, ir.Float},
	"singlePrecision":  {ir.Float},
	"doublePrecision":  {ir.Float},
	"precision":        {ir.Decimal, ir.LocalTime, ir.LocalDateTime, ir.Instant},
	"scale":            {ir.Decimal},
	"size":             {ir.Vector},
	"distanceFunction": {ir.Vector},
}

// postgresFieldAnnotations are the annotations allowed on fields of
// Postgres types.
var postgresFieldAnnotations = map[string]bool{
	"pk": true, "unique": true, "index": true, "column": true, "relation": true, "manyToOne": true,
	"oneToOne": true, "dbtype": true, "maxLength": true, "bits16": true, "bits32": true, "bits64": true,
	"range": true, "singlePrecision": true, "doublePrecision": true, "precision": true, "scale": true,
	"size": true, "vectorDimension": true, "distanceFunction": true, "readonly": true, "update": true,
	"access": true,
}

func (c *checker) buildField(t *Type, src Source, f *syntax.FieldDecl) *Field {
	fld := &Field{Name: f.Name.Name, Doc: f.Doc.Text(), decl: f, src: src}
	fld.Type, fld.Optional = c.resolveType(src, f.Type, c.moduleOf(t.Module))
	base := fld.Type
	if base.Kind == ir.KindArray || base.Kind == ir.KindSet {
		if base.Elem != nil {
			base = *base.Elem
		}
	}
	switch base.Kind {
	case ir.KindContext, ir.KindInjected, ir.KindModuleType:
		c.errorf(src, f.Type, "check/field-type", "Type %s cannot be used as a field type of a Postgres type", base.Name)
		fld.Type = ir.TypeRef{}
		base = ir.TypeRef{}
	}
	if fld.Type.Kind == ir.KindSet && base.Kind != ir.KindEntity && base.Kind != 0 {
		c.errorf(src, f.Type, "check/field-type", "Set can only hold Postgres types; use Array<%s> for scalars", base.Name)
	}
	isRel := base.Kind == ir.KindEntity && !c.model.Entities[base.Index].JSON
	if t.JSON && isRel {
		c.errorf(src, f.Type, "check/field-type", "Fields of a @json type cannot refer to Postgres types")
	}
	if isRel {
		kind := ir.ManyToOne
		if fld.Type.Kind == ir.KindSet {
			kind = ir.OneToMany
		}
		fld.Rel = &Rel{Kind: kind, Target: c.model.Entities[base.Index]}
	}

	var hintAnns []*syntax.Annotation
	var dbtype *syntax.Annotation
	for _, a := range f.Annotations {
		name := a.Name.Name
		if scalars, ok := hintScalars[name]; ok {
			hintAnns = append(hintAnns, a)
			if base.Kind != 0 && (base.Kind != ir.KindScalar || !containsScalar(scalars, base.Scalar)) {
				c.errorf(src, fieldNode{f}, "check/unsupported-hint", "Annotation @%s is not supported for type %s", name, base.Name)
				continue
			}
		}
		switch name {
		case "pk":
			c.noArgs(src, a)
			fld.PK = true
		case "unique":
			fld.Unique = append(fld.Unique, c.namesOrDefault(src, a)...)
		case "index":
			fld.HasIdx = true
			fld.Indexes = append(fld.Indexes, c.namesOrDefault(src, a)...)
		case "column":
			args := c.annotationArgs(src, a, []string{"name"}, []string{"mapping"})
			if e, ok := args["name"]; ok {
				fld.Column = c.stringArg(src, a, e)
			}
			if e, ok := args["mapping"]; ok {
				fld.Mapping = c.mappingArg(src, a, e, fld)
				fld.mappingAnn = a
			}
		case "relation":
			args := c.annotationArgs(src, a, []string{"name"}, nil)
			if e, ok := args["name"]; ok {
				fld.relationName = c.stringArg(src, a, e)
			}
		case "manyToOne":
			c.noArgs(src, a)
			fld.manyToOne = true
		case "oneToOne":
			c.noArgs(src, a)
			fld.oneToOne = true
		case "dbtype":
			dbtype = a
			args := c.annotationArgs(src, a, []string{"type"}, nil)
			if e, ok := args["type"]; ok {
				fld.Hints.DBType = c.stringArg(src, a, e)
			}
		case "maxLength":
			fld.Hints.MaxLength = c.singleInt(src, a)
		case "bits16", "bits32", "bits64":
			c.noArgs(src, a)
			if fld.Hints.Bits != 0 {
				c.errorf(src, a, "check/conflicting-hints", "Only one of @bits16, @bits32 and @bits64 may be specified")
			}
			fld.Hints.Bits = map[string]int{"bits16": 16, "bits32": 32, "bits64": 64}[name]
		case "range":
			args := c.annotationArgs(src, a, nil, []string{"min", "max"})
			r := &ir.Range{}
			if e, ok := args["min"]; ok {
				r.Min, r.MinText, r.HasMin = c.numberArg(src, a, e)
			}
			if e, ok := args["max"]; ok {
				r.Max, r.MaxText, r.HasMax = c.numberArg(src, a, e)
			}
			if !r.HasMin && !r.HasMax {
				c.errorf(src, a, "check/annotation-args", "@range requires min and/or max")
			}
			fld.Hints.Range = r
		case "singlePrecision":
			c.noArgs(src, a)
			fld.Hints.Single = true
		case "doublePrecision":
			c.noArgs(src, a)
			fld.Hints.Double = true
		case "precision":
			fld.Hints.Precision = c.singleInt(src, a)
		case "scale":
			fld.Hints.Scale = c.singleInt(src, a)
			fld.Hints.HasScale = true
		case "size", "vectorDimension":
			fld.Hints.Size = c.singleInt(src, a)
		case "distanceFunction":
			args := c.annotationArgs(src, a, []string{"name"}, nil)
			if e, ok := args["name"]; ok {
				d := c.stringArg(src, a, e)
				switch d {
				case "cosine", "l2", "ip":
					fld.Hints.Distance = d
				default:
					c.errorf(src, e, "check/annotation-args", "Unknown distance function %q (expected \"cosine\", \"l2\" or \"ip\")", d)
				}
			}
		case "readonly":
			c.noArgs(src, a)
			fld.ReadOnly = true
		case "update":
			c.noArgs(src, a)
			fld.Update = true
			fld.ReadOnly = true
		case "access":
			if t.JSON {
				c.errorf(src, fieldNode{f}, "check/json-access",
					"Cannot use @access for field '%s' in a type with a '@json' annotation", fld.Name)
			}
			// built in buildAccess
		default:
			c.errorf(src, a, "check/annotation-target", "Annotation @%s is not allowed on fields", name)
		}
	}
	if dbtype != nil && len(hintAnns) > 0 {
		c.errorf(src, fieldNode{f}, "check/conflicting-hints", "Cannot specify both @dbtype and a primitive specific hint")
	}
	if fld.Hints.Single && fld.Hints.Double {
		c.errorf(src, fieldNode{f}, "check/conflicting-hints", "Cannot specify both @singlePrecision and @doublePrecision")
	}
	if fld.Hints.HasScale && fld.Hints.Precision == 0 {
		c.errorf(src, fieldNode{f}, "check/conflicting-hints", "@scale requires @precision")
	}
	if fld.Mapping != nil && fld.Rel == nil {
		c.errorf(src, fieldNode{f}, "check/column-mapping", "Column mapping is only allowed on relation fields")
	}
	if f.Default != nil {
		fld.Default = c.fieldDefault(src, f.Default, fld)
	}
	return fld
}

func containsScalar(list []ir.Scalar, s ir.Scalar) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *checker) singleInt(src Source, a *syntax.Annotation) int {
	args := c.annotationArgs(src, a, []string{"value"}, nil)
	if e, ok := args["value"]; ok {
		return c.intArg(src, a, e)
	}
	c.errorf(src, a, "check/annotation-args", "@%s requires an integer argument", a.Name.Name)
	return 0
}

// namesOrDefault returns the names of @unique/@index, or [""] for the bare form.
func (c *checker) namesOrDefault(src Source, a *syntax.Annotation) []string {
	names := c.positionalStrings(src, a)
	if len(names) == 0 {
		return []string{""}
	}
	return names
}

func (c *checker) mappingArg(src Source, a *syntax.Annotation, e syntax.Expr, fld *Field) map[string]string {
	obj, ok := e.(*syntax.ObjectLit)
	if !ok {
		c.errorf(src, e, "check/annotation-args", "@column mapping expects an object literal")
		return nil
	}
	m := map[string]string{}
	for _, of := range obj.Fields {
		var key string
		switch k := of.Key.(type) {
		case *syntax.Ident:
			key = k.Name
		case *syntax.BasicLit:
			key = k.Value
		}
		m[key] = c.stringArg(src, a, of.Value)
	}
	return m
}

// fieldDefault converts the default value of a Postgres field.
func (c *checker) fieldDefault(src Source, e syntax.Expr, fld *Field) *ir.Default {
	switch x := e.(type) {
	case *syntax.CallExpr:
		fn, ok := x.Fun.(*syntax.Ident)
		if !ok {
			break
		}
		want := func(s ...ir.Scalar) {
			if fld.Type.Kind == 0 {
				return
			}
			if fld.Type.Kind != ir.KindScalar || !containsScalar(s, fld.Type.Scalar) {
				c.errorf(src, x, "check/default-type", "%s() cannot be the default of a field of type %s", fn.Name, typeString(fld.Type))
			}
		}
		switch fn.Name {
		case "autoIncrement":
			want(ir.Int)
			d := &ir.Default{Kind: ir.DefaultAutoIncrement}
			if len(x.Args) > 1 {
				c.errorf(src, x, "check/default-value", "autoIncrement takes at most one argument")
			}
			if len(x.Args) == 1 {
				if l, ok := x.Args[0].(*syntax.BasicLit); ok && l.Kind == syntax.StringLit {
					q := ir.QualifiedName{Name: l.Value}
					if i := strings.IndexByte(l.Value, '.'); i >= 0 {
						q = ir.QualifiedName{Schema: l.Value[:i], Name: l.Value[i+1:]}
					}
					d.Sequence = &q
				} else {
					c.errorf(src, x.Args[0], "check/default-value", "autoIncrement expects a sequence name string")
				}
			}
			return d
		case "now":
			want(ir.Instant, ir.LocalDate, ir.LocalTime, ir.LocalDateTime)
			c.noCallArgs(src, x)
			return &ir.Default{Kind: ir.DefaultNow}
		case "generate_uuid":
			want(ir.Uuid)
			c.noCallArgs(src, x)
			return &ir.Default{Kind: ir.DefaultGenerateUUID}
		case "uuidGenerateV4":
			want(ir.Uuid)
			c.noCallArgs(src, x)
			return &ir.Default{Kind: ir.DefaultUUIDv4}
		case "uuidGenerateV7":
			want(ir.Uuid)
			c.noCallArgs(src, x)
			return &ir.Default{Kind: ir.DefaultUUIDv7}
		}
		c.errorf(src, x.Fun, "check/default-value", "Unknown function %s in default value", fn.Name)
		return nil
	case *syntax.SelectorExpr:
		if id, ok := x.X.(*syntax.Ident); ok && x.Sel != nil {
			ci, ok := c.contexts[id.Name]
			if !ok {
				c.errorf(src, id, "check/unknown-context", "Reference to unknown context: %s", id.Name)
				return nil
			}
			ctx := c.model.Contexts[ci]
			for fi, cf := range ctx.Fields {
				if cf.Name == x.Sel.Name {
					c.later = append(c.later, func() { c.checkContextDefaultType(src, x, fld, cf) })
					return &ir.Default{Kind: ir.DefaultContext, Context: ci, ContextField: fi}
				}
			}
			c.errorf(src, x.Sel, "check/unknown-field", "Context %s has no field %s", id.Name, x.Sel.Name)
			return nil
		}
	}
	lit := c.literal(src, e, fld.Type)
	if lit == nil {
		return nil
	}
	return &ir.Default{Kind: ir.DefaultLiteral, Literal: lit}
}

func (c *checker) noCallArgs(src Source, x *syntax.CallExpr) {
	if len(x.Args) > 0 {
		c.errorf(src, x, "check/default-value", "Function %s takes no arguments", identName(x.Fun.(*syntax.Ident)))
	}
}

// checkContextDefaultType checks that a context default fits the field: a
// scalar of the same type, or a relation to a type whose single primary
// key has the context field's type.
func (c *checker) checkContextDefaultType(src Source, x syntax.Node, fld *Field, cf ir.ContextField) {
	ft := fld.Type
	if ft.Kind == 0 || cf.Type.Kind == 0 {
		return
	}
	if fld.Rel != nil {
		pks := fld.Rel.Target.PKFields()
		if len(pks) == 1 {
			ft = pks[0].Type
		} else {
			return
		}
	}
	if ft.Kind == ir.KindScalar && cf.Type.Kind == ir.KindScalar && ft.Scalar != cf.Type.Scalar {
		c.errorf(src, x, "check/default-type", "Default value type %s does not match the field type %s", cf.Type.Name, ft.Name)
	}
}

// buildProjections checks @projection(name = [...]).
func (c *checker) buildProjections(t *Type) {
	for _, a := range t.decl.Annotations {
		if a.Name.Name != "projection" {
			continue
		}
		for _, arg := range a.Args {
			if arg.Name == nil {
				c.errorf(t.src, arg, "check/annotation-args", "@projection expects named projections (name = [...])")
				continue
			}
			p := ir.Projection{Name: arg.Name.Name}
			arr, ok := arg.Value.(*syntax.ArrayLit)
			if !ok {
				c.errorf(t.src, arg.Value, "check/annotation-args", "A projection is a list of fields and projections")
				continue
			}
			for _, e := range arr.Elems {
				switch e := e.(type) {
				case *syntax.Ident:
					if t.FieldByName(e.Name) == nil {
						c.errorf(t.src, e, "check/unknown-field", "Field %s does not exist in type %s", e.Name, t.Name)
					}
					p.Elements = append(p.Elements, ir.ProjectionElem{Field: e.Name})
				case *syntax.ProjectionExpr:
					el := ir.ProjectionElem{Projection: identName(e.Name)}
					if e.Rel != nil {
						el.Field = e.Rel.Name
						if f := t.FieldByName(e.Rel.Name); f == nil || f.Rel == nil {
							c.errorf(t.src, e.Rel, "check/unknown-field", "Relation field %s does not exist in type %s", e.Rel.Name, t.Name)
						}
					}
					p.Elements = append(p.Elements, el)
				default:
					c.errorf(t.src, e, "check/annotation-args", "Invalid projection element")
				}
			}
			t.Projections = append(t.Projections, p)
		}
	}
}
