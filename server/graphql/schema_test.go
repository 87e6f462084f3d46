package graphql

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/exo-dev/exo/ir"
)

func lit(b bool) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: b}}
}

func allow() ir.Access {
	return ir.Access{Query: lit(true), Create: lit(true), Update: lit(true), Delete: lit(true)}
}

func names(t, plural string) ir.Names {
	lc := func(s string) string { return strings.ToLower(s[:1]) + s[1:] }
	return ir.Names{
		PKQuery: lc(t), Collection: lc(plural), Aggregate: lc(plural) + "Agg",
		Create: "create" + t, CreateMany: "create" + plural,
		Update: "update" + t, UpdateMany: "update" + plural,
		Delete: "delete" + t, DeleteMany: "delete" + plural,
		Filter: t + "Filter", Ordering: t + "Ordering", AggType: t + "Agg",
		CreationInput: t + "CreationInput", UpdateInput: t + "UpdateInput", ReferenceInput: t + "ReferenceInput",
	}
}

func scalarField(name string, s ir.Scalar) ir.Field {
	return ir.Field{Kind: ir.FieldScalar, Name: name, Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: s, Name: s.String()}}
}

func pkField() ir.Field {
	f := scalarField("id", ir.Int)
	f.PK, f.AutoIncrement = true, true
	f.Default = &ir.Default{Kind: ir.DefaultAutoIncrement}
	return f
}

// concertVenue is the model of basic-model-no-auth, built by hand the way the compiler lowers it.
func concertVenue() *ir.System {
	venueRef := ir.Field{Kind: ir.FieldRelation, Name: "venue", Type: ir.TypeRef{Kind: ir.KindEntity, Index: 1, Name: "Venue"},
		Relation: &ir.Relation{Kind: ir.ManyToOne, Target: 1, Name: "Venue", Inverse: 2,
			Columns: []ir.ColumnPair{{Self: "venueid", Target: "id"}}}}
	concerts := ir.Field{Kind: ir.FieldRelation, Name: "concerts", Optional: true,
		Type: ir.TypeRef{Kind: ir.KindSet, Elem: &ir.TypeRef{Kind: ir.KindEntity, Index: 0, Name: "Concert"}},
		Relation: &ir.Relation{Kind: ir.OneToMany, Target: 0, Name: "Concert", Inverse: 2,
			Columns: []ir.ColumnPair{{Self: "id", Target: "venueid"}}}}
	sys := &ir.System{Entities: []ir.Entity{
		{Kind: ir.EntityTable, Name: "Concert", Plural: "Concerts", Access: allow(), Names: names("Concert", "Concerts"),
			PK: []int{0}, Fields: []ir.Field{pkField(), scalarField("title", ir.String), venueRef,
				scalarField("published", ir.Boolean), scalarField("price", ir.Decimal)}},
		{Kind: ir.EntityTable, Name: "Venue", Plural: "Venues", Access: allow(), Names: names("Venue", "Venues"),
			PK: []int{0}, Fields: []ir.Field{pkField(), scalarField("name", ir.String), concerts,
				scalarField("published", ir.Boolean), scalarField("latitude", ir.Float)}},
	}}
	sys.Index()
	return sys
}

func buildSDL(t *testing.T, sys *ir.System, opts SchemaOptions) string {
	t.Helper()
	s, err := BuildSchema(sys, opts)
	if err != nil {
		t.Fatalf("BuildSchema: %v", err)
	}
	return PrintSchema(s)
}

