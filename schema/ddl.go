package schema

import (
	"slices"
	"strings"
)

// DDL returns the statements that create s in an empty database, in
// Exograph's order: schemas, extensions, enums, sequences, tables, then
// foreign keys, unique constraints, indexes and @update triggers.
func (s *Schema) DDL() []string {
	var out []string
	for _, n := range s.Schemas {
		out = append(out, CreateSchemaSQL(n))
	}
	for _, e := range s.Extensions {
		out = append(out, CreateExtensionSQL(e))
	}
	for _, e := range s.Enums {
		out = append(out, CreateEnumSQL(e))
	}
	for _, q := range s.Sequences {
		out = append(out, CreateSequenceSQL(q))
	}
	for _, t := range s.Tables {
		out = append(out, CreateTableSQL(t))
	}
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			out = append(out, AddForeignKeySQL(t.Name, fk, s.Table(fk.RefTable)))
		}
	}
	for _, t := range s.Tables {
		for _, u := range t.Uniques {
			out = append(out, AddUniqueSQL(t.Name, u))
		}
	}
	for _, t := range s.Tables {
		for _, ix := range t.Indexes {
			out = append(out, CreateIndexSQL(t.Name, ix))
		}
	}
	for _, t := range s.Tables {
		for _, tr := range t.Triggers {
			out = append(out, CreateTriggerFunctionSQL(tr), CreateTriggerSQL(t.Name, tr))
		}
	}
	return out
}

// Script joins statements the way `exo schema create` prints them: each
// statement followed by a blank line.
func Script(stmts []string) string {
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString(s)
		b.WriteString("\n\n")
	}
	return b.String()
}

// CreateSchemaSQL is `CREATE SCHEMA IF NOT EXISTS "name";`.
func CreateSchemaSQL(name string) string {
	return "CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(name) + ";"
}

// CreateExtensionSQL is `CREATE EXTENSION IF NOT EXISTS "name";`.
func CreateExtensionSQL(name string) string {
	return "CREATE EXTENSION IF NOT EXISTS " + QuoteIdent(name) + ";"
}

// CreateEnumSQL is `CREATE TYPE "name" AS ENUM ('A', 'B');`.
func CreateEnumSQL(e Enum) string {
	vals := make([]string, len(e.Values))
	for i, v := range e.Values {
		vals[i] = quoteLiteral(v)
	}
	return "CREATE TYPE " + e.Name.SQL() + " AS ENUM (" + strings.Join(vals, ", ") + ");"
}

// CreateSequenceSQL is `CREATE SEQUENCE IF NOT EXISTS "name";`.
func CreateSequenceSQL(n Name) string {
	return "CREATE SEQUENCE IF NOT EXISTS " + n.SQL() + ";"
}

// ColumnSQL is a column definition as in ALTER TABLE ... ADD, e.g.
// `"title" TEXT NOT NULL DEFAULT 'x'`.
func ColumnSQL(c Column) string { return columnSQL(c, false, false) }

// columnSQL renders a column; inlinePK adds PRIMARY KEY (a single-column
// key), inCompositePK omits NOT NULL (the PRIMARY KEY clause implies it).
func columnSQL(c Column, inlinePK, inCompositePK bool) string {
	var b strings.Builder
	b.WriteString(QuoteIdent(c.Name))
	b.WriteByte(' ')
	b.WriteString(c.ddlType())
	switch {
	case inlinePK:
		b.WriteString(" PRIMARY KEY")
	case !c.Nullable && !inCompositePK:
		b.WriteString(" NOT NULL")
	}
	if c.Default != "" && !c.Serial {
		b.WriteString(" DEFAULT ")
		b.WriteString(c.Default)
	}
	return b.String()
}

func (c Column) ddlType() string {
	if c.DDLType != "" {
		return c.DDLType
	}
	if c.Serial {
		switch c.Type {
		case "bigint":
			return "BIGSERIAL"
		case "smallint":
			return "SMALLSERIAL"
		}
		return "SERIAL"
	}
	return c.Type
}

