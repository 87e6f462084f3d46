package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeProject(t *testing.T, model string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "index.exo"), []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const concertModel = `@postgres
module ConcertModule {
    type Concert {
        @pk id: Int = autoIncrement()
        @index title: String
        venue: Venue
    }
    type Venue {
        @pk id: Int = autoIncrement()
        name: String
        concerts: Set<Concert>?
    }
}
`

const concertSQL = `CREATE TABLE "concerts" (
	"id" SERIAL PRIMARY KEY,
	"title" TEXT NOT NULL,
	"venue_id" INT NOT NULL
);

CREATE TABLE "venues" (
	"id" SERIAL PRIMARY KEY,
	"name" TEXT NOT NULL
);

ALTER TABLE "concerts" ADD CONSTRAINT "concerts_venue_fk" FOREIGN KEY ("venue_id") REFERENCES "venues";

CREATE INDEX "concert_title_idx" ON "concerts" ("title");

`

func runExo(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(args, IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	return out.String(), errb.String(), code
}

func TestSchemaCreateStdout(t *testing.T) {
	t.Chdir(writeProject(t, concertModel))
	out, errs, code := runExo(t, "schema", "create")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if out != concertSQL {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, concertSQL)
	}
}

func TestSchemaCreateOutputFile(t *testing.T) {
	dir := writeProject(t, concertModel)
	t.Chdir(dir)
	for _, flag := range []string{"-o", "--output"} {
		file := filepath.Join("gen", flag+".sql")
		out, errs, code := runExo(t, "schema", "create", flag, file)
		if code != ExitOK || out != "" {
			t.Fatalf("%s: exit %d, stdout %q, stderr:\n%s", flag, code, out, errs)
		}
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil || string(b) != concertSQL {
			t.Errorf("%s: file %q, %v", flag, b, err)
		}
	}
}

func TestSchemaCreateErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	_, errs, code := runExo(t, "schema", "create")
	if code != ExitModel || !strings.Contains(errs, "src/index.exo not found") {
		t.Errorf("no project: exit %d, stderr %q", code, errs)
	}
	t.Chdir(writeProject(t, "@postgres\nmodule M {\n  type T {\n    @pk id: Int = autoIncrement()\n    x: Nope\n  }\n}\n"))
	out, errs, code := runExo(t, "schema", "create")
	if code != ExitModel || out != "" || errs == "" {
		t.Errorf("bad model: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, _, code := runExo(t, "schema", "create", "extra"); code != ExitUsage {
		t.Errorf("extra argument: exit %d, want %d", code, ExitUsage)
	}
}
