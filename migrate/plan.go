package migrate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/exo-dev/exo/schema"
)

// Statement is one SQL statement of a migration.
type Statement struct {
	SQL string
	// Destructive statements may lose data (drops of tables, columns,
	// schemas, enums, sequences, extensions; narrowing type changes; enum
	// value removal). They are commented out unless allowed.
	Destructive bool
	// Change is the difference the statement implements; nil for table
	// renames.
	Change *schema.Change
}

// Plan is an ordered migration.
type Plan struct {
	Statements []Statement
	// Renames are the table renames the plan starts with.
	Renames []TableRename
}

// Empty reports whether there is nothing to do.
func (p *Plan) Empty() bool { return len(p.Statements) == 0 }

// HasDestructive reports whether any statement is destructive.
func (p *Plan) HasDestructive() bool {
	for _, s := range p.Statements {
		if s.Destructive {
			return true
		}
	}
	return false
}

// Script renders the plan as `exo schema migrate` prints it: each
// statement followed by a blank line, destructive ones commented out
// ("-- " on every line) unless allowDestructive.
func (p *Plan) Script(allowDestructive bool) string {
	var b strings.Builder
	for _, s := range p.Statements {
		sql := s.SQL
		if s.Destructive && !allowDestructive {
			sql = commentOut(sql)
		}
		b.WriteString(sql)
		b.WriteString("\n\n")
	}
	return b.String()
}

func commentOut(sql string) string {
	lines := strings.Split(sql, "\n")
	for i, l := range lines {
		lines[i] = "-- " + l
	}
	return strings.Join(lines, "\n")
}

