package postgres

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func intT() ir.TypeRef { return ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Int, Name: "Int"} }
func scalarT(s ir.Scalar) ir.TypeRef {
	return ir.TypeRef{Kind: ir.KindScalar, Scalar: s, Name: s.String()}
}

func names(name, plural string) ir.Names {
	lc := func(s string) string { return string(s[0]+'a'-'A') + s[1:] }
	return ir.Names{
		PKQuery: lc(name), Collection: lc(plural), Aggregate: lc(plural) + "Agg",
		Create: "create" + name, CreateMany: "create" + plural,
		Update: "update" + name, UpdateMany: "update" + plural,
		Delete: "delete" + name, DeleteMany: "delete" + plural,
		Filter: name + "Filter", Ordering: name + "Ordering", AggType: name + "Agg",
		CreationInput: name + "CreationInput", UpdateInput: name + "UpdateInput", ReferenceInput: name + "ReferenceInput",
	}
}

var allowAll = ir.Access{Query: &trueExpr, Create: &trueExpr, Update: &trueExpr, Delete: &trueExpr}

// testSystem is the Concert/Venue model of EXOGRAPH-NOTES §5 plus a composite-pk pair
// (Person/Address) and a self-relation (Employee.manager).
func testSystem() *ir.System {
	const (
		venue = iota
		concert
		person
		address
		employee
	)
	pkInt := func(name string) ir.Field {
		return ir.Field{Kind: ir.FieldScalar, Name: name, Type: intT(), Column: name, DBType: "SERIAL", PK: true, AutoIncrement: true,
			Default: &ir.Default{Kind: ir.DefaultAutoIncrement}}
	}
	sc := func(name, col string, s ir.Scalar, db string, opt bool) ir.Field {
		return ir.Field{Kind: ir.FieldScalar, Name: name, Type: scalarT(s), Column: col, DBType: db, Optional: opt}
	}
	sys := &ir.System{Entities: []ir.Entity{
		{Kind: ir.EntityTable, Name: "Venue", Plural: "Venues", Table: ir.QualifiedName{Name: "venues"}, Managed: true, PK: []int{0}, Access: allowAll,
			Names: names("Venue", "Venues"),
			Fields: []ir.Field{
				pkInt("id"),
				sc("name", "name", ir.String, "TEXT", false),
				{Kind: ir.FieldRelation, Name: "concerts", Type: ir.TypeRef{Kind: ir.KindSet, Name: "Concert", Elem: &ir.TypeRef{Kind: ir.KindEntity, Index: concert, Name: "Concert"}}, Optional: true,
					Relation: &ir.Relation{Kind: ir.OneToMany, Target: concert, Name: "Concert", Columns: []ir.ColumnPair{{Self: "id", Target: "venueid"}}, Inverse: 2}},
				sc("published", "published", ir.Boolean, "BOOLEAN", false),
				sc("latitude", "latitude", ir.Float, "REAL", true),
			}},
		{Kind: ir.EntityTable, Name: "Concert", Plural: "Concerts", Table: ir.QualifiedName{Name: "concerts"}, Managed: true, PK: []int{0}, Access: allowAll,
			Names: names("Concert", "Concerts"),
			Fields: []ir.Field{
				pkInt("id"),
				sc("title", "title", ir.String, "TEXT", false),
				{Kind: ir.FieldRelation, Name: "venue", Type: ir.TypeRef{Kind: ir.KindEntity, Index: venue, Name: "Venue"},
					Relation: &ir.Relation{Kind: ir.ManyToOne, Target: venue, Name: "Venue", Columns: []ir.ColumnPair{{Self: "venueid", Target: "id"}}, Inverse: 2}},
				sc("published", "published", ir.Boolean, "BOOLEAN", false),
				sc("price", "price", ir.Decimal, "NUMERIC(20, 2)", false),
				sc("startsAt", "starts_at", ir.Instant, "TIMESTAMP WITH TIME ZONE", true),
				sc("day", "day", ir.LocalDate, "DATE", true),
				{Kind: ir.FieldScalar, Name: "tags", Type: ir.TypeRef{Kind: ir.KindArray, Name: "Array", Elem: &ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.String, Name: "String"}}, Column: "tags", DBType: "TEXT[]", Optional: true},
				sc("meta", "meta", ir.Json, "JSONB", true),
				sc("data", "data", ir.Blob, "BYTEA", true),
				{Kind: ir.FieldScalar, Name: "rank", Type: intT(), Column: "rank", DBType: "SMALLINT", Optional: true, Bits: 16,
					Range: &ir.Range{HasMin: true, HasMax: true, Min: 0, Max: 100, MinText: "0", MaxText: "100"}},
				sc("code", "code", ir.Uuid, "uuid", true),
			}},
		{Kind: ir.EntityTable, Name: "Person", Plural: "People", Table: ir.QualifiedName{Name: "people"}, Managed: true, PK: []int{0, 1}, Access: allowAll,
			Names:   names("Person", "People"),
			Uniques: []ir.Unique{{Name: "email", DBName: "people_email", Fields: []int{2}, Query: "personByEmail"}},
			Fields: []ir.Field{
				{Kind: ir.FieldScalar, Name: "firstName", Type: scalarT(ir.String), Column: "first_name", DBType: "TEXT", PK: true},
				{Kind: ir.FieldScalar, Name: "lastName", Type: scalarT(ir.String), Column: "last_name", DBType: "TEXT", PK: true},
				sc("email", "email", ir.String, "TEXT", false),
				{Kind: ir.FieldRelation, Name: "addresses", Type: ir.TypeRef{Kind: ir.KindSet, Name: "Address", Elem: &ir.TypeRef{Kind: ir.KindEntity, Index: address, Name: "Address"}}, Optional: true,
					Relation: &ir.Relation{Kind: ir.OneToMany, Target: address, Name: "Address", Columns: []ir.ColumnPair{{Self: "first_name", Target: "person_first_name"}, {Self: "last_name", Target: "person_last_name"}}, Inverse: 2}},
			}},
		{Kind: ir.EntityTable, Name: "Address", Plural: "Addresses", Table: ir.QualifiedName{Name: "addresses"}, Managed: true, PK: []int{0}, Access: allowAll,
			Names: names("Address", "Addresses"),
			Fields: []ir.Field{
				pkInt("id"),
				sc("street", "street", ir.String, "TEXT", false),
				{Kind: ir.FieldRelation, Name: "person", Type: ir.TypeRef{Kind: ir.KindEntity, Index: person, Name: "Person"},
					Relation: &ir.Relation{Kind: ir.ManyToOne, Target: person, Name: "Person", Columns: []ir.ColumnPair{{Self: "person_first_name", Target: "first_name"}, {Self: "person_last_name", Target: "last_name"}}, Inverse: 3}},
			}},
		{Kind: ir.EntityTable, Name: "Employee", Plural: "Employees", Table: ir.QualifiedName{Name: "employees"}, Managed: true, PK: []int{0}, Access: allowAll,
			Names: names("Employee", "Employees"),
			Fields: []ir.Field{
				pkInt("id"),
				sc("name", "name", ir.String, "TEXT", false),
				{Kind: ir.FieldRelation, Name: "manager", Type: ir.TypeRef{Kind: ir.KindEntity, Index: employee, Name: "Employee"}, Optional: true,
					Relation: &ir.Relation{Kind: ir.ManyToOne, Target: employee, Name: "Employee", Columns: []ir.ColumnPair{{Self: "manager_id", Target: "id"}}, Inverse: -1}},
			}},
	}}
	sys.Index()
	return sys
}

