package graphql

import (
	"github.com/exo-dev/exo/ir"
	"github.com/vektah/gqlparser/v2/ast"
)

// primitives registers the custom scalars, the Ordering enum and the filter and aggregate types
// of every primitive type. Unused ones are pruned by BuildSchema.
func (b *schemaBuilder) primitives() {
	b.add(&ast.Definition{Kind: ast.Enum, Name: "Ordering", EnumValues: ast.EnumValueList{
		{Name: "ASC"}, {Name: "DESC"},
	}})
	for s := ir.Int; s <= ir.Vector; s++ {
		name := s.String()
		switch s {
		case ir.Int, ir.Float, ir.String, ir.Boolean:
		default:
			b.add(&ast.Definition{Kind: ast.Scalar, Name: name})
		}
		b.add(primitiveFilter(s))
		b.add(primitiveAgg(s))
	}
	b.add(input("VectorFilterArg",
		&ast.FieldDefinition{Description: "The target vector to compare against.", Name: "distanceTo",
			Type: listOf(named("Float", true), true)},
		&ast.FieldDefinition{Description: "The distance to the vector.", Name: "distance",
			Type: named("FloatFilter", false)},
	))
	b.defs["VectorFilterArg"].Description = "Predicate to filter based on vector distance"
	b.add(input("VectorOrdering",
		field("distanceTo", listOf(named("Float", true), true)),
		field("order", named("Ordering", false)),
	))
}

func primitiveFilter(s ir.Scalar) *ast.Definition {
	name := s.String()
	t := func() *ast.Type { return named(name, false) }
	ops := func(names ...string) *ast.Definition {
		d := input(name + "Filter")
		for _, n := range names {
			d.Fields = append(d.Fields, field(n, t()))
		}
		return d
	}
	switch s {
	case ir.Boolean, ir.Uuid:
		return ops("eq", "neq")
	case ir.String:
		return ops("eq", "neq", "lt", "lte", "gt", "gte", "like", "ilike", "startsWith", "endsWith")
	case ir.Json:
		return ops("contains", "containedBy", "matchKey", "matchAllKeys", "matchAnyKey")
	case ir.Blob:
		return &ast.Definition{Kind: ast.Scalar, Name: "BlobFilter",
			Description: "A single value to match against using the equal operator."}
	case ir.Vector:
		vec := func() *ast.Type { return listOf(named("Float", true), false) }
		return input("VectorFilter",
			field("similar", named("VectorFilterArg", false)),
			field("eq", vec()),
			field("neq", vec()),
		)
	default:
		return ops("eq", "neq", "lt", "lte", "gt", "gte")
	}
}

func primitiveAgg(s ir.Scalar) *ast.Definition {
	name := s.String()
	count := field("count", named("Int", false))
	switch s {
	case ir.Int:
		return object("IntAgg", field("min", named("Int", false)), field("max", named("Int", false)),
			field("sum", named("Int", false)), field("avg", named("Float", false)), count)
	case ir.Float, ir.Decimal:
		return object(name+"Agg", field("min", named(name, false)), field("max", named(name, false)),
			field("sum", named(name, false)), field("avg", named(name, false)), count)
	case ir.String:
		return object("StringAgg", field("min", named("String", false)), field("max", named("String", false)), count)
	case ir.Vector:
		return object("VectorAgg", field("avg", named("Vector", false)), count)
	default:
		return object(name+"Agg", count)
	}
}

// enum registers an enum type with its filter and aggregate types.
func (b *schemaBuilder) enum(e *ir.Enum) {
	d := &ast.Definition{Kind: ast.Enum, Name: e.Name, Description: e.Doc}
	for _, v := range e.Values {
		d.EnumValues = append(d.EnumValues, &ast.EnumValueDefinition{Name: v})
	}
	b.add(d)
	b.add(input(e.Name+"Filter", field("eq", named(e.Name, false)), field("neq", named(e.Name, false))))
	b.add(object(e.Name+"Agg", field("count", named("Int", false))))
}
