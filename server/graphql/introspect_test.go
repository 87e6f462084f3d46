package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func TestIntrospection(t *testing.T) {
	// Shaped like the conformance introspection/tests/query_introspection.exotest.
	q := `query {
  __schema {
    mutationType { ...type_info }
    queryType { ...type_info ...fields_info }
    __typename
  }
  int_type: __type(name: "Int") { ...type_info ...fields_info }
  missing: __type(name: "Nope") { ...type_info ...fields_info }
}
fragment type_info on __Type { name __typename kind ofType { __typename } }
fragment fields_info on __Type { fields { __typename name args { name __typename } } }
`
	got := run(t, q, "", Limits{})
	want := `{"data":{"__schema":{"mutationType":{"name":"Mutation","__typename":"__Type","kind":"OBJECT","ofType":null},` +
		`"queryType":{"name":"Query","__typename":"__Type","kind":"OBJECT","ofType":null,"fields":[` +
		`{"__typename":"__Field","name":"concert","args":[{"name":"id","__typename":"__InputValue"}]},` +
		`{"__typename":"__Field","name":"concerts","args":[{"name":"where","__typename":"__InputValue"},{"name":"orderBy","__typename":"__InputValue"},{"name":"limit","__typename":"__InputValue"},{"name":"offset","__typename":"__InputValue"}]},` +
		`{"__typename":"__Field","name":"venue","args":[{"name":"id","__typename":"__InputValue"}]},` +
		`{"__typename":"__Field","name":"venues","args":[{"name":"where","__typename":"__InputValue"},{"name":"orderBy","__typename":"__InputValue"},{"name":"limit","__typename":"__InputValue"},{"name":"offset","__typename":"__InputValue"}]}]},` +
		`"__typename":"__Schema"},` +
		`"int_type":{"name":"Int","__typename":"__Type","kind":"SCALAR","ofType":null,"fields":null},` +
		`"missing":{"name":null,"__typename":null,"kind":null,"ofType":null,"fields":null}}}`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestIntrospectionTypesAndDeprecation(t *testing.T) {
	q := `{
  m: __type(name: "Mutation") { fields(includeDeprecated: true) { name isDeprecated deprecationReason type { kind name ofType { kind name ofType { kind name } } } } }
  o: __type(name: "Ordering") { enumValues { name } description }
  f: __type(name: "ConcertFilter") { description inputFields { name type { name kind ofType { name } } } }
}`
	got := run(t, q, "", Limits{})
	var v struct {
		Data struct {
			M struct {
				Fields []struct {
					Name              string
					IsDeprecated      bool
					DeprecationReason *string
					Type              struct {
						Kind   string
						OfType struct{ Kind, Name string }
					}
				}
			}
			O struct {
				EnumValues  []struct{ Name string }
				Description *string
			}
			F struct {
				Description string
				InputFields []struct {
					Name string
					Type struct {
						Name   *string
						Kind   string
						OfType *struct{ Name string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(got), &v); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	m := v.Data.M.Fields
	if len(m) != 4 || m[3].Name != "deleteVenue" || !m[3].IsDeprecated || m[3].DeprecationReason == nil || *m[3].DeprecationReason != "use deleteVenues" {
		t.Errorf("mutation fields: %s", got)
	}
	if m[2].Type.Kind != "NON_NULL" || m[2].Type.OfType.Kind != "LIST" {
		t.Errorf("createVenues type: %+v", m[2].Type)
	}
	if len(v.Data.O.EnumValues) != 2 || v.Data.O.EnumValues[1].Name != "DESC" || v.Data.O.Description != nil {
		t.Errorf("enum: %s", got)
	}
	if !strings.HasPrefix(v.Data.F.Description, "Predicate for the `Concert` type parameter. \n") || len(v.Data.F.InputFields) != 6 ||
		v.Data.F.InputFields[3].Name != "and" || v.Data.F.InputFields[3].Type.Kind != "LIST" || v.Data.F.InputFields[3].Type.OfType.Name != "" {
		t.Errorf("input: %s", got)
	}
	// Without includeDeprecated the deprecated mutation is hidden.
	got = run(t, `{ __type(name: "Mutation") { fields { name } } }`, "", Limits{})
	if strings.Contains(got, "deleteVenue") {
		t.Errorf("deprecated field listed: %s", got)
	}
}

func TestIntrospectionDisabledAndDepth(t *testing.T) {
	h := &Handler{Schema: loadTestSchema(t), Resolver: ResolverFunc(shapeResolver)}
	out := string(h.Execute(context.Background(), &Request{Query: "{ __schema { queryType { name } } }"}))
	if !strings.Contains(out, `"errors"`) {
		t.Errorf("introspection allowed while disabled: %s", out)
	}
	out = string(h.Execute(context.Background(), &Request{Query: "{ __typename }"}))
	if out != `{"data":{"__typename":"Query"}}` {
		t.Errorf("typename: %s", out)
	}
	// Introspection queries may nest up to 15 levels (the standard query needs about 9).
	deep := "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }"
	if out := run(t, deep, "", Limits{}); strings.Contains(out, "errors") {
		t.Errorf("introspection depth: %s", out)
	}
}

const fullIntrospectionQuery = `query IntrospectionQuery {
  __schema {
    description queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
`

// TestPrintSchemaConformance loads every introspection.expected.graphql of the conformance suite,
// prints it back and compares line by line (trimmed, as Exograph's runner does).
func TestPrintSchemaConformance(t *testing.T) {
	root := "/work/shared/conformance/integration-tests"
	if _, err := os.Stat(root); err != nil {
		t.Skip("conformance suite not present at " + root)
	}
	var files []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "introspection.expected.graphql" {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no schema-tests found")
	}
	for _, p := range files {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s, gerr := gqlparser.LoadSchema(&ast.Source{Name: p, Input: string(src)})
		if gerr != nil {
			t.Errorf("%s: load: %v", p, gerr)
			continue
		}
		got := PrintSchema(s)
		if norm(got) != norm(string(src)) {
			t.Errorf("%s: printed schema differs:\n%s", p, firstDiff(norm(got), norm(string(src))))
		}
		// The introspection result must be valid JSON for the full graphql-js query.
		h := &Handler{Schema: s, Introspection: true}
		out := h.Execute(context.Background(), &Request{Query: fullIntrospectionQuery})
		if !json.Valid(out) || bytes.Contains(out, []byte(`"errors"`)) {
			t.Errorf("%s: introspection failed: %.300s", p, out)
		}
	}
	t.Logf("%d schemas printed", len(files))
}

func norm(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + itoa(i+1) + ":\n got: " + al[i] + "\nwant: " + bl[i]
		}
	}
	return "length differs: " + itoa(len(al)) + " vs " + itoa(len(bl))
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestPrintSchemaRoundTrip(t *testing.T) {
	s := loadTestSchema(t)
	first := PrintSchema(s)
	s2, err := gqlparser.LoadSchema(&ast.Source{Input: first})
	if err != nil {
		t.Fatalf("printed schema does not load: %v\n%s", err, first)
	}
	if second := PrintSchema(s2); second != first {
		t.Errorf("round trip differs:\n%s", firstDiff(second, first))
	}
	for _, want := range []string{
		"\"\"\"\nA small Concert/Venue schema shaped like Exograph's generated API, for tests.\n\"\"\"\nschema {\n  query: Query\n  mutation: Mutation\n}",
		"type Query {\n  \"\"\"Get a single `Concert` by primary key\"\"\"\n  concert(id: Int!): Concert\n\n  \"\"\"\n  Get multiple `Concert`s given the provided `where` filter, order by, limit, and offset\n  \"\"\"\n  concerts(",
		"  deleteVenue(id: Int!): Venue @deprecated(reason: \"use deleteVenues\")\n}",
		"scalar Decimal\n\ninput IntFilter {",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("printed schema lacks %q:\n%s", want, first)
		}
	}
}
