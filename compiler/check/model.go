// Package check is the semantic phase of the compile core: it resolves the
// names of a parsed program (contexts, enums, types, fragments, modules),
// validates annotations and their targets, matches relations between
// Postgres types, and types access expressions. Its output, [Model], is a
// resolved program whose cross references already use the indices of the
// final [ir.System], so that package lower only adds the derived names and
// database details.
//
// Checking never stops at the first problem: unresolved names get the
// invalid (poison) type, which is compatible with everything, so one typo
// yields one diagnostic. Messages that Exograph users see follow
// Exograph's wording (the conformance error-reports pin several of them).
package check

import (
	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

// Model is a checked program.
type Model struct {
	Doc          string
	Contexts     []*Context
	Enums        []*Enum
	Entities     []*Type   // @postgres types (tables and @json types), in ir.System order
	Modules      []*Module // @deno and @wasm modules, in ir.System order
	Interceptors []ir.Interceptor
}

// Source locates a declaration in a parsed file.
type Source struct {
	File *syntax.File
	// Path is the slash-separated path of the file relative to the project root.
	Path string
}

// Context is a checked `context`.
type Context struct {
	Name   string
	Doc    string
	Fields []ir.ContextField
}

// Enum is a checked enum.
type Enum struct {
	Name   string
	Doc    string
	Values []string
	Schema string // the declaring module's schema ("" = public)
}

// Type is a checked type of a @postgres module.
type Type struct {
	Name   string
	Doc    string
	Index  int // index in Model.Entities
	JSON   bool
	Module string
	// Schema is the effective schema: @table(schema) or the module's
	// schema; "" means public.
	Schema string
	// TableName is @table("name") / @table(name=); "" means the default.
	TableName string
	Plural    string // @plural; "" means the default
	Managed   bool
	Fields    []*Field
	Access    ir.Access
	// Projections are @projection sets, in declaration order.
	Projections []ir.Projection

	decl *syntax.TypeDecl
	src  Source
}

// FieldByName returns the field named name or nil.
func (t *Type) FieldByName(name string) *Field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// PKFields returns the @pk fields in declaration order.
func (t *Type) PKFields() []*Field {
	var out []*Field
	for _, f := range t.Fields {
		if f.PK {
			out = append(out, f)
		}
	}
	return out
}

// Field is a field of a Postgres type.
type Field struct {
	Name     string
	Doc      string
	Index    int
	Type     ir.TypeRef // scalar, enum, entity, Array or Set
	Optional bool
	PK       bool
	// Column is @column("name"); Mapping is @column(mapping={pkField: "col"}).
	Column  string
	Mapping map[string]string
	Hints   Hints
	Default *ir.Default
	// ReadOnly is @readonly (or implied by @update); Update is @update.
	ReadOnly bool
	Update   bool
	// Unique and Indexes hold the @unique / @index names; an empty name
	// stands for the unnamed form.
	Unique  []string
	Indexes []string
	HasIdx  bool
	Access  *ir.Access
	// Rel is set for fields whose type is (a Set of) a table type.
	Rel *Rel

	relationName string // @relation("x")
	manyToOne    bool
	oneToOne     bool
	mappingAnn   *syntax.Annotation
	poisoned     bool // a relation problem was already reported
	decl         *syntax.FieldDecl
	src          Source
}

// Rel is the resolved relation of a field.
type Rel struct {
	Kind    ir.RelationKind
	Target  *Type
	Inverse *Field // nil for one-directional relations
}

// Hints are the column-type annotations of a field.
type Hints struct {
	DBType    string
	MaxLength int
	Bits      int
	Range     *ir.Range
	Single    bool
	Double    bool
	Precision int
	Scale     int
	HasScale  bool
	Size      int
	Distance  string
}

// Module is a checked @deno or @wasm module.
type Module struct {
	Kind ir.ModuleKind
	Name string
	Doc  string
	// Path is the annotation argument; Dir is the directory of the
	// declaring file relative to the project root (slash-separated).
	Path      string
	Dir       string
	Types     []ir.ModuleType
	Queries   []ir.Operation
	Mutations []ir.Operation
	// PathSpan is the annotation's path string: diagnostics about the
	// module's file (a missing or invalid @wasm binary) point there.
	PathSpan diag.Span
	// QuerySpans and MutationSpans are the names of Queries and Mutations,
	// index for index (diagnostics about a @wasm export point there).
	QuerySpans, MutationSpans []diag.Span
}
