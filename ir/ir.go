// Package ir is the serializable system that `exo build` writes to
// target/index.exo_ir and that the server loads. It is the contract between
// the compile core (which produces it) and everything that serves or
// migrates (which only reads it). It imports only the standard library.
//
// Everything here is fully resolved: names of GraphQL operations and input
// types, tables, columns, constraint names, column types and relation column
// pairs are computed by the compiler, so readers never re-derive Exograph's
// naming rules. Cross references are indices into the System's slices (fast
// at run time) with the referenced name kept alongside for readability and
// error messages.
package ir

// System is a whole compiled model.
type System struct {
	// Doc is the schema-level documentation (`//!` and `/*! */` comments).
	Doc string

	Contexts []Context
	Enums    []Enum
	// Entities are the types of @postgres modules: tables (and views) as
	// well as @json types, in declaration order.
	Entities []Entity
	// Modules are the @deno (and @wasm) modules.
	Modules      []Module
	Interceptors []Interceptor

	// TrustedDocuments maps sha256 hex of a document to its text. Nil means
	// the project has no trusted-documents directory (nothing enforced).
	TrustedDocuments map[string]string

	// Sequences are the custom sequences named by autoIncrement("name") or
	// autoIncrement("schema.name"), deduplicated.
	Sequences []QualifiedName
	// Extensions are PostgreSQL extensions the schema needs ("uuid-ossp",
	// "vector"), sorted.
	Extensions []string

	// lookup tables, rebuilt by Index after decoding; not serialized.
	entityByName map[string]int
	enumByName   map[string]int
	ctxByName    map[string]int
}

// QualifiedName is a database object name with an optional schema. An empty
// Schema means the default ("public") schema.
type QualifiedName struct {
	Schema string
	Name   string
}

// ---------------------------------------------------------------------------
// Types

// Scalar enumerates the primitive types of the language.
type Scalar uint8

const (
	ScalarInvalid Scalar = iota
	Int
	Float
	Decimal
	String
	Boolean
	Uuid
	LocalDate
	LocalTime
	LocalDateTime
	Instant
	Json
	Blob
	Vector
)

var scalarNames = [...]string{"", "Int", "Float", "Decimal", "String", "Boolean", "Uuid",
	"LocalDate", "LocalTime", "LocalDateTime", "Instant", "Json", "Blob", "Vector"}

// String returns the scalar's name as written in .exo files and GraphQL.
func (s Scalar) String() string {
	if int(s) < len(scalarNames) {
		return scalarNames[s]
	}
	return "?"
}

// ScalarByName maps a type name to its scalar, or ScalarInvalid.
func ScalarByName(name string) Scalar {
	for i, n := range scalarNames {
		if i > 0 && n == name {
			return Scalar(i)
		}
	}
	return ScalarInvalid
}

// TypeKind says what a TypeRef refers to.
type TypeKind uint8

const (
	KindScalar     TypeKind = iota + 1
	KindEnum                // Index into System.Enums
	KindEntity              // Index into System.Entities (table or @json type)
	KindModuleType          // Index into System.Modules[Module].Types
	KindContext             // Index into System.Contexts (injected arguments)
	KindArray               // Array<Elem>
	KindSet                 // Set<Elem> (relation collections, module lists)
	KindInjected            // Exograph, ExographPriv or Operation (see Name)
)

// TypeRef is a reference to a type. Optionality lives on the field or
// argument that holds the TypeRef, except for Elem which carries its own
// ElemOptional flag.
type TypeRef struct {
	Kind   TypeKind
	Scalar Scalar // KindScalar
	Index  int    // KindEnum, KindEntity, KindModuleType, KindContext
	Module int    // KindModuleType
	Name   string // the referenced type's name (for every kind)
	Elem   *TypeRef
	// ElemOptional is true for Array<T?>-like element optionality.
	ElemOptional bool
}

// ---------------------------------------------------------------------------
// Contexts

// Context is a `context` declaration: request-derived values.
type Context struct {
	Name   string
	Doc    string
	Fields []ContextField
}

// SourceKind is where a context field's value comes from.
type SourceKind uint8

