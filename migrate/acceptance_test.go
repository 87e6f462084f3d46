package migrate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/schema"
)

// sampleLiteral is a value of the canonical column type typ that fits any
// length or precision modifier (an enum takes its first value).
func sampleLiteral(s *schema.Schema, typ string) (string, bool) {
	if strings.HasSuffix(typ, "[]") {
		return "'{}'::" + typ, true
	}
	for _, e := range s.Enums {
		if (e.Name.String() == typ || schema.Name{Schema: e.Name.Schema, Name: e.Name.Name}.SQL() == typ) && len(e.Values) > 0 {
			return "'" + strings.ReplaceAll(e.Values[0], "'", "''") + "'::" + typ, true
		}
	}
	base := typ
	if i := strings.IndexByte(base, '('); i >= 0 {
		base = strings.TrimSpace(base[:i]) + strings.TrimSpace(base[strings.IndexByte(base, ')')+1:])
	}
	var lit string
	switch base {
	case "smallint", "integer", "bigint", "numeric", "real", "double precision":
		lit = "1"
	case "text", "character varying", "character", "citext":
		lit = "a"
	case "boolean":
		lit = "true"
	case "date":
		lit = "2024-01-02"
	case "timestamp without time zone", "timestamp with time zone":
		lit = "2024-01-02 03:04:05"
	case "time without time zone", "time with time zone":
		lit = "03:04:05"
	case "uuid":
		lit = "00000000-0000-4000-8000-000000000001"
	case "json", "jsonb":
		lit = `{"k": 1}`
	case "bytea":
		lit = `\x00ff`
	case "interval":
		lit = "1 day"
	default:
		return "", false
	}
	return "'" + lit + "'::" + typ, true
}

// seedRows inserts one row into every table of s, parents before children,
// filling every column without a serial default: foreign key columns take
// the referenced row's value, the others a sample of their type.
func seedRows(t *testing.T, conn *pgx.Conn, s *schema.Schema) {
	t.Helper()
	ctx := context.Background()
	done := map[string]bool{}
	key := func(n schema.Name) string { return n.SchemaName() + "." + n.Name }
	pending := slices.Clone(s.Tables)
	for len(pending) > 0 {
		progress := false
		for i := 0; i < len(pending); i++ {
			tb := pending[i]
			ready := true
			for _, fk := range tb.ForeignKeys {
				if k := key(fk.RefTable); k != key(tb.Name) && !done[k] {
					ready = false
				}
			}
			if !ready {
				continue
			}
			var cols, vals []string
			for _, c := range tb.Columns {
				if c.Serial {
					continue
				}
				val := ""
				for _, fk := range tb.ForeignKeys {
					if j := slices.Index(fk.Columns, c.Name); j >= 0 {
						if key(fk.RefTable) == key(tb.Name) {
							val = "NULL" // self reference: nothing to point to yet
						} else {
							val = fmt.Sprintf("(SELECT %s FROM %s LIMIT 1)", schema.QuoteIdent(fk.RefColumns[j]), fk.RefTable.SQL())
						}
					}
				}
				if val == "" {
					lit, ok := sampleLiteral(s, c.Type)
					if !ok {
						if c.Nullable || c.Default != "" {
							continue
						}
						t.Fatalf("no sample value for %s.%s of type %s", tb.Name, c.Name, c.Type)
					}
					val = lit
				}
				cols = append(cols, schema.QuoteIdent(c.Name))
				vals = append(vals, val)
			}
			sql := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", tb.Name.SQL(), strings.Join(cols, ", "), strings.Join(vals, ", "))
			if len(cols) == 0 {
				sql = fmt.Sprintf("INSERT INTO %s DEFAULT VALUES", tb.Name.SQL())
			}
			if _, err := conn.Exec(ctx, sql); err != nil {
				t.Fatalf("seeding %s: %v\n%s", tb.Name, err, sql)
			}
			done[key(tb.Name)] = true
			pending = slices.Delete(pending, i, i+1)
			i--
			progress = true
		}
		if !progress {
			t.Fatalf("cannot order the tables for seeding (foreign key cycle?)")
		}
	}
}

