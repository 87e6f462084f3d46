package migrate

import (
	"context"
	"strings"
	"testing"

	"github.com/exo-dev/exo/schema"
)

// TestPlanScenarios migrates a database at old to the schema of a database
// at new (inspected: the desired side need not come from a model) and
// checks that the result is new, and which statements are destructive.
func TestPlanScenarios(t *testing.T) {
	cases := []struct {
		name, old, new string
		destructive    []string // substrings of the statements that must be destructive
		safe           []string // substrings of statements that must not be
		// keepRows: the old database has rows that the full migration
		// cannot keep; only the non-destructive part is applied and checked.
		keepRows bool
	}{
		{
			name: "enum value added in the middle",
			old:  `CREATE TYPE "p" AS ENUM ('LOW', 'HIGH'); CREATE TABLE "t" ("id" INT PRIMARY KEY, "p" "p" NOT NULL DEFAULT 'LOW');`,
			new:  `CREATE TYPE "p" AS ENUM ('LOW', 'MEDIUM', 'HIGH'); CREATE TABLE "t" ("id" INT PRIMARY KEY, "p" "p" NOT NULL DEFAULT 'LOW');`,
			safe: []string{`ALTER TYPE "p" ADD VALUE 'MEDIUM' AFTER 'LOW';`},
		},
		{
			name:        "enum value removed",
			old:         `CREATE SCHEMA "s"; CREATE TYPE "s"."p" AS ENUM ('LOW', 'MEDIUM', 'HIGH'); CREATE TABLE "s"."t" ("id" INT PRIMARY KEY, "p" "s"."p" NOT NULL DEFAULT 'LOW'); INSERT INTO "s"."t" VALUES (1, 'HIGH');`,
			new:         `CREATE SCHEMA "s"; CREATE TYPE "s"."p" AS ENUM ('HIGH', 'LOW'); CREATE TABLE "s"."t" ("id" INT PRIMARY KEY, "p" "s"."p" NOT NULL DEFAULT 'LOW');`,
			destructive: []string{`ALTER TYPE "s"."p" RENAME TO "p_old";`, `DROP TYPE "s"."p_old";`},
		},
		{
			name:        "column types",
			old:         `CREATE TABLE "t" ("id" INT PRIMARY KEY, "n" INT NOT NULL, "s" TEXT, "v" VARCHAR(10)); INSERT INTO "t" VALUES (1, 2, '42', 'abc');`,
			new:         `CREATE TABLE "t" ("id" INT PRIMARY KEY, "n" BIGINT NOT NULL, "s" INT, "v" VARCHAR(5));`,
			safe:        []string{`ALTER COLUMN "n" TYPE bigint;`},
			destructive: []string{`ALTER COLUMN "s" TYPE integer USING "s"::integer;`, `ALTER COLUMN "v" TYPE character varying(5)`},
		},
		{
			name: "nullability, defaults and serial",
			old:  `CREATE TABLE "t" ("id" INT PRIMARY KEY, "a" TEXT, "b" TEXT NOT NULL DEFAULT 'x', "c" INT NOT NULL); INSERT INTO "t" VALUES (5, 'a', 'b', 1);`,
			new:  `CREATE TABLE "t" ("id" SERIAL PRIMARY KEY, "a" TEXT NOT NULL DEFAULT 'y', "b" TEXT, "c" INT NOT NULL DEFAULT 7);`,
			safe: []string{`SET NOT NULL`, `DROP NOT NULL`, `SET DEFAULT 7;`, `CREATE SEQUENCE IF NOT EXISTS "t_id_seq" AS integer OWNED BY "t"."id";`},
		},
		{
			name: "constraints, indexes and triggers",
			old: `CREATE TABLE "u" ("id" INT PRIMARY KEY, "k" INT UNIQUE); CREATE TABLE "t" ("id" INT PRIMARY KEY, "a" INT, "b" INT, "u_id" INT, "at" TIMESTAMPTZ NOT NULL DEFAULT now());
ALTER TABLE "t" ADD CONSTRAINT "t_u_fk" FOREIGN KEY ("u_id") REFERENCES "u"; ALTER TABLE "t" ADD CONSTRAINT "uq" UNIQUE ("a");
CREATE INDEX "ix" ON "t" ("a");`,
			new: `CREATE TABLE "u" ("id" INT PRIMARY KEY, "k" INT UNIQUE); CREATE TABLE "t" ("id" INT PRIMARY KEY, "a" INT, "b" INT, "u_id" INT, "at" TIMESTAMPTZ NOT NULL DEFAULT now());
ALTER TABLE "t" ADD CONSTRAINT "t_u_fk" FOREIGN KEY ("u_id") REFERENCES "u" ("k"); ALTER TABLE "t" ADD CONSTRAINT "uq" UNIQUE ("a", "b");
CREATE INDEX "ix2" ON "t" ("a"); CREATE INDEX "ix3" ON "t" ("b", "a");
CREATE FUNCTION exograph_update_t() RETURNS TRIGGER AS $$ BEGIN NEW.at = now(); RETURN NEW; END; $$ language 'plpgsql';
CREATE TRIGGER exograph_on_update_t BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION exograph_update_t();`,
			safe: []string{`ALTER TABLE "t" DROP CONSTRAINT "t_u_fk";`, `ALTER INDEX "ix" RENAME TO "ix2";`, `CREATE TRIGGER exograph_on_update_t`},
		},
		{
			name: "primary key change with a referencing foreign key",
			old: `CREATE TABLE "a" ("x" INT, "y" INT, PRIMARY KEY ("x", "y")); CREATE TABLE "b" ("id" INT PRIMARY KEY, "ax" INT, "ay" INT);
ALTER TABLE "b" ADD CONSTRAINT "b_a_fk" FOREIGN KEY ("ax", "ay") REFERENCES "a" ("x", "y");`,
			new: `CREATE TABLE "a" ("x" INT, "y" INT, PRIMARY KEY ("y", "x")); CREATE TABLE "b" ("id" INT PRIMARY KEY, "ax" INT, "ay" INT);
ALTER TABLE "b" ADD CONSTRAINT "b_a_fk" FOREIGN KEY ("ax", "ay") REFERENCES "a" ("x", "y");`,
			safe: []string{`ALTER TABLE "a" DROP CONSTRAINT "a_pkey";`, `ALTER TABLE "a" ADD PRIMARY KEY ("y", "x");`},
		},
		{
			name: "table moved to another schema: the foreign key goes with the drop",
			old: `CREATE TABLE "users" ("id" INT PRIMARY KEY); CREATE TABLE "logs" ("id" INT PRIMARY KEY, "owner_id" INT NOT NULL);
ALTER TABLE "logs" ADD CONSTRAINT "logs_owner_fk" FOREIGN KEY ("owner_id") REFERENCES "users"; INSERT INTO "users" VALUES (1); INSERT INTO "logs" VALUES (1, 1);`,
			new: `CREATE SCHEMA "auth"; CREATE TABLE "auth"."users" ("id" INT PRIMARY KEY); CREATE TABLE "logs" ("id" INT PRIMARY KEY, "owner_id" INT NOT NULL);
ALTER TABLE "logs" ADD CONSTRAINT "logs_owner_fk" FOREIGN KEY ("owner_id") REFERENCES "auth"."users";`,
			safe:        []string{`CREATE TABLE "auth"."users"`},
			destructive: []string{`DROP TABLE "users"`, `ALTER TABLE "logs" DROP CONSTRAINT "logs_owner_fk";`, `ALTER TABLE "logs" ADD CONSTRAINT "logs_owner_fk" FOREIGN KEY ("owner_id") REFERENCES "auth"."users";`},
			keepRows:    true,
		},
	}
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			desired := inspectAll(t, freshDB(t, c.new), nil)
			db := freshDB(t, c.old)
			live, err := Inspect(ctx, db, AllSchemas(), nil)
			if err != nil {
				t.Fatal(err)
			}
			plan := NewPlan(desired, live, nil)
			find := func(sub string) *Statement {
				for i := range plan.Statements {
					if strings.Contains(plan.Statements[i].SQL, sub) {
						return &plan.Statements[i]
					}
				}
				t.Errorf("no statement contains %q in:\n%s", sub, plan.Script(true))
				return nil
			}
			for _, s := range c.destructive {
				if st := find(s); st != nil && !st.Destructive {
					t.Errorf("%q should be destructive", st.SQL)
				}
			}
			for _, s := range c.safe {
				if st := find(s); st != nil && st.Destructive {
					t.Errorf("%q should not be destructive", st.SQL)
				}
			}
			if c.keepRows {
				if err := plan.Apply(ctx, db, false); err != nil {
					t.Fatalf("the non-destructive part fails: %v\n%s", err, plan.Script(false))
				}
				return
			}
			if err := plan.Apply(ctx, db, true); err != nil {
				t.Fatalf("%v\n%s", err, plan.Script(true))
			}
			got := inspectAll(t, db, nil)
			if d := schema.Compare(desired, got); len(d) != 0 {
				t.Errorf("after migration:\n%s\nplan:\n%s", describe(d), plan.Script(true))
			}
		})
	}
}

