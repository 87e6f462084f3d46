package server

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// seedSQL fills the example model's tables.
const seedSQL = `
INSERT INTO venues (name, published) VALUES ('V1', true), ('V2', false), ('V3', true);
INSERT INTO concerts (title, venue_id, published, price) VALUES
  ('C1', 1, true, 10), ('C2', 1, false, 20), ('C3', 2, true, 30), ('C4', 3, true, 40);
`

var (
	exampleOnce sync.Once
	exampleSys  []byte
	exampleDDL  string
	exampleErr  error
)

// exampleSystem compiles examples/concerts once and returns a fresh copy of
// its IR (tests may set TrustedDocuments) and the DDL with seed rows.
func exampleSystem(t testing.TB) (*ir.System, string) {
	t.Helper()
	exampleOnce.Do(func() {
		sys, diags := compiler.Compile(compiler.Options{Root: "../examples/concerts"})
		if sys == nil {
			exampleErr = fmt.Errorf("compile: %v", diags)
			return
		}
		exampleDDL = strings.Join(schema.FromIR(sys).DDL(), ";\n") + ";\n" + seedSQL
		var buf bytes.Buffer
		if exampleErr = ir.Encode(&buf, sys); exampleErr == nil {
			exampleSys = buf.Bytes()
		}
	})
	if exampleErr != nil {
		t.Fatal(exampleErr)
	}
	sys, err := ir.Decode(bytes.NewReader(exampleSys))
	if err != nil {
		t.Fatal(err)
	}
	return sys, exampleDDL
}

// testServer is a Server over HTTP with a fresh seeded database.
type testServer struct {
	t    testing.TB
	s    *Server
	http *httptest.Server
	url  string // database URL
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func startServer(t testing.TB, sys *ir.System, dbURL string, env map[string]string, edit func(*Config)) *testServer {
	t.Helper()
	full := map[string]string{"EXO_POSTGRES_URL": dbURL, "EXO_JWT_SECRET": "secret", "EXO_LOG": "debug"}
	for k, v := range env {
		full[k] = v
	}
	cfg, err := FromEnv(full)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&cfg)
	}
	logs := &syncBuffer{}
	s, err := New(context.Background(), sys, cfg, NewLogger(logs, cfg.Telemetry))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		hs.Close()
		s.Close()
	})
	return &testServer{t: t, s: s, http: hs, url: dbURL, logs: logs}
}

func newExampleServer(t testing.TB, env map[string]string) *testServer {
	t.Helper()
	sys, ddl := exampleSystem(t)
	return startServer(t, sys, pgtest.NewFromTemplate(t, ddl), env, nil)
}

// post sends a GraphQL request and returns the status and body.
func (ts *testServer) post(body any, header ...string) (int, string) {
	ts.t.Helper()
	var data []byte
	switch b := body.(type) {
	case string:
		data, _ = json.Marshal(map[string]any{"query": b})
	case []byte:
		data = b
	default:
		data, _ = json.Marshal(b)
	}
	req, _ := http.NewRequest(http.MethodPost, ts.http.URL+"/graphql", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ts.http.Client().Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, compact(out)
}

// compact removes insignificant white space (json_agg separates elements
// with a newline).
func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

func (ts *testServer) expect(query, want string, header ...string) {
	ts.t.Helper()
	status, got := ts.post(query, header...)
	if status != http.StatusOK || got != want {
		ts.t.Errorf("%s\n got %d %s\nwant 200 %s", query, status, got, want)
	}
}

func (ts *testServer) get(path string) (int, string) {
	ts.t.Helper()
	resp, err := ts.http.Client().Get(ts.http.URL + path)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, compact(out)
}

func hs256(t testing.TB, secret string, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(claims)
	msg := head + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(msg))
	return msg + "." + enc.EncodeToString(mac.Sum(nil))
}

const (
	publishedVenues = `{"data":{"venues":[{"name":"V1"},{"name":"V3"}]}}`
	allVenues       = `{"data":{"venues":[{"name":"V1"},{"name":"V2"},{"name":"V3"}]}}`
	venuesQuery     = `{ venues(orderBy: {id: ASC}) { name } }`
)