func TestBuildSchemaConcertVenue(t *testing.T) {
	got := buildSDL(t, concertVenue(), SchemaOptions{AllowMutations: true})
	for _, want := range []string{
		"  concertsAgg(where: ConcertFilter): ConcertAgg!\n",
		"  concerts(where: ConcertFilter, orderBy: [ConcertOrdering!], limit: Int, offset: Int): [Concert!]\n" +
			"  published: Boolean!\n  latitude: Float!\n  concertsAgg(where: ConcertFilter): ConcertAgg\n}",
		"input ConcertCreationInputFromVenue {\n  title: String!\n  published: Boolean!\n  price: Decimal!\n}",
		"input ConcertUpdateInputFromVenueNested {\n  id: Int!\n  title: String\n  published: Boolean\n  price: Decimal\n}",
		"  updateConcert(id: Int!, data: ConcertUpdateInput!): Concert\n",
		"scalar Decimal\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("schema lacks %q", want)
		}
	}
	for _, absent := range []string{"VenueUniqueFilter", "VenueAggFilter", "scalar Uuid", "ConcertUniqueFilter"} {
		if strings.Contains(got, absent) {
			t.Errorf("schema unexpectedly contains %s", absent)
		}
	}
	p := "/work/shared/conformance/integration-tests/basic-model-no-auth/schema-tests/introspection.expected.graphql"
	want, err := os.ReadFile(p)
	if err != nil {
		t.Skip("conformance suite not present: " + p)
	}
	if norm(got) != norm(string(want)) {
		t.Errorf("differs from %s:\n%s", p, firstDiff(norm(got), norm(string(want))))
	}
}

func TestBuildSchemaAccessGating(t *testing.T) {
	sys := concertVenue()
	c := &sys.Entities[0]
	c.Access.Create = lit(false)
	c.Access.Update = nil // missing rule: default deny
	c.Access.Delete = &ir.Expr{Kind: ir.ExprPath, Path: &ir.Path{Root: ir.RootContext}}
	v := &sys.Entities[1]
	v.Access = ir.Access{Query: lit(false)}
	got := buildSDL(t, sys, SchemaOptions{AllowMutations: true})
	for _, absent := range []string{"createConcert", "updateConcert", "  venue(id", "venues(", "venuesAgg",
		"createVenue", "VenueCreationInput", "ConcertCreationInput", "ConcertUpdateInput"} {
		if strings.Contains(got, absent) {
			t.Errorf("schema unexpectedly contains %q", absent)
		}
	}
	for _, want := range []string{"deleteConcert(id: Int!): Concert", "deleteConcerts(where: ConcertFilter)",
		"concert(id: Int!): Concert", "type Venue {"} {
		if !strings.Contains(got, want) {
			t.Errorf("schema lacks %q", want)
		}
	}
	// A residual (non-literal) query rule keeps the queries.
	sys.Entities[1].Access.Query = &ir.Expr{Kind: ir.ExprPath, Path: &ir.Path{Root: ir.RootSelf}}
	if got := buildSDL(t, sys, SchemaOptions{AllowMutations: true}); !strings.Contains(got, "venuesAgg(") {
		t.Errorf("residual query rule removed the queries")
	}
}

func TestBuildSchemaNoMutations(t *testing.T) {
	s, err := BuildSchema(concertVenue(), SchemaOptions{AllowMutations: false})
	if err != nil {
		t.Fatal(err)
	}
	if s.Mutation != nil {
		t.Fatalf("Mutation type present with AllowMutations=false")
	}
	got := PrintSchema(s)
	for _, absent := range []string{"type Mutation", "CreationInput", "UpdateInput", "ReferenceInput", "schema {"} {
		if strings.Contains(got, absent) {
			t.Errorf("schema unexpectedly contains %q", absent)
		}
	}
	// The schema still serves queries.
	h := &Handler{Schema: s, Resolver: ResolverFunc(func(_ context.Context, _ *Operation, f *Field) (json.RawMessage, error) {
		return json.RawMessage(`[]`), nil
	})}
	out := string(h.Execute(context.Background(), &Request{Query: `{ concerts(where: {venue: {name: {eq: "x"}}}, orderBy: [{venue: [{name: ASC}]}]) { id venue { concertsAgg { price { avg } } } } }`}))
	if out != `{"data":{"concerts":[]}}` {
		t.Errorf("query: %s", out)
	}
	out = string(h.Execute(context.Background(), &Request{Query: `mutation { deleteConcerts { id } }`}))
	if !strings.Contains(out, "errors") {
		t.Errorf("mutation accepted without a Mutation type: %s", out)
	}
}

