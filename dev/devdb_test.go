package dev

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func compileModel(t *testing.T, src string) *ir.System {
	t.Helper()
	sys, diags := compiler.Compile(compiler.Options{Root: ".", FS: fstest.MapFS{"src/index.exo": {Data: []byte(src)}}})
	if diags.HasErrors() || sys == nil {
		t.Fatalf("compile: %v", diags)
	}
	return sys
}

const devModel = `@postgres
module M {
  @access(true)
  type Item {
    @pk id: Int = autoIncrement()
    name: String
    extra: String?
  }
}
`

func TestDevDBMigrations(t *testing.T) {
	url := pgtest.New(t)
	var events []Event
	d := &DevDB{URL: url, Serving: Serving{Env: map[string]string{"EXO_POSTGRES_READ_WRITE": "true"}},
		Events: func(e Event) { events = append(events, e) }}
	text := func() string {
		var b strings.Builder
		for _, e := range events {
			b.WriteString(e.Message + "\n" + e.Detail + "\n")
		}
		events = nil
		return b.String()
	}
	ctx := context.Background()
	query := func(g Generation, q string) string {
		rec := httptest.NewRecorder()
		g.Handler.ServeHTTP(rec, httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":`+q+`}`)))
		body, _ := io.ReadAll(rec.Body)
		return string(body)
	}

	// Empty database: the (non-destructive) migration is applied.
	g, err := d.Prepare(ctx, compileModel(t, devModel))
	if err != nil {
		t.Fatal(err)
	}
	if out := text(); !strings.Contains(out, "Migration successful!") || !strings.Contains(out, "CREATE TABLE") {
		t.Fatalf("first build:\n%s", out)
	}
	if got := query(g, `"mutation { createItem(data: {name: \"a\", extra: \"x\"}) { id } }"`); strings.Contains(got, "errors") {
		t.Fatalf("createItem: %s", got)
	}
	g.Release()

	// Dropping a field is destructive: not applied without consent.
	dropped := strings.Replace(devModel, "    extra: String?\n", "", 1)
	g, err = d.Prepare(ctx, compileModel(t, dropped))
	if err != nil {
		t.Fatal(err)
	}
	out := text()
	if !strings.Contains(out, "not compatible") || !strings.Contains(out, "Continuing with the old schema") || strings.Contains(out, "Migration successful") {
		t.Fatalf("destructive change without consent:\n%s", out)
	}
	g.Release()

	// With consent it is applied, and the rows stay.
	asked := ""
	d.Confirm = func(script string) bool { asked = script; return true }
	g, err = d.Prepare(ctx, compileModel(t, dropped))
	if err != nil {
		t.Fatal(err)
	}
	if out := text(); !strings.Contains(out, "Migration successful!") || !strings.Contains(asked, "DROP COLUMN") {
		t.Fatalf("destructive change with consent:\n%s\nasked: %s", out, asked)
	}
	if got := query(g, `"{ items { name } }"`); !strings.Contains(got, `"name":"a"`) {
		t.Fatalf("rows lost: %s", got)
	}
	g.Release()

	// Up to date.
	g, err = d.Prepare(ctx, compileModel(t, dropped))
	if err != nil {
		t.Fatal(err)
	}
	if out := text(); !strings.Contains(out, "compatible with the database schema") {
		t.Fatalf("no-op build:\n%s", out)
	}
	g.Release()
}

// A migration that fails when applied (a NOT NULL column without a default
// on a table with rows, a unique index over duplicate values): by default
// the build fails and the loop keeps serving the previous one; with
// IgnoreMigrationErrors the failure is a warning and the new model is
// served against the database as it is.
func TestDevDBMigrationFailure(t *testing.T) {
	cases := []struct {
		name, model, newField, wantErr string
	}{
		{"not null column", strings.Replace(devModel, "    extra: String?\n", "    extra: String?\n    code: String\n", 1), "code", "23502"},
		{"unique over duplicates", strings.Replace(devModel, "    name: String\n", "    @unique name: String\n", 1), "", "23505"},
	}
	for _, c := range cases {
		for _, ignore := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/ignore=%t", c.name, ignore), func(t *testing.T) {
				testMigrationFailure(t, c.model, c.newField, c.wantErr, ignore)
			})
		}
	}
}