func TestServerSettings(t *testing.T) {
	sys, ddl := exampleSystem(t)
	db := pgtest.NewFromTemplate(t, ddl)
	admin := hs256(t, "secret", map[string]any{"role": "admin", "exp": time.Now().Add(time.Hour).Unix()})

	t.Run("jwt from the Authorization header by default", func(t *testing.T) {
		ts := startServer(t, sys, db, nil, nil)
		ts.expect(venuesQuery, publishedVenues)
		ts.expect(venuesQuery, allVenues, "Authorization", "Bearer "+admin)
	})
	t.Run("EXO_JWT_SOURCE_COOKIE", func(t *testing.T) {
		ts := startServer(t, sys, db, map[string]string{"EXO_JWT_SOURCE_COOKIE": "session"}, nil)
		ts.expect(venuesQuery, allVenues, "Cookie", "session="+admin)
		ts.expect(venuesQuery, publishedVenues, "Authorization", "Bearer "+admin)
	})
	t.Run("EXO_JWT_SOURCE_HEADER", func(t *testing.T) {
		ts := startServer(t, sys, db, map[string]string{"EXO_JWT_SOURCE_HEADER": "X-Token"}, nil)
		ts.expect(venuesQuery, allVenues, "X-Token", "Bearer "+admin)
		ts.expect(venuesQuery, publishedVenues, "Authorization", "Bearer "+admin)
	})
	t.Run("read-only by default", func(t *testing.T) {
		ts := startServer(t, sys, db, nil, nil)
		status, body := ts.post(`mutation { createVenue(data: {name: "V9"}) { id } }`, "Authorization", "Bearer "+admin)
		if status != 200 || !strings.Contains(body, `"errors"`) || strings.Contains(body, `"data"`) {
			t.Errorf("mutation on a read-only connection: %d %s", status, body)
		}
		ts.expect(`{ venuesAgg { id { count } } }`, `{"data":{"venuesAgg":{"id":{"count":3}}}}`, "Authorization", "Bearer "+admin)
	})
	t.Run("EXO_POSTGRES_READ_WRITE", func(t *testing.T) {
		ts := startServer(t, sys, pgtest.NewFromTemplate(t, ddl), map[string]string{"EXO_POSTGRES_READ_WRITE": "true"}, nil)
		ts.expect(`mutation { createVenue(data: {name: "V9"}) { name } }`, `{"data":{"createVenue":{"name":"V9"}}}`, "Authorization", "Bearer "+admin)
	})
	t.Run("EXO_GRAPHQL_ALLOW_MUTATIONS=false", func(t *testing.T) {
		ts := startServer(t, sys, pgtest.NewFromTemplate(t, ddl),
			map[string]string{"EXO_POSTGRES_READ_WRITE": "true", "EXO_GRAPHQL_ALLOW_MUTATIONS": "false", "EXO_INTROSPECTION": "true"}, nil)
		status, body := ts.post(`mutation { createVenue(data: {name: "V9"}) { name } }`, "Authorization", "Bearer "+admin)
		if status != 200 || !strings.Contains(body, `"errors"`) || strings.Contains(body, "V9") {
			t.Errorf("mutation with mutations disabled: %d %s", status, body)
		}
		ts.expect(`{ __schema { mutationType { name } } }`, `{"data":{"__schema":{"mutationType":null}}}`)
		ts.expect(venuesQuery, allVenues, "Authorization", "Bearer "+admin)
	})
	t.Run("EXO_CONNECTION_POOL_SIZE", func(t *testing.T) {
		ts := startServer(t, sys, db, map[string]string{"EXO_CONNECTION_POOL_SIZE": "3"}, nil)
		if got := ts.s.pool.Config().MaxConns; got != 3 {
			t.Errorf("MaxConns = %d, want 3", got)
		}
	})
	t.Run("EXO_CHECK_CONNECTION_ON_STARTUP", func(t *testing.T) {
		bad := "postgres://exo@/nodb?host=" + url.QueryEscape(t.TempDir()) + "&sslmode=disable&connect_timeout=2"
		cfg, err := FromEnv(map[string]string{"EXO_POSTGRES_URL": bad})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(context.Background(), sys, cfg, nil); err == nil || !strings.Contains(err.Error(), "cannot reach PostgreSQL") {
			t.Errorf("checked start-up against a missing database: err = %v", err)
		}
		ts := startServer(t, sys, bad, map[string]string{"EXO_CHECK_CONNECTION_ON_STARTUP": "false"}, nil)
		ts.expect(venuesQuery, `{"errors":[{"message":"Internal server error"}]}`)
		if !strings.Contains(ts.logs.String(), "internal server error") {
			t.Errorf("the cause is not logged: %s", ts.logs.String())
		}
		if status, _ := ts.get("/ready"); status != http.StatusServiceUnavailable {
			t.Errorf("/ready without a database: %d, want 503", status)
		}
		if status, _ := ts.get("/health"); status != http.StatusOK {
			t.Errorf("/health without a database: %d, want 200", status)
		}
	})
}