func TestBuildSchemaModules(t *testing.T) {
	str := ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.String, Name: "String"}
	point := ir.TypeRef{Kind: ir.KindModuleType, Module: 0, Index: 0, Name: "Point"}
	entry := ir.TypeRef{Kind: ir.KindModuleType, Module: 0, Index: 1, Name: "LogEntry"}
	sys := &ir.System{
		Doc: "Module test.",
		Modules: []ir.Module{{Kind: ir.ModuleDeno, Name: "M", Types: []ir.ModuleType{
			{Name: "Point", Input: true, Output: true, Fields: []ir.ModuleField{{Name: "x", Type: str, Optional: true}}},
			{Name: "LogEntry", Input: true, Fields: []ir.ModuleField{{Name: "msg", Type: str}}},
		},
			Queries: []ir.Operation{
				{Name: "move", Doc: "Moves a point.", Access: lit(true), Return: point,
					Args: []ir.Arg{{Name: "p", Type: point}, {Name: "ctx", Type: ir.TypeRef{Kind: ir.KindContext, Name: "AuthContext"}, Injected: true}}},
				{Name: "hidden", Return: str},
				{Name: "denied", Access: lit(false), Return: str},
				{Name: "many", Access: lit(true), ReturnOptional: true,
					Return: ir.TypeRef{Kind: ir.KindSet, Elem: &point}},
			},
			Mutations: []ir.Operation{
				{Name: "log", Access: &ir.Expr{Kind: ir.ExprPath, Path: &ir.Path{Root: ir.RootContext}},
					Return: ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"},
					Args: []ir.Arg{{Name: "entry", Type: entry}, {Name: "note", Type: str, Optional: true},
						{Name: "exograph", Type: ir.TypeRef{Kind: ir.KindInjected, Name: "Exograph"}, Injected: true}}},
			},
		}},
	}
	got := buildSDL(t, sys, SchemaOptions{AllowMutations: true})
	want := `"""Module test."""
schema {
  query: Query
  mutation: Mutation
}

input LogEntry {
  msg: String!
}

type Point {
  x: String
}

input PointInput {
  x: String
}

type Query {
  many: [Point!]

  """Moves a point."""
  move(p: PointInput!): Point!
}

type Mutation {
  log(entry: LogEntry!, note: String): Boolean!
}`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s\n%s", got, want, firstDiff(got, want))
	}
}

