package dev

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

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