const testDDL = `
CREATE TABLE venues (id SERIAL PRIMARY KEY, name TEXT NOT NULL, published BOOLEAN NOT NULL, latitude REAL);
CREATE TABLE concerts (id SERIAL PRIMARY KEY, title TEXT NOT NULL, venueid INT NOT NULL REFERENCES venues(id),
  published BOOLEAN NOT NULL, price NUMERIC(20, 2) NOT NULL, starts_at TIMESTAMPTZ, day DATE, tags TEXT[], meta JSONB,
  data BYTEA, rank SMALLINT, code uuid);
CREATE TABLE people (first_name TEXT, last_name TEXT, email TEXT NOT NULL UNIQUE, PRIMARY KEY (first_name, last_name));
CREATE TABLE addresses (id SERIAL PRIMARY KEY, street TEXT NOT NULL, person_first_name TEXT NOT NULL, person_last_name TEXT NOT NULL,
  FOREIGN KEY (person_first_name, person_last_name) REFERENCES people (first_name, last_name));
CREATE TABLE employees (id SERIAL PRIMARY KEY, name TEXT NOT NULL, manager_id INT REFERENCES employees(id));
INSERT INTO venues (name, published, latitude) VALUES ('Hall', true, 37.7749), ('Arena', false, NULL), ('Empty', true, 1.5);
INSERT INTO concerts (title, venueid, published, price, starts_at, day, tags, meta, data, rank, code) VALUES
  ('Rock', 1, true, 12.50, '2021-07-07T03:08:47.1235Z', '1851-10-18', '{a,b}', '{"a": 1, "b": [1,2]}', '\x48656c6c6f', 5, 'f6d3e1a0-0a3b-4a8c-9a6b-0d1e2f3a4b5c'),
  ('Jazz', 1, false, 20.00, NULL, NULL, '{b}', '{"c": true}', NULL, 10, NULL),
  ('Pop', 2, true, 7.25, '2022-01-01T00:00:00Z', '2022-01-01', '{}', NULL, NULL, NULL, NULL);
INSERT INTO people VALUES ('John', 'Doe', 'john@example.com'), ('Jane', 'Roe', 'jane@example.com');
INSERT INTO addresses (street, person_first_name, person_last_name) VALUES ('1 Main', 'John', 'Doe'), ('2 Side', 'John', 'Doe'), ('3 High', 'Jane', 'Roe');
INSERT INTO employees (name, manager_id) VALUES ('Boss', NULL), ('Worker', 1);
`

