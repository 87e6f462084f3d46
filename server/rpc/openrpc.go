package rpc

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"

	"github.com/exo-dev/exo/ir"
)

// Discover returns the OpenRPC document describing the API (rpc.discover and GET
// <path>/discover).
func (h *Handler) Discover() []byte {
	h.docOnce.Do(func() { h.doc = h.buildDoc() })
	return h.doc
}

// obj is a JSON object that keeps its keys in insertion order.
type obj struct {
	keys []string
	vals map[string]any
}

func newObj(kv ...any) *obj {
	o := &obj{vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

func (o *obj) set(k string, v any) *obj {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func ref(name string) *obj { return newObj("$ref", "#/components/schemas/"+name) }

// docBuilder registers component schemas on first reference.
type docBuilder struct {
	sys     *ir.System
	schemas *obj
}

const projectionDesc = "Response projection \u2014 controls which fields are returned"

func (h *Handler) buildDoc() []byte {
	d := &docBuilder{sys: h.sys, schemas: newObj()}
	methods := make([]any, 0, len(h.list))
	for _, m := range h.list {
		methods = append(methods, d.method(m))
	}
	doc := newObj(
		"openrpc", "1.3.2",
		"info", newObj("title", "Exograph RPC API", "version", "1.0.0"),
		"methods", methods,
		"components", newObj("schemas", d.schemas),
	)
	data, err := json.Marshal(doc)
	if err != nil {
		return []byte(`{}`)
	}
	return data
}

func (d *docBuilder) method(m *method) *obj {
	e := &d.sys.Entities[m.entity]
	var desc string
	switch m.kind {
	case mCollection:
		desc = "Get multiple `" + e.Name + "`s given the provided `where` filter, order by, limit, and offset"
	case mPK:
		desc = "Get a single `" + e.Name + "` by primary key"
	case mUnique:
		desc = "Get a single `" + e.Name + "` by " + e.Uniques[m.unique].Name
	case mDeleteUnique:
		desc = "Delete a single `" + e.Name + "` by " + e.Uniques[m.unique].Name
	case mUpdateUnique:
		desc = "Update a single `" + e.Name + "` by " + e.Uniques[m.unique].Name + " with the provided data. Any fields not provided will remain unchanged"
	case mDeleteMany:
		desc = "Delete multiple `" + e.Name + "`s given the provided `where` filter"
	case mDelete:
		desc = "Delete a single `" + e.Name + "` by primary key"
	case mUpdateMany:
		desc = "Update multiple `" + e.Name + "`s matching the provided `where` filter with the provided data. Any fields not provided will remain unchanged"
	case mUpdate:
		desc = "Update a single `" + e.Name + "` by primary key with the provided data. Any fields not provided will remain unchanged"
	case mCreate:
		desc = "Create a new `" + e.Name + "` with the provided data"
	case mCreateMany:
		desc = "Create multiple `" + e.Name + "`s with the provided data"
	}
	params := make([]any, 0, len(m.params))
	for _, p := range m.params {
		params = append(params, d.param(m, e, p))
	}
	var variants []any
	for _, n := range projectionNames(e) {
		variants = append(variants, ref(d.output(m.entity, []string{n})))
	}
	var result *obj
	switch {
	case m.kind.many():
		result = newObj("type", "array", "items", newObj("oneOf", variants))
	case m.kind == mCreate:
		result = newObj("oneOf", variants)
	default:
		result = newObj("nullable", true, "oneOf", variants)
	}
	return newObj("name", m.name, "description", desc, "params", params,
		"result", newObj("name", "result", "schema", result))
}

func (d *docBuilder) param(m *method, e *ir.Entity, p param) *obj {
	o := newObj("name", p.name)
	var schema any
	switch {
	case p.field != nil:
		o.set("required", true)
		if p.field.Kind == ir.FieldRelation {
			schema = ref(d.uniqueFilter(p.field.Relation.Target))
		} else {
			schema = d.scalar(p.field, false)
		}
	case p.name == "where":
		o.set("description", "Filter conditions for "+e.Plural)
		schema = ref(d.filter(m.entity))
	case p.name == "orderBy":
		o.set("description", "Ordering for the results")
		schema = newObj("type", "array", "items", ref(d.ordering(m.entity)))
	case p.name == "limit":
		o.set("description", "Maximum number of results to return")
		schema = newObj("type", "integer")
	case p.name == "offset":
		o.set("description", "Number of results to skip")
		schema = newObj("type", "integer")
	case p.name == "projection":
		o.set("description", projectionDesc)
		names := projectionNames(e)
		enum := make([]any, len(names))
		for i, n := range names {
			enum[i] = n
		}
		schema = newObj("type", "string", "enum", enum)
	case p.name == "data":
		switch m.kind {
		case mUpdateMany:
			o.set("description", "Data to update for matching "+e.Plural)
			schema = ref(d.updateInput(m.entity))
		case mUpdate, mUpdateUnique:
			o.set("description", "Data to update for "+e.Name)
			schema = ref(d.updateInput(m.entity))
		case mCreate:
			o.set("description", "Data for creating "+e.Name)
			schema = ref(d.createInput(m.entity, -1))
		case mCreateMany:
			o.set("description", "Data for creating "+e.Name)
			schema = newObj("type", "array", "items", ref(d.createInput(m.entity, -1)))
		}
	}
	if _, ok := o.vals["required"]; !ok {
		o.set("required", p.required)
	}
	o.set("schema", schema)
	return o
}

// register adds a component built by build unless present; build may register others.
func (d *docBuilder) register(name string, build func() *obj) string {
	if _, ok := d.schemas.vals[name]; ok {
		return name
	}
	d.schemas.set(name, nil) // reserve (recursion)
	d.schemas.set(name, build())
	return name
}

var varcharRe = regexp.MustCompile(`^VARCHAR\((\d+)\)$`)

// scalar is the schema of a scalar, enum or array field's value.
func (d *docBuilder) scalar(f *ir.Field, nullable bool) *obj {
	o := d.typeSchema(f, f.Type)
	if nullable {
		o.set("nullable", true)
	}
	if f.Type.Kind == ir.KindScalar {
		if m := varcharRe.FindStringSubmatch(f.DBType); m != nil {
			n, _ := strconv.Atoi(m[1])
			o.set("maxLength", n)
		}
		if r := f.Range; r != nil {
			num := func(v float64, text string) any {
				if f.Type.Scalar == ir.Int {
					return int64(v)
				}
				if v == float64(int64(v)) {
					return json.RawMessage(strconv.FormatInt(int64(v), 10) + ".0")
				}
				return v
			}
			if r.HasMin {
				o.set("minimum", num(r.Min, r.MinText))
			}
			if r.HasMax {
				o.set("maximum", num(r.Max, r.MaxText))
			}
		}
	}
	return o
}

func (d *docBuilder) typeSchema(f *ir.Field, t ir.TypeRef) *obj {
	switch t.Kind {
	case ir.KindArray, ir.KindSet:
		if t.Elem != nil {
			return newObj("type", "array", "items", d.typeSchema(f, *t.Elem))
		}
		return newObj("type", "array")
	case ir.KindEnum:
		var vals []any
		if t.Index >= 0 && t.Index < len(d.sys.Enums) {
			for _, v := range d.sys.Enums[t.Index].Values {
				vals = append(vals, v)
			}
		}
		return newObj("type", "string", "enum", vals)
	case ir.KindEntity:
		return ref(d.jsonType(t.Index))
	case ir.KindScalar:
		switch t.Scalar {
		case ir.Int:
			return newObj("type", "integer")
		case ir.Float:
			return newObj("type", "number")
		case ir.Boolean:
			return newObj("type", "boolean")
		case ir.Uuid:
			return newObj("type", "string", "format", "uuid")
		case ir.LocalDate:
			return newObj("type", "string", "format", "date")
		case ir.LocalTime:
			return newObj("type", "string", "format", "time")
		case ir.LocalDateTime, ir.Instant:
			return newObj("type", "string", "format", "date-time")
		case ir.Blob:
			return newObj("type", "string", "format", "byte")
		case ir.Vector:
			return newObj("type", "array", "items", newObj("type", "number"))
		case ir.Json:
			return newObj()
		}
		return newObj("type", "string")
	}
	return newObj()
}

// jsonType registers a @json type.
func (d *docBuilder) jsonType(ent int) string {
	return d.register(d.sys.Entities[ent].Name, func() *obj { return newObj("type", "object") })
}

func isToOneOwner(f *ir.Field) bool {
	return f.Kind == ir.FieldRelation && (f.Relation.Kind == ir.ManyToOne || f.Relation.Kind == ir.OneToOneOwner)
}

// output registers the result schema of a combination of projections of ent.
func (d *docBuilder) output(ent int, names []string) string {
	e := &d.sys.Entities[ent]
	return d.register(schemaName(e, names), func() *obj {
		s := resolveNames(d.sys, ent, names)
		props := newObj()
		var req []any
		for _, fi := range s.fields {
			f := &e.Fields[fi]
			if f.Kind == ir.FieldRelation {
				rn := []string{"pk"}
				if rs := s.rels[fi]; rs != nil {
					rn = rs.names
				}
				r := ref(d.output(f.Relation.Target, rn))
				if f.Relation.Kind == ir.OneToMany {
					props.set(f.Name, newObj("type", "array", "items", r))
				} else {
					props.set(f.Name, r)
				}
			} else {
				props.set(f.Name, d.scalar(f, false))
			}
			if !f.Optional && !(f.Kind == ir.FieldRelation && !isToOneOwner(f)) {
				req = append(req, f.Name)
			}
		}
		o := newObj("type", "object")
		if len(s.fields) > 0 {
			o.set("properties", props)
		}
		if len(req) > 0 {
			o.set("required", req)
		}
		return o
	})
}

var filterOps = map[ir.Scalar][]string{
	ir.String:  {"eq", "neq", "lt", "lte", "gt", "gte", "like", "ilike", "startsWith", "endsWith"},
	ir.Boolean: {"eq", "neq"},
	ir.Uuid:    {"eq", "neq"},
}

// scalarFilter registers the filter of a scalar type ("IntFilter").
func (d *docBuilder) scalarFilter(f *ir.Field, sc ir.Scalar) any {
	switch sc {
	case ir.Blob:
		return newObj("type", "string", "format", "byte")
	case ir.Vector:
		return ref(d.register("VectorFilter", func() *obj {
			arr := func() *obj { return newObj("type", "array", "items", newObj("type", "number")) }
			arg := d.register("VectorFilterArg", func() *obj {
				return newObj("type", "object", "properties", newObj("distanceTo", arr(), "distance", newObj("type", "number")),
					"required", []any{"distanceTo"}, "description", "Vector similarity search argument")
			})
			return newObj("type", "object", "properties", newObj("similar", ref(arg), "eq", arr(), "neq", arr()))
		}))
	case ir.Json:
		return nil
	}
	return ref(d.register(sc.String()+"Filter", func() *obj {
		ops, ok := filterOps[sc]
		if !ok {
			ops = []string{"eq", "neq", "lt", "lte", "gt", "gte"}
		}
		props := newObj()
		ft := &ir.Field{Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: sc}}
		for _, op := range ops {
			props.set(op, d.typeSchema(ft, ft.Type))
		}
		return newObj("type", "object", "properties", props)
	}))
}

func elemType(t ir.TypeRef) ir.TypeRef {
	for (t.Kind == ir.KindArray || t.Kind == ir.KindSet) && t.Elem != nil {
		t = *t.Elem
	}
	return t
}

func (d *docBuilder) filter(ent int) string {
	e := &d.sys.Entities[ent]
	return d.register(e.Name+"Filter", func() *obj {
		props := newObj()
		for i := range e.Fields {
			f := &e.Fields[i]
			switch f.Kind {
			case ir.FieldRelation:
				props.set(f.Name, ref(d.filter(f.Relation.Target)))
			case ir.FieldScalar:
				t := elemType(f.Type)
				switch t.Kind {
				case ir.KindScalar:
					if s := d.scalarFilter(f, t.Scalar); s != nil {
						props.set(f.Name, s)
					}
				case ir.KindEnum:
					en := t.Name
					props.set(f.Name, ref(d.register(en+"Filter", func() *obj {
						ev := d.typeSchema(f, t)
						return newObj("type", "object", "properties", newObj("eq", ev, "neq", ev))
					})))
				}
			}
		}
		self := ref(e.Name + "Filter")
		props.set("and", newObj("type", "array", "items", self))
		props.set("or", newObj("type", "array", "items", self))
		props.set("not", self)
		return newObj("type", "object", "properties", props)
	})
}

func (d *docBuilder) ordering(ent int) string {
	e := &d.sys.Entities[ent]
	return d.register(e.Name+"Ordering", func() *obj {
		props := newObj()
		for i := range e.Fields {
			f := &e.Fields[i]
			switch f.Kind {
			case ir.FieldRelation:
				if f.Relation.Kind != ir.OneToMany {
					props.set(f.Name, ref(d.ordering(f.Relation.Target)))
				}
			case ir.FieldScalar:
				if f.Type.Kind == ir.KindArray {
					continue
				}
				if f.Type.Kind == ir.KindScalar && f.Type.Scalar == ir.Vector {
					props.set(f.Name, ref(d.register("VectorOrdering", func() *obj {
						return newObj("type", "object", "properties", newObj(
							"distanceTo", newObj("type", "array", "items", newObj("type", "number")),
							"direction", newObj("type", "string", "enum", []any{"ASC", "DESC"})),
							"description", "Vector similarity ordering")
					})))
					continue
				}
				props.set(f.Name, newObj("type", "string", "enum", []any{"ASC", "DESC"}))
			}
		}
		return newObj("type", "object", "properties", props)
	})
}

// refInput registers <T>Ref: the primary key of a target entity.
func (d *docBuilder) refInput(ent int) string {
	e := &d.sys.Entities[ent]
	return d.register(e.Name+"Ref", func() *obj {
		props := newObj()
		var req []any
		for _, fi := range e.PK {
			f := &e.Fields[fi]
			if f.Kind == ir.FieldRelation {
				props.set(f.Name, ref(d.refInput(f.Relation.Target)))
			} else {
				props.set(f.Name, d.scalar(f, false))
			}
			req = append(req, f.Name)
		}
		return newObj("type", "object", "properties", props, "required", req)
	})
}

// backRef reports whether f of a nested input is the relation back to the parent entity.
func backRef(f *ir.Field, parent int) bool {
	return parent >= 0 && f.Kind == ir.FieldRelation && f.Relation.Target == parent && isToOneOwner(f)
}

// createInput registers <T>CreateInput (parent < 0) or <T>CreateInputFrom<Parent>.
func (d *docBuilder) createInput(ent, parent int) string {
	e := &d.sys.Entities[ent]
	name := e.Name + "CreateInput"
	if parent >= 0 {
		name += "From" + d.sys.Entities[parent].Name
	}
	return d.register(name, func() *obj {
		props := newObj()
		var req []any
		for i := range e.Fields {
			f := &e.Fields[i]
			if f.AutoIncrement || f.UpdateSync || backRef(f, parent) {
				continue
			}
			if f.Kind == ir.FieldRelation {
				if isToOneOwner(f) {
					props.set(f.Name, ref(d.refInput(f.Relation.Target)))
				} else {
					props.set(f.Name, newObj("type", "array", "items", ref(d.createInput(f.Relation.Target, ent))))
					continue
				}
			} else {
				props.set(f.Name, d.scalar(f, f.Optional))
			}
			if !f.Optional && f.Default == nil {
				req = append(req, f.Name)
			}
		}
		o := newObj("type", "object", "properties", props)
		if len(req) > 0 {
			o.set("required", req)
		}
		return o
	})
}

// updateInput registers <T>UpdateInput.
func (d *docBuilder) updateInput(ent int) string {
	e := &d.sys.Entities[ent]
	return d.register(e.Name+"UpdateInput", func() *obj {
		props := newObj()
		for i := range e.Fields {
			f := &e.Fields[i]
			if f.PK || f.ReadOnly || f.UpdateSync {
				continue
			}
			if f.Kind == ir.FieldRelation {
				if isToOneOwner(f) {
					props.set(f.Name, ref(d.refInput(f.Relation.Target)))
				} else {
					props.set(f.Name, ref(d.updateOps(f.Relation.Target, ent)))
				}
				continue
			}
			props.set(f.Name, d.scalar(f, f.Optional))
		}
		return newObj("type", "object", "properties", props)
	})
}

// updateOps registers <T>UpdateOpsFrom<Parent> and the nested inputs it uses.
func (d *docBuilder) updateOps(ent, parent int) string {
	e := &d.sys.Entities[ent]
	from := "From" + d.sys.Entities[parent].Name
	return d.register(e.Name+"UpdateOps"+from, func() *obj {
		create := d.createInput(ent, parent)
		nested := d.register(e.Name+"NestedUpdateInput"+from, func() *obj {
			props := newObj()
			var req []any
			for i := range e.Fields {
				f := &e.Fields[i]
				if backRef(f, parent) || f.UpdateSync {
					continue
				}
				if f.Kind == ir.FieldRelation {
					if !isToOneOwner(f) {
						continue
					}
					props.set(f.Name, ref(d.refInput(f.Relation.Target)))
				} else {
					props.set(f.Name, d.scalar(f, f.Optional && !f.PK))
				}
				if f.PK {
					req = append(req, f.Name)
				}
			}
			o := newObj("type", "object", "properties", props)
			if len(req) > 0 {
				o.set("required", req)
			}
			return o
		})
		del := d.refInput(ent)
		return newObj("type", "object", "properties", newObj(
			"create", newObj("type", "array", "items", ref(create)),
			"update", newObj("type", "array", "items", ref(nested)),
			"delete", newObj("type", "array", "items", ref(del))))
	})
}

// uniqueFilter registers <T>UniqueFilter: the primary key of a target entity, as the value of
// a relation key parameter of a by-unique method.
func (d *docBuilder) uniqueFilter(ent int) string {
	e := &d.sys.Entities[ent]
	return d.register(e.Name+"UniqueFilter", func() *obj {
		props := newObj()
		for _, fi := range e.PK {
			f := &e.Fields[fi]
			if f.Kind == ir.FieldRelation {
				props.set(f.Name, ref(d.uniqueFilter(f.Relation.Target)))
			} else {
				props.set(f.Name, d.scalar(f, false))
			}
		}
		return newObj("type", "object", "properties", props)
	})
}
