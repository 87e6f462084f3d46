package schema

import (
	"strings"
	"testing"

	"github.com/exo-dev/exo/ir"
)

// Hand-built IR helpers (the compiler's output for the conformance models).

func scalar(name, col, dbType string, opts ...func(*ir.Field)) ir.Field {
	f := ir.Field{Kind: ir.FieldScalar, Name: name, Column: col, DBType: dbType}
	for _, o := range opts {
		o(&f)
	}
	return f
}

func pkField(f *ir.Field)  { f.PK = true }
func optional(f *ir.Field) { f.Optional = true }
func autoInc(f *ir.Field) {
	f.AutoIncrement = true
	f.Default = &ir.Default{Kind: ir.DefaultAutoIncrement}
}
func updateSync(f *ir.Field) { f.UpdateSync = true; f.ReadOnly = true }
func dbDefault(expr string) func(*ir.Field) {
	return func(f *ir.Field) { f.Default = &ir.Default{Kind: ir.DefaultLiteral, DBDefault: expr} }
}

func manyToOne(name string, target int, targetName, fk string, optionalRel bool, cols ...ir.ColumnPair) ir.Field {
	return ir.Field{Kind: ir.FieldRelation, Name: name, Optional: optionalRel,
		Type:     ir.TypeRef{Kind: ir.KindEntity, Index: target, Name: targetName},
		Relation: &ir.Relation{Kind: ir.ManyToOne, Target: target, Name: targetName, Columns: cols, Inverse: -1, FKName: fk}}
}

func oneToMany(name string, target int, targetName string, cols ...ir.ColumnPair) ir.Field {
	return ir.Field{Kind: ir.FieldRelation, Name: name, Optional: true,
		Type:     ir.TypeRef{Kind: ir.KindSet, Elem: &ir.TypeRef{Kind: ir.KindEntity, Index: target, Name: targetName}},
		Relation: &ir.Relation{Kind: ir.OneToMany, Target: target, Name: targetName, Columns: cols, Inverse: -1}}
}

func table(name string, q ir.QualifiedName, fields ...ir.Field) ir.Entity {
	e := ir.Entity{Kind: ir.EntityTable, Name: name, Table: q, Managed: true, Fields: fields}
	for i, f := range fields {
		if f.PK {
			e.PK = append(e.PK, i)
		}
		if f.UpdateSync {
			e.UpdateFields = append(e.UpdateFields, i)
		}
	}
	return e
}

// irCase is a hand-built system and the DDL Exograph writes for it (the
// conformance cases' .sql where one exists).
type irCase struct {
	name string
	sys  *ir.System
	want string
}

func allIRCases() []irCase {
	return []irCase{caseEnumNonPublic(), caseIndicesNonPublicSchemas(), caseCompositePK(),
		caseUpdateTriggerAndDefaults(), caseUpdateTrigger(), caseUniqueVectorAndUnmanaged(),
		caseSequenceAndDefaultLiteral()}
}

