// Command modules measures what a TypeScript module query costs in exo
// compared with a trivial PostgreSQL query, and how long the module
// runtime's VM pool takes to start.
//
//	go run ./bench/modules [-d 5s] [-c 1,16] [-n 20]
//
// It builds a small project (one @postgres type, one @deno module with
// trivial queries, bundled by jsbundle as exo build does), launches a
// throw-away PostgreSQL (dev/pg) and serves it with the real server over
// HTTP on loopback. Measured, at each concurrency, with the same keep-alive
// clients (bench/floor/load), interleaved in rounds:
//
//   - graphql-only: { __typename } (HTTP + GraphQL, no database, no JS)
//   - module:       { hello } (a module function returning a string)
//   - module-args:  { add(x: 1, y: 2) }
//   - postgres-pk:  { item(id: 1) { id name } } (one SQL statement)
//   - pgx-floor:    the same row as JSON from hand-written SQL over pgx in a
//     plain net/http handler
//
// and, for start-up: server.New with and without the module (the
// difference is the runtime pool start-up), modules.New alone, a VM
// created for the pool (jsrt Warm), and the first module request after
// start-up (cold VM) against the following ones.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/exo-dev/exo/bench/floor/load"
	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/dev/pg"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/jsbundle"
	"github.com/exo-dev/exo/jsrt"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
	"github.com/exo-dev/exo/server/modules"
)

const model = `
@postgres
module ItemModule {
  @access(true)
  type Item {
    @pk id: Int = autoIncrement()
    name: String
  }
}

@deno("hello.ts")
module HelloModule {
  @access(true) query hello(): String
  @access(true) query add(x: Int, y: Int): Int
}
`

const script = `
export function hello(): string {
  return "hello";
}

export function add(x: number, y: number): number {
  return x + y;
}
`

const seed = `INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 100) g; ANALYZE;`

func main() {
	var (
		dur    = flag.Duration("d", 5*time.Second, "measured duration per query and concurrency")
		rounds = flag.Int("rounds", 5, "interleaved rounds the duration is split into")
		warm   = flag.Duration("warm", time.Second, "warm-up before each measurement")
		conc   = flag.String("c", "1,16", "comma-separated concurrency levels")
		n      = flag.Int("n", 20, "repetitions of each start-up measurement (the median is reported)")
	)
	flag.Parse()
	if err := run(*dur, *rounds, *warm, *conc, *n); err != nil {
		fmt.Fprintln(os.Stderr, "modules:", err)
		os.Exit(1)
	}
}

// compile builds the project in a temporary directory, bundling the
// module; without the module when withModule is false.
func compile(withModule bool) (*ir.System, string, error) {
	dir, err := os.MkdirTemp("", "exo-bench-modules-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	src := model
	if !withModule {
		src = model[:strings.Index(model, "@deno")]
	}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "index.exo"), []byte(src), 0o644); err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "hello.ts"), []byte(script), 0o644); err != nil {
		return nil, "", err
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: jsbundle.New(jsbundle.Options{})})
	if sys == nil || diags.HasErrors() {
		return nil, "", fmt.Errorf("compiling: %v", diags)
	}
	return sys, strings.Join(schema.FromIR(sys).DDL(), ";\n") + ";\n", nil
}

type target struct {
	name, url string
	body      []byte
	want      string
}

