package pg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// childEnv makes the test binary act as a program that starts a cluster,
// prints "READY <pid> <dir>" and waits to be killed (see TestSignals).
const childEnv = "EXO_PG_TEST_SIGNAL_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		signalChild()
		return
	}
	os.Exit(m.Run())
}

func signalChild() {
	c, err := Start(context.Background(), Options{})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	fmt.Printf("READY %d %s\n", c.PID(), c.Dir())
	select {}
}

func startCluster(t testing.TB, opts Options) *Cluster {
	t.Helper()
	opts.Logf = t.Logf
	c, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Stop() })
	return c
}

func queryRow[T any](t testing.TB, url, sql string) T {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(ctx)
	var v T
	if err := conn.QueryRow(ctx, sql).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func TestStartStop(t *testing.T) {
	c := startCluster(t, Options{})
	pid, dir := c.PID(), c.Dir()
	if pid == 0 {
		t.Fatal("no postmaster pid")
	}
	url := c.URL("postgres")
	listen := "" // Unix socket only
	if !unixSockets {
		listen = "127.0.0.1"
	}
	for sql, want := range map[string]string{
		"SHOW TimeZone":           "UTC",
		"SHOW fsync":              "off",
		"SHOW synchronous_commit": "off",
		"SHOW full_page_writes":   "off",
		"SHOW listen_addresses":   listen,
		"SELECT current_user":     User,
		"SHOW server_encoding":    "UTF8",
		"SHOW lc_collate":         "C",
	} {
		if got := queryRow[string](t, url, sql); got != want {
			t.Errorf("%s = %q, want %q", sql, got, want)
		}
	}
	checkRunning(t, pid, dir)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	expectGone(t, pid, dir, 0)
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := c.CreateDatabase(context.Background(), "late"); err == nil {
		t.Error("CreateDatabase after Stop succeeded")
	}
}

func TestNoInitdbCacheAndTCP(t *testing.T) {
	c := startCluster(t, Options{TCP: true, NoInitdbCache: true})
	if c.TCPURL("postgres") == "" {
		t.Fatal("no TCP URL with Options.TCP")
	}
	port := queryRow[string](t, c.TCPURL("postgres"), "SHOW port")
	if port != strconv.Itoa(c.Port()) {
		t.Errorf("port = %s, want %d", port, c.Port())
	}
	// The Unix socket works too (on Windows URL is the TCP URL).
	if got := queryRow[string](t, c.URL("postgres"), "SHOW listen_addresses"); got != "127.0.0.1" {
		t.Errorf("listen_addresses = %q", got)
	}
}

func TestDatabases(t *testing.T) {
	c := startCluster(t, Options{})
	ctx := context.Background()
	const weird = `We"ird db-ü/x?y&z`
	if err := c.CreateDatabase(ctx, weird); err != nil {
		t.Fatal(err)
	}
	if got := queryRow[string](t, c.URL(weird), "SELECT current_database()"); got != weird {
		t.Errorf("current_database() = %q, want %q", got, weird)
	}
	if err := c.CreateDatabase(ctx, weird); err == nil {
		t.Error("creating an existing database succeeded")
	}

	if err := c.CreateDatabase(ctx, "tmpl"); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL("tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int); INSERT INTO t SELECT generate_series(1, 100)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := c.CreateDatabaseFromTemplate(ctx, "copy", "tmpl"); err != nil {
		t.Fatal(err)
	}
	if n := queryRow[int](t, c.URL("copy"), "SELECT sum(x)::int FROM t"); n != 5050 {
		t.Errorf("copy sum = %d, want 5050", n)
	}
	if err := c.CreateDatabaseFromTemplate(ctx, "copy2", "missing"); err == nil {
		t.Error("cloning a missing template succeeded")
	}

	// DROP ... WITH (FORCE) ends open sessions.
	open, err := pgx.Connect(ctx, c.URL("copy"))
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close(ctx)
	if err := c.DropDatabase(ctx, "copy"); err != nil {
		t.Fatal(err)
	}
	if n := queryRow[int](t, c.URL("postgres"), "SELECT count(*)::int FROM pg_database WHERE datname = 'copy'"); n != 0 {
		t.Error("database copy still exists")
	}
	if err := c.DropDatabase(ctx, "never-existed"); err != nil {
		t.Errorf("dropping a missing database: %v", err)
	}
	for _, bad := range []string{"", strings.Repeat("x", 64)} {
		if err := c.CreateDatabase(ctx, bad); err == nil {
			t.Errorf("CreateDatabase(%q) succeeded", bad)
		}
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLaunchPreferences(t *testing.T) {
	ctx := context.Background()
	if _, err := Launch(ctx, Options{Getenv: env(map[string]string{EnvLaunchPreference: DockerOnly})}); !errors.Is(err, ErrDockerUnsupported) {
		t.Errorf("docker-only: err = %v, want ErrDockerUnsupported", err)
	}
	_, err := Launch(ctx, Options{Getenv: env(map[string]string{EnvLaunchPreference: "prefer-cloud"})})
	if err == nil || !strings.Contains(err.Error(), `"prefer-cloud"`) || !strings.Contains(err.Error(), ExistingDBOnly) {
		t.Errorf("bad preference: err = %v", err)
	}
	empty := t.TempDir()
	for _, pref := range []string{"", LocalOnly, PreferLocal} {
		_, err := Launch(ctx, Options{BinDir: empty, Getenv: env(map[string]string{EnvLaunchPreference: pref})})
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), installHint) {
			t.Errorf("%q with no binaries: err = %v", pref, err)
		}
		for _, m := range installHintMentions {
			if err == nil || !strings.Contains(err.Error(), m) {
				t.Errorf("%q with no binaries: err = %v, want it to mention %s", pref, err, m)
			}
		}
	}
	s, err := Launch(ctx, Options{Getenv: env(map[string]string{EnvLaunchPreference: PreferDocker})})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if _, ok := s.(*Cluster); !ok {
		t.Errorf("prefer-docker gave %T, want a local *Cluster", s)
	}
}

func TestExisting(t *testing.T) {
	c := startCluster(t, Options{TCP: true})
	ctx := context.Background()
	for _, base := range []string{c.URL("ignored"), c.TCPURL("ignored")} {
		s, err := Launch(ctx, Options{Getenv: env(map[string]string{
			EnvLaunchPreference: ExistingDBOnly, EnvExistingDBURL: base})})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*Existing); !ok {
			t.Fatalf("existing-db-only gave %T", s)
		}
		if err := s.CreateDatabase(ctx, "kept"); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateDatabaseFromTemplate(ctx, "dropped", "kept"); err != nil {
			t.Fatal(err)
		}
		if got := queryRow[string](t, s.URL("dropped"), "SELECT current_database()"); got != "dropped" {
			t.Errorf("URL(dropped) connects to %q", got)
		}
		if err := s.DropDatabase(ctx, "dropped"); err != nil {
			t.Fatal(err)
		}
		// Stop drops what is left and leaves the server running.
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		if n := queryRow[int](t, c.URL("postgres"), "SELECT count(*)::int FROM pg_database WHERE datname IN ('kept', 'dropped')"); n != 0 {
			t.Errorf("%d databases left behind on the existing server", n)
		}
	}
	_, err := NewExisting(ctx, "postgres://exo@127.0.0.1:1/")
	if err == nil || !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("unreachable server: err = %v", err)
	}
	_, err = NewExisting(ctx, "mysql://u:secret@h/")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad URL: err = %v (must not show the password)", err)
	}
}