func TestBuildSchemaVectorJSONEnumArray(t *testing.T) {
	vec := scalarField("embedding", ir.Vector)
	vec.Optional = true
	arr := ir.Field{Kind: ir.FieldScalar, Name: "tags", Type: ir.TypeRef{Kind: ir.KindArray,
		Elem: &ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.String, Name: "String"}}}
	prio := ir.Field{Kind: ir.FieldScalar, Name: "priority", Type: ir.TypeRef{Kind: ir.KindEnum, Index: 0, Name: "Priority"},
		Default: &ir.Default{Kind: ir.DefaultLiteral, Literal: &ir.Literal{Kind: ir.LitEnum, Str: "LOW"}}}
	meta := ir.Field{Kind: ir.FieldJSON, Name: "meta", Optional: true, Type: ir.TypeRef{Kind: ir.KindEntity, Index: 1, Name: "Meta"}}
	sys := &ir.System{
		Enums: []ir.Enum{{Name: "Priority", Values: []string{"LOW", "HIGH"}}},
		Entities: []ir.Entity{
			{Kind: ir.EntityTable, Name: "Doc", Plural: "Docs", Access: allow(), Names: names("Doc", "Docs"),
				PK: []int{0}, Fields: []ir.Field{pkField(), vec, arr, prio, meta}},
			{Kind: ir.EntityJSON, Name: "Meta", Fields: []ir.Field{scalarField("note", ir.String)}},
		},
	}
	got := buildSDL(t, sys, SchemaOptions{AllowMutations: true})
	for _, want := range []string{
		"type Doc {\n  id: Int!\n  embedding: [Float!]\n  embeddingDistance(to: [Float!]!): Float!\n  tags: [String!]!\n  priority: Priority!\n  meta: Meta\n}",
		"type DocAgg {\n  id: IntAgg\n  embedding: VectorAgg\n  tags: StringAgg\n  priority: PriorityAgg\n}",
		"input DocOrdering {\n  id: Ordering\n  embedding: VectorOrdering\n  priority: Ordering\n}",
		"input DocCreationInput {\n  embedding: [Float!]\n  tags: [String!]!\n  priority: Priority\n  meta: MetaCreationInput\n}",
		"input DocUpdateInput {\n  id: Int\n  embedding: [Float!]\n  tags: [String!]\n  priority: Priority\n  meta: MetaUpdateInput\n}",
		"input MetaUpdateInput {\n  note: String!\n}",
		"input PriorityFilter {\n  eq: Priority\n  neq: Priority\n}",
		"scalar Vector\n",
		`"""Predicate to filter based on vector distance"""` + "\ninput VectorFilterArg {",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("schema lacks %q", want)
		}
	}
	if strings.Contains(got, "meta: MetaFilter") || strings.Contains(got, "scalar Json") {
		t.Errorf("JSON-typed field leaked into filters:\n%s", got)
	}
}

func TestBuildSchemaRejectsBadIR(t *testing.T) {
	if _, err := BuildSchema(nil, SchemaOptions{}); err == nil {
		t.Error("nil system accepted")
	}
	sys := concertVenue()
	sys.Entities[0].Fields[2].Relation.Target = 7
	if _, err := BuildSchema(sys, SchemaOptions{}); err == nil || !strings.Contains(err.Error(), "venue") {
		t.Errorf("bad relation target: err = %v", err)
	}
	sys = concertVenue()
	sys.Entities[1].PK = []int{9}
	if _, err := BuildSchema(sys, SchemaOptions{}); err == nil {
		t.Error("bad primary key index accepted")
	}
	sys = concertVenue()
	sys.Enums = []ir.Enum{{Name: "Concert", Values: []string{"A"}}}
	if _, err := BuildSchema(sys, SchemaOptions{}); err == nil || !strings.Contains(err.Error(), "Concert") {
		t.Errorf("type name clash: err = %v", err)
	}
}

func TestBuildSchemaEmptyTypes(t *testing.T) {
	// Only an autoIncrement primary key: the creation input has no fields.
	sys := &ir.System{Entities: []ir.Entity{{Kind: ir.EntityTable, Name: "Tick", Plural: "Ticks", Access: allow(),
		Names: names("Tick", "Ticks"), PK: []int{0}, Fields: []ir.Field{pkField()}}}}
	s, err := BuildSchema(sys, SchemaOptions{AllowMutations: true})
	if err != nil {
		t.Fatal(err)
	}
	got := PrintSchema(s)
	if !strings.Contains(got, "input TickCreationInput\n\n") || strings.Contains(got, "_: Boolean") {
		t.Errorf("empty creation input not printed as such:\n%s", got)
	}
	h := &Handler{Schema: s, Resolver: ResolverFunc(func(_ context.Context, _ *Operation, f *Field) (json.RawMessage, error) {
		return json.RawMessage(`{"id":1}`), nil
	})}
	if out := string(h.Execute(context.Background(), &Request{Query: `mutation { createTick(data: {}) { id } }`})); out != `{"data":{"createTick":{"id":1}}}` {
		t.Errorf("create with empty input: %s", out)
	}
}
