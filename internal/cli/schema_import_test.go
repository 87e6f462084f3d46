package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/ir"
)

// importDB is a database exo did not create: an enum, a many-to-one, a
// one-to-one (unique foreign key) and a table in another schema.
const importDB = `CREATE TYPE "status" AS ENUM ('DRAFT', 'PUBLISHED');
CREATE SCHEMA "c";
CREATE TABLE "venues" ("id" SERIAL PRIMARY KEY, "name" TEXT NOT NULL, "capacity" SMALLINT);
CREATE TABLE "concerts" ("id" SERIAL PRIMARY KEY, "title" VARCHAR(100) NOT NULL, "status" "status" NOT NULL DEFAULT 'DRAFT',
  "venue_id" INT NOT NULL REFERENCES "venues", "price" NUMERIC(20, 2), "starts_at" TIMESTAMPTZ);
CREATE TABLE "posters" ("id" SERIAL PRIMARY KEY, "concert_id" INT NOT NULL UNIQUE REFERENCES "concerts", "url" TEXT NOT NULL);
CREATE TABLE "c"."artists" ("id" UUID PRIMARY KEY DEFAULT gen_random_uuid(), "name" TEXT NOT NULL);`

// compileProject compiles dir and fails the test on any diagnostic.
func compileProject(t *testing.T, dir string) *ir.System {
	t.Helper()
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if len(diags) > 0 || sys == nil {
		var files strings.Builder
		_ = filepath.WalkDir(filepath.Join(dir, "src"), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				b, _ := os.ReadFile(p)
				files.WriteString("--- " + p + "\n" + string(b))
			}
			return nil
		})
		t.Fatalf("the project does not compile: %v\n%s", diags, files.String())
	}
	return sys
}

func entity(t *testing.T, sys *ir.System, name string) *ir.Entity {
	t.Helper()
	for i := range sys.Entities {
		if sys.Entities[i].Name == name {
			return &sys.Entities[i]
		}
	}
	t.Fatalf("no type %s in the model", name)
	return nil
}

func fieldNames(e *ir.Entity) []string {
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Name)
	}
	return out
}

