package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func query[T any](t *testing.T, url, sql string) T {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v T
	if err := conn.QueryRow(ctx, sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func TestNewIsEmptyAndDropped(t *testing.T) {
	var name string
	t.Run("inner", func(t *testing.T) {
		url := New(t)
		name = query[string](t, url, "SELECT current_database()")
		if n := query[int](t, url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"); n != 0 {
			t.Errorf("new database has %d tables", n)
		}
		if tz := query[string](t, url, "SHOW TimeZone"); tz != "UTC" {
			t.Errorf("TimeZone = %q, want UTC", tz)
		}
	})
	// The inner test's cleanup has run: its database must be gone.
	admin := Server(t).URL("postgres")
	if n := query[int](t, admin, "SELECT count(*) FROM pg_database WHERE datname = '"+name+"'"); n != 0 {
		t.Errorf("database %q still exists after the test", name)
	}
}

func TestNewFromTemplate(t *testing.T) {
	const setup = `CREATE TABLE venues (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO venues (name) VALUES ('a'), ('b');`
	urls := make([]string, 4)
	for i := range urls {
		t.Run("", func(t *testing.T) {
			urls[i] = NewFromTemplate(t, setup)
			if n := query[int](t, urls[i], "SELECT count(*) FROM venues"); n != 2 {
				t.Errorf("template copy has %d rows, want 2", n)
			}
			// Writes stay in this copy.
			query[int](t, urls[i], "INSERT INTO venues (name) VALUES ('c') RETURNING id")
		})
	}
	if urls[0] == urls[1] {
		t.Errorf("two tests got the same database %s", urls[0])
	}
	mu.Lock()
	n := len(templates)
	mu.Unlock()
	if n != 1 {
		t.Errorf("%d templates prepared for one setup SQL, want 1", n)
	}
}

func TestNewFromTemplateParallel(t *testing.T) {
	for i := 0; i < 6; i++ {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			url := NewFromTemplate(t, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
			if n := query[int](t, url, "SELECT sum(x) FROM t"); n != 1 {
				t.Errorf("sum = %d, want 1", n)
			}
		})
	}
}

func TestBadSetupSQLFails(t *testing.T) {
	// A broken setup must fail the test, not hang or panic; run it in a
	// fake TB so the failure is observable.
	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewFromTemplate(ft, "CREATE TABL oops")
	}()
	<-done
	if !ft.failed {
		t.Fatal("NewFromTemplate with invalid SQL did not fail the test")
	}
}

// fakeTB records Fatal instead of stopping the real test.
type fakeTB struct {
	testing.TB
	failed bool
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = true
	f.TB.Logf("(expected) "+format, args...)
	runtimeGoexit()
}
func (f *fakeTB) Fatal(args ...any) {
	f.failed = true
	f.TB.Log(args...)
	runtimeGoexit()
}