func testMigrationFailure(t *testing.T, broken, newField, wantErr string, ignore bool) {
	url := pgtest.New(t)
	var mu sync.Mutex
	var events []Event
	d := &DevDB{URL: url, Serving: Serving{Env: map[string]string{"EXO_POSTGRES_READ_WRITE": "true"}},
		Events:                func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() },
		IgnoreMigrationErrors: ignore, FailureHint: "the hint"}
	text := func() string {
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		for _, e := range events {
			fmt.Fprintf(&b, "[%d] %s\n%s\n", e.Kind, e.Message, e.Detail)
		}
		events = nil
		return b.String()
	}
	swap := &Swap{}
	defer swap.Close()
	model := devModel
	o := &LoopOptions{
		Build:   func(context.Context) (*ir.System, string, error) { return compileModel(t, model), "", nil },
		Prepare: d.Prepare,
		Swap:    swap,
		Events:  d.Events,
	}
	query := func(q string) string {
		rec := httptest.NewRecorder()
		swap.ServeHTTP(rec, httptest.NewRequest("POST", "/graphql", strings.NewReader(`{"query":`+strconv.Quote(q)+`}`)))
		body, _ := io.ReadAll(rec.Body)
		return string(body)
	}
	ctx := context.Background()
	if !Rebuild(ctx, o, "") {
		t.Fatalf("first build not served:\n%s", text())
	}
	for _, name := range []string{"a", "a"} {
		if got := query(`mutation { createItem(data: {name: "` + name + `"}) { id } }`); strings.Contains(got, "errors") {
			t.Fatalf("createItem: %s", got)
		}
	}
	text()

	model = broken
	served := Rebuild(ctx, o, "change")
	mu.Lock()
	got := append([]Event(nil), events...)
	mu.Unlock()
	out := text()
	if !strings.Contains(out, "SQLSTATE "+wantErr) || !strings.Contains(out, "rolled back") {
		t.Errorf("the failure is not reported with the SQL error:\n%s", out)
	}
	if strings.Contains(out, "Migration successful") {
		t.Errorf("success reported:\n%s", out)
	}
	if served != ignore {
		t.Fatalf("new build served = %t, want %t:\n%s", served, ignore, out)
	}
	if !ignore {
		// One build failure carrying the SQL error, as for a model with
		// errors (plain mode prints it, the dashboard shows it as the build).
		var failure *Event
		for i, e := range got {
			if e.Kind == EventBuildFailed {
				failure = &got[i]
			}
		}
		if failure == nil || !strings.Contains(failure.Message, "the migration failed: fix the model or the database") ||
			!strings.Contains(failure.Message, "(the hint)") || !strings.Contains(failure.Detail, "SQLSTATE "+wantErr) {
			t.Errorf("no build failure with the SQL error: %+v\n%s", failure, out)
		}
		if !strings.Contains(out, "Still serving the last good build") {
			t.Errorf("pause not reported:\n%s", out)
		}
		// The old model answers; the new field is not served.
		if got := query(`{ items { name extra } }`); !strings.Contains(got, `"name":"a"`) || strings.Contains(got, "errors") {
			t.Errorf("old model not served: %s", got)
		}
		if newField != "" {
			if got := query(`{ items { ` + newField + ` } }`); !strings.Contains(got, "errors") {
				t.Errorf("the new field is served: %s", got)
			}
		}
	} else {
		if !strings.Contains(out, "Migration failed:") || !strings.Contains(out, "Ignoring the migration error") || strings.Contains(out, "Still serving the last good build") {
			t.Errorf("ignored failure not reported as a warning:\n%s", out)
		}
		// The new model is served: a query not touching the failed column
		// works, the column itself is missing from the database.
		if got := query(`{ items { id name } }`); !strings.Contains(got, `"name":"a"`) || strings.Contains(got, "errors") {
			t.Errorf("new model not served: %s", got)
		}
		if newField != "" {
			if got := query(`{ items { ` + newField + ` } }`); !strings.Contains(got, "errors") {
				t.Errorf("querying the missing column should fail: %s", got)
			}
		}
	}
	// The database was left as it was (the migration was rolled back).
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'code' AND NOT attisdropped`).Scan(&n); err != nil || n != 0 {
		t.Errorf("code column: %d %v", n, err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_indexes WHERE tablename = 'items' AND indexdef LIKE '%UNIQUE%' AND indexname <> 'items_pkey'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("unique indexes: %d %v", n, err)
	}

	// Fixing the model (an optional field) resumes: migrated and served.
	model = strings.Replace(devModel, "    extra: String?\n", "    extra: String?\n    code: String?\n", 1)
	if !Rebuild(ctx, o, "fix") {
		t.Fatalf("fixed model not served:\n%s", text())
	}
	if out := text(); !strings.Contains(out, "Migration successful!") {
		t.Errorf("fixed model not migrated:\n%s", out)
	}
	if got := query(`{ items { name code } }`); !strings.Contains(got, `"code":null`) {
		t.Errorf("after the fix: %s", got)
	}
}