func TestSchemaImportFragmentsCompile(t *testing.T) {
	url, _ := dbWith(t, importDB)
	dir := t.TempDir()
	t.Chdir(dir)
	// --fragments (documented) and --generate-fragments (Exograph's flag)
	// print the same fragments to stdout.
	out, errs, code := runExo(t, "schema", "import", "-d", url, "--fragments")
	if code != ExitOK {
		t.Fatalf("import --fragments: exit %d\n%s%s", code, out, errs)
	}
	t.Logf("exo schema import --fragments:\n%s", out)
	for _, want := range []string{"fragment VenueFragment {", "fragment ConcertFragment {", "fragment PosterFragment {", "fragment ArtistFragment {", "enum Status {"} {
		if !strings.Contains(out, want) {
			t.Errorf("fragments lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "  type ") || strings.Contains(out, "@access") {
		t.Errorf("fragments contain types or access rules:\n%s", out)
	}
	out2, _, _ := runExo(t, "schema", "import", "-d", url, "--generate-fragments")
	if out2 != out {
		t.Errorf("--generate-fragments differs from --fragments:\n%s\n---\n%s", out2, out)
	}

	// -o writes the file the project imports.
	if out, errs, code := runExo(t, "schema", "import", "-d", url, "--fragments", "-o", "src/generated/fragments.exo"); code != ExitOK || out != "" {
		t.Fatalf("import --fragments -o: exit %d\n%s%s", code, out, errs)
	}
	index := `import "generated/fragments"

@postgres(managed=false)
module App {
  @access(true)
  type Venue {
    ...VenueFragment
    concerts: Set<Concert>?
  }

  @access(query=true, mutation=false)
  type Concert {
    ...ConcertFragment
    poster: Poster?
  }

  @access(true)
  type Poster {
    ...PosterFragment
  }
}

@postgres(schema="c", managed=false)
module Catalog {
  @access(true)
  type Artist {
    ...ArtistFragment
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "src", "index.exo"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	sys := compileProject(t, dir)
	concert := entity(t, sys, "Concert")
	if got, want := fieldNames(concert), []string{"id", "title", "status", "venue", "price", "startsAt", "poster"}; !slices.Equal(got, want) {
		t.Errorf("Concert fields = %v, want %v", got, want)
	}
	if concert.Managed || concert.Table.Name != "concerts" || len(concert.PK) != 1 {
		t.Errorf("Concert: managed %v, table %v, pk %v", concert.Managed, concert.Table, concert.PK)
	}
	for _, f := range concert.Fields {
		switch f.Name {
		case "venue":
			if f.Type.Name != "Venue" || f.Optional {
				t.Errorf("Concert.venue: %+v", f)
			}
		case "startsAt":
			if f.Type.Name != "Instant" || !f.Optional {
				t.Errorf("Concert.startsAt: %+v", f)
			}
		}
	}
	if got, want := fieldNames(entity(t, sys, "Venue")), []string{"id", "name", "capacity", "concerts"}; !slices.Equal(got, want) {
		t.Errorf("Venue fields = %v, want %v", got, want)
	}
	if got, want := fieldNames(entity(t, sys, "Poster")), []string{"id", "concert", "url"}; !slices.Equal(got, want) {
		t.Errorf("Poster fields = %v, want %v", got, want)
	}
	artist := entity(t, sys, "Artist")
	if artist.Table.Schema != "c" || artist.Table.Name != "artists" {
		t.Errorf("Artist table = %+v", artist.Table)
	}
}

func TestNewFromDatabase(t *testing.T) {
	url, _ := dbWith(t, importDB)
	dir := filepath.Join(t.TempDir(), "from-db")
	var out, errb bytes.Buffer
	code := Run([]string{"new", dir, "--from-database", "--database", url, "--query-access", "true"}, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	if code != ExitOK {
		t.Fatalf("exo new --from-database: exit %d\n%s%s", code, out.String(), errb.String())
	}
	model, err := os.ReadFile(filepath.Join(dir, "src", "index.exo"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exo new --from-database: %s\nsrc/index.exo:\n%s", out.String(), model)
	for _, want := range []string{"type Concert {", "type Venue {", "type Poster {", "type Artist {", "@access(query=true, mutation=false)"} {
		if !strings.Contains(string(model), want) {
			t.Errorf("src/index.exo lacks %q:\n%s", want, model)
		}
	}
	// No Todo starter test: its tests would not match the imported model.
	for _, f := range []string{"tests/init.gql", "tests/basic-query.exotest"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s was created for an imported model", f)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".gitignore")); err != nil {
		t.Errorf("no .gitignore: %v", err)
	}
	sys := compileProject(t, dir)
	for _, name := range []string{"Concert", "Venue", "Poster", "Artist"} {
		e := entity(t, sys, name)
		q, c := e.Access.Query, e.Access.Create
		if q == nil || q.Lit == nil || !q.Lit.Bool || c == nil || c.Lit == nil || c.Lit.Bool {
			t.Errorf("%s access: query %+v, create %+v; want true, false", name, q, c)
		}
	}
	if got := fieldNames(entity(t, sys, "Concert")); !slices.Contains(got, "venue") || !slices.Contains(got, "poster") {
		t.Errorf("Concert fields = %v", got)
	}

	// Default access: false for both; the URL from EXO_POSTGRES_URL.
	dir2 := filepath.Join(t.TempDir(), "from-env")
	t.Setenv("EXO_POSTGRES_URL", url)
	t.Setenv("DATABASE_URL", "")
	out.Reset()
	errb.Reset()
	if code := Run([]string{"new", dir2, "--from-database"}, IO{In: strings.NewReader(""), Out: &out, Err: &errb}); code != ExitOK {
		t.Fatalf("exo new --from-database (EXO_POSTGRES_URL): exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, e := range compileProject(t, dir2).Entities {
		if q := e.Access.Query; q == nil || q.Lit == nil || q.Lit.Bool {
			t.Errorf("%s: default query access %+v, want false", e.Name, q)
		}
	}
}

func TestNewFromDatabaseErrors(t *testing.T) {
	t.Setenv("EXO_POSTGRES_URL", "")
	t.Setenv("DATABASE_URL", "")
	dir := filepath.Join(t.TempDir(), "p")
	_, errs, code := runExo(t, "new", dir, "--from-database")
	if code != ExitUsage || !strings.Contains(errs, "no database: pass --database or set EXO_POSTGRES_URL or DATABASE_URL") {
		t.Errorf("no database: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the project was created without a database")
	}
	_, errs, code = runExo(t, "new", dir, "--database", "postgres://x")
	if code != ExitUsage || !strings.Contains(errs, "--from-database") {
		t.Errorf("--database without --from-database: exit %d, %q", code, errs)
	}
	_, errs, code = runExo(t, "new", dir, "--from-database", "--database", "postgres://x", "--query-access", "maybe")
	if code != ExitUsage || !strings.Contains(errs, "true or false") {
		t.Errorf("bad --query-access: exit %d, %q", code, errs)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("the project was created despite a usage error")
	}
}