func TestRequestLimits(t *testing.T) {
	ts := newExampleServer(t, map[string]string{
		"EXO_MAX_REQUEST_BYTES": "2KiB", "EXO_MAX_ALIASES": "3", "EXO_MAX_OPERATIONS": "2", "EXO_MAX_TOKENS": "60",
	})
	// Within the limits.
	status, body := ts.post(map[string]any{"query": `query A { a: venues(orderBy: {id: ASC}) { n: name } b: venue(id: 1) { name } } query B { venue(id: 1) { name } }`, "operationName": "A"})
	if status != 200 || body != `{"data":{"a":[{"n":"V1"},{"n":"V3"}],"b":{"name":"V1"}}}` {
		t.Errorf("within limits: %d %s", status, body)
	}
	// Arguments, variables and object values use colons too: not aliases.
	status, body = ts.post(map[string]any{"query": `query ($id: Int! = 1) { venue(id: $id) { name concerts(where: {published: {eq: true}}, orderBy: {id: ASC}) { title } } }`})
	if status != 200 || body != `{"data":{"venue":{"name":"V1","concerts":[{"title":"C1"}]}}}` {
		t.Errorf("colons in arguments: %d %s", status, body)
	}
	ts.expect(`{ a: venue(id: 1) { name } b: venue(id: 1) { name } c: venue(id: 1) { name } d: venue(id: 1) { name } }`,
		`{"errors":[{"message":"Too many aliases in the document"}]}`)
	ts.expect(`query A { __typename } query B { __typename } query C { __typename }`,
		`{"errors":[{"message":"Too many operations in the document"}]}`)
	ts.expect(`{ venues { `+strings.Repeat("id name ", 40)+`} }`,
		`{"errors":[{"message":"Too many tokens in the document"}]}`)
	// Fragments are not operations.
	status, body = ts.post(map[string]any{"query": `query A { ...F } query B { ...F } fragment F on Query { __typename }`, "operationName": "B"})
	if status != 200 || body != `{"data":{"__typename":"Query"}}` {
		t.Errorf("fragments counted as operations: %d %s", status, body)
	}
	status, body = ts.post(map[string]any{"query": "{ __typename }", "variables": map[string]any{"pad": strings.Repeat("x", 3000)}})
	if status != http.StatusRequestEntityTooLarge || body != "" {
		t.Errorf("large body: %d %q, want 413", status, body)
	}
	status, _ = ts.post([]byte(`{"query": "{ __typename }"`))
	if status != http.StatusBadRequest {
		t.Errorf("invalid JSON: %d, want 400", status)
	}
}

// holdLock locks the venues table from another session until release is
// called, so that queries on it block.
func holdLock(t *testing.T, dbURL string) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE venues IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			tx.Rollback(ctx)
			conn.Close(ctx)
		})
	}
	t.Cleanup(release)
	return release
}