func TestDDL(t *testing.T) {
	for _, c := range allIRCases() {
		t.Run(c.name, func(t *testing.T) {
			got := strings.TrimSpace(Script(FromIR(c.sys).DDL()))
			want := strings.TrimSpace(c.want)
			if got != want {
				t.Errorf("DDL mismatch\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}

func caseEnumNonPublic() irCase {
	q := ir.QualifiedName{Schema: "non_public", Name: "todos"}
	sys := &ir.System{
		Enums: []ir.Enum{{Name: "Priority", Values: []string{"LOW", "MEDIUM", "HIGH"}, DBName: ir.QualifiedName{Schema: "non_public", Name: "priority"}}},
		Entities: []ir.Entity{table("Todo", q,
			scalar("id", "id", "SERIAL", pkField, autoInc),
			scalar("title", "title", "TEXT"),
			scalar("priority", "priority", `"non_public"."priority"`),
			scalar("priorityWithDefault", "priority_with_default", `"non_public"."priority"`, dbDefault("'MEDIUM'")),
		)},
	}
	return irCase{"EnumNonPublic", sys, `CREATE SCHEMA IF NOT EXISTS "non_public";

CREATE TYPE "non_public"."priority" AS ENUM ('LOW', 'MEDIUM', 'HIGH');

CREATE TABLE "non_public"."todos" (
	"id" SERIAL PRIMARY KEY,
	"title" TEXT NOT NULL,
	"priority" "non_public"."priority" NOT NULL,
	"priority_with_default" "non_public"."priority" NOT NULL DEFAULT 'MEDIUM'
);`}
}

func concertVenue(concertSchema, venueSchema, fkName string) *ir.System {
	concert := table("Concert", ir.QualifiedName{Schema: concertSchema, Name: "concerts"},
		scalar("id", "id", "SERIAL", pkField, autoInc),
		scalar("title", "title", "TEXT"),
		manyToOne("venue", 1, "Venue", fkName, false, ir.ColumnPair{Self: "venue_id", Target: "id"}),
	)
	concert.Indexes = []ir.Index{{DBName: "concert_title_idx", Columns: []string{"title"}}, {DBName: "concert_venue_idx", Columns: []string{"venue_id"}}}
	venue := table("Venue", ir.QualifiedName{Schema: venueSchema, Name: "venues"},
		scalar("id", "id", "SERIAL", pkField, autoInc),
		scalar("name", "name", "TEXT"),
		oneToMany("concerts", 0, "Concert", ir.ColumnPair{Self: "id", Target: "venue_id"}),
	)
	venue.Indexes = []ir.Index{{DBName: "venue_name_idx", Columns: []string{"name"}}}
	return &ir.System{Entities: []ir.Entity{concert, venue}}
}

func caseIndicesNonPublicSchemas() irCase {
	return irCase{"IndicesNonPublicSchemas", concertVenue("c", "v", "c_concerts_venue_fk"), `CREATE SCHEMA IF NOT EXISTS "c";

CREATE SCHEMA IF NOT EXISTS "v";

CREATE TABLE "c"."concerts" (
	"id" SERIAL PRIMARY KEY,
	"title" TEXT NOT NULL,
	"venue_id" INT NOT NULL
);

CREATE TABLE "v"."venues" (
	"id" SERIAL PRIMARY KEY,
	"name" TEXT NOT NULL
);

ALTER TABLE "c"."concerts" ADD CONSTRAINT "c_concerts_venue_fk" FOREIGN KEY ("venue_id") REFERENCES "v"."venues";

CREATE INDEX "concert_title_idx" ON "c"."concerts" ("title");

CREATE INDEX "concert_venue_idx" ON "c"."concerts" ("venue_id");

CREATE INDEX "venue_name_idx" ON "v"."venues" ("name");`}
}

func caseCompositePK() irCase {
	person := table("Person", ir.QualifiedName{Name: "people"},
		scalar("name", "name", "TEXT", pkField),
		scalar("age", "age", "INT"),
		manyToOne("address", 1, "Address", "people_address_fk", true,
			ir.ColumnPair{Self: "address_street", Target: "street"},
			ir.ColumnPair{Self: "address_zip", Target: "zip"},
			ir.ColumnPair{Self: "address_state", Target: "state"},
			ir.ColumnPair{Self: "address_city", Target: "city"}),
	)
	address := table("Address", ir.QualifiedName{Name: "addresses"},
		scalar("street", "street", "TEXT", pkField),
		scalar("zip", "zip", "INT", pkField),
		scalar("state", "state", "TEXT", pkField),
		scalar("city", "city", "TEXT", pkField),
		oneToMany("people", 0, "Person"),
	)
	return irCase{"CompositePK", &ir.System{Entities: []ir.Entity{person, address}}, `CREATE TABLE "people" (
	"name" TEXT PRIMARY KEY,
	"age" INT NOT NULL,
	"address_street" TEXT,
	"address_zip" INT,
	"address_state" TEXT,
	"address_city" TEXT
);

CREATE TABLE "addresses" (
	"street" TEXT,
	"zip" INT,
	"state" TEXT,
	"city" TEXT,
	PRIMARY KEY ("street", "zip", "state", "city")
);

ALTER TABLE "people" ADD CONSTRAINT "people_address_fk" FOREIGN KEY ("address_city", "address_state", "address_street", "address_zip") REFERENCES "addresses" ("city", "state", "street", "zip");`}
}

func caseUpdateTriggerAndDefaults() irCase {
	now := &ir.Default{Kind: ir.DefaultNow, DBDefault: "now()"}
	uuid := &ir.Default{Kind: ir.DefaultGenerateUUID, DBDefault: "gen_random_uuid()"}
	v7 := &ir.Default{Kind: ir.DefaultUUIDv7, DBDefault: "uuidv7()"}
	with := func(d *ir.Default) func(*ir.Field) { return func(f *ir.Field) { f.Default = d } }
	sys := &ir.System{Entities: []ir.Entity{table("Concert", ir.QualifiedName{Name: "concerts"},
		scalar("id", "id", "SERIAL", pkField, autoInc),
		scalar("title", "title", "TEXT"),
		scalar("updatedAt", "updated_at", "TIMESTAMP WITH TIME ZONE", with(now), updateSync),
		scalar("modificationId", "modification_id", "uuid", with(uuid), updateSync),
		scalar("modificationIdV7", "modification_id_v7", "uuid", with(v7), updateSync),
	)}}
	return irCase{"UpdateTriggerAndDefaults", sys, `CREATE TABLE "concerts" (
	"id" SERIAL PRIMARY KEY,
	"title" TEXT NOT NULL,
	"updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
	"modification_id" uuid NOT NULL DEFAULT gen_random_uuid(),
	"modification_id_v7" uuid NOT NULL DEFAULT uuidv7()
);

CREATE FUNCTION exograph_update_concerts() RETURNS TRIGGER AS $$ BEGIN NEW.updated_at = now(); NEW.modification_id = gen_random_uuid(); NEW.modification_id_v7 = uuidv7(); RETURN NEW; END; $$ language 'plpgsql';

CREATE TRIGGER exograph_on_update_concerts BEFORE UPDATE ON concerts FOR EACH ROW EXECUTE FUNCTION exograph_update_concerts();`}
}

func caseUniqueVectorAndUnmanaged() irCase {
	rsvp := table("Rsvp", ir.QualifiedName{Name: "rsvps"},
		scalar("id", "id", "SERIAL", pkField, autoInc),
		scalar("email", "email", "TEXT"),
		scalar("event_id", "event_id", "INT"),
	)
	// declaration order event_id, email: constraint columns are sorted
	rsvp.Uniques = []ir.Unique{{Name: "email_event_id", DBName: "unique_constraint_rsvp_email_event_id", Fields: []int{2, 1}}}
	doc := table("Document", ir.QualifiedName{Name: "documents"},
		scalar("id", "id", "SERIAL", pkField, autoInc),
		scalar("contentVector", "content_vector", "Vector(3)", optional),
	)
	doc.Indexes = []ir.Index{{DBName: "document_contentvector_idx", Columns: []string{"content_vector"}, Kind: ir.IndexHNSW, OpClass: "vector_l2_ops"}}
	unmanaged := table("User", ir.QualifiedName{Name: "users"}, scalar("id", "id", "INT", pkField))
	unmanaged.Managed = false
	jsonType := ir.Entity{Kind: ir.EntityJSON, Name: "Info", Fields: []ir.Field{scalar("a", "a", "TEXT")}}
	sys := &ir.System{Extensions: []string{"vector"}, Entities: []ir.Entity{rsvp, doc, unmanaged, jsonType}}
	return irCase{"UniqueVectorAndUnmanaged", sys, `CREATE EXTENSION IF NOT EXISTS "vector";

CREATE TABLE "rsvps" (
	"id" SERIAL PRIMARY KEY,
	"email" TEXT NOT NULL,
	"event_id" INT NOT NULL
);

CREATE TABLE "documents" (
	"id" SERIAL PRIMARY KEY,
	"content_vector" Vector(3)
);

ALTER TABLE "rsvps" ADD CONSTRAINT "unique_constraint_rsvp_email_event_id" UNIQUE ("email", "event_id");

CREATE INDEX "document_contentvector_idx" ON "documents" USING hnsw ("content_vector" vector_l2_ops);`}
}

func caseSequenceAndDefaultLiteral() irCase {
	seq := ir.QualifiedName{Schema: "s", Name: "my_seq"}
	sys := &ir.System{
		Sequences: []ir.QualifiedName{seq},
		Entities: []ir.Entity{table("User", ir.QualifiedName{Name: "users"},
			scalar("id", "id", "INT", pkField, func(f *ir.Field) {
				f.AutoIncrement = true
				f.Default = &ir.Default{Kind: ir.DefaultAutoIncrement, Sequence: &seq, DBDefault: "nextval('s.my_seq')"}
			}),
			scalar("role", "role", "TEXT", dbDefault("'USER'::text")),
		)},
	}
	return irCase{"SequenceAndDefaultLiteral", sys, `CREATE SCHEMA IF NOT EXISTS "s";

CREATE SEQUENCE IF NOT EXISTS "s"."my_seq";

CREATE TABLE "users" (
	"id" INT PRIMARY KEY DEFAULT nextval('s.my_seq'),
	"role" TEXT NOT NULL DEFAULT 'USER'::text
);`}
}

func TestEmptyModel(t *testing.T) {
	if got := Script(FromIR(&ir.System{}).DDL()); got != "" {
		t.Errorf("empty model: got %q", got)
	}
	if got := FromIR(nil); len(got.Tables) != 0 {
		t.Errorf("nil system: %d tables", len(got.Tables))
	}
}

// caseUpdateTrigger is add-update-annotation's new model plus a table with
// an @update field in a non-public schema and an enum default.
func caseUpdateTrigger() irCase {
	now := func(f *ir.Field) { f.Default = &ir.Default{Kind: ir.DefaultNow, DBDefault: "now()"} }
	concert := table("Concert", ir.QualifiedName{Name: "concerts"},
		scalar("id", "id", "SERIAL", pkField, autoInc),
		scalar("title", "title", "TEXT"),
		scalar("updatedAt", "updated_at", "TIMESTAMP WITH TIME ZONE", now, updateSync),
	)
	logs := table("Log", ir.QualifiedName{Schema: "audit", Name: "logs"},
		scalar("id", "id", "BIGSERIAL", pkField, autoInc),
		scalar("level", "level", `"audit"."level"`, dbDefault("'INFO'")),
		scalar("price", "price", "NUMERIC(20, 2)", optional, dbDefault("'10.00'")),
		scalar("day", "day", "DATE", dbDefault("'2024-01-01'")),
		scalar("tags", "tags", "TEXT[]", optional),
		scalar("name", "name", "VARCHAR(20)", optional),
		scalar("touchedAt", "touched_at", "TIMESTAMP", now, updateSync),
	)
	sys := &ir.System{
		Enums:    []ir.Enum{{Name: "Level", Values: []string{"INFO", "WARN"}, DBName: ir.QualifiedName{Schema: "audit", Name: "level"}}},
		Entities: []ir.Entity{concert, logs},
	}
	return irCase{"UpdateTrigger", sys, `CREATE SCHEMA IF NOT EXISTS "audit";

CREATE TYPE "audit"."level" AS ENUM ('INFO', 'WARN');

CREATE TABLE "concerts" (
	"id" SERIAL PRIMARY KEY,
	"title" TEXT NOT NULL,
	"updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);

CREATE TABLE "audit"."logs" (
	"id" BIGSERIAL PRIMARY KEY,
	"level" "audit"."level" NOT NULL DEFAULT 'INFO',
	"price" NUMERIC(20, 2) DEFAULT '10.00',
	"day" DATE NOT NULL DEFAULT '2024-01-01',
	"tags" TEXT[],
	"name" VARCHAR(20),
	"touched_at" TIMESTAMP NOT NULL DEFAULT now()
);

CREATE FUNCTION exograph_update_concerts() RETURNS TRIGGER AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END; $$ language 'plpgsql';

CREATE TRIGGER exograph_on_update_concerts BEFORE UPDATE ON concerts FOR EACH ROW EXECUTE FUNCTION exograph_update_concerts();

CREATE FUNCTION "audit".exograph_update_logs() RETURNS TRIGGER AS $$ BEGIN NEW.touched_at = now(); RETURN NEW; END; $$ language 'plpgsql';

CREATE TRIGGER exograph_on_update_logs BEFORE UPDATE ON "audit"."logs" FOR EACH ROW EXECUTE FUNCTION "audit".exograph_update_logs();`}
}
