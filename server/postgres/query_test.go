package postgres

import (
	"context"
	"strings"
	"testing"
)

func TestPlanSQLShapeBuildObject(t *testing.T) {
	useRowJSON, useFlatRows = false, false
	defer func() { useRowJSON, useFlatRows = true, true }()
	e := New(testSystem(), Options{})
	root := fa("concerts", obj{"where": obj{"title": obj{"eq": "Rock"}}, "orderBy": list{obj{"title": "DESC"}}, "limit": int64(2)},
		f("id"), f("venue", f("name")))
	sql, args, err := e.Plan(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT COALESCE(json_agg(json_build_object('id', t0."id", 'venue', (SELECT json_build_object('name', t1."name") FROM "venues" AS t1 WHERE t1."id" = t0."venueid"))), '[]'::json)::text FROM (SELECT t0.* FROM "concerts" AS t0 WHERE (t0."title" = $1) ORDER BY t0."title" DESC LIMIT $2) AS t0`
	if sql != want {
		t.Errorf("sql:\n got %s\nwant %s", sql, want)
	}
	if len(args) != 2 || args[0] != "Rock" || args[1] != int64(2) {
		t.Errorf("args = %v", args)
	}
	// Same shape, other values: same SQL text.
	root2 := fa("concerts", obj{"where": obj{"title": obj{"eq": "Jazz"}}, "orderBy": list{obj{"title": "DESC"}}, "limit": int64(7)},
		f("id"), f("venue", f("name")))
	sql2, _, _ := e.Plan(context.Background(), root2)
	if sql2 != sql {
		t.Errorf("SQL depends on values:\n%s\n%s", sql, sql2)
	}
}

func TestPlanSQLShapeRow(t *testing.T) {
	useFlatRows = false
	defer func() { useFlatRows = true }()
	e := New(testSystem(), Options{})
	root := fa("concerts", obj{"where": obj{"title": obj{"eq": "Rock"}}, "orderBy": list{obj{"title": "DESC"}}, "limit": int64(2)},
		f("id"), f("venue", f("name")))
	sql, _, err := e.Plan(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT COALESCE(json_agg(t1), '[]'::json)::text FROM (SELECT t0."id" AS "id", (SELECT row_to_json(t3) FROM (SELECT t2."name" AS "name" FROM "venues" AS t2 WHERE t2."id" = t0."venueid") AS t3) AS "venue" FROM "concerts" AS t0 WHERE (t0."title" = $1) ORDER BY t0."title" DESC LIMIT $2) AS t1`
	if sql != want {
		t.Errorf("sql:\n got %s\nwant %s", sql, want)
	}
}

// TestQueriesBuildObject runs the query suite with the json_build_object shape.
func TestQueriesBuildObject(t *testing.T) {
	useRowJSON = false
	defer func() { useRowJSON = true }()
	TestQueries(t)
}

func TestQueries(t *testing.T) {
	v := newEnv(t, Options{})

	t.Run("pk", func(t *testing.T) {
		v.t = t
		v.expect(fa("concert", obj{"id": int64(1)}, f("id"), f("title"), f("__typename"), f("price"), f("startsAt"), f("day"), f("tags"), f("meta"), f("data"), f("rank"), f("code"),
			f("venue", f("name"), f("latitude"))),
			`{"id":1,"title":"Rock","__typename":"Concert","price":"12.50","startsAt":"2021-07-07T03:08:47.1235+00:00","day":"1851-10-18",
			  "tags":["a","b"],"meta":{"a":1,"b":[1,2]},"data":"SGVsbG8=","rank":5,"code":"f6d3e1a0-0a3b-4a8c-9a6b-0d1e2f3a4b5c",
			  "venue":{"name":"Hall","latitude":37.7749}}`)
		v.expect(fa("concert", obj{"id": int64(99)}, f("id")), `null`)
	})
	t.Run("composite pk and unique", func(t *testing.T) {
		v.t = t
		v.expect(fa("person", obj{"firstName": "John", "lastName": "Doe"}, f("email"), fa("addresses", obj{"orderBy": list{obj{"street": "DESC"}}}, f("street"))),
			`{"email":"john@example.com","addresses":[{"street":"2 Side"},{"street":"1 Main"}]}`)
		v.expect(fa("personByEmail", obj{"email": "jane@example.com"}, f("firstName"), f("addressesAgg", f("id", f("count")))),
			`{"firstName":"Jane","addressesAgg":{"id":{"count":1}}}`)
		v.expect(fa("address", obj{"id": int64(3)}, f("person", f("lastName"))), `{"person":{"lastName":"Roe"}}`)
	})
	t.Run("collection nested", func(t *testing.T) {
		v.t = t
		v.expect(fa("venues", obj{"orderBy": obj{"id": "ASC"}}, f("name"),
			fa("concerts", obj{"where": obj{"published": obj{"eq": true}}}, f("title")),
			fa("concertsAgg", nil, f("price", f("sum"), f("avg")), f("id", f("count")))),
			`[{"name":"Hall","concerts":[{"title":"Rock"}],"concertsAgg":{"price":{"sum":32.50,"avg":16.25},"id":{"count":2}}},
			  {"name":"Arena","concerts":[{"title":"Pop"}],"concertsAgg":{"price":{"sum":7.25,"avg":7.25},"id":{"count":1}}},
			  {"name":"Empty","concerts":[],"concertsAgg":{"price":{"sum":null,"avg":null},"id":{"count":0}}}]`)
	})
	t.Run("limit offset alias", func(t *testing.T) {
		v.t = t
		root := fa("concerts", obj{"orderBy": list{obj{"price": "DESC"}}, "limit": int64(1), "offset": int64(1)}, &Field{Name: "title", Alias: "t"})
		v.expect(root, `[{"t":"Rock"}]`)
	})
	t.Run("order through relation", func(t *testing.T) {
		v.t = t
		v.expect(fa("concerts", obj{"orderBy": list{obj{"venue": list{obj{"name": "ASC"}}}, obj{"title": "ASC"}}}, f("title")),
			`[{"title":"Pop"},{"title":"Jazz"},{"title":"Rock"}]`)
	})
	t.Run("self relation", func(t *testing.T) {
		v.t = t
		v.expect(fa("employees", obj{"where": obj{"manager": obj{"name": obj{"eq": "Boss"}}}}, f("name"), f("manager", f("name"), f("manager", f("name")))),
			`[{"name":"Worker","manager":{"name":"Boss","manager":null}}]`)
		v.expect(fa("employees", obj{"where": obj{"manager": nil}}, f("name")), `[{"name":"Boss"}]`)
	})
	t.Run("aggregate root", func(t *testing.T) {
		v.t = t
		v.expect(fa("concertsAgg", obj{"where": obj{"published": obj{"eq": true}}}, f("__typename"), f("rank", f("min"), f("max"), f("sum"), f("avg"), f("count"), f("__typename")), f("title", f("min"), f("max"))),
			`{"__typename":"ConcertAgg","rank":{"min":5,"max":5,"sum":5,"avg":5,"count":1,"__typename":"IntAgg"},"title":{"min":"Pop","max":"Rock"}}`)
	})

	filters := []struct {
		name  string
		where obj
		want  string
	}{
		{"eq", obj{"title": obj{"eq": "Jazz"}}, `["Jazz"]`},
		{"neq", obj{"title": obj{"neq": "Jazz"}}, `["Rock","Pop"]`},
		{"lt gte", obj{"price": obj{"lt": "20", "gte": "10"}}, `["Rock"]`},
		{"like", obj{"title": obj{"like": "%o%"}}, `["Rock","Pop"]`},
		{"ilike", obj{"title": obj{"ilike": "j%"}}, `["Jazz"]`},
		{"startsWith", obj{"title": obj{"startsWith": "Ro"}}, `["Rock"]`},
		{"endsWith", obj{"title": obj{"endsWith": "zz"}}, `["Jazz"]`},
		{"eq null", obj{"startsAt": obj{"eq": nil}}, `["Jazz"]`},
		{"neq null", obj{"startsAt": obj{"neq": nil}}, `["Rock","Pop"]`},
		{"field null", obj{"meta": nil}, `["Pop"]`},
		{"instant gt", obj{"startsAt": obj{"gt": "2021-12-31T23:00:00Z"}}, `["Pop"]`},
		{"date", obj{"day": obj{"lt": "1900-01-01"}}, `["Rock"]`},
		{"json contains", obj{"meta": obj{"contains": obj{"a": int64(1)}}}, `["Rock"]`},
		{"json containedBy", obj{"meta": obj{"containedBy": obj{"c": true, "d": int64(1)}}}, `["Jazz"]`},
		{"json matchKey", obj{"meta": obj{"matchKey": "c"}}, `["Jazz"]`},
		{"json matchAllKeys", obj{"meta": obj{"matchAllKeys": list{"a", "b"}}}, `["Rock"]`},
		{"json matchAnyKey", obj{"meta": obj{"matchAnyKey": list{"b", "c"}}}, `["Rock","Jazz"]`},
		{"array element", obj{"tags": obj{"eq": "b"}}, `["Rock","Jazz"]`},
		{"array whole", obj{"tags": obj{"eq": list{"a", "b"}}}, `["Rock"]`},
		{"uuid", obj{"code": obj{"eq": "f6d3e1a0-0a3b-4a8c-9a6b-0d1e2f3a4b5c"}}, `["Rock"]`},
		{"and", obj{"and": list{obj{"published": obj{"eq": true}}, obj{"price": obj{"gt": "10"}}}}, `["Rock"]`},
		{"or", obj{"or": list{obj{"title": obj{"eq": "Pop"}}, obj{"title": obj{"eq": "Jazz"}}}}, `["Jazz","Pop"]`},
		{"not", obj{"not": obj{"title": obj{"eq": "Pop"}}}, `["Rock","Jazz"]`},
		{"many-to-one fk", obj{"venue": obj{"id": obj{"eq": int64(2)}}}, `["Pop"]`},
		{"many-to-one exists", obj{"venue": obj{"name": obj{"eq": "Hall"}}, "published": obj{"eq": false}}, `["Jazz"]`},
		{"empty", obj{}, `["Rock","Jazz","Pop"]`},
	}
	for _, tc := range filters {
		t.Run("filter "+tc.name, func(t *testing.T) {
			v.t = t
			got, err := v.resolve(fa("concerts", obj{"where": tc.where, "orderBy": obj{"id": "ASC"}}, f("title")))
			if err != nil {
				t.Fatal(err)
			}
			var titles []string
			for _, r := range got.([]any) {
				titles = append(titles, `"`+r.(map[string]any)["title"].(string)+`"`)
			}
			if g := "[" + strings.Join(titles, ",") + "]"; g != tc.want {
				t.Errorf("got %s, want %s", g, tc.want)
			}
		})
	}
	t.Run("one-to-many filter", func(t *testing.T) {
		v.t = t
		v.expect(fa("venues", obj{"where": obj{"concerts": obj{"title": obj{"eq": "Jazz"}}}}, f("name")), `[{"name":"Hall"}]`)
		v.expect(fa("venues", obj{"where": obj{"not": obj{"concerts": obj{}}}, "orderBy": obj{"id": "ASC"}}, f("name")), `[{"name":"Empty"}]`)
	})
	t.Run("errors", func(t *testing.T) {
		v.t = t
		v.expectErr(fa("concerts", obj{"where": obj{"and": list{obj{}}, "or": list{obj{}}}}, f("id")), msgMultipleLogical)
		v.expectErr(fa("concerts", obj{"where": obj{"and": list{}}}, f("id")), msgEmptyLogical)
		v.expectErr(fa("concerts", obj{"orderBy": list{"text_DESC"}}, f("id")), "Invalid field 'orderBy': Invalid argument ('text_DESC')")
		v.expectErr(fa("concerts", obj{"orderBy": obj{"id": obj{"order": "UP"}}}, f("id")), `Invalid field 'orderBy': Invalid argument ('{"order":"UP"}')`)
		v.expectErr(fa("concerts", obj{"where": obj{"rank": obj{"eq": int64(40000)}}}, f("id")),
			"Unable to convert input to the expected type: trying to convert the 'rank' field to the '16-bit integer' type")
	})
}
