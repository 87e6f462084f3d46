package graphql

import (
	"github.com/exo-dev/exo/ir"
	"github.com/vektah/gqlparser/v2/ast"
)

const filterDescription = "Predicate for the `%s` type parameter. \n" +
	"If a field is omitted, no filter is applied for that field.\n" +
	"To check a field against null, use a `<field name>: null` filter"

func (b *schemaBuilder) target(f *ir.Field) *ir.Entity {
	if f.Relation == nil || f.Relation.Target < 0 || f.Relation.Target >= len(b.sys.Entities) {
		if b.err == nil {
			b.err = errorf("graphql: relation field %s has no valid target", f.Name)
		}
		return &ir.Entity{Name: "?", Names: ir.Names{Filter: "?"}}
	}
	return &b.sys.Entities[f.Relation.Target]
}

func isOwning(f *ir.Field) bool {
	return f.Relation != nil && (f.Relation.Kind == ir.ManyToOne || f.Relation.Kind == ir.OneToOneOwner)
}

func isVector(f *ir.Field) bool {
	return f.Kind == ir.FieldScalar && f.Type.Kind == ir.KindScalar && f.Type.Scalar == ir.Vector
}

func isArray(f *ir.Field) bool {
	return f.Type.Kind == ir.KindArray || f.Type.Kind == ir.KindSet
}

// jsonNames returns the creation and update input names of a @json entity.
func jsonNames(e *ir.Entity) (creation, update string) {
	creation, update = e.Names.CreationInput, e.Names.UpdateInput
	if creation == "" {
		creation = e.Name + "CreationInput"
	}
	if update == "" {
		update = e.Name + "UpdateInput"
	}
	return creation, update
}

func (b *schemaBuilder) jsonEntity(e *ir.Entity) {
	out := object(e.Name)
	out.Description = e.Doc
	cname, uname := jsonNames(e)
	ci, ui := input(cname), input(uname)
	for i := range e.Fields {
		f := &e.Fields[i]
		out.Fields = append(out.Fields, &ast.FieldDefinition{Description: f.Doc, Name: f.Name,
			Type: b.gqlType(f.Type, !f.Optional, false)})
		ct, ut := b.gqlType(f.Type, !f.Optional, false), b.gqlType(f.Type, !f.Optional, false)
		if f.Kind == ir.FieldJSON && f.Type.Kind == ir.KindEntity && f.Type.Index >= 0 && f.Type.Index < len(b.sys.Entities) {
			c, u := jsonNames(&b.sys.Entities[f.Type.Index])
			ct, ut = named(c, !f.Optional), named(u, !f.Optional)
		}
		ci.Fields = append(ci.Fields, field(f.Name, ct))
		ui.Fields = append(ui.Fields, field(f.Name, ut))
	}
	b.add(out)
	b.add(ci)
	b.add(ui)
}

func (b *schemaBuilder) collectionArgs(t *ir.Entity) ast.ArgumentDefinitionList {
	return ast.ArgumentDefinitionList{
		arg("where", named(t.Names.Filter, false)),
		arg("orderBy", listOf(named(t.Names.Ordering, true), false)),
		arg("limit", named("Int", false)),
		arg("offset", named("Int", false)),
	}
}

func (b *schemaBuilder) entity(e *ir.Entity) {
	b.add(b.outputType(e))
	b.add(b.aggType(e))
	b.add(b.filterType(e))
	b.add(b.orderingType(e))
	b.add(b.creationInput(e, nil))
	b.add(b.updateInput(e))
	if len(e.PK) > 0 {
		b.add(b.referenceInput(e))
		b.add(b.uniqueFilter(e))
	}
	for i := range e.Fields {
		f := &e.Fields[i]
		if f.Kind != ir.FieldRelation || isOwning(f) {
			continue
		}
		child := b.target(f)
		b.add(b.creationInput(child, e))
		b.add(b.updateInputFrom(child, e))
		b.add(b.updateInputNested(child, e))
	}
	b.operations(e)
}

