package schema

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

	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// conformanceDir is where the migration-tests cases live.
const conformanceDir = "../../shared/conformance/migration-tests"

// compileModel compiles the project in dir (a case's old/ or new/). It is
// nil until the compiler lands; then the acceptance test compares the DDL
// of FromIR with the case's .sql.
var compileModel func(dir string) (*ir.System, error)

type migrationCase struct {
	name string
	dir  string
}

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

// readSQL returns the case's old.sql or new.sql; a missing file is an empty
// schema (the cases whose model has only unmanaged types have none).
func readSQL(c migrationCase, which string) (string, bool, error) {
	b, err := os.ReadFile(filepath.Join(c.dir, "scope-all-schemas", which+".sql"))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	return string(b), true, err
}

// notApplicable says why sql cannot load on this server ("" when it can).
func notApplicable(t *testing.T, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	return pgtest.NotApplicable(t, conn, sql)
}

// loadAndInspect applies sql to a fresh database and inspects every user
// schema.
func loadAndInspect(t *testing.T, sql string) *Schema {
	t.Helper()
	url := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if strings.TrimSpace(sql) != "" {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("applying SQL: %v\n%s", err, sql)
		}
	}
	s, err := Inspect(ctx, conn, InspectOptions{})
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	return s
}

func describe(cs []Change) string {
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "  - %s: %s\n", c.Kind, c)
	}
	return b.String()
}

// TestConformanceSQLSelfConsistency checks the harness and the semantic
// comparison on the cases' .sql alone: a .sql loaded twice compares equal,
// old.sql and new.sql differ, and the DDL rendered from an inspected
// database rebuilds the same schema (so the renderer covers everything the
// cases contain).
func TestConformanceSQLSelfConsistency(t *testing.T) {
	for _, c := range migrationCases(t) {
		t.Run(c.name, func(t *testing.T) {
			oldSQL, hasOld, err := readSQL(c, "old")
			if err != nil {
				t.Fatal(err)
			}
			newSQL, hasNew, err := readSQL(c, "new")
			if err != nil {
				t.Fatal(err)
			}
			if !hasOld && !hasNew {
				t.Skip("no .sql files (unmanaged-only models)")
			}
			// Each file is checked on its own: a new.sql needing PostgreSQL 18
			// does not keep old.sql from being checked.
			loaded := map[string]*Schema{}
			for _, f := range []struct{ which, sql string }{{"old", oldSQL}, {"new", newSQL}} {
				if r := notApplicable(t, f.sql); r != "" {
					t.Logf("%s.sql not applicable: %s", f.which, r)
					continue
				}
				s1 := loadAndInspect(t, f.sql)
				s2 := loadAndInspect(t, f.sql)
				if d := Compare(s1, s2); len(d) != 0 {
					t.Errorf("%s.sql vs %s.sql differ:\n%s", f.which, f.which, describe(d))
				}
				// round trip: inspected -> DDL -> database -> inspected
				ddl := Script(s1.DDL())
				if again := loadAndInspect(t, ddl); len(Compare(s1, again)) != 0 {
					t.Errorf("%s.sql: DDL of the inspected schema rebuilds a different schema:\n%s\nDDL:\n%s", f.which, describe(Compare(s1, again)), ddl)
				}
				loaded[f.which] = s1
			}
			if len(loaded) < 2 {
				t.Skip("not applicable: old.sql or new.sql cannot load here")
			}
			if d := Compare(loaded["new"], loaded["old"]); len(d) == 0 {
				t.Errorf("old.sql vs new.sql compare equal")
			} else {
				t.Logf("old -> new:\n%s", describe(d))
			}
		})
	}
}

// TestConformanceSchemaCreate is the acceptance test: for each case and
// each of its models, `exo schema create` DDL (FromIR + DDL) applied to an
// empty database gives the same schema as the case's .sql.
func TestConformanceSchemaCreate(t *testing.T) {
	if compileModel == nil {
		t.Skip("the compiler is not available yet")
	}
	for _, c := range migrationCases(t) {
		for _, which := range []string{"old", "new"} {
			t.Run(c.name+"/"+which, func(t *testing.T) {
				sql, _, err := readSQL(c, which)
				if err != nil {
					t.Fatal(err)
				}
				if r := notApplicable(t, sql); r != "" {
					t.Skip("not applicable: " + r)
				}
				sys, err := compileModel(filepath.Join(c.dir, which))
				if err != nil {
					t.Fatalf("compile: %v", err)
				}
				ddl := Script(FromIR(sys).DDL())
				want := loadAndInspect(t, sql)
				got := loadAndInspect(t, ddl)
				if d := Compare(got, want); len(d) != 0 {
					t.Errorf("schema create differs from %s.sql:\n%s\nDDL:\n%s", which, describe(d), ddl)
				}
			})
		}
	}
}

// TestConformanceSchemaCreateText compares the text of `exo schema create`
// with the case's .sql, whitespace aside. It also covers the cases that
// cannot load here (pgvector, PostgreSQL 18), whose only check it is.
func TestConformanceSchemaCreateText(t *testing.T) {
	if compileModel == nil {
		t.Skip("the compiler is not available yet")
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for _, c := range migrationCases(t) {
		for _, which := range []string{"old", "new"} {
			t.Run(c.name+"/"+which, func(t *testing.T) {
				sql, _, err := readSQL(c, which)
				if err != nil {
					t.Fatal(err)
				}
				sys, err := compileModel(filepath.Join(c.dir, which))
				if err != nil {
					t.Fatalf("compile: %v", err)
				}
				ddl := Script(FromIR(sys).DDL())
				if norm(ddl) != norm(sql) {
					t.Errorf("DDL text differs from %s.sql\n--- got\n%s\n--- want\n%s", which, ddl, sql)
				}
			})
		}
	}
}
