package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/internal/pgtest"
)

func dbWith(t *testing.T, sql string) (string, *pgx.Conn) {
	t.Helper()
	url := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if sql != "" {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	return url, conn
}

func runExoIn(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb strings.Builder
	code = Run(args, IO{In: strings.NewReader(stdin), Out: &out, Err: &errb})
	return out.String(), errb.String(), code
}

func tableExists(t *testing.T, conn *pgx.Conn, name string) bool {
	t.Helper()
	var ok bool
	if err := conn.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestSchemaVerifyMigrateRoundTrip(t *testing.T) {
	t.Chdir(writeProject(t, concertModel))
	url, conn := dbWith(t, "")

	out, errs, code := runExo(t, "schema", "verify", "-d", url)
	if code != ExitModel || !strings.Contains(errs, "Incompatible model.") ||
		!strings.Contains(out, "The table `concerts` exists in the model, but does not exist in the database.") ||
		!strings.Contains(out, "The table `venues` exists in the model, but does not exist in the database.") {
		t.Fatalf("verify on an empty database: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}

	out, errs, code = runExo(t, "schema", "migrate", "-d", url, "--non-interactive")
	if code != ExitOK || out != concertSQL {
		t.Fatalf("migrate from empty: exit %d, stderr %s\nstdout:\n%s\nwant:\n%s", code, errs, out, concertSQL)
	}
	if tableExists(t, conn, "concerts") {
		t.Fatal("migrate without --apply-to-database changed the database")
	}
	if _, errs, code = runExo(t, "schema", "migrate", "-d", url, "--apply-to-database", "--non-interactive"); code != ExitOK {
		t.Fatalf("apply: exit %d: %s", code, errs)
	}
	if !tableExists(t, conn, "concerts") {
		t.Fatal("--apply-to-database did not create the tables")
	}
	out, errs, code = runExo(t, "schema", "verify", "-d", url)
	if code != ExitOK || out != "This model is compatible with the database schema!\n" {
		t.Fatalf("verify after migrate: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	out, _, code = runExo(t, "schema", "migrate", "-d", url, "--non-interactive")
	if code != ExitOK || out != "The schema is up to date. No migrations needed.\n" {
		t.Fatalf("migrate when up to date: exit %d, %q", code, out)
	}

	// the URL from the environment
	t.Setenv("EXO_POSTGRES_URL", url)
	if out, _, code := runExo(t, "schema", "verify"); code != ExitOK || !strings.Contains(out, "compatible") {
		t.Errorf("verify with EXO_POSTGRES_URL: exit %d, %q", code, out)
	}
	t.Setenv("EXO_POSTGRES_URL", "")
	t.Setenv("DATABASE_URL", "")
	if _, errs, code := runExo(t, "schema", "verify"); code != ExitUsage || !strings.Contains(errs, "EXO_POSTGRES_URL") {
		t.Errorf("verify without a database: exit %d, %q", code, errs)
	}
}

func TestSchemaMigrateDestructive(t *testing.T) {
	t.Chdir(writeProject(t, concertModel))
	url, conn := dbWith(t, concertSQL+`ALTER TABLE "concerts" ADD "legacy" TEXT NOT NULL DEFAULT 'x';
CREATE TABLE "old_stuff" ("id" INT PRIMARY KEY);`)

	out, errs, code := runExo(t, "schema", "verify", "-d", url)
	if code != ExitOK {
		t.Errorf("extra defaulted column and extra table should be compatible: exit %d\n%s%s", code, out, errs)
	}
	out, _, code = runExo(t, "schema", "migrate", "-d", url, "--non-interactive")
	for _, want := range []string{`-- ALTER TABLE "concerts" DROP COLUMN "legacy";`, `-- DROP TABLE "old_stuff" CASCADE;`} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("migrate: exit %d, missing %q in:\n%s", code, want, out)
		}
	}
	if _, errs, code := runExo(t, "schema", "migrate", "-d", url, "--non-interactive", "--apply-to-database"); code != ExitOK ||
		!strings.Contains(errs, "--allow-destructive-changes") {
		t.Errorf("apply without allowance: exit %d, stderr %q", code, errs)
	}
	if !tableExists(t, conn, "old_stuff") {
		t.Fatal("a table was dropped without --allow-destructive-changes")
	}
	out, _, code = runExo(t, "schema", "migrate", "-d", url, "--non-interactive", "--allow-destructive-changes", "--apply-to-database")
	if code != ExitOK || !strings.HasPrefix(out, "DROP TABLE \"old_stuff\" CASCADE;") {
		t.Fatalf("apply with allowance: exit %d\n%s", code, out)
	}
	if tableExists(t, conn, "old_stuff") {
		t.Error("--allow-destructive-changes did not drop the table")
	}
	if out, _, _ := runExo(t, "schema", "migrate", "-d", url, "--non-interactive"); !strings.Contains(out, "up to date") {
		t.Errorf("not up to date after the destructive migration:\n%s", out)
	}

	// -o writes the file; --apply-to-database with -o is refused
	if _, _, code := runExo(t, "schema", "migrate", "-d", url, "-o", "m.sql", "--apply-to-database"); code != ExitUsage {
		t.Errorf("-o with --apply-to-database: exit %d", code)
	}
}

const renamedTodoModel = `@postgres
module TodoModule {
    @table("t_todos")
    type Todo {
        @pk id: Int = autoIncrement()
        title: String
    }
}
`

const todoSQL = `CREATE TABLE "todos" ("id" SERIAL PRIMARY KEY, "title" TEXT NOT NULL);
INSERT INTO "todos" ("title") VALUES ('keep me');`

func TestSchemaMigrateRenameTable(t *testing.T) {
	dir := writeProject(t, renamedTodoModel)
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "interactions.toml"), []byte(`# answers
[[rename-table]]
old-table = "todos"   # the old name
new-table = "t_todos"
`), 0o644); err != nil {
		t.Fatal(err)
	}

	// non-interactive: drop and create
	url, _ := dbWith(t, todoSQL)
	out, _, code := runExo(t, "schema", "migrate", "-d", url, "--non-interactive")
	if code != ExitOK || !strings.Contains(out, `-- DROP TABLE "todos" CASCADE;`) || !strings.Contains(out, `CREATE TABLE "t_todos"`) {
		t.Errorf("non-interactive: exit %d\n%s", code, out)
	}

	// interactive: the prompt offers the rename
	out, errs, code := runExoIn(t, "1\n", "schema", "migrate", "-d", url)
	if code != ExitOK || !strings.Contains(out, `ALTER TABLE "todos" RENAME TO "t_todos";`) || strings.Contains(out, "CREATE TABLE") ||
		!strings.Contains(errs, "The table `todos` exists in the database but not in the model") {
		t.Errorf("interactive rename: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	// interactive, answer "drop"
	out, _, _ = runExoIn(t, "2\n", "schema", "migrate", "-d", url)
	if !strings.Contains(out, `CREATE TABLE "t_todos"`) {
		t.Errorf("interactive drop:\n%s", out)
	}

	// interactions file, applied: the data survives
	_, errs, code = runExo(t, "schema", "migrate", "-d", url, "--non-interactive", "--interactions", "interactions.toml", "--apply-to-database")
	if code != ExitOK {
		t.Fatalf("apply with interactions: exit %d: %s", code, errs)
	}
	conn2, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close(context.Background())
	var title string
	if err := conn2.QueryRow(context.Background(), `SELECT title FROM t_todos`).Scan(&title); err != nil || title != "keep me" {
		t.Errorf("renamed table lost its data: %q, %v", title, err)
	}
	if out, errs, code := runExo(t, "schema", "verify", "-d", url); code != ExitOK {
		t.Errorf("verify after rename: exit %d\n%s%s", code, out, errs)
	}

	// a bad interactions file
	if err := os.WriteFile(filepath.Join(dir, "bad.toml"), []byte("[[rename-column]]\nold = \"a\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runExo(t, "schema", "migrate", "-d", url, "--interactions", "bad.toml"); code != ExitModel || !strings.Contains(errs, "line 1") {
		t.Errorf("bad interactions: exit %d, %q", code, errs)
	}
}

func TestSchemaMigrateRollsBack(t *testing.T) {
	t.Chdir(writeProject(t, concertModel))
	// concerts has a row, so adding the NOT NULL column venue_id fails after
	// venues was created: everything must be rolled back.
	url, conn := dbWith(t, `CREATE TABLE "concerts" ("id" SERIAL PRIMARY KEY, "title" TEXT NOT NULL);
INSERT INTO "concerts" ("title") VALUES ('x');`)
	_, errs, code := runExo(t, "schema", "migrate", "-d", url, "--non-interactive", "--apply-to-database")
	if code != ExitModel || !strings.Contains(errs, "rolled back") {
		t.Fatalf("failing migration: exit %d, stderr %q", code, errs)
	}
	if tableExists(t, conn, "venues") {
		t.Error("the failed migration was not rolled back: venues exists")
	}
}

func TestSchemaImportCompilesAndVerifies(t *testing.T) {
	url, _ := dbWith(t, `CREATE SCHEMA "c";
CREATE TABLE "venues" ("id" SERIAL PRIMARY KEY, "name" TEXT NOT NULL);
CREATE TABLE "c"."concerts" ("id" SERIAL PRIMARY KEY, "title" VARCHAR(100) NOT NULL, "venue_id" INT NOT NULL, "price" NUMERIC(20, 2));
ALTER TABLE "c"."concerts" ADD CONSTRAINT "c_concerts_venue_fk" FOREIGN KEY ("venue_id") REFERENCES "venues";
CREATE INDEX "concert_title_idx" ON "c"."concerts" ("title");`)
	dir := t.TempDir()
	t.Chdir(dir)
	out, errs, code := runExo(t, "schema", "import", "-d", url, "-o", "src/index.exo", "--query-access", "true")
	if code != ExitOK || out != "" {
		t.Fatalf("import: exit %d, %s%s", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "src", "index.exo"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "@access(query=true, mutation=false)") || !strings.Contains(string(b), "concerts: Set<Concert>?") {
		t.Errorf("imported model:\n%s", b)
	}
	out, errs, code = runExo(t, "schema", "verify", "-d", url)
	if code != ExitOK {
		t.Fatalf("verify of the imported model: exit %d\n%s%s\nmodel:\n%s", code, out, errs, b)
	}
	out, _, _ = runExo(t, "schema", "migrate", "-d", url, "--non-interactive")
	if !strings.Contains(out, "up to date") {
		t.Errorf("migrate of the imported model is not empty:\n%s\nmodel:\n%s", out, b)
	}
	// to stdout, fragments
	out, _, code = runExo(t, "schema", "import", "-d", url, "--generate-fragments")
	if code != ExitOK || !strings.Contains(out, "fragment ConcertFragment {") {
		t.Errorf("fragments: exit %d\n%s", code, out)
	}
}
