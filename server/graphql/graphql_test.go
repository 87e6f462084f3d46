package graphql

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

var (
	schemaOnce sync.Once
	testSchema *ast.Schema
)

func loadTestSchema(t testing.TB) *ast.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		src, err := os.ReadFile("testdata/concerts.graphql")
		if err != nil {
			panic(err)
		}
		s, gerr := gqlparser.LoadSchema(&ast.Source{Name: "concerts.graphql", Input: string(src)})
		if gerr != nil {
			panic(gerr)
		}
		testSchema = s
	})
	return testSchema
}

// shapeResolver answers every root field with a value describing the prepared field tree, so that
// tests can check aliases, arguments, merging and order without a database.
func shapeResolver(_ context.Context, _ *Operation, f *Field) (json.RawMessage, error) {
	return json.Marshal(describe(f))
}

func describe(f *Field) string {
	var b strings.Builder
	writeShape(&b, f)
	return b.String()
}

func writeShape(b *strings.Builder, f *Field) {
	if f.Alias != f.Name {
		b.WriteString(f.Alias + ":")
	}
	b.WriteString(f.Name)
	if len(f.Arguments) > 0 {
		a, _ := json.Marshal(f.Arguments)
		b.WriteString("(" + string(a) + ")")
	}
	if len(f.Selections) > 0 {
		b.WriteString("{")
		for i, s := range f.Selections {
			if i > 0 {
				b.WriteString(" ")
			}
			writeShape(b, s)
		}
		b.WriteString("}")
	}
}

