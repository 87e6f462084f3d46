package graphql

import (
	"fmt"
	"slices"
	"strings"

	"github.com/exo-dev/exo/ir"
	"github.com/vektah/gqlparser/v2/ast"
	gqlvalidator "github.com/vektah/gqlparser/v2/validator"
)

// SchemaOptions configure [BuildSchema].
type SchemaOptions struct {
	// AllowMutations exposes the Mutation type. EXO_GRAPHQL_ALLOW_MUTATIONS=false clears it.
	AllowMutations bool
}

// BuildSchema builds the GraphQL schema Exograph generates for a compiled system: for every table
// entity the primary-key, unique, collection and aggregate queries and the create, update and
// delete mutations its access rules do not literally forbid, the output, aggregate, filter,
// ordering and input types they use, @json types, enums, custom scalars, and the queries and
// mutations of @deno modules. Names, shapes, field order and descriptions follow Exograph's
// introspection output; root fields are sorted by name and types nobody reaches from a root
// operation type are left out, so custom scalars and helper types appear only when used.
func BuildSchema(sys *ir.System, opts SchemaOptions) (*ast.Schema, error) {
	if sys == nil {
		return nil, fmt.Errorf("graphql: nil system")
	}
	if err := checkIR(sys); err != nil {
		return nil, err
	}
	b := &schemaBuilder{sys: sys, defs: map[string]*ast.Definition{}}
	b.primitives()
	for i := range sys.Enums {
		b.enum(&sys.Enums[i])
	}
	for i := range sys.Entities {
		e := &sys.Entities[i]
		switch e.Kind {
		case ir.EntityTable:
			b.entity(e)
		case ir.EntityJSON:
			b.jsonEntity(e)
		}
	}
	for mi := range sys.Modules {
		b.module(mi)
	}
	if b.err != nil {
		return nil, b.err
	}

	query := &ast.Definition{Kind: ast.Object, Name: "Query", Fields: sortFields(b.queries)}
	roots := []*ast.Definition{query}
	var mutation *ast.Definition
	if opts.AllowMutations && len(b.mutations) > 0 {
		mutation = &ast.Definition{Kind: ast.Object, Name: "Mutation", Fields: sortFields(b.mutations)}
		roots = append(roots, mutation)
	}
	for _, r := range roots {
		if _, dup := b.defs[r.Name]; dup {
			return nil, fmt.Errorf("graphql: type name %s clashes with a root operation type", r.Name)
		}
		b.defs[r.Name] = r
	}

	doc := gqlvalidator.PreludeDocument()
	for _, name := range reachable(b.defs, roots) {
		doc.Definitions = append(doc.Definitions, b.defs[name])
	}
	if sys.Doc != "" || mutation != nil {
		sd := &ast.SchemaDefinition{Description: sys.Doc}
		sd.OperationTypes = append(sd.OperationTypes, &ast.OperationTypeDefinition{Operation: ast.Query, Type: "Query"})
		if mutation != nil {
			sd.OperationTypes = append(sd.OperationTypes, &ast.OperationTypeDefinition{Operation: ast.Mutation, Type: "Mutation"})
		}
		doc.Schema = append(doc.Schema, sd)
	}
	// GraphQL forbids types without fields, but a model can produce them (an entity with only an
	// autoIncrement primary key has an empty creation input) and Exograph serves them. Validate
	// with a placeholder member and drop it afterwards so that such models still load.
	var empty []*ast.Definition
	for _, d := range doc.Definitions {
		switch {
		case (d.Kind == ast.Object || d.Kind == ast.InputObject) && len(d.Fields) == 0:
			d.Fields = ast.FieldList{field("_", named("Boolean", false))}
			empty = append(empty, d)
		case d.Kind == ast.Enum && len(d.EnumValues) == 0:
			d.EnumValues = ast.EnumValueList{{Name: "_"}}
			empty = append(empty, d)
		}
	}
	schema, err := gqlvalidator.ValidateSchemaDocument(doc)
	for _, d := range empty {
		d.Fields, d.EnumValues = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("graphql: generated schema is invalid: %w", err)
	}
	return schema, nil
}

// checkIR rejects the structural inconsistencies the builder would otherwise trip over (it
// indexes by these values without further checks).
func checkIR(sys *ir.System) error {
	for i := range sys.Entities {
		e := &sys.Entities[i]
		for _, pi := range e.PK {
			if pi < 0 || pi >= len(e.Fields) {
				return fmt.Errorf("graphql: entity %s: primary key index %d out of range", e.Name, pi)
			}
		}
		for _, u := range e.Uniques {
			for _, fi := range u.Fields {
				if fi < 0 || fi >= len(e.Fields) {
					return fmt.Errorf("graphql: entity %s: unique %s: field index %d out of range", e.Name, u.Name, fi)
				}
			}
		}
		for j := range e.Fields {
			f := &e.Fields[j]
			if f.Kind != ir.FieldRelation {
				continue
			}
			if f.Relation == nil || f.Relation.Target < 0 || f.Relation.Target >= len(sys.Entities) {
				return fmt.Errorf("graphql: entity %s: relation field %s has no valid target", e.Name, f.Name)
			}
			if sys.Entities[f.Relation.Target].Kind != ir.EntityTable {
				return fmt.Errorf("graphql: entity %s: relation field %s does not target a table", e.Name, f.Name)
			}
		}
	}
	return nil
}

