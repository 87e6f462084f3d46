// Package schema is the database side of exo: a model of the PostgreSQL
// objects a system needs (schemas, extensions, enums, sequences, tables with
// their columns, keys, constraints and indexes, and the @update triggers), the
// desired model computed from the IR (FromIR), the DDL of `exo schema create`
// in Exograph's style and order (Schema.DDL), live inspection of a database
// into the same model (Inspect), and a typed difference between two models
// (Compare) that verification and migration build on.
//
// Both sides of a comparison are brought to one canonical form: column types
// as PostgreSQL's format_type() prints them with search_path = public
// ("integer", "numeric(20,2)", "timestamp with time zone", "vector(3)",
// "non_public.priority"), serial columns as a flag rather than a nextval
// default, and default expressions compared after normalisation (casts and
// quoting that PostgreSQL adds are ignored).
package schema

import (
	"strings"
)

// Name is a qualified database object name. An empty Schema means "public".
type Name struct {
	Schema string
	Name   string
}

// IsPublic reports whether the object lives in the public schema.
func (n Name) IsPublic() bool { return n.Schema == "" || n.Schema == "public" }

// SchemaName returns the schema, "public" when unset.
func (n Name) SchemaName() string {
	if n.IsPublic() {
		return "public"
	}
	return n.Schema
}

// SQL returns the name as Exograph writes it in DDL: quoted, qualified only
// outside the public schema ("todos", "c"."concerts").
func (n Name) SQL() string {
	if n.IsPublic() {
		return QuoteIdent(n.Name)
	}
	return QuoteIdent(n.Schema) + "." + QuoteIdent(n.Name)
}

// String is the unquoted display form ("todos", "c.concerts").
func (n Name) String() string {
	if n.IsPublic() {
		return n.Name
	}
	return n.Schema + "." + n.Name
}

// key is the comparison key (schema always explicit).
func (n Name) key() string { return n.SchemaName() + "." + n.Name }

// QuoteIdent double-quotes an identifier, doubling embedded quotes.
func QuoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// quoteLiteral single-quotes a string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Schema is a set of database objects: either the desired state computed
// from a model or the state inspected from a database.
type Schema struct {
	// Schemas are the non-public schemas, sorted.
	Schemas []string
	// Extensions are the extensions (plpgsql excluded), sorted.
	Extensions []string
	Enums      []Enum
	// Sequences are standalone sequences (not owned by a serial column).
	Sequences []Name
	Tables    []*Table
}

// Enum is a `CREATE TYPE ... AS ENUM`.
type Enum struct {
	Name   Name
	Values []string
}

// Table is a table with its columns, keys, constraints, indexes and the
// update trigger, if any.
type Table struct {
	Name        Name
	Columns     []Column
	PrimaryKey  []string // column names, key order
	ForeignKeys []ForeignKey
	Uniques     []Unique
	Indexes     []Index
	// Triggers are the table's triggers. The desired side has at most one:
	// the @update trigger.
	Triggers []Trigger
}

// Column is a table column.
type Column struct {
	Name string
	// Type is the canonical type (format_type() with search_path=public),
	// e.g. "integer", "character varying(20)", "non_public.priority", "text[]".
	Type string
	// DDLType is the type as written in DDL (desired side: the IR's DBType,
	// e.g. "SERIAL", "INT", "Vector(1536)"); for inspected columns it is the
	// canonical type, or SERIAL/BIGSERIAL/SMALLSERIAL for serial columns.
	DDLType  string
	Nullable bool
	// Serial is true when the column's default is nextval() of a sequence
	// owned by the column (SERIAL, BIGSERIAL, SMALLSERIAL).
	Serial bool
	// Default is the default expression, empty for none. Serial columns
	// have no Default here.
	Default string
}

// ForeignKey is a foreign key constraint.
type ForeignKey struct {
	Name       string
	Columns    []string
	RefTable   Name
	RefColumns []string
}

// Unique is a unique constraint.
type Unique struct {
	Name    string
	Columns []string
}

// Index is a non-unique, non-constraint index.
type Index struct {
	Name    string
	Columns []string
	// Method is the access method: "btree" or "hnsw".
	Method string
	// OpClass is the operator class of the (single) indexed column when it
	// is not the method's default (vector indexes: "vector_cosine_ops" ...).
	OpClass string
	// Unique and Predicate describe indexes Exograph does not create
	// (unique indexes outside constraints, partial indexes); inspected only.
	Unique    bool
	Predicate string
}

// Trigger is a row trigger with its plpgsql function. Exograph's @update
// trigger is "BEFORE UPDATE ... FOR EACH ROW" and its function body is a
// list of NEW.<column> = <expr> assignments.
type Trigger struct {
	Name     string
	Function Name
	// Timing is "BEFORE UPDATE" for @update triggers (inspected: the
	// timing and events as PostgreSQL reports them).
	Timing      string
	Assignments []Assignment
	// Body is the raw function source (inspected side only), kept for
	// messages when it is not an assignment list.
	Body string
}

// Assignment is `NEW.<Column> = <Expr>` in an update trigger function.
type Assignment struct {
	Column string
	Expr   string
}

// Table returns the table named n.
func (s *Schema) Table(n Name) *Table {
	for _, t := range s.Tables {
		if t.Name.key() == n.key() {
			return t
		}
	}
	return nil
}

// Column returns the column named name, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// UpdateTriggerName is the name of the @update trigger of table.
func UpdateTriggerName(table string) string { return "exograph_on_update_" + table }

// UpdateFunctionName is the name of the @update trigger function of table.
func UpdateFunctionName(table string) string { return "exograph_update_" + table }
