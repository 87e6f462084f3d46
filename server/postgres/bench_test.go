package postgres

import (
	"context"
	"testing"
)

func nestedListQuery() *Field {
	return fa("venues", obj{"where": obj{"published": obj{"eq": true}}, "orderBy": list{obj{"id": "ASC"}}, "limit": int64(50)},
		f("id"), f("name"), f("latitude"),
		fa("concerts", obj{"orderBy": obj{"title": "ASC"}}, f("id"), f("title"), f("price"), f("startsAt"), f("venue", f("id"), f("name"))),
		fa("concertsAgg", nil, f("id", f("count"))))
}

// BenchmarkPlan measures SQL planning of a nested list query (no database).
func BenchmarkPlan(b *testing.B) {
	e := New(testSystem(), Options{})
	q := nestedListQuery()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := e.Plan(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanPK measures planning of a small pk query.
func BenchmarkPlanPK(b *testing.B) {
	e := New(testSystem(), Options{})
	q := fa("concert", obj{"id": int64(1)}, f("id"), f("title"), f("venue", f("name")))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := e.Plan(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

const benchSeed = `
INSERT INTO venues (name, published, latitude) SELECT 'Venue ' || i, true, i * 1.5 FROM generate_series(1, 60) i;
INSERT INTO concerts (title, venueid, published, price, starts_at)
  SELECT 'Concert ' || v || '-' || c, v + 3, c % 2 = 0, (c * 3.25)::numeric, '2024-01-01T00:00:00Z'::timestamptz + (c || ' days')::interval
  FROM generate_series(1, 60) v, generate_series(1, 10) c;
CREATE INDEX ON concerts (venueid);
`

// BenchmarkQueryNestedList runs a nested list query end to end (plan, execute on a prepared,
// cached statement, return the JSON text): 50 venues with ~10 concerts each (~100 KB JSON).
func BenchmarkQueryNestedList(b *testing.B) {
	v := newEnv(b, Options{})
	if _, err := v.conn.Exec(v.ctx, benchSeed); err != nil {
		b.Fatal(err)
	}
	if _, err := v.conn.Exec(v.ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	q := nestedListQuery()
	out, err := v.e.ResolveOn(v.ctx, v.conn, q)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.e.ResolveOn(v.ctx, v.conn, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueryFlatList is the nested list without its aggregate (so the
// flat-rows shape serves it: Float, Decimal and Instant columns included), and
// BenchmarkQueryFlatListJSONShape the same query in the JSON shape.
func BenchmarkQueryFlatList(b *testing.B) {
	benchmarkList(b, flatListQuery())
}

func BenchmarkQueryFlatListJSONShape(b *testing.B) {
	useFlatRows = false
	defer func() { useFlatRows = true }()
	benchmarkList(b, flatListQuery())
}

func flatListQuery() *Field {
	q := nestedListQuery()
	q.Selections = q.Selections[:len(q.Selections)-1] // without concertsAgg
	return q
}

func benchmarkList(b *testing.B, q *Field) {
	v := newEnv(b, Options{})
	if _, err := v.conn.Exec(v.ctx, benchSeed+"ANALYZE;"); err != nil {
		b.Fatal(err)
	}
	out, err := v.e.ResolveOn(v.ctx, v.conn, q)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.e.ResolveOn(v.ctx, v.conn, q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQueryNestedListBuildObject is BenchmarkQueryNestedList with the
// json_build_object shape.
func BenchmarkQueryNestedListBuildObject(b *testing.B) {
	useRowJSON = false
	defer func() { useRowJSON = true }()
	BenchmarkQueryNestedList(b)
}

// BenchmarkQueryPK runs a pk query with a to-one relation end to end.
func BenchmarkQueryPK(b *testing.B) {
	v := newEnv(b, Options{})
	q := fa("concert", obj{"id": int64(1)}, f("id"), f("title"), f("venue", f("name")))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.e.ResolveOn(v.ctx, v.conn, q); err != nil {
			b.Fatal(err)
		}
	}
}
