package graphql

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// OperationType is query, mutation or subscription.
type OperationType uint8

const (
	Query OperationType = iota
	Mutation
	Subscription
)

func (t OperationType) String() string {
	switch t {
	case Mutation:
		return "mutation"
	case Subscription:
		return "subscription"
	}
	return "query"
}

// Operation is a validated operation, ready for execution. Its root fields appear in document order
// after fragment inlining and field merging; every argument value is resolved (variables
// substituted, defaults applied, single values coerced to lists).
type Operation struct {
	Type OperationType
	Name string
	// RootType is the schema's Query or Mutation type (nil if the schema has none).
	RootType *ast.Definition
	Fields   []*Field
	// Variables are the request variables as decoded from JSON (numbers as json.Number).
	Variables map[string]any
}

// FieldKind tells resolvers whether a field is served by them or by this package.
type FieldKind uint8

const (
	// FieldNormal is a field defined by the schema.
	FieldNormal FieldKind = iota
	// FieldTypename is __typename.
	FieldTypename
	// FieldSchema is the root __schema field.
	FieldSchema
	// FieldType is the root __type(name:) field.
	FieldType
)

// Field is one selected field with its resolved arguments and merged sub-selection.
//
// Argument values are plain Go values: map[string]any for input objects (an explicit null is
// present with a nil value, an omitted field is absent), []any for lists, string for String, ID,
// enum values and string-typed custom scalars, int64 for Int, float64 for Float, bool for Boolean,
// and, for custom scalars, the value as written (json.Number for numeric literals).
type Field struct {
	// Name is the schema field name; Alias is the response key (the name when there is no alias).
	Name  string
	Alias string
	Kind  FieldKind
	// Arguments maps argument names to resolved values; nil when the field has none.
	Arguments map[string]any
	// ArgLocations maps the names of the arguments written in the document to where their
	// values start (errors about an argument's value point there, as Exograph's do).
	ArgLocations map[string]Location
	// Definition is the schema field (nil for __typename). ParentType is the type the field was
	// selected on; Type is the named type of the field's value (nil for __typename).
	Definition *ast.FieldDefinition
	ParentType *ast.Definition
	Type       *ast.Definition
	// Selections is the merged sub-selection, nil for leaves and for objects selected without a
	// selection set (see HasSelectionSet).
	Selections      []*Field
	HasSelectionSet bool
	// Location is where the field (its alias, if any) starts in the document.
	Location Location
	// Depth is 1 for root fields.
	Depth int
}

// Arg returns the resolved value of argument name and whether it was given (or defaulted).
func (f *Field) Arg(name string) (any, bool) {
	v, ok := f.Arguments[name]
	return v, ok
}

// IsList reports whether the field's value is a list.
func (f *Field) IsList() bool {
	return f.Definition != nil && f.Definition.Type.Elem != nil
}

// IsIntrospection reports whether the field is answered by this package (__typename, __schema,
// __type) rather than by a resolver.
func (f *Field) IsIntrospection() bool { return f.Kind != FieldNormal }
