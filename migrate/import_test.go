package migrate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/schema"
)

// importRoundTrip imports the database at conn, compiles the model, runs
// its `schema create` DDL on an empty database and compares the result
// with the original database.
func importRoundTrip(t *testing.T, src *schema.Schema, views []View) (string, []schema.Change) {
	t.Helper()
	model := Import(src, views, ImportOptions{})
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "index.exo"), []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if diags.HasErrors() || sys == nil {
		t.Fatalf("the imported model does not compile: %v\n%s", diags, model)
	}
	m := ModelOf(sys)
	ddl := schema.Script(m.Desired.DDL())
	got := inspectAll(t, freshDB(t, ddl), nil)
	return model, schema.Compare(got, src)
}

// TestConformanceImport: import -> compile -> schema create -> compare with
// the original database, for every migration-tests .sql that loads here.
func TestConformanceImport(t *testing.T) {
	for _, c := range migrationCases(t) {
		for _, which := range []string{"old", "new"} {
			t.Run(c.name+"/"+which, func(t *testing.T) {
				sql := readCaseFile(t, c, which+".sql")
				probe := freshDB(t, "")
				if r := pgtest.NotApplicable(t, probe, sql); r != "" {
					t.Skip("not applicable: " + r)
				}
				if strings.TrimSpace(sql) == "" {
					t.Skip("empty schema")
				}
				db := freshDB(t, sql)
				src := inspectAll(t, db, nil)
				model, diff := importRoundTrip(t, src, nil)
				if len(diff) != 0 {
					t.Errorf("imported model differs from the database:\n%s\nmodel:\n%s", describe(diff), model)
				}
			})
		}
	}
}

func TestImportFeatures(t *testing.T) {
	ctx := context.Background()
	db := freshDB(t, `
CREATE SCHEMA shop;
CREATE TYPE "mood" AS ENUM ('HAPPY', 'SAD');
CREATE TABLE "venues" ("id" SERIAL PRIMARY KEY, "name" VARCHAR(30) NOT NULL, "capacity" BIGINT, "rating" DOUBLE PRECISION DEFAULT 1.5);
CREATE TABLE "concerts" (
	"id" BIGSERIAL PRIMARY KEY,
	"title" TEXT NOT NULL DEFAULT 'untitled',
	"main_venue_id" INT NOT NULL,
	"alt_venue_id" INT,
	"price" NUMERIC(10, 2),
	"mood" "mood" NOT NULL DEFAULT 'HAPPY',
	"starts_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
	"day" DATE,
	"data" JSONB,
	"ident" uuid NOT NULL DEFAULT gen_random_uuid(),
	"small" SMALLINT NOT NULL DEFAULT 3,
	"open" BOOLEAN NOT NULL DEFAULT true
);
ALTER TABLE "concerts" ADD CONSTRAINT "concerts_main_venue_fk" FOREIGN KEY ("main_venue_id") REFERENCES "venues";
ALTER TABLE "concerts" ADD CONSTRAINT "concerts_alt_venue_fk" FOREIGN KEY ("alt_venue_id") REFERENCES "venues";
ALTER TABLE "concerts" ADD CONSTRAINT "unique_constraint_concert_title_day" UNIQUE ("title", "day");
CREATE INDEX "concert_title_idx" ON "concerts" ("title");
CREATE INDEX "by_venue_and_time" ON "concerts" ("main_venue_id", "starts_at");
CREATE TABLE "shop"."items" ("sku" TEXT, "variant" INT, "concert_id" BIGINT NOT NULL, PRIMARY KEY ("sku", "variant"));
ALTER TABLE "shop"."items" ADD CONSTRAINT "shop_items_concert_fk" FOREIGN KEY ("concert_id") REFERENCES "concerts";
CREATE TABLE "shop"."orders" ("id" INT PRIMARY KEY, "item_sku" TEXT NOT NULL, "item_variant" INT NOT NULL);
ALTER TABLE "shop"."orders" ADD CONSTRAINT "shop_orders_item_fk" FOREIGN KEY ("item_sku", "item_variant") REFERENCES "shop"."items" ("sku", "variant");
CREATE TABLE "people" ("id" INT PRIMARY KEY, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now());
CREATE FUNCTION exograph_update_people() RETURNS TRIGGER AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END; $$ language 'plpgsql';
CREATE TRIGGER exograph_on_update_people BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION exograph_update_people();
CREATE VIEW "venue_names" AS SELECT "id", "name" FROM "venues";
`)
	src := inspectAll(t, db, nil)
	views, err := InspectViews(ctx, db, AllSchemas())
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 1 || views[0].Name.Name != "venue_names" || len(views[0].Columns) != 2 {
		t.Fatalf("views: %+v", views)
	}
	model, diff := importRoundTrip(t, src, views)
	if len(diff) != 0 {
		t.Errorf("imported model differs from the database:\n%s\nmodel:\n%s", describe(diff), model)
	}
	for _, want := range []string{
		"@access(false) // review", "type Concert {", "@pk id: Int = autoIncrement()",
		`@relation("mainVenue")`, `@relation("altVenue")`, "mood: Mood = HAPPY",
		`@postgres(schema="shop")`, "enum Mood {", "@update updatedAt: Instant = now()",
		"@table(managed=false)\n  type VenueName {", `@index("by_venue_and_time")`,
		`@unique("title_day")`, "@maxLength(30)", "@precision(10) @scale(2)",
	} {
		if !strings.Contains(model, want) {
			t.Errorf("imported model lacks %q:\n%s", want, model)
		}
	}
	q := Import(src, nil, ImportOptions{QueryAccess: true})
	if !strings.Contains(q, "@access(query=true, mutation=false)") {
		t.Errorf("--query-access true not honoured:\n%s", q)
	}
	fr := Import(src, nil, ImportOptions{Fragments: true})
	if !strings.Contains(fr, "fragment ConcertFragment {") || strings.Contains(fr, "type Concert") || strings.Contains(fr, "@access") {
		t.Errorf("fragments:\n%s", fr)
	}
}