func run(dur time.Duration, rounds int, warm time.Duration, conc string, n int) error {
	ctx := context.Background()
	var levels []int
	for _, s := range strings.Split(conc, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 {
			return fmt.Errorf("invalid concurrency %q", s)
		}
		levels = append(levels, c)
	}
	sys, ddl, err := compile(true)
	if err != nil {
		return err
	}
	plain, _, err := compile(false)
	if err != nil {
		return err
	}
	cluster, err := pg.Start(ctx, pg.Options{})
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	defer cluster.Stop()
	if err := cluster.CreateDatabase(ctx, "items"); err != nil {
		return err
	}
	dbURL := cluster.URL("items")
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, ddl+seed)
	conn.Close(ctx)
	if err != nil {
		return err
	}
	cfg, err := server.FromEnv(map[string]string{"EXO_POSTGRES_URL": dbURL, "EXO_LOG": "warn", "EXO_CHECK_CONNECTION_ON_STARTUP": "false"})
	if err != nil {
		return err
	}

	// Start-up.
	fmt.Printf("start-up (median of %d):\n", n)
	withMod, err := median(n, func() error {
		s, err := server.New(ctx, sys, cfg, nil)
		if err == nil {
			s.Close()
		}
		return err
	})
	if err != nil {
		return err
	}
	without, err := median(n, func() error {
		s, err := server.New(ctx, plain, cfg, nil)
		if err == nil {
			s.Close()
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("  server.New with the module      %9s\n  server.New without the module   %9s\n  runtime pool start-up (diff.)   %9s\n",
		withMod.Round(time.Microsecond), without.Round(time.Microsecond), (withMod - without).Round(time.Microsecond))
	engine, err := median(n, func() error { _, err := modules.New(sys, modules.Options{}); return err })
	if err != nil {
		return err
	}
	fmt.Printf("  modules.New (compile the bundle, load it in one VM)  %s\n", engine.Round(time.Microsecond))
	m := &sys.Modules[moduleIndex(sys)]
	mod, err := jsrt.NewModule(m.Name+".js", m.Script, m.SourceMap, modules.GlobalName, jsrt.Options{MaxIdle: n})
	if err != nil {
		return err
	}
	vm, err := median(n, func() error { return mod.Warm(1) })
	if err != nil {
		return err
	}
	fmt.Printf("  one more VM for the pool (jsrt Warm)  %s; bundle %d bytes\n", vm.Round(time.Microsecond), len(m.Script))

	// First requests after start-up.
	s, err := server.New(ctx, sys, cfg, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	base, closeHTTP, err := listen(s.Handler())
	if err != nil {
		return err
	}
	defer closeHTTP()
	client := load.Client(1)
	hello := []byte(`{"query":"{ hello }"}`)
	var first []time.Duration
	for range 5 {
		t0 := time.Now()
		status, body, err := load.Post(client, base+"/graphql", hello)
		if err != nil || status != 200 || string(body) != `{"data":{"hello":"hello"}}` {
			return fmt.Errorf("{ hello }: %d %s %v", status, body, err)
		}
		first = append(first, time.Since(t0))
	}
	fmt.Printf("  first { hello } requests after start-up: %v\n", round(first))

	// Throughput.
	db, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	floorURL, closeFloor, err := listen(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var text string
		err := db.QueryRow(r.Context(), `SELECT json_build_object('id', id, 'name', name)::text FROM items WHERE id = $1`, 1).Scan(&text)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":{"item":` + text + `}}`))
	}))
	if err != nil {
		return err
	}
	defer closeFloor()
	q := func(s string) []byte { b, _ := json.Marshal(map[string]string{"query": s}); return b }
	targets := []target{
		{"graphql-only", base + "/graphql", q(`{ __typename }`), `{"data":{"__typename":"Query"}}`},
		{"module", base + "/graphql", q(`{ hello }`), `{"data":{"hello":"hello"}}`},
		{"module-args", base + "/graphql", q(`{ add(x: 1, y: 2) }`), `{"data":{"add":3}}`},
		{"postgres-pk", base + "/graphql", q(`{ item(id: 1) { id name } }`), `{"data":{"item":{"id":1,"name":"item 1"}}}`},
		{"pgx-floor", floorURL + "/item", []byte(`{}`), `{"data":{"item":{"id" : 1, "name" : "item 1"}}}`},
	}
	for _, t := range targets {
		status, body, err := load.Post(client, t.url, t.body)
		if err != nil || status != 200 || string(body) != t.want {
			return fmt.Errorf("%s: %d %s %v (want %s)", t.name, status, body, err, t.want)
		}
	}
	fmt.Printf("throughput over HTTP (%s per figure, %d interleaved rounds):\n", dur, rounds)
	for _, c := range levels {
		parts := map[string][]load.Result{}
		for r := range rounds {
			for _, t := range targets {
				w := time.Duration(0)
				if r == 0 {
					w = warm
				}
				parts[t.name] = append(parts[t.name], load.Run(ctx, t.url, t.body, c, w, dur/time.Duration(rounds)))
			}
		}
		res := map[string]load.Result{}
		for _, t := range targets {
			res[t.name] = load.Combine(parts[t.name]...)
			fmt.Printf("c=%-3d %-13s %s\n", c, t.name, res[t.name])
		}
		mod, pk := res["module"], res["postgres-pk"]
		fmt.Printf("c=%-3d module / postgres-pk throughput = %.0f%%; p50 %s vs %s\n", c, 100*mod.RPS()/pk.RPS(),
			mod.P50.Round(time.Microsecond), pk.P50.Round(time.Microsecond))
	}
	return nil
}

func moduleIndex(sys *ir.System) int {
	for i := range sys.Modules {
		if sys.Modules[i].Kind == ir.ModuleDeno {
			return i
		}
	}
	return -1
}

func median(n int, f func() error) (time.Duration, error) {
	var ds []time.Duration
	for range n {
		t0 := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	return ds[len(ds)/2], nil
}

func round(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Microsecond)
	}
	return out
}

func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), func() { hs.Close() }, nil
}