func (b *schemaBuilder) outputType(e *ir.Entity) *ast.Definition {
	d := object(e.Name)
	d.Description = e.Doc
	var aggs ast.FieldList
	for i := range e.Fields {
		f := &e.Fields[i]
		switch f.Kind {
		case ir.FieldScalar, ir.FieldJSON:
			d.Fields = append(d.Fields, describedField(f.Doc, f.Name, b.gqlType(f.Type, !f.Optional, false)))
			if isVector(f) {
				d.Fields = append(d.Fields, field(f.Name+"Distance", named("Float", true),
					arg("to", listOf(named("Float", true), true))))
			}
		case ir.FieldRelation:
			t := b.target(f)
			switch f.Relation.Kind {
			case ir.ManyToOne, ir.OneToOneOwner:
				d.Fields = append(d.Fields, describedField(f.Doc, f.Name, named(t.Name, !f.Optional)))
			case ir.OneToMany:
				d.Fields = append(d.Fields, describedField(f.Doc, f.Name,
					listOf(named(t.Name, true), !f.Optional), b.collectionArgs(t)...))
				aggs = append(aggs, field(f.Name+"Agg", named(t.Names.AggType, false),
					arg("where", named(t.Names.Filter, false))))
			case ir.OneToOneReferenced:
				d.Fields = append(d.Fields, describedField(f.Doc, f.Name, named(t.Name, !f.Optional),
					b.collectionArgs(t)...))
			}
		}
	}
	d.Fields = append(d.Fields, aggs...)
	return d
}

func (b *schemaBuilder) aggType(e *ir.Entity) *ast.Definition {
	d := object(e.Names.AggType)
	d.Description = "An aggregate for the `" + e.Name + "` type."
	for i := range e.Fields {
		f := &e.Fields[i]
		switch {
		case f.Kind == ir.FieldScalar:
			d.Fields = append(d.Fields, field(f.Name, named(aggTypeName(f.Type), false)))
		case f.Kind == ir.FieldRelation && f.PK && isOwning(f):
			d.Fields = append(d.Fields, field(f.Name, named(b.target(f).Names.AggType, false)))
		}
	}
	return d
}

func (b *schemaBuilder) filterType(e *ir.Entity) *ast.Definition {
	d := input(e.Names.Filter)
	d.Description = sprintf(filterDescription, e.Name)
	for i := range e.Fields {
		f := &e.Fields[i]
		switch f.Kind {
		case ir.FieldScalar:
			d.Fields = append(d.Fields, field(f.Name, named(filterTypeName(f.Type), false)))
		case ir.FieldRelation:
			d.Fields = append(d.Fields, field(f.Name, named(b.target(f).Names.Filter, false)))
		}
	}
	d.Fields = append(d.Fields,
		field("and", listOf(named(e.Names.Filter, true), false)),
		field("or", listOf(named(e.Names.Filter, true), false)),
		field("not", named(e.Names.Filter, false)),
	)
	return d
}

func (b *schemaBuilder) orderingType(e *ir.Entity) *ast.Definition {
	d := input(e.Names.Ordering)
	for i := range e.Fields {
		f := &e.Fields[i]
		switch {
		case f.Kind == ir.FieldScalar && isVector(f):
			d.Fields = append(d.Fields, field(f.Name, named("VectorOrdering", false)))
		case f.Kind == ir.FieldScalar && !isArray(f):
			d.Fields = append(d.Fields, field(f.Name, named("Ordering", false)))
		case f.Kind == ir.FieldRelation && f.Relation.Kind != ir.OneToMany:
			d.Fields = append(d.Fields, field(f.Name, listOf(named(b.target(f).Names.Ordering, true), false)))
		}
	}
	return d
}

func fromName(base string, parent *ir.Entity) string { return base + "From" + parent.Name }

// creationInput is <T>CreationInput, or <T>CreationInputFrom<Parent> (without the references to
// the parent) when parent is set.
func (b *schemaBuilder) creationInput(e, parent *ir.Entity) *ast.Definition {
	name := e.Names.CreationInput
	if parent != nil {
		name = fromName(name, parent)
	}
	d := input(name)
	for i := range e.Fields {
		f := &e.Fields[i]
		if f.ReadOnly || f.UpdateSync || f.AutoIncrement {
			continue
		}
		required := !f.Optional && f.Default == nil
		switch f.Kind {
		case ir.FieldScalar:
			d.Fields = append(d.Fields, field(f.Name, b.gqlType(f.Type, required, true)))
		case ir.FieldJSON:
			c, _ := b.jsonInputNames(f)
			d.Fields = append(d.Fields, field(f.Name, named(c, required)))
		case ir.FieldRelation:
			t := b.target(f)
			if isOwning(f) {
				if parent != nil && t == parent {
					continue
				}
				d.Fields = append(d.Fields, field(f.Name, named(t.Names.ReferenceInput, required)))
			} else {
				d.Fields = append(d.Fields, field(f.Name,
					listOf(named(fromName(t.Names.CreationInput, e), true), !f.Optional)))
			}
		}
	}
	return d
}