const (
	SourceJWT SourceKind = iota + 1
	SourceHeader
	SourceCookie
	SourceEnv
	SourceClientIP
	SourceQuery
)

// ContextField is one field of a context.
type ContextField struct {
	Name     string
	Type     TypeRef
	Optional bool
	Source   SourceKind
	// Key is the claim path ("sub", "user.sub"; defaults to the field name
	// for a bare @jwt), header name, cookie name, environment variable or
	// query name. Empty for @clientIp.
	Key     string
	Default *Literal
}

// ---------------------------------------------------------------------------
// Enums

// Enum is an enum type; in PostgreSQL a `CREATE TYPE ... AS ENUM`.
type Enum struct {
	Name   string
	Doc    string
	Values []string
	DBName QualifiedName // snake_case(name), in the module's schema
}

// ---------------------------------------------------------------------------
// Entities (PostgreSQL types)

// EntityKind distinguishes tables from @json types.
type EntityKind uint8

const (
	EntityTable EntityKind = iota + 1
	// EntityJSON is a @json type: stored in a jsonb column of the entity
	// that uses it, never a table.
	EntityJSON
)

// Entity is a type of a @postgres module.
type Entity struct {
	Kind   EntityKind
	Name   string // GraphQL type name, e.g. "Concert"
	Plural string // e.g. "Concerts" (from @plural verbatim, else pluralised)
	Doc    string
	Module string // the declaring module's name

	Table QualifiedName // EntityTable only
	// Managed is false for @table(managed=false) / @postgres(managed=false):
	// no DDL, no migration, no verification.
	Managed bool

	Fields []Field
	// PK holds indices into Fields of the primary key fields, in
	// declaration order. Empty for unmanaged types without @pk.
	PK []int

	Uniques     []Unique
	Indexes     []Index
	Access      Access
	Projections []Projection

	// Names of the generated GraphQL operations and input types.
	Names Names
	// Triggers: the @update fields maintained by an update trigger; the
	// trigger is exograph_on_update_<table>, the function
	// exograph_update_<table>().
	UpdateFields []int
}

// Names are the generated GraphQL names of an entity's API (EXOGRAPH-NOTES §5.3).
type Names struct {
	PKQuery    string // "concert"
	Collection string // "concerts"
	Aggregate  string // "concertsAgg"
	Create     string // "createConcert"
	CreateMany string // "createConcerts"
	Update     string // "updateConcert"
	UpdateMany string // "updateConcerts"
	Delete     string // "deleteConcert"
	DeleteMany string // "deleteConcerts"

	// Type names.
	Filter         string // "ConcertFilter"
	Ordering       string // "ConcertOrdering"
	AggType        string // "ConcertAgg"
	CreationInput  string // "ConcertCreationInput"
	UpdateInput    string // "ConcertUpdateInput"
	ReferenceInput string // "ConcertReferenceInput"
}

// Unique is a unique constraint and its generated query.
type Unique struct {
	Name   string // the logical name: field name or @unique("name")
	DBName string // the constraint name in the database
	Fields []int  // indices into Entity.Fields, declaration order
	Query  string // generated query name, e.g. "userByEmail"
}

// IndexKind is the index method.
type IndexKind uint8

const (
	IndexBTree IndexKind = iota
	IndexHNSW            // vector fields
)

// Index is a non-unique index.
type Index struct {
	DBName  string
	Columns []string
	Kind    IndexKind
	// OpClass for vector indexes: vector_cosine_ops, vector_l2_ops, vector_ip_ops.
	OpClass string
}

// FieldKind is the shape of a field.
type FieldKind uint8

const (
	// FieldScalar is a scalar, enum or Array<...> column.
	FieldScalar FieldKind = iota + 1
	// FieldJSON is a column holding a @json type (jsonb).
	FieldJSON
	// FieldRelation is a relation to another table entity; see Relation.
	FieldRelation
)