func TestApplyRollsBack(t *testing.T) {
	ctx := context.Background()
	db := freshDB(t, `CREATE TABLE "t" ("id" INT PRIMARY KEY); INSERT INTO "t" VALUES (1);`)
	plan := &Plan{Statements: []Statement{
		{SQL: `CREATE TABLE "u" ("id" INT PRIMARY KEY);`},
		{SQL: `ALTER TABLE "t" ADD "x" INT NOT NULL;`}, // fails: t has a row
	}}
	err := plan.Apply(ctx, db, true)
	if err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("Apply: %v", err)
	}
	if strings.Contains(err.Error(), "hint:") {
		t.Errorf("hint without a planned change: %v", err)
	}
	// a planned NOT NULL column without a default on a table with rows
	// fails with a hint
	add := &schema.Change{Kind: schema.AddColumn, Name: schema.Name{Name: "t"}, Column: &schema.Column{Name: "x", Type: "integer"}}
	plan = &Plan{Statements: []Statement{{SQL: `ALTER TABLE "t" ADD "x" INT NOT NULL;`, Change: add}}}
	err = plan.Apply(ctx, db, false)
	if err == nil || !strings.Contains(err.Error(), "hint: the table t has rows and the new column x is NOT NULL without a default") {
		t.Fatalf("Apply: %v", err)
	}
	var ok bool
	if err := db.QueryRow(ctx, `SELECT to_regclass('u') IS NULL`).Scan(&ok); err != nil || !ok {
		t.Errorf("table u survived the rollback (%v)", err)
	}
	// destructive statements are skipped unless allowed
	plan = &Plan{Statements: []Statement{{SQL: `DROP TABLE "t";`, Destructive: true}}}
	if err := plan.Apply(ctx, db, false); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT to_regclass('t') IS NOT NULL`).Scan(&ok); err != nil || !ok {
		t.Errorf("destructive statement ran without allowance (%v)", err)
	}
	if s := plan.Script(false); s != "-- DROP TABLE \"t\";\n\n" {
		t.Errorf("Script(false) = %q", s)
	}
}

func TestRenamesWithSchemaMove(t *testing.T) {
	ctx := context.Background()
	desired := inspectAll(t, freshDB(t, `CREATE SCHEMA "x"; CREATE TABLE "x"."t_todos" ("id" INT PRIMARY KEY, "title" TEXT);