func (b *schemaBuilder) jsonInputNames(f *ir.Field) (string, string) {
	if f.Type.Kind == ir.KindEntity && f.Type.Index >= 0 && f.Type.Index < len(b.sys.Entities) {
		return jsonNames(&b.sys.Entities[f.Type.Index])
	}
	return f.Type.Name + "CreationInput", f.Type.Name + "UpdateInput"
}

// updateField is the field of an update input for f (nil when f cannot be updated).
func (b *schemaBuilder) updateField(e *ir.Entity, f *ir.Field) *ast.FieldDefinition {
	switch f.Kind {
	case ir.FieldScalar:
		return field(f.Name, b.gqlType(f.Type, false, true))
	case ir.FieldJSON:
		_, u := b.jsonInputNames(f)
		return field(f.Name, named(u, false))
	case ir.FieldRelation:
		t := b.target(f)
		if isOwning(f) {
			return field(f.Name, named(t.Names.ReferenceInput, false))
		}
		return field(f.Name, named(fromName(t.Names.UpdateInput, e), false))
	}
	return nil
}

func (b *schemaBuilder) updateInput(e *ir.Entity) *ast.Definition {
	d := input(e.Names.UpdateInput)
	for i := range e.Fields {
		f := &e.Fields[i]
		if f.ReadOnly || f.UpdateSync {
			continue
		}
		if fd := b.updateField(e, f); fd != nil {
			d.Fields = append(d.Fields, fd)
		}
	}
	return d
}

// updateInputFrom is <Child>UpdateInputFrom<Parent>: the nested create/update/delete lists.
func (b *schemaBuilder) updateInputFrom(child, parent *ir.Entity) *ast.Definition {
	return input(fromName(child.Names.UpdateInput, parent),
		field("create", listOf(named(fromName(child.Names.CreationInput, parent), true), false)),
		field("update", listOf(named(fromName(child.Names.UpdateInput, parent)+"Nested", true), false)),
		field("delete", listOf(named(child.Names.ReferenceInput, true), false)),
	)
}

// updateInputNested is <Child>UpdateInputFrom<Parent>Nested: the update input without the
// references to the parent, primary key fields required.
func (b *schemaBuilder) updateInputNested(child, parent *ir.Entity) *ast.Definition {
	d := input(fromName(child.Names.UpdateInput, parent) + "Nested")
	// Exograph types a relation primary-key field of a nested update with the update input of
	// the first primary-key relation's target (composite-pk/non-scalar/many-to-many).
	pkRelUpdate := ""
	for _, pi := range child.PK {
		if pi >= 0 && pi < len(child.Fields) && child.Fields[pi].Kind == ir.FieldRelation {
			pkRelUpdate = b.target(&child.Fields[pi]).Names.UpdateInput
			break
		}
	}
	for i := range child.Fields {
		f := &child.Fields[i]
		if f.ReadOnly || f.UpdateSync {
			continue
		}
		if f.Kind == ir.FieldRelation && isOwning(f) && b.target(f) == parent {
			continue
		}
		if f.PK {
			if f.Kind == ir.FieldRelation {
				d.Fields = append(d.Fields, field(f.Name, named(pkRelUpdate, true)))
			} else {
				d.Fields = append(d.Fields, field(f.Name, b.gqlType(f.Type, true, true)))
			}
			continue
		}
		if fd := b.updateField(child, f); fd != nil {
			d.Fields = append(d.Fields, fd)
		}
	}
	return d
}

func (b *schemaBuilder) referenceInput(e *ir.Entity) *ast.Definition {
	d := input(e.Names.ReferenceInput)
	for _, pi := range e.PK {
		if pi < 0 || pi >= len(e.Fields) {
			continue
		}
		f := &e.Fields[pi]
		if f.Kind == ir.FieldRelation {
			d.Fields = append(d.Fields, field(f.Name, named(b.target(f).Names.ReferenceInput, true)))
		} else {
			d.Fields = append(d.Fields, field(f.Name, b.gqlType(f.Type, true, true)))
		}
	}
	return d
}

