package schema

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/internal/pgtest"
)

const integrationDir = "../../shared/conformance/integration-tests"

// TestIntegrationModelsCreateVerify runs `exo schema create` for every
// integration-test model, applies the DDL to an empty database and checks
// that the inspected database compares equal to the desired schema (what
// `exo schema verify` must then report: nothing).
func TestIntegrationModelsCreateVerify(t *testing.T) {
	if compileModel == nil {
		t.Skip("the compiler is not available yet")
	}
	if testing.Short() {
		t.Skip("slow: one database per model")
	}
	if _, err := os.Stat(integrationDir); err != nil {
		t.Skipf("integration tests not available: %v", err)
	}
	var projects []string
	_ = filepath.WalkDir(integrationDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "index.exo" && filepath.Base(filepath.Dir(p)) == "src" {
			projects = append(projects, filepath.Dir(filepath.Dir(p)))
		}
		return nil
	})
	if len(projects) == 0 {
		t.Skip("no integration-test projects found")
	}
	for _, dir := range projects {
		name, _ := filepath.Rel(integrationDir, dir)
		t.Run(name, func(t *testing.T) {
			sys, err := compileModel(dir)
			if err != nil {
				t.Skipf("does not compile here: %v", err)
			}
			desired := FromIR(sys)
			ddl := Script(desired.DDL())
			if r := notApplicable(t, ddl); r != "" {
				t.Skip("not applicable: " + r)
			}
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, pgtest.New(t))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if strings.TrimSpace(ddl) != "" {
				if _, err := conn.Exec(ctx, ddl); err != nil {
					t.Fatalf("applying DDL: %v\n%s", err, ddl)
				}
			}
			var exclude []Name
			for _, e := range sys.Entities {
				if !e.Managed && e.Table.Name != "" {
					exclude = append(exclude, Name{Schema: normSchema(e.Table.Schema), Name: e.Table.Name})
				}
			}
			live, err := Inspect(ctx, conn, InspectOptions{Schemas: desired.Scope(), ExcludeTables: exclude})
			if err != nil {
				t.Fatal(err)
			}
			if d := Compare(desired, live); len(d) != 0 {
				t.Errorf("desired vs live differ:\n%s\nDDL:\n%s", describe(d), ddl)
			}
		})
	}
}
