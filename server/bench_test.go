package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
)

// benchSeed adds 50 venues with 10 concerts each to the example data.
const benchSeed = `
INSERT INTO venues (name, published) SELECT 'bench' || g, true FROM generate_series(1, 50) g;
INSERT INTO concerts (title, venue_id, published, price)
  SELECT 'c' || g, 3 + (g % 50) + 1, true, g FROM generate_series(1, 500) g;
`

// BenchmarkStartup measures what exo-server does before it accepts
// connections: decode the IR file and build the server (GraphQL schema,
// access extractor, pool without connecting).
func BenchmarkStartup(b *testing.B) {
	sys, _ := exampleSystem(b)
	var buf bytes.Buffer
	if err := ir.Encode(&buf, sys); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	cfg, err := FromEnv(map[string]string{"EXO_POSTGRES_URL": "postgres://exo@127.0.0.1:1/none", "EXO_CHECK_CONNECTION_ON_STARTUP": "false"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sys, err := ir.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		s, err := New(context.Background(), sys, cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkHTTP measures requests per second over real HTTP (keep-alive
// net/http clients, b.RunParallel) against a real PostgreSQL: a query by
// primary key and a nested list (50 venues with their 10 concerts each).
func BenchmarkHTTP(b *testing.B) {
	sys, ddl := exampleSystem(b)
	ts := startServer(b, sys, pgtest.NewFromTemplate(b, ddl+benchSeed), map[string]string{"EXO_LOG": "info", "EXO_CONNECTION_POOL_SIZE": "8"}, nil)
	for _, c := range []struct{ name, query, want string }{
		{"pk", `{ venue(id: 1) { id name published } }`, `{"data":{"venue":{"id":1,"name":"V1","published":true}}}`},
		{"nested-list", `{ venues(where: {name: {startsWith: "bench"}}, orderBy: {id: ASC}) { id name concerts(orderBy: {id: ASC}) { id title price } } }`, `"title":"c50"`},
	} {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(fmt.Sprintf(`{"query":%q}`, c.query))
			if _, got := ts.post(body); !strings.Contains(got, c.want) {
				b.Fatalf("unexpected response: %.300s", got)
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			b.SetParallelism(4)
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Post(ts.http.URL+"/graphql", "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

// TestIdleHeap reports the Go heap of a started, idle server (the RSS of
// the exo-server process is measured in bench/README.md).
func TestIdleHeap(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	sys, ddl := exampleSystem(t)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ts := startServer(t, sys, pgtest.NewFromTemplate(t, ddl), nil, nil)
	ts.expect(venuesQuery, publishedVenues)
	runtime.GC()
	runtime.ReadMemStats(&after)
	grow := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("idle server heap: %.1f MB (total heap in use %.1f MB)", float64(grow)/(1<<20), float64(after.HeapInuse)/(1<<20))
	if grow > 64<<20 {
		t.Errorf("an idle server holds %d MB of heap", grow>>20)
	}
}