func TestFindBinDir(t *testing.T) {
	dir, err := FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range serverBinaries {
		if _, err := os.Stat(filepath.Join(dir, b+exeSuffix)); err != nil {
			t.Error(err)
		}
	}
	// Off PATH, the versioned directories are still found.
	t.Setenv("PATH", t.TempDir())
	if _, err := os.Stat("/usr/lib/postgresql"); err == nil {
		dir, err := FindBinDir()
		if err != nil || !strings.HasPrefix(dir, "/usr/lib/postgresql/") {
			t.Errorf("without PATH: %q, %v", dir, err)
		}
	}
}

func TestGlobVersions(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "10", "16", "14", "x"} {
		os.MkdirAll(filepath.Join(root, "postgresql@"+v, "bin"), 0o755)
	}
	got := globVersions(filepath.Join(root, "postgresql@*", "bin"))
	var names []string
	for _, g := range got {
		names = append(names, filepath.Base(filepath.Dir(g)))
	}
	want := "postgresql@16 postgresql@14 postgresql@10 postgresql@9.6 postgresql@x"
	if strings.Join(names, " ") != want {
		t.Errorf("order = %v, want %s", names, want)
	}
}

func BenchmarkClusterStart(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts Options
	}{{"cached", Options{}}, {"initdb", Options{NoInitdbCache: true}}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				c, err := Start(ctx, bc.opts)
				if err != nil {
					b.Fatal(err)
				}
				conn, err := pgx.Connect(ctx, c.URL("postgres"))
				if err != nil {
					b.Fatal(err)
				}
				var one int
				if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				conn.Close(ctx)
				if err := c.Stop(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

func BenchmarkClusterStop(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		c, err := Start(ctx, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := c.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTemplateClone(b *testing.B) {
	ctx := context.Background()
	c, err := Start(ctx, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Stop()
	if err := c.CreateDatabase(ctx, "tmpl"); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, c.URL("tmpl"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE venues (id serial PRIMARY KEY, name text);
CREATE TABLE concerts (id serial PRIMARY KEY, venue_id int REFERENCES venues, title text, price numeric(10,2));
CREATE INDEX ON concerts (venue_id);
INSERT INTO venues (name) SELECT 'v' || g FROM generate_series(1, 100) g;
INSERT INTO concerts (venue_id, title, price) SELECT 1 + g % 100, 'c' || g, g FROM generate_series(1, 1000) g;`); err != nil {
		b.Fatal(err)
	}
	conn.Close(ctx)
	time.Sleep(200 * time.Millisecond) // let the session end before the first clone
	b.Run("template", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			name := fmt.Sprintf("c%d", i)
			if err := c.CreateDatabaseFromTemplate(ctx, name, "tmpl"); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := c.DropDatabase(ctx, name); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run("empty", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			name := fmt.Sprintf("e%d", i)
			if err := c.CreateDatabase(ctx, name); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if err := c.DropDatabase(ctx, name); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run("drop", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			name := fmt.Sprintf("d%d", i)
			b.StopTimer()
			if err := c.CreateDatabaseFromTemplate(ctx, name, "tmpl"); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if err := c.DropDatabase(ctx, name); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Databases of a throw-away cluster have uuidv7() (the default of
// uuidGenerateV7()) whatever the server version, and it makes version 7
// UUIDs: RFC 9562 variant, version 7, the current Unix time in milliseconds
// in the first 48 bits, and increasing over time.
func TestUUIDv7(t *testing.T) {
	c := startCluster(t, Options{})
	ctx := context.Background()
	if err := c.CreateDatabase(ctx, "v7"); err != nil {
		t.Fatal(err)
	}
	before := time.Now().UnixMilli()
	got := queryRow[[]string](t, c.URL("v7"), "SELECT array_agg(uuidv7()::text) FROM (SELECT pg_sleep(0.002) FROM generate_series(1, 3)) s")
	after := time.Now().UnixMilli()
	re := regexp.MustCompile(`^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	prev := ""
	for _, u := range got {
		m := re.FindStringSubmatch(u)
		if m == nil {
			t.Fatalf("%s is not a version 7 UUID", u)
		}
		ms, err := strconv.ParseInt(m[1]+m[2], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		if ms < before-5 || ms > after+5 {
			t.Errorf("%s carries %d ms, want between %d and %d", u, ms, before, after)
		}
		if u <= prev {
			t.Errorf("%s does not sort after %s", u, prev)
		}
		prev = u
	}
	if len(got) != 3 {
		t.Fatalf("got %d UUIDs", len(got))
	}
}
