package postgres_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
)

// chinookModel is the model of bench/floor: artists, albums, tracks.
const chinookModel = `
@postgres
module ChinookModule {
  @access(true)
  type Artist {
    @pk id: Int = autoIncrement()
    name: String
    albums: Set<Album>?
  }
  @access(true)
  type Album {
    @pk id: Int = autoIncrement()
    title: String
    artist: Artist
    tracks: Set<Track>?
  }
  @access(true)
  type Track {
    @pk id: Int = autoIncrement()
    name: String
    album: Album
    milliseconds: Int
  }
}
`

const chinookSeed = `
INSERT INTO artists (name) SELECT 'Artist ' || g FROM generate_series(1, 20) g;
INSERT INTO albums (title, artist_id) SELECT 'Album ' || g, (g - 1) % 20 + 1 FROM generate_series(1, 40) g;
INSERT INTO tracks (name, album_id, milliseconds) SELECT 'Track ' || g, (g - 1) % 40 + 1, 1000 * g FROM generate_series(1, 400) g;
`

// TestNestedQueryIsOneStatement proves, through the whole HTTP server on a
// real PostgreSQL, that a nested query (list -> relation -> list) runs
// exactly one SQL statement. The statements are counted on the wire: the
// server's pool connects through a proxy that decodes the frontend
// protocol and records every statement executed (a simple Query message,
// or an Execute of a prepared statement), whatever pgx does above it.
func TestNestedQueryIsOneStatement(t *testing.T) {
	sys, diags := compiler.Compile(compiler.Options{FS: fstest.MapFS{"src/index.exo": {Data: []byte(chinookModel)}}, Root: "."})
	if sys == nil {
		t.Fatal(diags)
	}
	ddl := strings.Join(schema.FromIR(sys).DDL(), ";\n") + ";\n"
	proxy := newStatementProxy(t, pgtest.NewFromTemplate(t, ddl+chinookSeed))
	cfg, err := server.FromEnv(map[string]string{"EXO_POSTGRES_URL": proxy.url, "EXO_CHECK_CONNECTION_ON_STARTUP": "false"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), sys, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })

	for _, c := range []struct{ name, query, want string }{
		{"list->list->list", `{ artists(orderBy: {id: ASC}, limit: 3) { id name albums(orderBy: {id: ASC}) { title tracks(orderBy: {id: ASC}) { name } } } }`,
			`{"data":{"artists":[{"id":1,"name":"Artist 1","albums":[{"title":"Album 1","tracks":[{"name":"Track 1"},{"name":"Track 41"},`},
		{"list->to-one, list->list", `{ albums(orderBy: {id: ASC}, limit: 50) { id title artist { id name } tracks(orderBy: {id: ASC}) { id name milliseconds } } }`,
			`{"data":{"albums":[{"id":1,"title":"Album 1","artist":{"id":1,"name":"Artist 1"},"tracks":[{"id":1,"name":"Track 1","milliseconds":1000},`},
		{"list->relation->list->relation", `{ tracks(where: {id: {lt: 3}}, orderBy: {id: ASC}) { name album { title artist { name albums(orderBy: {id: ASC}) { title } } } } }`,
			`{"data":{"tracks":[{"name":"Track 1","album":{"title":"Album 1","artist":{"name":"Artist 1","albums":[{"title":"Album 1"},{"title":"Album 21"}]}}},`},
	} {
		t.Run(c.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"query": c.query})
			// Twice: the first run prepares the statement (Parse), the
			// second reuses it (Bind/Execute only).
			for run := 1; run <= 2; run++ {
				proxy.reset()
				resp, err := http.Post(hs.URL+"/graphql", "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var got bytes.Buffer
				if err := json.Compact(&got, raw); err != nil || resp.StatusCode != 200 || !strings.HasPrefix(got.String(), c.want) {
					t.Fatalf("run %d: status %d, response %.400s\nwant prefix %s", run, resp.StatusCode, raw, c.want)
				}
				stmts := proxy.statements()
				if len(stmts) != 1 {
					t.Fatalf("run %d: %d SQL statements, want 1:\n%s", run, len(stmts), strings.Join(stmts, "\n---\n"))
				}
				if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(stmts[0])), "SELECT") {
					t.Fatalf("run %d: the statement is not a SELECT: %s", run, stmts[0])
				}
				t.Logf("run %d: %s", run, stmts[0])
			}
		})
	}

	// The control: the counter sees the server's traffic. Two root fields
	// are two statements (in one transaction).
	proxy.reset()
	resp, err := http.Post(hs.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ artists { id } albums { id } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	selects := 0
	for _, s := range proxy.statements() {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s)), "SELECT") {
			selects++
		}
	}
	if resp.StatusCode != 200 || selects != 2 {
		t.Fatalf("two root fields: status %d, %d SELECT statements (want 2): %q", resp.StatusCode, selects, proxy.statements())
	}
}

