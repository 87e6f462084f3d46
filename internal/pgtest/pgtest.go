// Package pgtest gives tests throw-away PostgreSQL databases.
//
// One server per test binary is launched lazily on first use (pg.Launch, so
// EXO_SQL_EPHEMERAL_DATABASE_LAUNCH_PREFERENCE=existing-db-only with
// EXO_SQL_EXISTING_DB_URL works too). Each New or NewFromTemplate call
// creates a fresh database and drops it in t.Cleanup. Use Main from TestMain
// to stop the server when the tests end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// Without it the server is still cleaned up when the test binary exits, by
// the launcher's watchdog, just less promptly.
//
// The connection URLs are pgx-compatible; the server's TimeZone is UTC.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/exo-dev/exo/dev/pg"
	"github.com/jackc/pgx/v5"
)

var (
	mu        sync.Mutex
	server    pg.Server
	serverErr error
	stopped   bool

	templates = map[string]*template{}
	counter   atomic.Int64
)

type template struct {
	name string
	done chan struct{}
	err  error
}

// Main runs the tests, stops the shared server and exits with the tests'
// status. Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if err := Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: stopping the PostgreSQL server: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Stop stops the shared server, if one was started. Later calls to New fail.
func Stop() error {
	mu.Lock()
	s := server
	stopped = true
	mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Stop()
}

// Server returns the shared server, launching it on first use.
func Server(t testing.TB) pg.Server {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if stopped {
		t.Fatal("pgtest: the PostgreSQL server was already stopped (pgtest.Main returned)")
	}
	if server == nil && serverErr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		server, serverErr = pg.Launch(ctx, pg.Options{})
		cancel()
	}
	if serverErr != nil {
		t.Fatalf("pgtest: cannot launch PostgreSQL: %v", serverErr)
	}
	return server
}

// New creates an empty database and returns its URL; the database is
// dropped when the test ends.
func New(t testing.TB) string {
	t.Helper()
	return create(t, Server(t), "")
}

// NewFromTemplate returns the URL of a fresh database that is a copy of a
// template database prepared once per test binary by running setupSQL (one
// or more statements, simple protocol). Templates are cached by the hash of
// setupSQL, so every test using the same SQL pays ~20 ms instead of
// re-running it. The database is dropped when the test ends.
func NewFromTemplate(t testing.TB, setupSQL string) string {
	t.Helper()
	s := Server(t)
	sum := sha256.Sum256([]byte(setupSQL))
	key := hex.EncodeToString(sum[:])

	mu.Lock()
	tmpl, ok := templates[key]
	if !ok {
		tmpl = &template{name: fmt.Sprintf("exotmpl_%d_%s", os.Getpid(), key[:16]), done: make(chan struct{})}
		templates[key] = tmpl
	}
	mu.Unlock()
	if !ok {
		tmpl.err = prepareTemplate(s, tmpl.name, setupSQL)
		close(tmpl.done)
	}
	<-tmpl.done
	if tmpl.err != nil {
		t.Fatalf("pgtest: preparing template database: %v", tmpl.err)
	}
	return create(t, s, tmpl.name)
}

func prepareTemplate(s pg.Server, name, setupSQL string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := s.CreateDatabase(ctx, name); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, s.URL(name))
	if err != nil {
		s.DropDatabase(ctx, name)
		return err
	}
	_, err = conn.Exec(ctx, setupSQL)
	conn.Close(ctx)
	if err != nil {
		s.DropDatabase(ctx, name)
		return fmt.Errorf("running setup SQL: %w", err)
	}
	return nil
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

func create(t testing.TB, s pg.Server, template string) string {
	t.Helper()
	// exo_<pid>_<n>_<test name>: unique on a shared existing server, and
	// recognisable when debugging.
	suffix := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_")
	name := fmt.Sprintf("exo_%d_%d_%s", os.Getpid(), counter.Add(1), suffix)
	if len(name) > 63 {
		name = name[:63]
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if template == "" {
		err = s.CreateDatabase(ctx, name)
	} else {
		err = s.CreateDatabaseFromTemplate(ctx, name, template)
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := s.DropDatabase(ctx, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return s.URL(name)
}

var (
	reVectorExt = regexp.MustCompile(`(?i)create\s+extension[^;]*"?vector"?`)
	reUUIDv7    = regexp.MustCompile(`(?i)\buuidv7\s*\(`)
)

// NotApplicable says why sql (a schema from Exograph's test cases) cannot
// load on the server of conn: it needs the pgvector extension, or
// uuidv7() (PostgreSQL 18), which the server lacks. "" when it can load.
func NotApplicable(t testing.TB, conn *pgx.Conn, sql string) string {
	t.Helper()
	has := func(q string) bool {
		var n int
		if err := conn.QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	if reVectorExt.MatchString(sql) && !has("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") {
		return "needs pgvector (CREATE EXTENSION vector is not available here)"
	}
	if reUUIDv7.MatchString(sql) && !has("SELECT count(*) FROM pg_proc WHERE proname = 'uuidv7'") {
		return "needs PostgreSQL 18 (uuidv7() does not exist here)"
	}
	return ""
}