// Executor is what Apply needs: *pgx.Conn.
type Executor interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Apply runs the plan in one transaction: every statement, destructive ones
// only when allowDestructive. On any error the transaction is rolled back
// entirely and the error names the failing statement.
func (p *Plan) Apply(ctx context.Context, db Executor, allowDestructive bool) (err error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(ctx)
		}
	}()
	for _, s := range p.Statements {
		if s.Destructive && !allowDestructive {
			continue
		}
		if _, err := tx.Exec(ctx, s.SQL); err != nil {
			return fmt.Errorf("migration failed (rolled back) at\n%s\n%w%s", s.SQL, err, hint(s.Change, err))
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	return nil
}

// hint explains a failed statement when the cause is a common one: a new
// NOT NULL column without a default cannot be added to a table with rows.
func hint(c *schema.Change, err error) string {
	var pe *pgconn.PgError
	if c == nil || c.Kind != schema.AddColumn || c.Column == nil || !errors.As(err, &pe) || pe.Code != "23502" {
		return ""
	}
	return fmt.Sprintf("\nhint: the table %s has rows and the new column %s is NOT NULL without a default: "+
		"give the field a default value or make it optional in the model, or empty the table first", c.Name, c.Column.Name)
}

// NewPlan computes the migration that brings live to desired. Both should
// already be limited to the migration scope (Scope.Filter, Inspect).
// renames are applied first: the live tables are renamed (and moved to
// another schema when needed), then everything else is compared.
func NewPlan(desired *schema.Schema, live *Live, renames []TableRename) *Plan {
	p := &Plan{Renames: renames}
	lv := cloneSchema(live.Schema)
	pkNames := map[string]string{}
	for k, v := range live.PrimaryKeyNames {
		pkNames[k] = v
	}
	var renameStmts []Statement
	for _, r := range renames {
		o, n := parseTableName(r.Old), parseTableName(r.New)
		t := lv.Table(o)
		if t == nil || lv.Table(n) != nil {
			continue
		}
		if o.SchemaName() != n.SchemaName() {
			renameStmts = append(renameStmts, Statement{SQL: "ALTER TABLE " + o.SQL() + " SET SCHEMA " + schema.QuoteIdent(n.SchemaName()) + ";"})
		}
		if o.Name != n.Name {
			moved := schema.Name{Schema: n.Schema, Name: o.Name}
			renameStmts = append(renameStmts, Statement{SQL: "ALTER TABLE " + moved.SQL() + " RENAME TO " + schema.QuoteIdent(n.Name) + ";"})
		}
		t.Name = n
		for _, other := range lv.Tables {
			for i := range other.ForeignKeys {
				if key(other.ForeignKeys[i].RefTable) == key(o) {
					other.ForeignKeys[i].RefTable = n
				}
			}
		}
		if v, ok := pkNames[key(o)]; ok {
			pkNames[key(n)] = v
			delete(pkNames, key(o))
		}
	}

	changes := withDependencies(desired, lv, schema.Compare(desired, lv))
	sort.SliceStable(changes, func(i, j int) bool { return rank(changes[i].Kind) < rank(changes[j].Kind) })
	r := renderer{desired: desired, live: lv, pkNames: pkNames}
	renamedIndex := pairIndexRenames(changes)
	withDrop := goWithDroppedTables(changes)
	renamed := false
	for i := range changes {
		c := &changes[i]
		if sql, ok := renamedIndex[i]; ok {
			if sql != "" {
				p.Statements = append(p.Statements, Statement{SQL: sql, Change: c})
			}
			continue
		}
		if !renamed && c.Kind > schema.CreateSchema {
			p.Statements = append(p.Statements, renameStmts...)
			renamed = true
		}
		for _, sql := range r.render(c) {
			p.Statements = append(p.Statements, Statement{SQL: sql, Destructive: destructive(c) || withDrop[i], Change: c})
		}
	}
	if !renamed {
		p.Statements = append(p.Statements, renameStmts...)
	}
	return p
}

// goWithDroppedTables finds the foreign keys that move away from a table
// the migration drops (say users moved to auth.users): dropping the old
// constraint and adding the new one belong to the destructive drop. Run
// without it, they would leave the kept rows pointing at an empty new table
// (and the new constraint would fail on them); with the old table kept, the
// old constraint stays.
func goWithDroppedTables(changes []schema.Change) map[int]bool {
	droppedTables := map[string]bool{}
	for _, c := range changes {
		if c.Kind == schema.DropTable {
			droppedTables[key(c.Name)] = true
		}
	}
	out := map[int]bool{}
	if len(droppedTables) == 0 {
		return out
	}
	repointed := map[string]bool{}
	for i, c := range changes {
		if c.Kind == schema.DropForeignKey && c.ForeignKey != nil && droppedTables[key(c.ForeignKey.RefTable)] {
			out[i] = true
			repointed[key(c.Name)+"\x00"+c.ForeignKey.Name] = true
		}
	}
	for i, c := range changes {
		if c.Kind == schema.AddForeignKey && c.ForeignKey != nil && repointed[key(c.Name)+"\x00"+c.ForeignKey.Name] {
			out[i] = true
		}
	}
	return out
}

// rank is the position of a change kind in a migration: schema's order,
// except that tables are dropped right after the constraints and indexes
// of the remaining tables (freeing their names early), and new columns of
// existing tables come before new tables, as Exograph orders them.
func rank(k schema.ChangeKind) int {
	switch k {
	case schema.DropTable:
		return int(schema.DropIndex)*10 + 5
	case schema.AddColumn:
		return int(schema.CreateTable)*10 - 5
	}
	return int(k) * 10
}

// pairIndexRenames finds indexes that only change name (a DropIndex and a
// CreateIndex of the same definition on the same table) and maps the
// DropIndex to an ALTER INDEX ... RENAME and the CreateIndex to nothing.
func pairIndexRenames(changes []schema.Change) map[int]string {
	out := map[int]string{}
	for i := range changes {
		d := &changes[i]
		if d.Kind != schema.DropIndex {
			continue
		}
		for j := range changes {
			c := &changes[j]
			if _, used := out[j]; used || c.Kind != schema.CreateIndex || key(c.Name) != key(d.Name) || !sameIndexDef(c.Index, d.Index) {
				continue
			}
			out[i] = "ALTER INDEX " + schema.Name{Schema: d.Name.Schema, Name: d.Index.Name}.SQL() + " RENAME TO " + schema.QuoteIdent(c.Index.Name) + ";"
			out[j] = ""
			break
		}
	}
	return out
}

func sameIndexDef(a, b *schema.Index) bool {
	m := func(s string) string {
		if s == "" {
			return "btree"
		}
		return s
	}
	return slices.Equal(a.Columns, b.Columns) && m(a.Method) == m(b.Method) && a.OpClass == b.OpClass &&
		a.Unique == b.Unique && a.Predicate == b.Predicate
}

// withDependencies adds the changes PostgreSQL needs around primary key
// changes: foreign keys referencing a table whose primary key changes are
// dropped before and added back after.
func withDependencies(desired, live *schema.Schema, changes []schema.Change) []schema.Change {
	pkChanged := map[string]bool{}
	dropped := map[string]bool{}
	added := map[string]bool{}
	fkKey := func(t schema.Name, name string) string { return key(t) + "\x00" + name }
	for _, c := range changes {
		switch c.Kind {
		case schema.AlterPrimaryKey:
			if len(c.OldPrimaryKey) > 0 {
				pkChanged[key(c.Name)] = true
			}
		case schema.DropForeignKey:
			dropped[fkKey(c.Name, c.ForeignKey.Name)] = true
		case schema.AddForeignKey:
			added[fkKey(c.Name, c.ForeignKey.Name)] = true
		}
	}
	if len(pkChanged) == 0 {
		return changes
	}
	out := slices.Clone(changes)
	for _, t := range live.Tables {
		for i := range t.ForeignKeys {
			fk := &t.ForeignKeys[i]
			if !pkChanged[key(fk.RefTable)] || dropped[fkKey(t.Name, fk.Name)] {
				continue
			}
			out = append(out, schema.Change{Kind: schema.DropForeignKey, Name: t.Name, Table: t, ForeignKey: fk})
			dt := desired.Table(t.Name)
			if dt == nil || added[fkKey(t.Name, fk.Name)] {
				continue
			}
			for j := range dt.ForeignKeys {
				if dt.ForeignKeys[j].Name == fk.Name {
					out = append(out, schema.Change{Kind: schema.AddForeignKey, Name: t.Name, Table: dt, ForeignKey: &dt.ForeignKeys[j]})
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// destructive is schema.Change.Destructive, except that widening column
// type changes (int -> bigint, varchar(n) -> varchar(m > n) or text, real ->
// double precision ...) keep all data and are not destructive.
func destructive(c *schema.Change) bool {
	if c.Kind == schema.AlterColumnType && c.Column != nil && c.OldColumn != nil {
		return !Widening(c.OldColumn.Type, c.Column.Type)
	}
	return c.Destructive()
}

// Widening reports whether converting a column of canonical type from to
// canonical type to cannot lose data.
func Widening(from, to string) bool {
	if from == to {
		return true
	}
	rank := map[string]int{"smallint": 1, "integer": 2, "bigint": 3}
	if a, b := rank[from], rank[to]; a > 0 && b > 0 {
		return a < b
	}
	if (from == "smallint" || from == "integer" || from == "bigint") && to == "numeric" {
		return true
	}
	if from == "real" && to == "double precision" {
		return true
	}
	isText := func(t string) bool {
		return t == "text" || t == "character varying" || strings.HasPrefix(t, "character varying(") || strings.HasPrefix(t, "character(")
	}
	if to == "text" || to == "character varying" {
		return isText(from)
	}
	if n, ok := typeLen(to, "character varying("); ok {
		if m, ok := typeLen(from, "character varying("); ok {
			return m <= n
		}
		if m, ok := typeLen(from, "character("); ok {
			return m <= n
		}
	}
	if p, s, ok := numericArgs(to); ok {
		if q, t, ok := numericArgs(from); ok {
			return t <= s && q-t <= p-s
		}
	}
	if from == "timestamp without time zone" && to == "timestamp with time zone" {
		return false // reinterpreted in the session time zone
	}
	return false
}

func typeLen(t, prefix string) (int, bool) {
	if !strings.HasPrefix(t, prefix) || !strings.HasSuffix(t, ")") {
		return 0, false
	}
	n, err := strconv.Atoi(t[len(prefix) : len(t)-1])
	return n, err == nil
}

func numericArgs(t string) (p, s int, ok bool) {
	if !strings.HasPrefix(t, "numeric(") || !strings.HasSuffix(t, ")") {
		return 0, 0, false
	}
	parts := strings.Split(t[len("numeric("):len(t)-1], ",")
	if len(parts) != 2 {
		return 0, 0, false
	}
	p, err1 := strconv.Atoi(parts[0])
	s, err2 := strconv.Atoi(parts[1])
	return p, s, err1 == nil && err2 == nil
}

type renderer struct {
	desired, live *schema.Schema
	pkNames       map[string]string
}

func (r renderer) render(c *schema.Change) []string {
	t := c.Name.SQL()
	alter := "ALTER TABLE " + t
	switch c.Kind {
	case schema.CreateSchema:
		return []string{schema.CreateSchemaSQL(c.Name.Name)}
	case schema.DropSchema:
		return []string{"DROP SCHEMA " + schema.QuoteIdent(c.Name.Name) + " CASCADE;"}
	case schema.CreateExtension:
		return []string{schema.CreateExtensionSQL(c.Name.Name)}
	case schema.DropExtension:
		return []string{"DROP EXTENSION " + schema.QuoteIdent(c.Name.Name) + ";"}
	case schema.CreateEnum:
		return []string{schema.CreateEnumSQL(*c.Enum)}
	case schema.AlterEnum:
		return r.alterEnum(c)
	case schema.DropEnum:
		return []string{"DROP TYPE " + t + ";"}
	case schema.CreateSequence:
		return []string{schema.CreateSequenceSQL(c.Name)}
	case schema.DropSequence:
		return []string{"DROP SEQUENCE " + t + ";"}
	case schema.CreateTable:
		return []string{schema.CreateTableSQL(c.Table)}
	case schema.DropTable:
		return []string{"DROP TABLE " + t + " CASCADE;"}
	case schema.AddColumn:
		return []string{alter + " ADD " + schema.ColumnSQL(*c.Column) + ";"}
	case schema.DropColumn:
		return []string{alter + " DROP COLUMN " + schema.QuoteIdent(c.OldColumn.Name) + ";"}
	case schema.AlterColumnType:
		typ := alterType(c.Column)
		s := alter + " ALTER COLUMN " + schema.QuoteIdent(c.Column.Name) + " TYPE " + typ
		if !Widening(c.OldColumn.Type, c.Column.Type) {
			s += " USING " + schema.QuoteIdent(c.Column.Name) + "::" + typ
		}
		return []string{s + ";"}
	case schema.AlterColumnNullability:
		op := " DROP NOT NULL;"
		if !c.Column.Nullable {
			op = " SET NOT NULL;"
		}
		return []string{alter + " ALTER COLUMN " + schema.QuoteIdent(c.Column.Name) + op}
	case schema.AlterColumnDefault:
		return r.alterDefault(c)
	case schema.AlterPrimaryKey:
		var out []string
		if len(c.OldPrimaryKey) > 0 {
			name, ok := r.pkNames[key(c.Name)]
			if !ok {
				name = c.Name.Name + "_pkey"
			}
			out = append(out, alter+" DROP CONSTRAINT "+schema.QuoteIdent(name)+";")
		}
		if len(c.PrimaryKey) > 0 {
			out = append(out, alter+" ADD PRIMARY KEY ("+quoteList(c.PrimaryKey)+");")
		}
		return out
	case schema.AddForeignKey:
		return []string{schema.AddForeignKeySQL(c.Name, *c.ForeignKey, r.desired.Table(c.ForeignKey.RefTable))}
	case schema.DropForeignKey:
		return []string{alter + " DROP CONSTRAINT " + schema.QuoteIdent(c.ForeignKey.Name) + ";"}
	case schema.AddUnique:
		return []string{schema.AddUniqueSQL(c.Name, *c.Unique)}
	case schema.DropUnique:
		return []string{alter + " DROP CONSTRAINT " + schema.QuoteIdent(c.Unique.Name) + ";"}
	case schema.CreateIndex:
		return []string{schema.CreateIndexSQL(c.Name, *c.Index)}
	case schema.DropIndex:
		return []string{"DROP INDEX " + schema.Name{Schema: c.Name.Schema, Name: c.Index.Name}.SQL() + ";"}
	case schema.CreateTrigger:
		return []string{schema.CreateTriggerFunctionSQL(*c.Trigger), schema.CreateTriggerSQL(c.Name, *c.Trigger)}
	case schema.DropTrigger:
		return schema.DropTriggerSQL(c.Name, *c.Trigger)
	}
	return nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = schema.QuoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// alterType is the type of ALTER COLUMN ... TYPE: the DDL spelling, or the
// integer type for serial columns (SERIAL is not a type).
func alterType(c *schema.Column) string {
	if c.Serial || c.DDLType == "" {
		return c.Type
	}
	return c.DDLType
}

func (r renderer) alterDefault(c *schema.Change) []string {
	alter := "ALTER TABLE " + c.Name.SQL() + " ALTER COLUMN " + schema.QuoteIdent(c.Column.Name)
	d, l := c.Column, c.OldColumn
	switch {
	case d.Serial && !l.Serial:
		seq := schema.Name{Schema: c.Name.Schema, Name: c.Name.Name + "_" + d.Name + "_seq"}
		typ := "integer"
		switch d.Type {
		case "bigint", "smallint":
			typ = d.Type
		}
		return []string{
			"CREATE SEQUENCE IF NOT EXISTS " + seq.SQL() + " AS " + typ + " OWNED BY " + c.Name.SQL() + "." + schema.QuoteIdent(d.Name) + ";",
			alter + " SET DEFAULT nextval(" + literal(seq.SQL()) + ");",
			"SELECT setval(" + literal(seq.SQL()) + ", coalesce(max(" + schema.QuoteIdent(d.Name) + "), 0) + 1, false) FROM " + c.Name.SQL() + ";",
		}
	case d.Default == "":
		return []string{alter + " DROP DEFAULT;"}
	}
	return []string{alter + " SET DEFAULT " + d.Default + ";"}
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// alterEnum adds values in place when the live values keep their relative
// order in the model (non-destructive ADD VALUE); otherwise the type is
// recreated and its columns converted through text (destructive: rows with
// removed values fail the conversion).
func (r renderer) alterEnum(c *schema.Change) []string {
	name := c.Name.SQL()
	oldVals, newVals := c.OldEnum.Values, c.Enum.Values
	var kept []string
	for _, v := range newVals {
		if slices.Contains(oldVals, v) {
			kept = append(kept, v)
		}
	}
	if slices.Equal(kept, oldVals) {
		var out []string
		for i, v := range newVals {
			if slices.Contains(oldVals, v) {
				continue
			}
			s := "ALTER TYPE " + name + " ADD VALUE " + literal(v)
			switch {
			case i > 0:
				s += " AFTER " + literal(newVals[i-1])
			case len(oldVals) > 0:
				s += " BEFORE " + literal(oldVals[0])
			}
			out = append(out, s+";")
		}
		return out
	}
	tmp := c.Name.Name + "_old"
	out := []string{
		"ALTER TYPE " + name + " RENAME TO " + schema.QuoteIdent(tmp) + ";",
		schema.CreateEnumSQL(*c.Enum),
	}
	enumType, _ := schema.CanonicalType(name)
	for _, t := range r.live.Tables {
		for _, col := range t.Columns {
			if strings.TrimSuffix(col.Type, "[]") != enumType {
				continue
			}
			alter := "ALTER TABLE " + t.Name.SQL() + " ALTER COLUMN " + schema.QuoteIdent(col.Name)
			typ := name
			if strings.HasSuffix(col.Type, "[]") {
				typ += "[]"
			}
			if col.Default != "" {
				out = append(out, alter+" DROP DEFAULT;")
			}
			out = append(out, alter+" TYPE "+typ+" USING "+schema.QuoteIdent(col.Name)+"::text::"+typ+";")
			if dt := r.desired.Table(t.Name); dt != nil {
				if dc := dt.Column(col.Name); dc != nil && dc.Default != "" && col.Default != "" {
					out = append(out, alter+" SET DEFAULT "+dc.Default+";")
				}
			}
		}
	}
	return append(out, "DROP TYPE "+schema.Name{Schema: c.Name.Schema, Name: tmp}.SQL()+";")
}

// cloneSchema copies s deeply enough for renames to change table names and
// foreign key targets.
func cloneSchema(s *schema.Schema) *schema.Schema {
	out := *s
	out.Tables = make([]*schema.Table, len(s.Tables))
	for i, t := range s.Tables {
		ct := *t
		ct.Columns = slices.Clone(t.Columns)
		ct.ForeignKeys = slices.Clone(t.ForeignKeys)
		out.Tables[i] = &ct
	}
	return &out
}
