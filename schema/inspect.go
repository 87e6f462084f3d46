package schema

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Querier is what inspection needs from a connection: *pgx.Conn or pgx.Tx.
// It must be one session (not a pool): Inspect sets search_path for its
// queries and restores it afterwards.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// InspectOptions scopes an inspection.
type InspectOptions struct {
	// Schemas are the schemas to inspect ("public" included explicitly).
	// Nil means every user schema.
	Schemas []string
	// ExcludeTables are left out (e.g. the model's unmanaged tables).
	ExcludeTables []Name
}

// Scope returns the schemas a model uses: "public" and its other schemas,
// Exograph's default migration scope.
func (s *Schema) Scope() []string {
	out := []string{"public"}
	for _, n := range s.Schemas {
		if n != "public" {
			out = append(out, n)
		}
	}
	return out
}

// Inspect reads the schema of a live database. Tables and other objects
// that belong to extensions are left out. Types are printed by format_type()
// with search_path temporarily set to public (restored afterwards).
func Inspect(ctx context.Context, q Querier, opts InspectOptions) (*Schema, error) {
	var prev string
	if err := queryRow(ctx, q, "SELECT current_setting('search_path'), set_config('search_path', 'public', false)", &prev, new(string)); err != nil {
		return nil, fmt.Errorf("inspect: set search_path: %w", err)
	}
	s, err := inspect(ctx, q, opts)
	if rerr := queryRow(ctx, q, "SELECT set_config('search_path', $1, false)", []any{prev}, new(string)); rerr != nil && err == nil {
		err = fmt.Errorf("inspect: restore search_path: %w", rerr)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// queryRow runs a single-row query. args may be a []any as the first dest
// (then it holds the query arguments) for brevity.
func queryRow(ctx context.Context, q Querier, sql string, dest ...any) error {
	var args []any
	if len(dest) > 0 {
		if a, ok := dest[0].([]any); ok {
			args, dest = a, dest[1:]
		}
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return fmt.Errorf("no rows")
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}

const userSchemasQuery = `
SELECT nspname FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema')
  AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'
ORDER BY nspname`

// notExtensionMember filters out objects created by an extension.
const notExtensionMember = `NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = %s AND dep.deptype = 'e')`

func inspect(ctx context.Context, q Querier, opts InspectOptions) (*Schema, error) {
	schemas := opts.Schemas
	if schemas == nil {
		var err error
		schemas, err = collectStrings(ctx, q, userSchemasQuery)
		if err != nil {
			return nil, fmt.Errorf("inspect schemas: %w", err)
		}
	}
	s := &Schema{}
	existing, err := collectStrings(ctx, q, `SELECT nspname FROM pg_namespace WHERE nspname = ANY($1) ORDER BY nspname`, schemas)
	if err != nil {
		return nil, fmt.Errorf("inspect schemas: %w", err)
	}
	for _, n := range existing {
		if n != "public" {
			s.Schemas = append(s.Schemas, n)
		}
	}
	if s.Extensions, err = collectStrings(ctx, q, `SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname`); err != nil {
		return nil, fmt.Errorf("inspect extensions: %w", err)
	}
	if err := inspectEnums(ctx, q, s, schemas); err != nil {
		return nil, err
	}
	if err := inspectSequences(ctx, q, s, schemas); err != nil {
		return nil, err
	}
	byOID, err := inspectTables(ctx, q, s, schemas, opts.ExcludeTables)
	if err != nil {
		return nil, err
	}
	if err := inspectColumns(ctx, q, byOID, schemas); err != nil {
		return nil, err
	}
	if err := inspectConstraints(ctx, q, byOID, schemas); err != nil {
		return nil, err
	}
	if err := inspectIndexes(ctx, q, byOID, schemas); err != nil {
		return nil, err
	}
	if err := inspectTriggers(ctx, q, byOID, schemas); err != nil {
		return nil, err
	}
	return s, nil
}

func collectStrings(ctx context.Context, q Querier, sql string, args ...any) ([]string, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func inspectEnums(ctx context.Context, q Querier, s *Schema, schemas []string) error {
	rows, err := q.Query(ctx, `
SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname = ANY($1) AND `+fmt.Sprintf(notExtensionMember, "t.oid")+`
GROUP BY n.nspname, t.typname
ORDER BY n.nspname, t.typname`, schemas)
	if err != nil {
		return fmt.Errorf("inspect enums: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ns, name string
		var vals []string
		if err := rows.Scan(&ns, &name, &vals); err != nil {
			return fmt.Errorf("inspect enums: %w", err)
		}
		s.Enums = append(s.Enums, Enum{Name: Name{Schema: normSchema(ns), Name: name}, Values: vals})
	}
	return rows.Err()
}

func inspectSequences(ctx context.Context, q Querier, s *Schema, schemas []string) error {
	rows, err := q.Query(ctx, `
SELECT n.nspname, c.relname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i', 'e'))
ORDER BY n.nspname, c.relname`, schemas)
	if err != nil {
		return fmt.Errorf("inspect sequences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ns, name string
		if err := rows.Scan(&ns, &name); err != nil {
			return fmt.Errorf("inspect sequences: %w", err)
		}
		s.Sequences = append(s.Sequences, Name{Schema: normSchema(ns), Name: name})
	}
	return rows.Err()
}

func inspectTables(ctx context.Context, q Querier, s *Schema, schemas []string, exclude []Name) (map[uint32]*Table, error) {
	rows, err := q.Query(ctx, `
SELECT c.oid, n.nspname, c.relname
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1)
  AND `+fmt.Sprintf(notExtensionMember, "c.oid")+`
ORDER BY n.nspname, c.relname`, schemas)
	if err != nil {
		return nil, fmt.Errorf("inspect tables: %w", err)
	}
	defer rows.Close()
	byOID := map[uint32]*Table{}
	skip := map[string]bool{}
	for _, n := range exclude {
		skip[n.key()] = true
	}
	for rows.Next() {
		var oid uint32
		var ns, name string
		if err := rows.Scan(&oid, &ns, &name); err != nil {
			return nil, fmt.Errorf("inspect tables: %w", err)
		}
		t := &Table{Name: Name{Schema: normSchema(ns), Name: name}}
		if skip[t.Name.key()] {
			continue
		}
		byOID[oid] = t
		s.Tables = append(s.Tables, t)
	}
	return byOID, rows.Err()
}

var reNextvalArg = regexp.MustCompile(`^nextval\('(.*)'(?:::regclass)?\)$`)

func inspectColumns(ctx context.Context, q Querier, byOID map[uint32]*Table, schemas []string) error {
	rows, err := q.Query(ctx, `
SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       coalesce(pg_get_expr(d.adbin, d.adrelid), ''),
       coalesce(pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname), ''),
       a.attidentity::text
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND n.nspname = ANY($1)
ORDER BY a.attrelid, a.attnum`, schemas)
	if err != nil {
		return fmt.Errorf("inspect columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var name, typ, def, serialSeq, identity string
		var notNull bool
		if err := rows.Scan(&oid, &name, &typ, &notNull, &def, &serialSeq, &identity); err != nil {
			return fmt.Errorf("inspect columns: %w", err)
		}
		t := byOID[oid]
		if t == nil {
			continue
		}
		c := Column{Name: name, Type: typ, DDLType: typ, Nullable: !notNull, Default: def}
		if m := reNextvalArg.FindStringSubmatch(def); m != nil && serialSeq != "" &&
			canonicalQualified(m[1]) == canonicalQualified(serialSeq) {
			c.Serial = true
			c.Default = ""
			switch typ {
			case "bigint":
				c.DDLType = "BIGSERIAL"
			case "smallint":
				c.DDLType = "SMALLSERIAL"
			default:
				c.DDLType = "SERIAL"
			}
		}
		if identity != "" {
			// GENERATED ... AS IDENTITY: generated by the database, like serial.
			c.Serial = true
		}
		t.Columns = append(t.Columns, c)
	}
	return rows.Err()
}

func inspectConstraints(ctx context.Context, q Querier, byOID map[uint32]*Table, schemas []string) error {
	rows, err := q.Query(ctx, `
SELECT con.conrelid, con.conname, con.contype::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
       coalesce(fn.nspname, ''), coalesce(fc.relname, ''),
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype IN ('p', 'f', 'u') AND n.nspname = ANY($1)
ORDER BY con.conrelid, con.conname`, schemas)
	if err != nil {
		return fmt.Errorf("inspect constraints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var name, kind, refNS, refTable string
		var cols, refCols []string
		if err := rows.Scan(&oid, &name, &kind, &cols, &refNS, &refTable, &refCols); err != nil {
			return fmt.Errorf("inspect constraints: %w", err)
		}
		t := byOID[oid]
		if t == nil {
			continue
		}
		switch kind {
		case "p":
			t.PrimaryKey = cols
		case "u":
			t.Uniques = append(t.Uniques, Unique{Name: name, Columns: cols})
		case "f":
			t.ForeignKeys = append(t.ForeignKeys, ForeignKey{
				Name: name, Columns: cols,
				RefTable:   Name{Schema: normSchema(refNS), Name: refTable},
				RefColumns: refCols,
			})
		}
	}
	return rows.Err()
}

func inspectIndexes(ctx context.Context, q Querier, byOID map[uint32]*Table, schemas []string) error {
	rows, err := q.Query(ctx, `
SELECT i.indrelid, ic.relname, am.amname::text, i.indisunique,
       ARRAY(SELECT CASE WHEN k.num > 0 THEN (SELECT a.attname::text FROM pg_attribute a
                                              WHERE a.attrelid = i.indrelid AND a.attnum = k.num)
                         ELSE pg_get_indexdef(i.indexrelid, k.ord::int, true) END
             FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
             WHERE k.ord <= i.indnkeyatts ORDER BY k.ord),
       ARRAY(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname::text END
             FROM unnest(i.indclass::oid[]) WITH ORDINALITY k(opc, ord)
             JOIN pg_opclass oc ON oc.oid = k.opc ORDER BY k.ord),
       coalesce(pg_get_expr(i.indpred, i.indrelid), '')
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_am am ON am.oid = ic.relam
WHERE n.nspname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY i.indrelid, ic.relname`, schemas)
	if err != nil {
		return fmt.Errorf("inspect indexes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var name, method, pred string
		var unique bool
		var cols, opcs []string
		if err := rows.Scan(&oid, &name, &method, &unique, &cols, &opcs, &pred); err != nil {
			return fmt.Errorf("inspect indexes: %w", err)
		}
		t := byOID[oid]
		if t == nil {
			continue
		}
		ix := Index{Name: name, Columns: cols, Method: method, Unique: unique, Predicate: pred}
		var nonDefault []string
		for _, o := range opcs {
			if o != "" {
				nonDefault = append(nonDefault, o)
			}
		}
		ix.OpClass = strings.Join(nonDefault, ",")
		t.Indexes = append(t.Indexes, ix)
	}
	return rows.Err()
}

func inspectTriggers(ctx context.Context, q Querier, byOID map[uint32]*Table, schemas []string) error {
	rows, err := q.Query(ctx, `
SELECT t.tgrelid, t.tgname, pn.nspname, p.proname, p.prosrc, t.tgtype::int
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace pn ON pn.oid = p.pronamespace
WHERE NOT t.tgisinternal AND n.nspname = ANY($1)
ORDER BY t.tgrelid, t.tgname`, schemas)
	if err != nil {
		return fmt.Errorf("inspect triggers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var name, fns, fn, src string
		var typ int
		if err := rows.Scan(&oid, &name, &fns, &fn, &src, &typ); err != nil {
			return fmt.Errorf("inspect triggers: %w", err)
		}
		t := byOID[oid]
		if t == nil {
			continue
		}
		tr := Trigger{
			Name:     name,
			Function: Name{Schema: normSchema(fns), Name: fn},
			Timing:   triggerTiming(typ),
			Body:     src,
		}
		tr.Assignments, _ = ParseUpdateFunctionBody(src)
		t.Triggers = append(t.Triggers, tr)
	}
	return rows.Err()
}

// triggerTiming decodes pg_trigger.tgtype ("BEFORE UPDATE", "AFTER INSERT
// OR DELETE"; statement-level triggers get a " FOR EACH STATEMENT" suffix).
func triggerTiming(tgtype int) string {
	const (
		row      = 1 << 0
		before   = 1 << 1
		insert   = 1 << 2
		del      = 1 << 3
		update   = 1 << 4
		truncate = 1 << 5
		instead  = 1 << 6
	)
	timing := "AFTER"
	switch {
	case tgtype&before != 0:
		timing = "BEFORE"
	case tgtype&instead != 0:
		timing = "INSTEAD OF"
	}
	var ev []string
	if tgtype&insert != 0 {
		ev = append(ev, "INSERT")
	}
	if tgtype&update != 0 {
		ev = append(ev, "UPDATE")
	}
	if tgtype&del != 0 {
		ev = append(ev, "DELETE")
	}
	if tgtype&truncate != 0 {
		ev = append(ev, "TRUNCATE")
	}
	s := timing + " " + strings.Join(ev, " OR ")
	if tgtype&row == 0 {
		s += " FOR EACH STATEMENT"
	}
	return s
}

var (
	reTriggerBody = regexp.MustCompile(`(?is)^\s*begin\s+(.*?)\s*return\s+new\s*;\s*end\s*;?\s*$`)
	reAssignment  = regexp.MustCompile(`(?is)^new\.("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\s*:?=\s*(.+)$`)
)

// ParseUpdateFunctionBody parses an @update trigger function body
// ("BEGIN NEW.a = now(); RETURN NEW; END;") into its assignments. ok is
// false when the body has another shape.
func ParseUpdateFunctionBody(src string) (as []Assignment, ok bool) {
	m := reTriggerBody.FindStringSubmatch(src)
	if m == nil {
		return nil, false
	}
	for _, stmt := range splitStatements(m[1]) {
		a := reAssignment.FindStringSubmatch(strings.TrimSpace(stmt))
		if a == nil {
			return nil, false
		}
		col := a[1]
		if strings.HasPrefix(col, `"`) {
			col = strings.ReplaceAll(col[1:len(col)-1], `""`, `"`)
		} else {
			col = strings.ToLower(col)
		}
		as = append(as, Assignment{Column: col, Expr: strings.TrimSpace(a[2])})
	}
	return as, true
}

// splitStatements splits on semicolons outside quotes and parentheses.
func splitStatements(s string) []string {
	var out []string
	inQ, depth, start := false, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inQ = !inQ
		case inQ:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ';' && depth == 0:
			if st := strings.TrimSpace(s[start:i]); st != "" {
				out = append(out, st)
			}
			start = i + 1
		}
	}
	if st := strings.TrimSpace(s[start:]); st != "" {
		out = append(out, st)
	}
	return out
}