CREATE TABLE "notes" ("id" INT PRIMARY KEY, "todo_id" INT); ALTER TABLE "notes" ADD CONSTRAINT "fk" FOREIGN KEY ("todo_id") REFERENCES "x"."t_todos";`), nil)
	db := freshDB(t, `CREATE TABLE "todos" ("id" INT PRIMARY KEY, "title" TEXT); INSERT INTO "todos" VALUES (1, 'a');
CREATE TABLE "notes" ("id" INT PRIMARY KEY, "todo_id" INT); ALTER TABLE "notes" ADD CONSTRAINT "fk" FOREIGN KEY ("todo_id") REFERENCES "todos";`)
	live, err := Inspect(ctx, db, AllSchemas(), nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseInteractions("[[rename-table]]\nold-table = 'todos'\nnew-table = \"x.t_todos\"\n")
	if err != nil {
		t.Fatal(err)
	}
	renames, err := Renames(desired, live.Schema, in, nil)
	if err != nil || len(renames) != 1 {
		t.Fatalf("renames %v, %v", renames, err)
	}
	plan := NewPlan(desired, live, renames)
	if plan.HasDestructive() {
		t.Errorf("rename plan is destructive:\n%s", plan.Script(false))
	}
	if err := plan.Apply(ctx, db, false); err != nil {
		t.Fatalf("%v\n%s", err, plan.Script(true))
	}
	if d := schema.Compare(desired, inspectAll(t, db, nil)); len(d) != 0 {
		t.Errorf("after rename:\n%s\nplan:\n%s", describe(d), plan.Script(true))
	}
	var title string
	if err := db.QueryRow(ctx, `SELECT title FROM x.t_todos`).Scan(&title); err != nil || title != "a" {
		t.Errorf("data lost: %q %v", title, err)
	}
}

func TestParseInteractionsErrors(t *testing.T) {
	for _, src := range []string{
		"old-table = \"a\"",
		"[[rename-table]]\nold-table = \"a\"",
		"[[rename-table]]\nold-table = a\nnew-table = \"b\"",
		"[[rename-table]]\nold = \"a\"\nnew-table = \"b\"",
		"[table]\n",
	} {
		if _, err := ParseInteractions(src); err == nil {
			t.Errorf("ParseInteractions(%q) succeeded", src)
		}
	}
	in, err := ParseInteractions("\n# c\n[[rename-table]]\nold-table = \"a#b\" # x\nnew-table = 'c'\n[[ rename-table ]]\n\"old-table\" = \"d\"\nnew-table = \"e\"\n")
	if err != nil || len(in.RenameTables) != 2 || in.RenameTables[0] != (TableRename{"a#b", "c"}) || in.RenameTables[1] != (TableRename{"d", "e"}) {
		t.Errorf("got %+v, %v", in, err)
	}
}

func TestScope(t *testing.T) {
	sc, err := ParseScope("public, c*.concert*")
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[schema.Name]bool{
		{Name: "anything"}:                   true,
		{Schema: "cx", Name: "concerts"}:     true,
		{Schema: "cx", Name: "venues"}:       false,
		{Schema: "other", Name: "concerts"}:  false,
		{Schema: "public", Name: "concerts"}: true,
	} {
		if sc.MatchesTable(n) != want {
			t.Errorf("%s: %v", n, !want)
		}
	}
	for _, bad := range []string{"", ",", ".x", "a.", "[.x"} {
		if _, err := ParseScope(bad); err == nil {
			t.Errorf("ParseScope(%q) succeeded", bad)
		}
	}
	if !Widening("integer", "bigint") || Widening("bigint", "integer") || !Widening("character varying(5)", "text") ||
		Widening("text", "character varying(5)") || !Widening("numeric(10,2)", "numeric(12,2)") || Widening("numeric(10,2)", "numeric(10,3)") {
		t.Error("Widening")
	}
}
