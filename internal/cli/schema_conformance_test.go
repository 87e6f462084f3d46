package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/internal/pgtest"
)

const migrationTestsDir = "../../../shared/conformance/migration-tests"

// loadCaseSQL returns a database with sql applied, or a reason why sql
// cannot load on this server (pgvector, uuidv7()).
func loadCaseSQL(t *testing.T, sql string) (string, *pgx.Conn, string) {
	t.Helper()
	url := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if strings.TrimSpace(sql) == "" {
		return url, conn, ""
	}
	if _, err := conn.Exec(ctx, sql); err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, `extension "vector"`):
			return "", nil, "needs pgvector"
		case strings.Contains(msg, "uuidv7"):
			return "", nil, "needs PostgreSQL 18 (uuidv7())"
		}
		t.Fatalf("loading the case SQL: %v", err)
	}
	return url, conn, ""
}

// TestConformanceSchemaVerifyCLI runs the real `exo schema verify` and
// `exo schema migrate` on every migration-tests case: in the new model's
// directory, verify fails on a database at old.sql, migrate
// --apply-to-database --allow-destructive-changes brings it to the model,
// and verify then passes. Cases whose new.sql does not load here are
// skipped.
func TestConformanceSchemaVerifyCLI(t *testing.T) {
	entries, err := os.ReadDir(migrationTestsDir)
	if err != nil {
		t.Skipf("conformance cases not available (%v); they live in /work/shared/conformance", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var summary []string
	for _, name := range names {
		dir, err := filepath.Abs(filepath.Join(migrationTestsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			status := "FAIL"
			defer func() { summary = append(summary, fmt.Sprintf("%-45s %s", name, status)) }()
			read := func(f string) string {
				b, err := os.ReadFile(filepath.Join(dir, "scope-all-schemas", f))
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				return string(b)
			}
			if _, _, r := loadCaseSQL(t, read("new.sql")); r != "" {
				status = "skip: " + r
				t.Skip(r)
			}
			url, _, r := loadCaseSQL(t, read("old.sql"))
			if r != "" {
				status = "skip: " + r
				t.Skip(r)
			}
			t.Chdir(filepath.Join(dir, "new"))

			// Is there anything to migrate?
			plan, errs, code := runExo(t, "schema", "migrate", "-d", url, "--non-interactive", "--allow-destructive-changes")
			if code != ExitOK {
				t.Fatalf("schema migrate: exit %d\n%s", code, errs)
			}
			upToDate := plan == "The schema is up to date. No migrations needed.\n"

			out, errs, code := runExo(t, "schema", "verify", "-d", url)
			before := "compatible"
			switch {
			case code == ExitModel && strings.Contains(errs, "Incompatible model.") && strings.Contains(out, "This model is not compatible"):
				before = "incompatible"
			case code == ExitOK && out == "This model is compatible with the database schema!\n":
				if !upToDate && !onlyIgnoredChanges(plan) {
					t.Errorf("verify passes before the migration, which has work to do:\n%s", plan)
				}
			default:
				t.Fatalf("verify before the migration: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			issues := strings.Count(out, "\n- ")

			if _, errs, code = runExo(t, "schema", "migrate", "-d", url, "--non-interactive",
				"--allow-destructive-changes", "--apply-to-database"); code != ExitOK {
				t.Fatalf("schema migrate --apply-to-database: exit %d\n%s", code, errs)
			}
			out, errs, code = runExo(t, "schema", "verify", "-d", url)
			if code != ExitOK || out != "This model is compatible with the database schema!\n" {
				t.Fatalf("verify after the migration: exit %d\nstdout:\n%s\nstderr:\n%s\nmigration:\n%s", code, out, errs, plan)
			}
			switch {
			case before == "incompatible":
				status = fmt.Sprintf("ok: fails before (%d issue(s)), passes after", issues)
			case upToDate:
				status = "ok: nothing to migrate, passes before and after"
			default:
				status = "ok: passes before (only changes a running model ignores), passes after"
			}
		})
	}
	t.Logf("per-case results:\n%s", strings.Join(summary, "\n"))
}

// onlyIgnoredChanges reports whether a migration script only drops objects
// the model does not use (verify accepts extra tables, nullable columns,
// indexes ...).
func onlyIgnoredChanges(script string) bool {
	for _, stmt := range strings.Split(script, ";") {
		s := strings.TrimSpace(stmt)
		if s == "" {
			continue
		}
		if !strings.HasPrefix(s, "DROP ") && !strings.Contains(s, " DROP COLUMN ") {
			return false
		}
	}
	return true
}
