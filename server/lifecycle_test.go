package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/exo-dev/exo/internal/pgtest"
)

// TestGracefulShutdown: a request in flight when the shutdown starts runs
// to completion; new connections are refused; Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	sys, ddl := exampleSystem(t)
	db := pgtest.NewFromTemplate(t, ddl)
	cfg, err := FromEnv(map[string]string{"EXO_POSTGRES_URL": db, "EXO_SHUTDOWN_TIMEOUT": "20s"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(context.Background(), sys, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	if resp, err := http.Get(base + "/ready"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/ready before shutdown: %v %v", resp, err)
	}
	release := holdLock(t, db)
	type result struct {
		body string
		err  error
	}
	inflight := make(chan result, 1)
	go func() {
		resp, err := http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"`+venuesQuery+`"}`))
		if err != nil {
			inflight <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		inflight <- result{body: compact(b)}
	}()
	waitFor(t, 5*time.Second, "the request to block on the lock", func() bool { return blockedQueries(t, db) == 1 })
	stop()
	waitFor(t, 5*time.Second, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), 100*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	if !s.prod.draining.Load() {
		t.Error("not draining during the shutdown")
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned while a request was in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	release()
	r := <-inflight
	if r.err != nil || r.body != publishedVenues {
		t.Errorf("in-flight request: %q %v", r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the last request")
	}
}

func TestTracing(t *testing.T) {
	sys, ddl := exampleSystem(t)
	exp := tracetest.NewInMemoryExporter()
	ts := startServer(t, sys, pgtest.NewFromTemplate(t, ddl), map[string]string{"EXO_ENABLE_OTEL": "true"},
		func(c *Config) { c.Telemetry.exporter = exp })
	ts.expect(venuesQuery, publishedVenues, "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
	if err := ts.s.prod.tracing.provider.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := map[string]tracetest.SpanStub{}
	for _, s := range exp.GetSpans() {
		spans[s.Name] = s
	}
	for _, name := range []string{"POST /graphql", "graphql.validate", "graphql.resolve", "postgres.query"} {
		s, ok := spans[name]
		if !ok {
			t.Errorf("no %s span in %v", name, exp.GetSpans())
			continue
		}
		if got := s.SpanContext.TraceID().String(); got != "0af7651916cd43dd8448eb211c80319c" {
			t.Errorf("%s: trace %s, want the caller's", name, got)
		}
	}
	var text string
	for _, kv := range spans["postgres.query"].Attributes {
		if kv.Key == "db.query.text" {
			text = kv.Value.AsString()
		}
	}
	if !strings.Contains(text, "venues") {
		t.Errorf("postgres.query has no statement text: %q", text)
	}
	if spans["postgres.query"].Parent.SpanID() != spans["graphql.resolve"].SpanContext.SpanID() {
		t.Error("postgres.query is not a child of graphql.resolve")
	}
}

// TestOTLPExport checks the real exporter set up from the OTEL_* variables
// (http/protobuf to a local collector stand-in, with headers).
func TestOTLPExport(t *testing.T) {
	var mu sync.Mutex
	var got []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Api-Key")+" "+r.Header.Get("Content-Type"))
		_ = b
		mu.Unlock()
	}))
	defer collector.Close()
	sys, ddl := exampleSystem(t)
	ts := startServer(t, sys, pgtest.NewFromTemplate(t, ddl), map[string]string{
		"EXO_ENABLE_OTEL": "true", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_SERVICE_NAME": "exo-test",
		"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL, "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=k%201",
	}, nil)
	ts.expect(venuesQuery, publishedVenues)
	ts.s.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 || got[0] != "POST /v1/traces k 1 application/x-protobuf" {
		t.Errorf("collector received %q", got)
	}
}

func TestProductionEnvErrors(t *testing.T) {
	for name, want := range map[string]string{
		"EXO_LOG=verbose":                          `invalid EXO_LOG="verbose": unknown level "verbose"`,
		"EXO_LOG_FORMAT=xml":                       `invalid EXO_LOG_FORMAT="xml"`,
		"EXO_MAX_ALIASES=-1":                       `invalid EXO_MAX_ALIASES="-1"`,
		"EXO_MAX_OPERATIONS=many":                  `invalid EXO_MAX_OPERATIONS="many"`,
		"EXO_MAX_TOKENS=1e3":                       `invalid EXO_MAX_TOKENS="1e3"`,
		"EXO_MAX_REQUEST_BYTES=10 parsecs":         `invalid EXO_MAX_REQUEST_BYTES="10 parsecs"`,
		"EXO_REQUEST_TIMEOUT=soon":                 `invalid EXO_REQUEST_TIMEOUT="soon"`,
		"EXO_SHUTDOWN_TIMEOUT=-5":                  `invalid EXO_SHUTDOWN_TIMEOUT="-5"`,
		"EXO_ENABLE_OTEL=maybe":                    `invalid EXO_ENABLE_OTEL="maybe"`,
		"_EXO_ENFORCE_TRUSTED_DOCUMENTS=nah":       `invalid _EXO_ENFORCE_TRUSTED_DOCUMENTS="nah"`,
		"EXO_CONNECTION_POOL_SIZE=0":               `invalid EXO_CONNECTION_POOL_SIZE="0"`,
		"EXO_CHECK_CONNECTION_ON_STARTUP=perhaps":  `invalid EXO_CHECK_CONNECTION_ON_STARTUP="perhaps"`,
		"EXO_GRAPHQL_ALLOW_MUTATIONS=nope":         `invalid EXO_GRAPHQL_ALLOW_MUTATIONS="nope"`,
		"OTEL_EXPORTER_OTLP_ENDPOINT=localhost:43": `invalid OTEL_EXPORTER_OTLP_ENDPOINT="localhost:43"`,
		"OTEL_EXPORTER_OTLP_PROTOCOL=thrift":       `invalid OTEL_EXPORTER_OTLP_PROTOCOL="thrift"`,
		"OTEL_EXPORTER_OTLP_HEADERS=secret-token":  `invalid OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs`,
	} {
		k, v, _ := strings.Cut(name, "=")
		env := map[string]string{k: v}
		if strings.HasPrefix(k, "OTEL_") {
			env["EXO_ENABLE_OTEL"] = "true"
		}
		_, err := FromEnv(env)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", name, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret-token") {
			t.Errorf("%s: the error echoes the headers: %v", name, err)
		}
	}
	c, err := FromEnv(map[string]string{"EXO_LOG": "debug,h2=warn", "EXO_MAX_REQUEST_BYTES": "1MiB", "EXO_REQUEST_TIMEOUT": "1.5",
		"EXO_SHUTDOWN_TIMEOUT": "1m", "EXO_MAX_ALIASES": "0"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Telemetry.LogLevel != -4 || c.Limits.MaxBodyBytes != 1<<20 || c.Limits.RequestTimeout != 1500*time.Millisecond ||
		c.Limits.ShutdownTimeout != time.Minute || c.Limits.MaxAliases != 0 || c.Limits.MaxOperations != DefaultLimits.MaxOperations {
		t.Errorf("parsed: %+v %+v", c.Telemetry, c.Limits)
	}
	if c.Telemetry.EnableOTel || c.Telemetry.LogFormat != "json" || !c.EnforceTrustedDocuments {
		t.Errorf("defaults: %+v", c)
	}
}

func TestLoadEnvFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(".env", "A=env\nB=env\nC=env\nD=env\nE=env\n# comment\n\nexport BASE=/srv\n")
	write(".env.dev", "A=dev\nB=dev\nC=dev\n")
	write(".env.local", "A=local\nB=local\n")
	write(".env.dev.local", "A=devlocal\nQ1='it is $BASE'\nQ2=\"line1\\nline2 ${BASE}/x\"\nQ3=plain value # comment\nQ4=\"multi\nline\"\n")
	write(".env.production", "A=production\n")
	got, err := LoadEnvFiles(dir, map[string]string{"EXO_ENV": "dev", "E": "system"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "devlocal", "B": "local", "C": "dev", "D": "env", "E": "system", "EXO_ENV": "dev",
		"BASE": "/srv", "Q1": "it is $BASE", "Q2": "line1\nline2 /srv/x", "Q3": "plain value", "Q4": "multi\nline"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
	got, _ = LoadEnvFiles(dir, map[string]string{})
	if got["A"] != "local" || got["C"] != "env" {
		t.Errorf("no mode: A=%q C=%q", got["A"], got["C"])
	}
	write(".env.local", "A=local\nnot a line\n")
	if _, err := LoadEnvFiles(dir, map[string]string{}); err == nil || !strings.Contains(err.Error(), ".env.local:2: expected KEY=VALUE") {
		t.Errorf("malformed file: %v", err)
	}
	write(".env.local", "A=\"open\n")
	if _, err := LoadEnvFiles(dir, map[string]string{}); err == nil || !strings.Contains(err.Error(), ".env.local:1: unterminated") {
		t.Errorf("unterminated quote: %v", err)
	}
}