type env struct {
	t    testing.TB
	e    *Engine
	conn *pgx.Conn
	ctx  context.Context
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	url := pgtest.NewFromTemplate(t, testDDL)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["timezone"] = "UTC"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &env{t: t, e: New(testSystem(), opts), conn: conn, ctx: ctx}
}

func f(name string, sub ...*Field) *Field { return &Field{Name: name, Alias: name, Selections: sub} }

func fa(name string, args map[string]any, sub ...*Field) *Field {
	return &Field{Name: name, Alias: name, Arguments: args, Selections: sub}
}

type obj = map[string]any
type list = []any

// resolve runs one root field in its own transaction and returns the decoded JSON.
func (v *env) resolve(root *Field) (any, error) {
	v.t.Helper()
	var raw json.RawMessage
	err := RunInTx(v.ctx, v.conn, func(ctx context.Context) error {
		var err error
		raw, err = v.e.Resolve(ctx, root)
		return err
	})
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, nil
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		v.t.Fatalf("invalid JSON %s: %v", raw, err)
	}
	return out, nil
}

func (v *env) expect(root *Field, wantJSON string) {
	v.t.Helper()
	got, err := v.resolve(root)
	if err != nil {
		v.t.Fatalf("%s: %v", root.Name, err)
	}
	var want any
	if err := json.Unmarshal([]byte(wantJSON), &want); err != nil {
		v.t.Fatalf("bad want JSON: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		v.t.Errorf("%s:\n got %s\nwant %s", root.Name, g, wantJSON)
	}
}

func (v *env) expectErr(root *Field, msg string) {
	v.t.Helper()
	_, err := v.resolve(root)
	if err == nil {
		v.t.Fatalf("%s: no error, want %q", root.Name, msg)
	}
	ue, ok := err.(*Error)
	if !ok || ue.Message != msg {
		v.t.Errorf("%s: error %v, want %q", root.Name, err, msg)
	}
}
