package migrate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const conformanceDir = "../../shared/conformance/migration-tests"

type migrationCase struct{ name, dir string }

func migrationCases(t *testing.T) []migrationCase {
	t.Helper()
	entries, err := os.ReadDir(conformanceDir)
	if err != nil {
		t.Skipf("conformance cases not available (%v); they live in /work/shared/conformance", err)
	}
	var cs []migrationCase
	for _, e := range entries {
		if e.IsDir() {
			cs = append(cs, migrationCase{e.Name(), filepath.Join(conformanceDir, e.Name())})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	return cs
}

// readCaseFile reads scope-all-schemas/<name>; missing files are empty.
func readCaseFile(t *testing.T, c migrationCase, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, "scope-all-schemas", name))
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func compileModel(t *testing.T, dir string) *ir.System {
	t.Helper()
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if diags.HasErrors() || sys == nil {
		t.Fatalf("compile %s: %v", dir, diags)
	}
	return sys
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// freshDB returns a connection to a new database with sql applied.
func freshDB(t *testing.T, sql string) *pgx.Conn {
	t.Helper()
	conn := connect(t, pgtest.New(t))
	if strings.TrimSpace(sql) != "" {
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatalf("applying SQL: %v\n%s", err, sql)
		}
	}
	return conn
}

func inspectAll(t *testing.T, conn *pgx.Conn, exclude []schema.Name) *schema.Schema {
	t.Helper()
	s, err := schema.Inspect(context.Background(), conn, schema.InspectOptions{ExcludeTables: exclude})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func describe(cs []schema.Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  - %s: %s\n", c.Kind, c)
	}
	return b.String()
}

// statements splits a script into normalised statements (comments kept as
// "-- " prefixed statements, whitespace collapsed).
func statements(script string) []string {
	var out []string
	for _, chunk := range strings.Split(script, ";") {
		s := strings.Join(strings.Fields(chunk), " ")
		s = strings.TrimSpace(strings.TrimPrefix(s, "-- "))
		if s == "" || s == "--" {
			continue
		}
		commented := strings.HasPrefix(strings.TrimSpace(chunk), "--")
		if commented {
			s = "-- " + strings.ReplaceAll(s, " -- ", " ")
		}
		out = append(out, s)
	}
	return out
}

type caseResult struct {
	name, status string
	same, want   int // statements of up.sql found in ours / in up.sql
	ours         int
	exact        bool // same statements in the same order
}

// TestConformanceMigrate is the acceptance test of `exo schema migrate`: a
// database at old.sql migrated to the new model (destructive changes
// allowed) has the same schema as new.sql; without the allowance the
// destructive statements are commented out and no table or column is
// dropped. It also compares the migration text with the case's up.sql.
func TestConformanceMigrate(t *testing.T) {
	var results []caseResult
	for _, c := range migrationCases(t) {
		t.Run(c.name, func(t *testing.T) {
			res := caseResult{name: c.name, status: "FAIL"}
			defer func() { results = append(results, res) }()
			ctx := context.Background()
			oldSQL, newSQL := readCaseFile(t, c, "old.sql"), readCaseFile(t, c, "new.sql")
			probe := freshDB(t, "")
			for _, sql := range []string{oldSQL, newSQL} {
				if r := pgtest.NotApplicable(t, probe, sql); r != "" {
					res.status = "skip: " + r
					t.Skip("not applicable: " + r)
				}
			}
			m := ModelOf(compileModel(t, filepath.Join(c.dir, "new")))
			want := inspectAll(t, freshDB(t, newSQL), m.Unmanaged)

			// with destructive changes allowed: run the printed script
			db := freshDB(t, oldSQL)
			plan, err := Migrate(ctx, db, m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			script := plan.Script(true)
			if _, err := db.Exec(ctx, script); err != nil {
				t.Fatalf("applying the migration: %v\n%s", err, script)
			}
			got := inspectAll(t, db, m.Unmanaged)
			if d := schema.Compare(got, want); len(d) != 0 {
				t.Errorf("migrated database differs from new.sql:\n%s\nmigration:\n%s", describe(d), script)
			}
			// migrating again finds nothing to do
			again, err := Migrate(ctx, db, m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !again.Empty() {
				t.Errorf("second migration is not empty:\n%s", again.Script(true))
			}

			// without the allowance
			db2 := freshDB(t, oldSQL)
			before := inspectAll(t, db2, nil)
			plan2, err := Migrate(ctx, db2, m, Options{})
			if err != nil {
				t.Fatal(err)
			}
			safe := plan2.Script(false)
			for _, s := range plan2.Statements {
				if s.Destructive && !strings.Contains(safe, commentOut(s.SQL)) {
					t.Errorf("destructive statement not commented out: %s", s.SQL)
				}
			}
			if _, err := db2.Exec(ctx, safe); err != nil {
				t.Fatalf("applying the non-destructive migration: %v\n%s", err, safe)
			}
			after := inspectAll(t, db2, nil)
			for _, bt := range before.Tables {
				at := after.Table(bt.Name)
				if at == nil {
					t.Errorf("table %s was dropped without --allow-destructive-changes", bt.Name)
					continue
				}
				for _, col := range bt.Columns {
					if at.Column(col.Name) == nil {
						t.Errorf("column %s.%s was dropped without --allow-destructive-changes", bt.Name, col.Name)
					}
				}
			}

			// closeness to up.sql (Exograph's output without the allowance)
			up := statements(readCaseFile(t, c, "up.sql"))
			ours := statements(safe)
			res.want, res.ours = len(up), len(ours)
			for _, s := range up {
				for _, o := range ours {
					if strings.EqualFold(s, o) {
						res.same++
						break
					}
				}
			}
			res.exact = strings.EqualFold(strings.Join(up, "\n"), strings.Join(ours, "\n"))
			if res.same != len(up) || len(ours) != len(up) {
				t.Logf("text differs from up.sql (%d/%d statements identical, %d ours)\n--- ours\n%s--- up.sql\n%s",
					res.same, len(up), len(ours), safe, readCaseFile(t, c, "up.sql"))
			}
			if !t.Failed() {
				res.status = "ok"
			}
		})
	}
	var b strings.Builder
	for _, r := range results {
		fmt.Fprintf(&b, "%-45s %-8s up.sql statements identical: %d/%d (ours: %d, same text and order: %t)\n", r.name, r.status, r.same, r.want, r.ours, r.exact)
	}
	t.Logf("per-case results:\n%s", b.String())
}