// TestStatementProxyCounts checks the counter itself: statements sent
// outside the server are seen one by one, in both protocols.
func TestStatementProxyCounts(t *testing.T) {
	proxy := newStatementProxy(t, pgtest.New(t))
	ctx := context.Background()
	conn, err := pgconn.Connect(ctx, proxy.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	proxy.reset()
	if err := conn.Exec(ctx, "SELECT 1").Close(); err != nil { // simple protocol
		t.Fatal(err)
	}
	if r := conn.ExecParams(ctx, "SELECT $1::int", [][]byte{[]byte("2")}, nil, nil, nil).Read(); r.Err != nil { // extended, unnamed
		t.Fatal(r.Err)
	}
	if _, err := conn.Prepare(ctx, "s1", "SELECT 3", nil); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if r := conn.ExecPrepared(ctx, "s1", nil, nil, nil).Read(); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if err := conn.Ping(ctx); err != nil { // not a statement
		t.Fatal(err)
	}
	got := strings.Join(proxy.statements(), "|")
	if want := "SELECT 1|SELECT $1::int|SELECT 3|SELECT 3"; got != want {
		t.Fatalf("statements %q, want %q", got, want)
	}
}

// statementProxy forwards TCP connections to a PostgreSQL server and
// records the statements its clients execute.
type statementProxy struct {
	url string

	mu    sync.Mutex
	stmts []string
}

func newStatementProxy(t *testing.T, dbURL string) *statementProxy {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	network, addr := "tcp", net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port))
	if strings.HasPrefix(cfg.Host, "/") {
		network, addr = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &statementProxy{url: fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", cfg.User, ln.Addr(), cfg.Database)}
	var wg sync.WaitGroup
	var conns sync.Map
	t.Cleanup(func() {
		ln.Close()
		conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial(network, addr)
			if err != nil {
				c.Close()
				continue
			}
			conns.Store(c, nil)
			conns.Store(up, nil)
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(c, up); c.Close() }()
			go func() { defer wg.Done(); p.frontend(c, up); up.Close() }()
		}
	}()
	return p
}

func (p *statementProxy) reset() {
	p.mu.Lock()
	p.stmts = nil
	p.mu.Unlock()
}

func (p *statementProxy) statements() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.stmts...)
}

func (p *statementProxy) record(sql string) {
	if strings.TrimSpace(sql) == "-- ping" { // pgx's liveness check of idle connections
		return
	}
	p.mu.Lock()
	p.stmts = append(p.stmts, sql)
	p.mu.Unlock()
}

// frontend copies the client's messages to the server, decoding them.
func (p *statementProxy) frontend(c io.Reader, up io.Writer) {
	r := io.TeeReader(c, up)
	var hdr [5]byte
	// Untyped start-up messages: SSL/GSS requests (answered with one byte)
	// until the StartupMessage or a CancelRequest.
	for {
		if _, err := io.ReadFull(r, hdr[:4]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[:4])-4)
		if _, err := io.ReadFull(r, body); err != nil || len(body) < 4 {
			return
		}
		code := binary.BigEndian.Uint32(body)
		if code != 80877103 && code != 80877104 {
			break
		}
	}
	parsed := map[string]string{}  // statement name -> SQL
	portals := map[string]string{} // portal name -> SQL
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr[1:])-4)
		if _, err := io.ReadFull(r, body); err != nil {
			return
		}
		fields := bytes.Split(body, []byte{0})
		switch hdr[0] {
		case 'Q':
			p.record(string(fields[0]))
		case 'P': // Parse: name, query, ...
			parsed[string(fields[0])] = string(fields[1])
		case 'B': // Bind: portal, statement, ...
			portals[string(fields[0])] = parsed[string(fields[1])]
		case 'E': // Execute: portal, max rows
			p.record(portals[string(fields[0])])
		case 'X':
			return
		}
	}
}