func uniqueFilterName(e *ir.Entity) string { return e.Name + "UniqueFilter" }

func (b *schemaBuilder) uniqueFilter(e *ir.Entity) *ast.Definition {
	d := input(uniqueFilterName(e))
	d.Description = "A predicate to filter the results for a `" + e.Name + "` type parameter."
	d.Fields = b.keyFields(e, e.PK)
	return d
}

// keyFields are the fields identifying a row by the given fields (primary key or unique
// constraint): scalars required, relations through the target's unique filter.
func (b *schemaBuilder) keyFields(e *ir.Entity, fields []int) ast.FieldList {
	var out ast.FieldList
	for _, fi := range fields {
		if fi < 0 || fi >= len(e.Fields) {
			continue
		}
		f := &e.Fields[fi]
		if f.Kind == ir.FieldRelation {
			out = append(out, field(f.Name, named(uniqueFilterName(b.target(f)), true)))
		} else {
			out = append(out, field(f.Name, b.gqlType(f.Type, true, true)))
		}
	}
	return out
}

func (b *schemaBuilder) keyArgs(e *ir.Entity, fields []int) ast.ArgumentDefinitionList {
	var out ast.ArgumentDefinitionList
	for _, f := range b.keyFields(e, fields) {
		out = append(out, arg(f.Name, f.Type))
	}
	return out
}

func (b *schemaBuilder) operations(e *ir.Entity) {
	n := &e.Names
	t := e.Name
	hasPK := len(e.PK) > 0
	where := func() *ast.ArgumentDefinition { return arg("where", named(n.Filter, false)) }
	if !isLiteralFalse(e.Access.Query) {
		if hasPK {
			b.queries = append(b.queries, describedField("Get a single `"+t+"` by primary key",
				n.PKQuery, named(t, false), b.keyArgs(e, e.PK)...))
		}
		for _, u := range e.Uniques {
			b.queries = append(b.queries, describedField("Get a single `"+t+"` by "+u.Name,
				u.Query, named(t, false), b.keyArgs(e, u.Fields)...))
		}
		b.queries = append(b.queries,
			describedField("Get multiple `"+t+"`s given the provided `where` filter, order by, limit, and offset",
				n.Collection, listOf(named(t, true), true), b.collectionArgs(e)...),
			describedField("Get the aggregate value of the selected fields over all `"+t+"`s given the provided `where` filter",
				n.Aggregate, named(n.AggType, true), where()),
		)
	}
	if !isLiteralFalse(e.Access.Create) {
		check := " Check the `" + n.CreationInput + "` type for the expected shape of the data."
		b.mutations = append(b.mutations,
			describedField("Create a new "+t+"."+check, n.Create, named(t, true),
				arg("data", named(n.CreationInput, true))),
			describedField("Create multiple "+t+"s."+check, n.CreateMany, listOf(named(t, true), true),
				arg("data", listOf(named(n.CreationInput, true), true))),
		)
	}
	if !isLiteralFalse(e.Access.Update) {
		const unchanged = " Any fields not provided will remain unchanged."
		if hasPK {
			args := append(b.keyArgs(e, e.PK), arg("data", named(n.UpdateInput, true)))
			b.mutations = append(b.mutations, describedField(
				"Update the "+t+" with the provided primary key with the provided data."+unchanged,
				n.Update, named(t, false), args...))
		}
		b.mutations = append(b.mutations, describedField(
			"Update multiple "+t+"s matching the provided `where` filter with the provided data."+unchanged,
			n.UpdateMany, listOf(named(t, true), true), where(), arg("data", named(n.UpdateInput, true))))
	}
	if !isLiteralFalse(e.Access.Delete) {
		if hasPK {
			b.mutations = append(b.mutations, describedField("Delete the "+t+" with the provided primary key.",
				n.Delete, named(t, false), b.keyArgs(e, e.PK)...))
		}
		b.mutations = append(b.mutations, describedField("Delete multiple "+t+"s matching the provided `where` filter.",
			n.DeleteMany, listOf(named(t, true), true), where()))
	}
}