// Field is a field of an entity.
type Field struct {
	Kind     FieldKind
	Name     string
	Doc      string
	Type     TypeRef // for relations: KindEntity, or KindSet of KindEntity
	Optional bool

	// Column is the column name for scalar and JSON fields.
	Column string
	// DBType is the column type exactly as Exograph writes it in DDL:
	// "INT", "SERIAL", "BIGSERIAL", "SMALLINT", "BIGINT", "REAL",
	// "DOUBLE PRECISION", "NUMERIC(20, 2)", "TEXT", "VARCHAR(20)",
	// "BOOLEAN", "uuid", "DATE", "TIME", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE",
	// "JSONB", "BYTEA", "Vector(1536)", "TEXT[]", `"schema"."enum_name"` ...
	DBType string

	// Relation is set for FieldRelation.
	Relation *Relation

	// PK is true when the field is (part of) the primary key.
	PK bool
	// AutoIncrement is true for autoIncrement() defaults (SERIAL or a
	// sequence; the column is generated by the database).
	AutoIncrement bool
	Default       *Default
	ReadOnly      bool // @readonly, and implied by @update
	UpdateSync    bool // @update: set by the update trigger

	// Access is the field-level rule. Nil means no field-level rule
	// (the entity rule alone applies).
	Access *Access

	// Validation and typing hints needed at run time.
	Bits  int    // 16, 32 or 64 for Int columns (for range errors); 0 = 32
	Range *Range // @range
	// Vector: dimension (@size, default 1536) and distance function
	// ("cosine" default, "l2", "ip").
	VectorSize     int
	VectorDistance string
}

// RelationKind is the cardinality of a relation field.
type RelationKind uint8

const (
	// ManyToOne: this table holds the foreign key columns (Concert.venue).
	ManyToOne RelationKind = iota + 1
	// OneToMany: the target table holds the foreign key (Venue.concerts: Set<Concert>).
	OneToMany
	// OneToOneOwner: this table holds the (unique) foreign key (Membership.user: User).
	OneToOneOwner
	// OneToOneReferenced: the target holds the unique foreign key (User.membership: Membership?).
	OneToOneReferenced
)

// Relation describes how a relation field joins.
type Relation struct {
	Kind   RelationKind
	Target int    // index into System.Entities
	Name   string // target entity name
	// Columns pairs the joined columns. For ManyToOne and OneToOneOwner,
	// Self is this table's foreign key column and Target the referenced
	// (primary key) column of the target table. For OneToMany and
	// OneToOneReferenced, Self is this table's (primary key) column and
	// Target the foreign key column in the target table.
	Columns []ColumnPair
	// Inverse is the index of the matching field in the target entity, or
	// -1 when the relation is one-directional (@manyToOne/@oneToOne).
	Inverse int
	// FKName is the foreign key constraint name (owning side only).
	FKName string
}

// ColumnPair is one column of a (possibly composite) join.
type ColumnPair struct {
	Self   string
	Target string
	// DBType is the column type of the foreign key column (Self for
	// ManyToOne/OneToOneOwner, Target's referenced key type otherwise):
	// the referenced key's type with SERIAL types mapped to their integer
	// types ("INT" for a SERIAL key). Needed for composite foreign keys,
	// whose columns have no Field of their own.
	DBType string
}

// DefaultKind is the kind of a field's default value.
type DefaultKind uint8

const (
	DefaultLiteral       DefaultKind = iota + 1 // Literal
	DefaultAutoIncrement                        // Sequence may name a custom sequence
	DefaultNow                                  // now()
	DefaultGenerateUUID                         // generate_uuid() -> gen_random_uuid()
	DefaultUUIDv4                               // uuidGenerateV4() -> uuid_generate_v4()
	DefaultUUIDv7                               // uuidGenerateV7() -> uuidv7()
	DefaultContext                              // Context/ContextField (e.g. AuthContext.id)
)

// Default is a field's default value.
type Default struct {
	Kind    DefaultKind
	Literal *Literal // DefaultLiteral (enum values are LitEnum)
	// Sequence is the custom sequence of autoIncrement("seq"), if any.
	Sequence *QualifiedName
	// Context default: indices into System.Contexts and its Fields.
	Context      int
	ContextField int
	// DBDefault is the SQL default expression exactly as Exograph writes it
	// ("now()", "gen_random_uuid()", "'USER'::text", "'MEDIUM'", "true",
	// "nextval('my_sequence')") or empty when the database has no default
	// (context defaults are applied by the server).
	DBDefault string
}