// CreateTableSQL renders CREATE TABLE in Exograph's layout: one column per
// tab-indented line, a single-column primary key inline, a composite one as
// a trailing PRIMARY KEY (...) clause.
func CreateTableSQL(t *Table) string {
	var lines []string
	single := len(t.PrimaryKey) == 1
	for _, c := range t.Columns {
		inPK := slices.Contains(t.PrimaryKey, c.Name)
		lines = append(lines, "\t"+columnSQL(c, inPK && single, inPK && !single))
	}
	if len(t.PrimaryKey) > 1 {
		lines = append(lines, "\tPRIMARY KEY ("+quoteList(t.PrimaryKey)+")")
	}
	return "CREATE TABLE " + t.Name.SQL() + " (\n" + strings.Join(lines, ",\n") + "\n);"
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = QuoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// AddForeignKeySQL is `ALTER TABLE "t" ADD CONSTRAINT "name" FOREIGN KEY
// ("c") REFERENCES "r";`. The referenced columns are listed unless the key
// is a single column referencing the target's single-column primary key
// (ref may be nil when the target table is unknown: then they are omitted
// only for single-column keys).
func AddForeignKeySQL(table Name, fk ForeignKey, ref *Table) string {
	s := "ALTER TABLE " + table.SQL() + " ADD CONSTRAINT " + QuoteIdent(fk.Name) +
		" FOREIGN KEY (" + quoteList(fk.Columns) + ") REFERENCES " + fk.RefTable.SQL()
	omit := len(fk.Columns) == 1
	if omit && ref != nil && !(len(ref.PrimaryKey) == 1 && ref.PrimaryKey[0] == fk.RefColumns[0]) {
		omit = false
	}
	if !omit && len(fk.RefColumns) > 0 {
		s += " (" + quoteList(fk.RefColumns) + ")"
	}
	return s + ";"
}

// AddUniqueSQL is `ALTER TABLE "t" ADD CONSTRAINT "name" UNIQUE ("a", "b");`.
func AddUniqueSQL(table Name, u Unique) string {
	return "ALTER TABLE " + table.SQL() + " ADD CONSTRAINT " + QuoteIdent(u.Name) + " UNIQUE (" + quoteList(u.Columns) + ");"
}

// CreateIndexSQL is `CREATE INDEX "name" ON "t" ("a", "b");`, or for vector
// indexes `CREATE INDEX "name" ON "t" USING hnsw ("c" vector_cosine_ops);`.
func CreateIndexSQL(table Name, ix Index) string {
	s := "CREATE INDEX " + QuoteIdent(ix.Name) + " ON " + table.SQL()
	if ix.Method != "" && ix.Method != "btree" {
		s += " USING " + ix.Method
	}
	cols := quoteList(ix.Columns)
	if ix.OpClass != "" {
		cols += " " + ix.OpClass
	}
	return s + " (" + cols + ");"
}

// CreateTriggerFunctionSQL renders the plpgsql function of an @update
// trigger on one line, as Exograph does.
func CreateTriggerFunctionSQL(tr Trigger) string {
	var b strings.Builder
	b.WriteString("CREATE FUNCTION ")
	b.WriteString(funcSQL(tr.Function))
	b.WriteString("() RETURNS TRIGGER AS $$ BEGIN ")
	for _, a := range tr.Assignments {
		b.WriteString("NEW.")
		b.WriteString(quoteIdentIfNeeded(a.Column))
		b.WriteString(" = ")
		b.WriteString(a.Expr)
		b.WriteString("; ")
	}
	b.WriteString("RETURN NEW; END; $$ language 'plpgsql';")
	return b.String()
}

// CreateTriggerSQL is `CREATE TRIGGER exograph_on_update_t BEFORE UPDATE ON
// t FOR EACH ROW EXECUTE FUNCTION exograph_update_t();`.
func CreateTriggerSQL(table Name, tr Trigger) string {
	timing := tr.Timing
	if timing == "" {
		timing = "BEFORE UPDATE"
	}
	return "CREATE TRIGGER " + quoteIdentIfNeeded(tr.Name) + " " + timing + " ON " + plainSQL(table) +
		" FOR EACH ROW EXECUTE FUNCTION " + funcSQL(tr.Function) + "();"
}

// DropTriggerSQL drops an update trigger and its function.
func DropTriggerSQL(table Name, tr Trigger) []string {
	return []string{
		"DROP TRIGGER IF EXISTS " + quoteIdentIfNeeded(tr.Name) + " ON " + plainSQL(table) + ";",
		"DROP FUNCTION IF EXISTS " + funcSQL(tr.Function) + "();",
	}
}

// plainSQL writes public names unquoted when possible (Exograph's trigger
// statements say `ON concerts`), qualified names quoted.
func plainSQL(n Name) string {
	if n.IsPublic() {
		return quoteIdentIfNeeded(n.Name)
	}
	return n.SQL()
}

func funcSQL(n Name) string {
	if n.IsPublic() {
		return quoteIdentIfNeeded(n.Name)
	}
	return QuoteIdent(n.Schema) + "." + quoteIdentIfNeeded(n.Name)
}