// tableRows returns the rows of every table of s as JSON objects.
func tableRows(t *testing.T, conn *pgx.Conn, s *schema.Schema) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, tb := range s.Tables {
		rows, err := conn.Query(context.Background(), fmt.Sprintf("SELECT to_jsonb(t)::text FROM %s t", tb.Name.SQL()))
		if err != nil {
			t.Fatalf("reading %s: %v", tb.Name, err)
		}
		for rows.Next() {
			var js string
			if err := rows.Scan(&js); err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(js), &m); err != nil {
				t.Fatal(err)
			}
			out[tb.Name.String()] = append(out[tb.Name.String()], m)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestConformanceMigrateKeepsRows: a database at old.sql with a row in
// every table, migrated to the new model without the allowance for
// destructive changes (Plan.Apply(false), as --apply-to-database runs it),
// keeps every row with every value.
func TestConformanceMigrateKeepsRows(t *testing.T) {
	var summary []string
	for _, c := range migrationCases(t) {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			oldSQL, newSQL := readCaseFile(t, c, "old.sql"), readCaseFile(t, c, "new.sql")
			probe := freshDB(t, "")
			for _, sql := range []string{oldSQL, newSQL} {
				if r := pgtest.NotApplicable(t, probe, sql); r != "" {
					summary = append(summary, fmt.Sprintf("%-45s skip: %s", c.name, r))
					t.Skip("not applicable: " + r)
				}
			}
			m := ModelOf(compileModel(t, filepath.Join(c.dir, "new")))
			db := freshDB(t, oldSQL)
			before := inspectAll(t, db, nil)
			seedRows(t, db, before)
			rowsBefore := tableRows(t, db, before)
			plan, err := Migrate(ctx, db, m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			refused := ""
			if err := plan.Apply(ctx, db, false); err != nil {
				// The only acceptable failure: a new NOT NULL column without
				// a default cannot be added to a table with rows (Exograph's
				// migration fails the same way); it is rolled back and says why.
				var pe *pgconn.PgError
				if !errors.As(err, &pe) || pe.Code != "23502" || !strings.Contains(err.Error(), "hint: the table") {
					t.Fatalf("the non-destructive migration fails on a database with rows: %v\n%s", err, plan.Script(false))
				}
				refused = "; refused (NOT NULL column without default on a table with rows), rolled back"
			}
			rowsAfter := tableRows(t, db, before)
			n := 0
			for table, rows := range rowsBefore {
				after := rowsAfter[table]
				if len(after) != len(rows) {
					t.Errorf("%s: %d row(s) before the migration, %d after", table, len(rows), len(after))
					continue
				}
				for i, r := range rows {
					for col, v := range r {
						w, ok := after[i][col]
						if !ok {
							t.Errorf("%s.%s: the column is gone", table, col)
						} else if fmt.Sprint(v) != fmt.Sprint(w) {
							t.Errorf("%s.%s: %v before the migration, %v after", table, col, v, w)
						}
					}
				}
				n += len(rows)
			}
			destructive := 0
			var activeDrops []string // drops of constraints, indexes, defaults ... (no data)
			for _, s := range plan.Statements {
				if s.Destructive {
					destructive++
				} else if strings.Contains(strings.ToUpper(s.SQL), "DROP ") {
					activeDrops = append(activeDrops, strings.Join(strings.Fields(s.SQL), " "))
				}
			}
			if len(activeDrops) > 0 {
				refused += fmt.Sprintf("; active non-data drops: %q", activeDrops)
			}
			status := "ok"
			if t.Failed() {
				status = "FAIL"
			}
			summary = append(summary, fmt.Sprintf("%-45s %-4s %d table(s), %d row(s) kept; %d statement(s), %d destructive not applied%s",
				c.name, status, len(rowsBefore), n, len(plan.Statements), destructive, refused))
		})
	}
	t.Logf("per-case results:\n%s", strings.Join(summary, "\n"))
}

const integrationDir = "../../shared/conformance/integration-tests"

var reModuleAnnotation = regexp.MustCompile(`@(deno|wasm)\b`)

// postgresOnlyProjects lists the integration-test projects (directories with
// src/index.exo) whose models have no @deno or @wasm module.
func postgresOnlyProjects(t *testing.T) (pgOnly []string, withModules int) {
	t.Helper()
	if _, err := os.Stat(integrationDir); err != nil {
		t.Skipf("conformance projects not available (%v); they live in /work/shared/conformance", err)
	}
	err := filepath.WalkDir(integrationDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if _, err := os.Stat(filepath.Join(path, "src", "index.exo")); err != nil {
			return nil
		}
		modules := false
		_ = filepath.WalkDir(filepath.Join(path, "src"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".exo") {
				if b, err := os.ReadFile(p); err == nil && reModuleAnnotation.Match(b) {
					modules = true
				}
			}
			return nil
		})
		if modules {
			withModules++
		} else {
			pgOnly = append(pgOnly, path)
		}
		return filepath.SkipDir
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(pgOnly)
	return pgOnly, withModules
}

// TestConformanceImportIntegration: for every postgres-only integration
// project, the database created from its model (schema create DDL) is
// imported; the imported model compiles, and its own schema create DDL
// gives the same database schema.
func TestConformanceImportIntegration(t *testing.T) {
	projects, withModules := postgresOnlyProjects(t)
	var summary []string
	for _, dir := range projects {
		name, _ := filepath.Rel(integrationDir, dir)
		t.Run(name, func(t *testing.T) {
			status := "FAIL"
			defer func() { summary = append(summary, fmt.Sprintf("%-60s %s", name, status)) }()
			m := ModelOf(compileModel(t, dir))
			ddl := schema.Script(m.Desired.DDL())
			probe := freshDB(t, "")
			if r := pgtest.NotApplicable(t, probe, ddl); r != "" {
				status = "skip: " + r
				t.Skip("not applicable: " + r)
			}
			src := inspectAll(t, freshDB(t, ddl), nil)
			if len(src.Tables) == 0 {
				status = "skip: no managed tables"
				t.Skip("the model creates no tables")
			}
			model, diff := importRoundTrip(t, src, nil)
			if len(diff) != 0 {
				t.Errorf("the schema of the imported model differs from the original:\n%s\nimported model:\n%s", describe(diff), model)
			}
			if !t.Failed() {
				status = fmt.Sprintf("ok (%d tables)", len(src.Tables))
			}
		})
	}
	t.Logf("%d postgres-only projects (%d with @deno/@wasm modules left out):\n%s", len(projects), withModules, strings.Join(summary, "\n"))
}