// Range is @range(min=, max=).
type Range struct {
	HasMin, HasMax bool
	Min, Max       float64
	// MinText, MaxText keep the literal text for error messages
	// ("Invalid value for 'range': min = 0, provided value = -1").
	MinText, MaxText string
}

// Projection is @projection(name = [...]).
type Projection struct {
	Name     string
	Elements []ProjectionElem
}

// ProjectionElem is one element of a projection list: a field name,
// "/proj" (another projection of this type) or "rel/proj".
type ProjectionElem struct {
	Field      string // field name, or relation name for rel/proj; empty for /proj
	Projection string // projection name for /proj and rel/proj
}

// ---------------------------------------------------------------------------
// Access control

// Access holds the resolved rules of a type, field or operation after
// Exograph's precedence (create/update/delete > mutation > default;
// query > default). A missing rule is the literal false (default deny).
type Access struct {
	Query  *Expr
	Create *Expr
	Update *Expr
	Delete *Expr
}

// ExprKind is the kind of an access or interceptor-pattern expression.
type ExprKind uint8

const (
	ExprLiteral  ExprKind = iota + 1 // Lit
	ExprPath                         // Path
	ExprBinary                       // Op, Left, Right
	ExprNot                          // Left
	ExprSome                         // Left: collection path; Param; Right: body
	ExprContains                     // Left: collection; Right: element
	ExprList                         // Items (array literal)
)

// BinaryOp is a binary operator.
type BinaryOp uint8

const (
	OpEq BinaryOp = iota + 1
	OpNeq
	OpLt
	OpLte
	OpGt
	OpGte
	OpIn // Left in Right
	OpAnd
	OpOr
)

// Expr is a typed expression tree. Access expressions are boolean;
// interceptor patterns are boolean combinations of string literals.
type Expr struct {
	Kind  ExprKind
	Op    BinaryOp
	Left  *Expr
	Right *Expr
	Lit   *Literal
	Path  *Path
	Items []Expr
	// Param is the lambda parameter name of ExprSome.
	Param string
	// Type is the expression's value type (scalar/enum/entity/Set...).
	Type TypeRef
}

// PathRoot is where a path starts.
type PathRoot uint8

const (
	RootSelf    PathRoot = iota + 1 // self: the entity the rule is on
	RootContext                     // a context: Context is its index
	RootParam                       // a lambda parameter of an enclosing some(); Param names it
)

// Path is `self.a.b`, `AuthContext.id` or `p.user.id`.
type Path struct {
	Root    PathRoot
	Context int    // RootContext: index into System.Contexts
	Param   string // RootParam
	// Entity is the entity index the first step is a field of (RootSelf and
	// RootParam).
	Entity int
	Steps  []PathStep
}

// PathStep is one `.field` of a path.
type PathStep struct {
	Name string
	// Field is the index of the field in its entity (self/param paths) or
	// in the context (context paths).
	Field int
	// Entity is the entity the field belongs to (-1 for context fields).
	Entity int
}

// LiteralKind is the kind of a literal value.
type LiteralKind uint8

const (
	LitNull LiteralKind = iota + 1
	LitBool
	LitInt
	LitFloat
	LitString
	LitEnum // an enum value name in Str
)

// Literal is a constant.
type Literal struct {
	Kind  LiteralKind
	Bool  bool
	Int   int64
	Float float64
	Str   string // LitString, LitEnum; also the original text of numbers
}

// ---------------------------------------------------------------------------
// Modules (@deno, @wasm)

// ModuleKind is the module's runtime.
type ModuleKind uint8

const (
	ModuleDeno ModuleKind = iota + 1
	ModuleWasm
)

