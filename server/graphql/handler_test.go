package graphql

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

type recordingTx struct {
	calls     int
	committed bool
}

func (r *recordingTx) RunInTx(ctx context.Context, _ *Operation, fn func(ctx context.Context) error) error {
	r.calls++
	err := fn(ctx)
	r.committed = err == nil
	return err
}

func TestHandlerHTTP(t *testing.T) {
	tx := &recordingTx{}
	var order []string
	h := &Handler{Schema: loadTestSchema(t), Tx: tx, Resolver: ResolverFunc(func(ctx context.Context, op *Operation, f *Field) (json.RawMessage, error) {
		order = append(order, f.Alias)
		if HTTPRequest(ctx) == nil {
			return nil, errors.New("no request in context")
		}
		if f.Alias == "boom" {
			return nil, NewError("Operation failed")
		}
		if f.Alias == "internal" {
			return nil, errors.New("pq: secret detail")
		}
		return json.RawMessage(`{"id":1}`), nil
	})}

	post := func(body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body)))
		return w
	}
	if w := post(`{"query": "{ venue(id: 1) { id } }"`); w.Code != 400 || w.Body.Len() != 0 {
		t.Errorf("bad JSON: %d %q", w.Code, w.Body.String())
	}
	w := post(`{"query": "mutation { b: createVenue(data: {name: \"x\", published: true}) { id } a: createVenue(data: {name: \"y\", published: true}) { id } __typename }"}`)
	if w.Code != 200 || w.Body.String() != `{"data":{"b":{"id":1},"a":{"id":1},"__typename":"Mutation"}}` {
		t.Errorf("mutation: %d %s", w.Code, w.Body.String())
	}
	if strings.Join(order, ",") != "b,a" || tx.calls != 1 || !tx.committed {
		t.Errorf("order %v, tx calls %d committed %v", order, tx.calls, tx.committed)
	}
	order = nil
	w = post(`{"query": "mutation { x: createVenue(data: {name: \"x\", published: true}) { id } boom: createVenue(data: {name: \"y\", published: true}) { id } y: createVenue(data: {name: \"z\", published: true}) { id } }"}`)
	if w.Body.String() != `{"errors":[{"message":"Operation failed"}]}` || tx.committed || strings.Join(order, ",") != "x,boom" {
		t.Errorf("failure: %s committed=%v order=%v", w.Body.String(), tx.committed, order)
	}
	w = post(`{"query": "{ internal: venue(id: 1) { id } }"}`)
	if w.Body.String() != `{"errors":[{"message":"Internal server error"}]}` {
		t.Errorf("internal: %s", w.Body.String())
	}
	w = post(`{"query": "query A { a: venue(id: 1) { id } } query B($id: Int!) { b: venue(id: $id) { id } }", "operationName": "B", "variables": {"id": 2}}`)
	if w.Body.String() != `{"data":{"b":{"id":1}}}` || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("operationName: %s", w.Body.String())
	}
	gw := httptest.NewRecorder()
	h.ServeHTTP(gw, httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape("query($id: Int!) { venue(id: $id) { id } }")+"&variables="+url.QueryEscape(`{"id":1}`), nil))
	if gw.Body.String() != `{"data":{"venue":{"id":1}}}` {
		t.Errorf("GET: %s", gw.Body.String())
	}
}

func TestErrorSanitising(t *testing.T) {
	e := NewError("bad \"value\"\nsecond line")
	if got := string(e.AppendJSON(nil)); got != `{"errors":[{"message":"bad value; second line"}]}` {
		t.Errorf("got %s", got)
	}
}

func TestArgumentValues(t *testing.T) {
	op, err := Prepare(loadTestSchema(t), &Request{
		Query:     `query($w: ConcertFilter, $l: Int) { concerts(where: $w, limit: $l, orderBy: {id: DESC}) { id venue { name } } }`,
		Variables: mustVars(t, `{"w": {"title": {"eq": "x"}, "or": {"id": {"lt": 3}}}, "l": 10}`),
	}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	f := op.Fields[0]
	where := f.Arguments["where"].(map[string]any)
	if where["title"].(map[string]any)["eq"] != "x" {
		t.Errorf("where: %#v", where)
	}
	if or, ok := where["or"].([]any); !ok || or[0].(map[string]any)["id"].(map[string]any)["lt"] != int64(3) {
		t.Errorf("or not coerced to list of int64: %#v", where["or"])
	}
	if f.Arguments["limit"] != int64(10) {
		t.Errorf("limit: %#v", f.Arguments["limit"])
	}
	if ob := f.Arguments["orderBy"].([]any); ob[0].(map[string]any)["id"] != "DESC" {
		t.Errorf("orderBy: %#v", ob)
	}
	if _, ok := f.Arguments["offset"]; ok {
		t.Errorf("absent offset present")
	}
	if f.Type.Name != "Concert" || !f.IsList() || f.Selections[1].Type.Name != "Venue" || f.Selections[1].Depth != 2 || f.Selections[1].Definition == nil {
		t.Errorf("field metadata: %+v", f)
	}
}

func mustVars(t testing.TB, s string) map[string]any {
	r, err := ParseRequest([]byte(`{"variables":` + s + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return r.Variables
}

func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ venue(id: 1) { id ...F } } fragment F on Venue { name }"}`,
		`{"query":"mutation($d: [VenueCreationInput!]!) { createVenues(data: $d) { id } }","variables":{"d":{"name":"x","published":true}}}`,
		`{"query":"{ __schema { types { name fields { name type { ofType { name } } } } } }"}`,
		`{"query":"query A { venues { id } } query B { venues { name } }","operationName":"B"}`,
		`{"query":"{\n  venue(id: 1\n}"}`,
		`{"query":"{ a: venue(id: 1) { id } a: venue(id: 2) { id } }"}`,
	} {
		f.Add([]byte(s))
	}
	schema := loadTestSchema(f)
	h := &Handler{Schema: schema, Introspection: true, Resolver: ResolverFunc(shapeResolver)}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseRequest(body)
		if err != nil {
			return
		}
		out := h.Execute(context.Background(), req)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON response %q for %q", out, body)
		}
	})
}

func BenchmarkPrepare(b *testing.B) {
	schema := loadTestSchema(b)
	req := &Request{Query: `query($id: Int!) { venue(id: $id) { id name concerts(where: {title: {eq: "x"}}, limit: 10) { id title venue { name } } ...F } } fragment F on Venue { published cost }`,
		Variables: map[string]any{"id": json.Number("1")}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Prepare(schema, req, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIntrospectionFull(b *testing.B) {
	h := &Handler{Schema: loadTestSchema(b), Introspection: true}
	req := &Request{Query: fullIntrospectionQuery}
	b.ReportAllocs()
	for b.Loop() {
		h.Execute(context.Background(), req)
	}
}