func sortFields(fs ast.FieldList) ast.FieldList {
	slices.SortStableFunc(fs, func(a, b *ast.FieldDefinition) int { return strings.Compare(a.Name, b.Name) })
	return fs
}

// reachable lists the names of the definitions reachable from roots (through field, argument and
// input field types), in a deterministic order.
func reachable(defs map[string]*ast.Definition, roots []*ast.Definition) []string {
	seen := map[string]bool{}
	var order []string
	var visit func(name string)
	visitType := func(t *ast.Type) {
		for t != nil && t.NamedType == "" {
			t = t.Elem
		}
		if t != nil {
			visit(t.NamedType)
		}
	}
	visit = func(name string) {
		if seen[name] {
			return
		}
		d, ok := defs[name]
		if !ok {
			return
		}
		seen[name] = true
		order = append(order, name)
		for _, f := range d.Fields {
			visitType(f.Type)
			for _, a := range f.Arguments {
				visitType(a.Type)
			}
		}
		for _, t := range d.Types {
			visit(t)
		}
		for _, t := range d.Interfaces {
			visit(t)
		}
	}
	for _, r := range roots {
		visit(r.Name)
	}
	return order
}

type schemaBuilder struct {
	sys       *ir.System
	defs      map[string]*ast.Definition
	queries   ast.FieldList
	mutations ast.FieldList
	err       error
}

// add registers d unless a type of that name exists; a clash between different kinds of types
// is an error.
func (b *schemaBuilder) add(d *ast.Definition) {
	if old, ok := b.defs[d.Name]; ok {
		if old.Kind != d.Kind && b.err == nil {
			b.err = fmt.Errorf("graphql: type %s is defined twice (%s and %s)", d.Name, old.Kind, d.Kind)
		}
		return
	}
	b.defs[d.Name] = d
}

// ---------------------------------------------------------------------------
// type helpers

func named(name string, nonNull bool) *ast.Type {
	return &ast.Type{NamedType: name, NonNull: nonNull}
}

func listOf(elem *ast.Type, nonNull bool) *ast.Type {
	return &ast.Type{Elem: elem, NonNull: nonNull}
}

func field(name string, t *ast.Type, args ...*ast.ArgumentDefinition) *ast.FieldDefinition {
	return &ast.FieldDefinition{Name: name, Type: t, Arguments: args}
}

func describedField(desc, name string, t *ast.Type, args ...*ast.ArgumentDefinition) *ast.FieldDefinition {
	return &ast.FieldDefinition{Description: desc, Name: name, Type: t, Arguments: args}
}

func arg(name string, t *ast.Type) *ast.ArgumentDefinition {
	return &ast.ArgumentDefinition{Name: name, Type: t}
}

func object(name string, fields ...*ast.FieldDefinition) *ast.Definition {
	return &ast.Definition{Kind: ast.Object, Name: name, Fields: fields}
}

func input(name string, fields ...*ast.FieldDefinition) *ast.Definition {
	return &ast.Definition{Kind: ast.InputObject, Name: name, Fields: fields}
}

// gqlType maps an IR type to its GraphQL type. Vectors surface as [Float!]; Array and Set become
// lists. inputs selects the input variant of module types used both ways.
func (b *schemaBuilder) gqlType(t ir.TypeRef, nonNull, inputs bool) *ast.Type {
	switch t.Kind {
	case ir.KindScalar:
		if t.Scalar == ir.Vector {
			return listOf(named("Float", true), nonNull)
		}
		return named(t.Scalar.String(), nonNull)
	case ir.KindArray, ir.KindSet:
		if t.Elem == nil {
			return listOf(named("String", true), nonNull)
		}
		return listOf(b.gqlType(*t.Elem, !t.ElemOptional, inputs), nonNull)
	case ir.KindModuleType:
		if inputs {
			return named(b.moduleInputName(t), nonNull)
		}
		return named(t.Name, nonNull)
	default:
		return named(t.Name, nonNull)
	}
}

// innermost returns the element type of (nested) arrays.
func innermost(t ir.TypeRef) ir.TypeRef {
	for (t.Kind == ir.KindArray || t.Kind == ir.KindSet) && t.Elem != nil {
		t = *t.Elem
	}
	return t
}

// filterTypeName is the filter input type of a scalar, enum or array field (arrays use their
// element's filter, as Exograph does).
func filterTypeName(t ir.TypeRef) string {
	t = innermost(t)
	if t.Kind == ir.KindScalar {
		return t.Scalar.String() + "Filter"
	}
	return t.Name + "Filter"
}

func aggTypeName(t ir.TypeRef) string {
	t = innermost(t)
	if t.Kind == ir.KindScalar {
		return t.Scalar.String() + "Agg"
	}
	return t.Name + "Agg"
}

// isLiteralFalse reports whether an access rule is absent or the literal false.
func isLiteralFalse(e *ir.Expr) bool {
	return e == nil || (e.Kind == ir.ExprLiteral && e.Lit != nil && e.Lit.Kind == ir.LitBool && !e.Lit.Bool)
}