// blockedQueries counts the sessions other than ours running a query on venues.
func blockedQueries(t *testing.T, dbURL string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND pid <> pg_backend_pid() AND state = 'active' AND query ILIKE '%venues%' AND query NOT ILIKE '%LOCK TABLE%'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRequestTimeoutCancelsSQL(t *testing.T) {
	ts := newExampleServer(t, map[string]string{"EXO_REQUEST_TIMEOUT": "300ms"})
	release := holdLock(t, ts.url)
	start := time.Now()
	ts.expect(venuesQuery, `{"errors":[{"message":"Internal server error"}]}`)
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("timed out request took %v, want about 300ms", d)
	}
	// The statement was cancelled on the server, not just abandoned.
	deadline := time.Now().Add(3 * time.Second)
	for blockedQueries(t, ts.url) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the timed out statement still runs on the server")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(ts.logs.String(), "request timed out") {
		t.Errorf("timeout not logged: %s", ts.logs.String())
	}
	release()
	ts.expect(venuesQuery, publishedVenues)
	if n := ts.s.pool.Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d connections still acquired", n)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestTrustedDocuments(t *testing.T) {
	sys, ddl := exampleSystem(t)
	trusted := `query { venues(orderBy: {id: ASC}) { name } }`
	sys.TrustedDocuments = map[string]string{sha256Hex(trusted): trusted}
	db := pgtest.NewFromTemplate(t, ddl)
	notAllowed := `{"errors":[{"message":"Operation not allowed"}]}`
	persisted := func(hash string) map[string]any {
		return map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	}
	other := `{ venues(orderBy: {id: ASC}) { id } }`

	for _, mode := range []string{"", "production", "dev"} {
		t.Run("enforced/"+mode, func(t *testing.T) {
			ts := startServer(t, sys, db, map[string]string{"EXO_ENV": mode, "EXO_INTROSPECTION": "true"}, nil)
			for _, body := range []any{persisted(sha256Hex(trusted)), persisted(strings.ToUpper(sha256Hex(trusted))), trusted} {
				if status, got := ts.post(body); status != 200 || got != publishedVenues {
					t.Errorf("trusted %v: %d %s", body, status, got)
				}
			}
			ts.expect(other, notAllowed)
			if status, got := ts.post(persisted(sha256Hex(other))); got != notAllowed {
				t.Errorf("unknown hash: %d %s", status, got)
			}
			// Introspection-only documents are always allowed (and EXO_INTROSPECTION decides).
			ts.expect(`{ __typename }`, `{"data":{"__typename":"Query"}}`)
			ts.expect(`query IntrospectionQuery { ...Root } fragment Root on Query { __schema { queryType { name } } }`,
				`{"data":{"__schema":{"queryType":{"name":"Query"}}}}`)
			ts.expect(`{ __typename venues { id } }`, notAllowed)
			// GET with the hash in the extensions parameter.
			q := url.Values{"extensions": {`{"persistedQuery":{"version":1,"sha256Hash":"` + sha256Hex(trusted) + `"}}`}}
			if status, got := ts.get("/graphql?" + q.Encode()); status != 200 || got != publishedVenues {
				t.Errorf("GET persisted query: %d %s", status, got)
			}
			// The playground is exempt in dev mode only.
			wantPlayground := notAllowed
			if mode == "dev" {
				wantPlayground = `{"data":{"venues":[{"id":1},{"id":3}]}}`
			}
			ts.expect(other, wantPlayground, "_exo_playground", "true")
		})
	}
	t.Run("opt-out in dev and yolo only", func(t *testing.T) {
		for mode, want := range map[string]string{
			"dev": `{"data":{"venues":[{"id":1},{"id":3}]}}`, "yolo": `{"data":{"venues":[{"id":1},{"id":3}]}}`,
			"production": notAllowed, "": notAllowed, "test": notAllowed,
		} {
			ts := startServer(t, sys, db, map[string]string{"EXO_ENV": mode, "_EXO_ENFORCE_TRUSTED_DOCUMENTS": "false"}, nil)
			if _, got := ts.post(other); got != want {
				t.Errorf("mode %q with enforcement off: %s, want %s", mode, got, want)
			}
		}
	})
	t.Run("no trusted-documents directory", func(t *testing.T) {
		sys, _ := exampleSystem(t)
		ts := startServer(t, sys, db, nil, nil)
		ts.expect(other, `{"data":{"venues":[{"id":1},{"id":3}]}}`)
		if _, got := ts.post(persisted(sha256Hex(trusted))); got != notAllowed {
			t.Errorf("persisted query without trusted documents: %s", got)
		}
	})
}

func TestLogsHaveNoSecrets(t *testing.T) {
	ts := newExampleServer(t, map[string]string{"EXO_CHECK_CONNECTION_ON_STARTUP": "false"})
	token := hs256(t, "secret", map[string]any{"role": "admin"})
	ts.post(map[string]any{"query": venuesQuery, "variables": map[string]any{"password": "hunter2"}}, "Authorization", "Bearer "+token)
	logs := ts.logs.String()
	if !strings.Contains(logs, `"msg":"request"`) || !strings.Contains(logs, `"status":200`) {
		t.Errorf("no JSON request log line at debug level: %s", logs)
	}
	for _, secret := range []string{token, "hunter2", "secret"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q: %s", secret, logs)
		}
	}
}

func TestLoggerLevelAndFormat(t *testing.T) {
	var buf bytes.Buffer
	cfg, err := FromEnv(map[string]string{"EXO_LOG": "warn,h2=debug"})
	if err != nil {
		t.Fatal(err)
	}
	log := NewLogger(&buf, cfg.Telemetry)
	log.Info("hidden")
	log.Warn("shown", "k", 1)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["msg"] != "shown" || line["level"] != "WARN" {
		t.Errorf("production log line: %q (%v)", buf.String(), err)
	}
	buf.Reset()
	cfg, _ = FromEnv(map[string]string{"EXO_ENV": "dev", "EXO_LOG": "trace"})
	log = NewLogger(&buf, cfg.Telemetry)
	log.Log(context.Background(), LevelTrace, "tracing")
	if got := buf.String(); !strings.Contains(got, "level=TRACE msg=tracing") {
		t.Errorf("dev log line: %q", got)
	}
}