// Module is a @deno or @wasm module.
type Module struct {
	Kind ModuleKind
	Name string
	Doc  string
	// Path is the source file as written in the annotation, relative to the
	// .exo file that declares the module; SourcePath is relative to the
	// project root.
	Path       string
	SourcePath string
	// Script is the bundled JavaScript (IIFE exposing the exported
	// functions); SourceMap maps it back to the TypeScript sources.
	Script    []byte
	SourceMap []byte
	// Wasm is the WebAssembly binary of a @wasm module (the file at
	// SourcePath, read at build time and checked to export every declared
	// query and mutation with a matching signature). Empty for @deno
	// modules and for model-only compiles that do not read module code.
	Wasm []byte

	Types     []ModuleType
	Queries   []Operation
	Mutations []Operation
}

// ModuleType is a `type` declared in a @deno module: a GraphQL object type
// (when returned) and/or an input type (when taken as an argument).
type ModuleType struct {
	Name   string
	Doc    string
	Fields []ModuleField
	Access Access
	// Input and Output say how the type is used by the module's operations.
	Input, Output bool
}

// ModuleField is a field of a module type.
type ModuleField struct {
	Name     string
	Doc      string
	Type     TypeRef
	Optional bool
}

// Operation is a module query or mutation.
type Operation struct {
	Name     string
	Doc      string
	Exported bool
	Args     []Arg
	Return   TypeRef
	// ReturnOptional is true for `: T?` returns.
	ReturnOptional bool
	// Access is the effective rule (type access AND method access for
	// Deno types is applied at run time; this is the method's own rule).
	// Nil means no @access: the operation is not exposed (default deny).
	Access *Expr
}

// Arg is an operation or interceptor argument.
type Arg struct {
	Name     string
	Type     TypeRef
	Optional bool
	// Injected arguments are hidden from the API: contexts (Type.Kind ==
	// KindContext) and Exograph/ExographPriv/Operation (KindInjected).
	Injected bool
}

// InterceptorKind is when an interceptor runs.
type InterceptorKind uint8

const (
	Before InterceptorKind = iota + 1
	After
	Around
)

// Interceptor is an `interceptor` declaration of a module.
type Interceptor struct {
	Kind   InterceptorKind
	Module int // index into System.Modules
	Name   string
	Args   []Arg
	// Pattern is the selection expression: string literals (wildcards `*`,
	// `?`, matched against "query <field>" / "mutation <field>") combined
	// with &&, || and !, or a boolean literal.
	Pattern Expr
	// Order is the declaration order across the whole system.
	Order int
}

// ---------------------------------------------------------------------------
// Lookups

// Index builds the name lookup tables. Decode calls it; the compiler calls
// it after building a System.
func (s *System) Index() {
	s.entityByName = make(map[string]int, len(s.Entities))
	for i := range s.Entities {
		s.entityByName[s.Entities[i].Name] = i
	}
	s.enumByName = make(map[string]int, len(s.Enums))
	for i := range s.Enums {
		s.enumByName[s.Enums[i].Name] = i
	}
	s.ctxByName = make(map[string]int, len(s.Contexts))
	for i := range s.Contexts {
		s.ctxByName[s.Contexts[i].Name] = i
	}
}

// EntityByName returns the entity named name.
func (s *System) EntityByName(name string) (*Entity, bool) {
	if s.entityByName == nil {
		s.Index()
	}
	i, ok := s.entityByName[name]
	if !ok {
		return nil, false
	}
	return &s.Entities[i], true
}

// EnumByName returns the enum named name.
func (s *System) EnumByName(name string) (*Enum, bool) {
	if s.enumByName == nil {
		s.Index()
	}
	i, ok := s.enumByName[name]
	if !ok {
		return nil, false
	}
	return &s.Enums[i], true
}

// ContextByName returns the context named name.
func (s *System) ContextByName(name string) (*Context, bool) {
	if s.ctxByName == nil {
		s.Index()
	}
	i, ok := s.ctxByName[name]
	if !ok {
		return nil, false
	}
	return &s.Contexts[i], true
}

// FieldByName returns the field of e named name and its index.
func (e *Entity) FieldByName(name string) (*Field, int) {
	for i := range e.Fields {
		if e.Fields[i].Name == name {
			return &e.Fields[i], i
		}
	}
	return nil, -1
}