func run(t testing.TB, query string, vars string, limits Limits) string {
	t.Helper()
	h := &Handler{Schema: loadTestSchema(t), Resolver: ResolverFunc(shapeResolver), Limits: limits, Introspection: true}
	req := &Request{Query: query}
	if vars != "" {
		r, err := ParseRequest([]byte(`{"variables":` + vars + `}`))
		if err != nil {
			t.Fatalf("bad variables in test: %v", err)
		}
		req.Variables = r.Variables
	}
	return string(h.Execute(context.Background(), req))
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, query, vars, want string
		limits                  Limits
	}{
		{
			name:  "single object coerced to list",
			query: "mutation {\n  createVenues(data: {name: \"The Venue\", published: true}) {\n    id\n  }\n}\n",
			want:  `{"data":{"createVenues":"createVenues({\"data\":[{\"name\":\"The Venue\",\"published\":true}]}){id}"}}`,
		},
		{
			name:  "fragment cycle direct",
			query: "query {\n  venues {\n    ...VenueInfo\n  }\n}\nfragment VenueInfo on Venue {\n  ...VenueInfo\n}\n",
			want:  `{"errors":[{"message":"Fragment cycle detected: VenueInfo","locations":[{"line":7,"column":3}]}]}`,
		},
		{
			name:  "fragment cycle indirect",
			query: "query {\n  venues {\n    ...VenueInfo\n  }\n}\nfragment VenueInfo on Venue {\n  ...VenueDetails\n}\nfragment VenueDetails on Venue {\n  ...VenueInfo\n}\n",
			want:  `{"errors":[{"message":"Fragment cycle detected: VenueInfo","locations":[{"line":10,"column":3}]}]}`,
		},
		{
			name:  "missing fragment",
			query: "query($id: Int!) {\n  venue(id: $id) {\n    ...Name\n  }\n}\n",
			vars:  `{"id": 1}`,
			want:  `{"errors":[{"message":"Fragment definition 'Name' not found","locations":[{"line":3,"column":5}]}]}`,
		},
		{
			name:  "missing variable",
			query: "query($id: Int!) {\n  venue(id: $id) {\n    id\n  }\n}\n",
			vars:  `{}`,
			want:  `{"errors":[{"message":"Variable 'id' not found","locations":[{"line":1,"column":8}]}]}`,
		},
		{
			name:  "undeclared variable",
			query: "query {\n  venue(id: $id) {\n    id\n  }\n}\n",
			want:  `{"errors":[{"message":"Variable 'id' not found","locations":[{"line":2,"column":13}]}]}`,
		},
		{
			name:  "duplicated fragment",
			query: "{\n  venue(id: 1) {\n    ...venueInfo\n  }\n}\n\nfragment venueInfo on Venue {\n  id\n}\n\nfragment venueInfo on Venue {\n  id\n}\n",
			want:  `{"errors":[{"message":"Fragment venueInfo duplicated","locations":[{"line":7,"column":1},{"line":11,"column":1}]}]}`,
		},
		{
			name:  "array for object",
			query: "mutation {\n  createVenue(data: [{name: \"The Venue\", published: true}]) {\n    id\n  }\n}",
			want:  `{"errors":[{"message":"Argument 'data' is not of a valid type. Expected 'VenueCreationInput', got '[VenueCreationInput]'","locations":[{"line":2,"column":21}]}]}`,
		},
		{
			name:  "missing object field",
			query: "mutation {\n  createVenue(data: {name: \"The Venue\"}) {\n    id\n  }\n}\n",
			want:  `{"errors":[{"message":"Required argument 'published' not found","locations":[{"line":2,"column":3}]}]}`,
		},
		{
			name:  "mistyped object field",
			query: "mutation {\n  createVenue(data: {name: \"The Venue\", published: 6}) {\n    id\n  }\n}\n",
			want:  `{"errors":[{"message":"Argument 'published' is not of a valid type. Expected 'Boolean', got 'Number'","locations":[{"line":2,"column":21}]}]}`,
		},
		{
			name:  "null for required object",
			query: "mutation {\n  createVenue(data: null) {\n    id\n  }\n}",
			want:  `{"errors":[{"message":"Required argument 'data' not found","locations":[{"line":2,"column":21}]}]}`,
		},
		{
			name:  "scalar for object",
			query: "mutation {\n  createVenue(data: 5) {\n    id\n  }\n}\n",
			want:  `{"errors":[{"message":"Argument 'data' is not of a valid type. Expected 'VenueCreationInput', got 'Number'","locations":[{"line":2,"column":21}]}]}`,
		},
		{
			name:  "overly nested array",
			query: "mutation {\n  createVenues(data: [[{name: \"The Venue\", published: true}]]) {\n    id\n  }\n}",
			want:  `{"errors":[{"message":"Argument 'data' is not of a valid type. Expected 'VenueCreationInput', got '[VenueCreationInput]'","locations":[{"line":2,"column":22}]}]}`,
		},
		{
			name:  "missing required argument",
			query: "{\n  venue {\n    id\n  }\n}",
			want:  `{"errors":[{"message":"Required argument 'id' not found","locations":[{"line":2,"column":3}]}]}`,
		},
		{
			name:  "unknown argument",
			query: "{\n  venue(id: 1, foo: 2, bar: 3) {\n    id\n  }\n}",
			want:  `{"errors":[{"message":"Argument(s) '[foo, bar]' invalid for 'venue'","locations":[{"line":2,"column":3}]}]}`,
		},
		{
			name:  "unknown input field",
			query: "mutation {\n  createVenue(data: {name: \"x\", published: true, updatedAt: 1}) {\n    id\n  }\n}",
			want:  `{"errors":[{"message":"Argument(s) '[updatedAt]' invalid for 'createVenue'","locations":[{"line":2,"column":3}]}]}`,
		},
		{
			name:  "__typename in input object ignored",
			query: "mutation {\n  createVenue(data: {name: \"x\", published: true, __typename: \"IGNORED\"}) {\n    id\n  }\n}",
			want:  `{"data":{"createVenue":"createVenue({\"data\":{\"name\":\"x\",\"published\":true}}){id}"}}`,
		},
		{
			name:  "decimal from float variable",
			query: "mutation($p: Float) {\n  createConcert(data: {title: \"t\", venue: {id: 1}, published: true, price: $p}) {\n    id\n  }\n}",
			vars:  `{"p": 1.000000000123456789}`,
			want:  `{"errors":[{"message":"Argument 'price' is not of a valid type. Expected 'Decimal', got 'Number'","locations":[{"line":2,"column":23}]}]}`,
		},
		{
			name:  "selection too deep",
			query: "query {\n  venues { # level 1\n    id # level 2\n    concerts {\n      id\n      venue { # level 3\n        id\n        concerts { # level 4\n          id\n          venue { # level 5\n            id\n            concerts { # level 6\n              id\n            }\n          }\n        }\n      }\n    }\n  }\n}\n",
			want:  `{"errors":[{"message":"Selection set too deep","locations":[{"line":11,"column":13}]}]}`,
		},
		{
			name:   "selection depth override",
			query:  "query {\n  venues {\n    id\n    concerts {\n      id\n      venue {\n        id\n        concerts {\n          id\n          venue {\n            id\n            concerts {\n              id\n            }\n          }\n        }\n      }\n    }\n  }\n}\n",
			limits: Limits{MaxDepth: 7},
			want:   `{"data":{"venues":"venues{id concerts{id venue{id concerts{id venue{id concerts{id}}}}}}"}}`,
		},
		{
			name:  "syntax error",
			query: "{\n  venue(id: 1\n}\n",
			want:  `{"errors":[{"message":"Syntax error:\n --> 3:1\n  |\n3 | }\n  | ^---\n  |\n  = expected name","locations":[{"line":3,"column":1}]}]}`,
		},
		{
			name:  "syntax error two-digit line",
			query: "{\n\n\n\n\n\n\n\n\n  venue(id: 1\n}",
			want:  `{"errors":[{"message":"Syntax error:\n  --> 11:1\n   |\n11 | }\n   | ^---\n   |\n   = expected name","locations":[{"line":11,"column":1}]}]}`,
		},
		{
			name:  "invalid field",
			query: "query {\n  concertz {\n    id\n  }\n}",
			want:  `{"errors":[{"message":"Field 'concertz' is not valid for type 'Query'","locations":[{"line":2,"column":3}]}]}`,
		},
		{
			name:  "invalid nested field",
			query: "query {\n  venue(id: 1) {\n    nme\n  }\n}",
			want:  `{"errors":[{"message":"Field 'nme' is not valid for type 'Venue'","locations":[{"line":3,"column":5}]}]}`,
		},
		{
			name:  "inline fragment",
			query: "query {\n  venue(id: 1) {\n    ... on Venue { id }\n  }\n}",
			want:  `{"errors":[{"message":"Inline fragments are not supported","locations":[{"line":3,"column":5}]}]}`,
		},
		{
			name:  "enum literal where object expected passes validation",
			query: "query {\n  venues(orderBy: [name_DESC]) { id }\n}",
			want:  `{"data":{"venues":"venues({\"orderBy\":[\"name_DESC\"]}){id}"}}`,
		},
		{
			name:  "bad enum value",
			query: "query {\n  venues(orderBy: {name: UP}) { id }\n}",
			want:  `{"errors":[{"message":"Argument 'name' is not of a valid type. Expected 'Ordering', got 'String'","locations":[{"line":2,"column":19}]}]}`,
		},
		{
			name:  "multiple operations without name",
			query: "query A { venues { id } } query B { venues { id } }",
			want:  `{"errors":[{"message":"Must provide operation name if query contains multiple operations"}]}`,
		},
		{
			name:  "quotes removed from messages",
			query: "query {\n  venue(id: 1) { ...X }\n}\nfragment X on Venue { \"x\" }",
			want:  `{"errors":[{"message":"Syntax error:\n --> 4:23\n  |\n4 | fragment X on Venue { x }\n  |                       ^---\n  |\n  = expected name","locations":[{"line":4,"column":23}]}]}`,
		},
		{
			name:  "mutation typename",
			query: "mutation {\n  __typename\n}\n",
			want:  `{"data":{"__typename":"Mutation"}}`,
		},
		{
			name:  "variables aliases and nullable absent variable",
			query: "query Q($id: Int!, $lim: Int) {\n  a: venue(id: $id) { n: name }\n  venues(limit: $lim, where: {name: {eq: null}}) { id }\n}",
			vars:  `{"id": 3}`,
			want:  `{"data":{"a":"a:venue({\"id\":3}){n:name}","venues":"venues({\"where\":{\"name\":{\"eq\":null}}}){id}"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.query, tc.vars, tc.limits)
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestFieldMerging(t *testing.T) {
	tests := []struct{ name, query, want string }{
		{
			name:  "arguments match",
			query: "query {\n    venue(id: 1) {\n        id\n        concerts(where: {id: {eq: 1}}) {\n            id\n        }\n        concerts(where: {id: {eq: 1}}) {\n            id\n        }\n        c1: concerts(where: {id: {eq: 1}}) {\n            id\n        }\n    }\n}",
			want:  `{"data":{"venue":"venue({\"id\":1}){id concerts({\"where\":{\"id\":{\"eq\":1}}}){id} c1:concerts({\"where\":{\"id\":{\"eq\":1}}}){id}}"}}`,
		},
		{
			name:  "arguments mismatch",
			query: "query {\n    venue(id: 1) {\n        id\n        concerts(where: {id: {eq: 1}}) {\n            id\n        }\n        concerts(where: {id: {eq: 2}}) {\n            id\n        }\n        c1: concerts(where: {id: {eq: 1}}) {\n            id\n        }\n    }\n}",
			want:  `{"errors":[{"message":"Failed to merge field defined multiple times with different selection or arguments: 'concerts'","locations":[{"line":4,"column":9},{"line":7,"column":9}]}]}`,
		},
		{
			name:  "alias to different fields",
			query: "query {\n    concert(id: 1) {\n        t: title # differs\n        id\n        t: id\n    }\n}",
			want:  `{"errors":[{"message":"Failed to merge field defined multiple times with different selection or arguments: 't'","locations":[{"line":3,"column":9},{"line":5,"column":9}]}]}`,
		},
		{
			name:  "no alias",
			query: "query {\n    concert(id: 1) {\n        title\n        id\n        title\n        title\n        t: title\n    }\n}",
			want:  `{"data":{"concert":"concert({\"id\":1}){title id t:title}"}}`,
		},
		{
			name:  "non-leaf failure",
			query: "query {\n    concert(id: 1) {\n        id\n        venue {\n            id\n            n: name\n        }\n        venue {\n            name\n            n: published\n        }\n    }\n}",
			want:  `{"errors":[{"message":"Failed to merge field defined multiple times with different selection or arguments: 'venue'","locations":[{"line":4,"column":9},{"line":8,"column":9}]}]}`,
		},
		{
			name:  "non-leaf merge",
			query: "query {\n    concert(id: 1) {\n        id\n        venue {\n            id\n            name\n        }\n        venue {\n            name\n            published\n        }\n        v: venue {\n            name\n            published\n        }\n    }\n}",
			want:  `{"data":{"concert":"concert({\"id\":1}){id venue{id name published} v:venue{name published}}"}}`,
		},
		{
			name:  "with alias",
			query: "query {\n    concert(id: 1) {\n        t: title\n        id\n        t: title\n        t: title\n        tt: title\n    }\n}",
			want:  `{"data":{"concert":"concert({\"id\":1}){t:title id tt:title}"}}`,
		},
		{
			name:  "fragments merge with fields",
			query: "query {\n  venue(id: 1) { id ...F name }\n}\nfragment F on Venue { name id published }",
			want:  `{"data":{"venue":"venue({\"id\":1}){id name published}"}}`,
		},
		{
			name:  "root fields merge",
			query: "query {\n  venues { id }\n  venues { name }\n}",
			want:  `{"data":{"venues":"venues{id name}"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc.query, "", Limits{})
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestFragmentFanOutBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("{ venues { ...F0 } }\n")
	for i := 0; i < 40; i++ {
		b.WriteString("fragment F" + strconv.Itoa(i) + " on Venue { ...F" + strconv.Itoa(i+1) + " ...F" + strconv.Itoa(i+1) + " }\n")
	}
	b.WriteString("fragment F40 on Venue { id }\n")
	got := run(t, b.String(), "", Limits{})
	if !strings.Contains(got, "Selection set too large") {
		t.Errorf("got %s", got)
	}
}

func TestDeepNestingRejected(t *testing.T) {
	q := "{ venues(where: " + strings.Repeat("{not: ", 600) + "{}" + strings.Repeat("}", 600) + ") { id } }"
	if got := run(t, q, "", Limits{}); !strings.Contains(got, "Query is too deeply nested") {
		t.Errorf("got %.200s", got)
	}
	q = "{ venues(where: {name: {eq: \"" + strings.Repeat("{", 600) + "\"}}) { id } }"
	if got := run(t, q, "", Limits{}); strings.Contains(got, "errors") {
		t.Errorf("brackets in strings counted: %.200s", got)
	}
}

// Resolvers can point errors at argument values (Exograph's @range errors do).
func TestArgLocations(t *testing.T) {
	var got map[string]Location
	h := &Handler{Schema: loadTestSchema(t), Resolver: ResolverFunc(func(_ context.Context, _ *Operation, f *Field) (json.RawMessage, error) {
		got = f.ArgLocations
		return json.RawMessage(`null`), nil
	})}
	q := "query($w: VenueFilter) {\n  venues(limit: 2, where: $w) {\n    id\n  }\n}"
	r, err := ParseRequest([]byte(`{"variables": {"w": {"name": {"eq": "x"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	h.Execute(context.Background(), &Request{Query: q, Variables: r.Variables})
	want := map[string]Location{"limit": {Line: 2, Column: 17}, "where": {Line: 2, Column: 27}}
	if len(got) != len(want) || got["limit"] != want["limit"] || got["where"] != want["where"] {
		t.Errorf("ArgLocations = %v, want %v", got, want)
	}
}
