//go:build linux

// Command load measures exo-server as a separate process on this machine:
// the time from spawning the process to its first answered GraphQL query,
// its idle RSS, and a saturating HTTP load (keep-alive clients on loopback)
// with requests per second, latency percentiles, errors (any status other
// than 200 or a body other than the expected one) and the RSS of the server
// process before, during and after the load.
//
// Run it from the repository root:
//
//	go run ./bench/load -duration 60s -concurrency 32
//
// It builds exo-server from ./cmd/exo-server (stripped, as released),
// compiles examples/concerts into a temporary project, starts a throw-away
// PostgreSQL (dev/pg) with the example's tables and 50 venues with 10
// concerts each, and removes everything on exit.
//
// Linux only: it reads the server's memory and CPU time from /proc and ties
// the server's life to its own with PDEATHSIG.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/dev/pg"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
)

// seed is the example's rows plus 50 venues with 10 concerts each.
const seed = `
INSERT INTO venues (name, published) VALUES ('V1', true), ('V2', false), ('V3', true);
INSERT INTO concerts (title, venue_id, published, price) VALUES
  ('C1', 1, true, 10), ('C2', 1, false, 20), ('C3', 2, true, 30), ('C4', 3, true, 40);
INSERT INTO venues (name, published) SELECT 'bench' || g, true FROM generate_series(1, 50) g;
INSERT INTO concerts (title, venue_id, published, price)
  SELECT 'c' || g, 3 + (g % 50) + 1, true, g FROM generate_series(1, 500) g;
ANALYZE;
`

var queries = map[string]struct{ query, want string }{
	// A query by primary key: the server's fixed cost per request.
	"pk": {`{ venue(id: 1) { id name published } }`, `{"data":{"venue":{"id":1,"name":"V1","published":true}}}`},
	// A nested list: 50 venues with their 10 concerts each (~30 KB).
	"list": {`{ venues(where: {name: {startsWith: "bench"}}, orderBy: {id: ASC}) { id name concerts(orderBy: {id: ASC}) { id title price } } }`, ""},
}

func main() {
	duration := flag.Duration("duration", 60*time.Second, "length of the load test (0: start-up measurements only)")
	concurrency := flag.Int("concurrency", 32, "concurrent keep-alive HTTP clients")
	poolSize := flag.Int("pool", 10, "EXO_CONNECTION_POOL_SIZE of the server")
	queryName := flag.String("query", "pk", "query under load: pk or list")
	startups := flag.Int("startups", 20, "start-up measurements (process spawn to first answered query)")
	warmup := flag.Duration("warmup", 3*time.Second, "load before the measured period")
	serverBin := flag.String("server", "", "exo-server binary (default: built from ./cmd/exo-server)")
	flag.Parse()
	q, ok := queries[*queryName]
	if !ok {
		fmt.Fprintf(os.Stderr, "load: unknown -query %q (pk or list)\n", *queryName)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, config{*duration, *concurrency, *poolSize, q.query, q.want, *startups, *warmup, *serverBin}); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type config struct {
	duration    time.Duration
	concurrency int
	pool        int
	query, want string
	startups    int
	warmup      time.Duration
	serverBin   string
}

func run(ctx context.Context, c config) error {
	if _, err := os.Stat("cmd/exo-server"); err != nil {
		return errors.New("run from the repository root (go run ./bench/load)")
	}
	dir, err := os.MkdirTemp("", "exo-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	bin := c.serverBin
	if bin == "" {
		bin = filepath.Join(dir, "exo-server")
		t := time.Now()
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/exo-server")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building exo-server: %w", err)
		}
		fmt.Printf("built exo-server in %v\n", time.Since(t).Round(time.Millisecond))
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if fi, err := os.Stat(bin); err == nil {
		fmt.Printf("exo-server binary: %.1f MB\n", float64(fi.Size())/(1<<20))
	}

	sys, diags := compiler.Compile(compiler.Options{Root: "examples/concerts"})
	if sys == nil {
		return fmt.Errorf("compiling examples/concerts: %v", diags)
	}
	project := filepath.Join(dir, "project")
	if err := os.MkdirAll(filepath.Join(project, "target"), 0o755); err != nil {
		return err
	}
	if err := ir.WriteFile(filepath.Join(project, ir.DefaultPath), sys); err != nil {
		return err
	}

	cluster, err := pg.Start(ctx, pg.Options{NoSignalHandler: true})
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	defer cluster.Stop()
	if err := cluster.CreateDatabase(ctx, "concerts"); err != nil {
		return err
	}
	dbURL := cluster.URL("concerts")
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, strings.Join(schema.FromIR(sys).DDL(), ";\n")+";\n"+seed); err != nil {
		return fmt.Errorf("seeding: %w", err)
	}
	body, _ := json.Marshal(map[string]string{"query": c.query})
	env := append(os.Environ(), "EXO_POSTGRES_URL="+dbURL, "EXO_SERVER_HOST=127.0.0.1",
		"EXO_CONNECTION_POOL_SIZE="+strconv.Itoa(c.pool), "EXO_LOG=warn", "EXO_JWT_SECRET=bench")

	// Start-up: spawn to first answered query, and idle RSS.
	var startTimes, banners []time.Duration
	var idleRSS []int64
	for i := 0; i < c.startups && ctx.Err() == nil; i++ {
		p, err := spawn(ctx, bin, project, env)
		if err != nil {
			return err
		}
		first, err := p.firstAnswer(ctx, body, 10*time.Second)
		if err != nil {
			p.stop()
			return fmt.Errorf("start-up %d: %w\n%s", i+1, err, p.output())
		}
		startTimes = append(startTimes, first)
		if b := p.bannerTime(); b > 0 {
			banners = append(banners, b)
		}
		time.Sleep(500 * time.Millisecond)
		idleRSS = append(idleRSS, rssKB(p.pid()))
		if err := p.stop(); err != nil {
			return fmt.Errorf("stopping exo-server: %w\n%s", err, p.output())
		}
	}
	fmt.Printf("\nstart-up, spawn to first answered query (%d runs): min %v  median %v  max %v\n",
		len(startTimes), pct(startTimes, 0), pct(startTimes, 50), pct(startTimes, 100))
	fmt.Printf("  banner \"Started server ... in\" (read IR, build server, ping database, listen): median %v\n", pct(banners, 50))
	fmt.Printf("  idle RSS after the first query: min %s  median %s  max %s\n",
		mb(slices.Min(idleRSS)), mb(median(idleRSS)), mb(slices.Max(idleRSS)))

	if c.duration <= 0 {
		return nil
	}

	// Load.
	p, err := spawn(ctx, bin, project, env)
	if err != nil {
		return err
	}
	defer p.stop()
	want, err := p.firstAnswerBody(ctx, body, 10*time.Second)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, p.output())
	}
	if c.want != "" && compact(want) != c.want {
		return fmt.Errorf("unexpected answer %s, want %s", want, c.want)
	}
	time.Sleep(500 * time.Millisecond)
	rssBefore := rssKB(p.pid())
	fmt.Printf("\nload: %s, %d clients, pool %d, %v (after %v warm-up), response %d bytes\n",
		strings.Join(strings.Fields(c.query), " "), c.concurrency, c.pool, c.duration, c.warmup, len(want))
	fmt.Printf("  RSS before: %s\n", mb(rssBefore))

	if c.warmup > 0 {
		hammer(ctx, p.url, body, want, c.concurrency, c.warmup)
	}
	var rssDuring []int64
	var conns []int
	samplerDone := make(chan struct{})
	samplerCtx, stopSampler := context.WithCancel(ctx)
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-samplerCtx.Done():
				return
			case <-tick.C:
				rssDuring = append(rssDuring, rssKB(p.pid()))
				conns = append(conns, backendCount(samplerCtx, conn))
			}
		}
	}()
	cpu0 := cpuTicks(p.pid())
	res := hammer(ctx, p.url, body, want, c.concurrency, c.duration)
	cpu1 := cpuTicks(p.pid())
	stopSampler()
	<-samplerDone
	if len(rssDuring) == 0 {
		rssDuring = []int64{rssKB(p.pid())}
	}
	fmt.Printf("  %.0f req/s  %d requests  %d errors\n", res.rps(), res.requests, res.errors)
	fmt.Printf("  latency p50 %v  p90 %v  p99 %v  p99.9 %v  max %v\n",
		pct(res.lat, 50), pct(res.lat, 90), pct(res.lat, 99), pct(res.lat, 99.9), pct(res.lat, 100))
	if res.errors > 0 {
		fmt.Printf("  first error: %s\n", res.firstErr)
	}
	fmt.Printf("  server CPU: %.0f%% of one core (%d cores on this machine)\n",
		float64(cpu1-cpu0)/100/res.elapsed.Seconds()*100, runtime.NumCPU())
	fmt.Printf("  RSS during (sampled every second): median %s  max %s; peak (VmHWM) %s\n",
		mb(median(rssDuring)), mb(slices.Max(rssDuring)), mb(hwmKB(p.pid())))
	fmt.Printf("  database connections of the server during the load: max %d\n", slices.Max(append(conns, 0)))
	time.Sleep(5 * time.Second)
	fmt.Printf("  RSS 5 s after the load: %s\n", mb(rssKB(p.pid())))
	if err := p.stop(); err != nil {
		return fmt.Errorf("stopping exo-server: %w\n%s", err, p.output())
	}
	fmt.Println("  exo-server stopped cleanly (SIGTERM, exit status 0)")
	if res.errors > 0 {
		return fmt.Errorf("%d errors under load", res.errors)
	}
	return nil
}

// proc is a running exo-server.
type proc struct {
	cmd     *exec.Cmd
	url     string
	started time.Time
	out     *syncBuffer
	done    chan struct{}
	err     error
}

func spawn(ctx context.Context, bin, dir string, env []string) (*proc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(slices.Clip(env), "EXO_SERVER_PORT="+strconv.Itoa(port))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &proc{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d/graphql", port), out: out, done: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) output() string { return p.out.String() }

// firstAnswer polls until the query is answered with 200 and returns the
// time since the process was spawned.
func (p *proc) firstAnswer(ctx context.Context, body []byte, timeout time.Duration) (time.Duration, error) {
	_, err := p.poll(ctx, body, timeout)
	return time.Since(p.started), err
}

func (p *proc) firstAnswerBody(ctx context.Context, body []byte, timeout time.Duration) ([]byte, error) {
	return p.poll(ctx, body, timeout)
}

func (p *proc) poll(ctx context.Context, body []byte, timeout time.Duration) ([]byte, error) {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: timeout}
	deadline := p.started.Add(timeout)
	for {
		resp, err := client.Post(p.url, "application/json", bytes.NewReader(body))
		if err == nil {
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rerr == nil && resp.StatusCode == http.StatusOK && bytes.HasPrefix(b, []byte(`{"data"`)) {
				return b, nil
			}
			return nil, fmt.Errorf("first answer: %d %s", resp.StatusCode, b)
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("exo-server exited: %v", p.err)
		case <-ctx.Done():
			return nil, ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no answer within %v: %v", timeout, err)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// bannerTime is the start-up time exo-server printed.
func (p *proc) bannerTime() time.Duration {
	sc := bufio.NewScanner(strings.NewReader(p.output()))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.LastIndex(line, " in "); strings.HasPrefix(line, "Started server") && i > 0 {
			ms, err := strconv.ParseFloat(strings.TrimSuffix(line[i+4:], " ms"), 64)
			if err == nil {
				return time.Duration(ms * float64(time.Millisecond))
			}
		}
	}
	return 0
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop() error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("did not stop within 15 s of SIGTERM")
	}
}

type result struct {
	requests, errors int
	firstErr         string
	elapsed          time.Duration
	lat              []time.Duration
}

func (r result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// hammer runs n keep-alive clients posting body for d; a request counts as
// an error unless it answers 200 with exactly want.
func hammer(ctx context.Context, url string, body, want []byte, n int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, MaxConnsPerHost: n, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu       sync.Mutex
		res      result
		errCount atomic.Int64
	)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			var firstErr string
			buf := make([]byte, 0, len(want)+512)
			for ctx.Err() == nil {
				t := time.Now()
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				var msg string
				if err != nil {
					msg = err.Error()
				} else {
					buf = buf[:0]
					w := bytes.NewBuffer(buf)
					_, err = io.Copy(w, resp.Body)
					resp.Body.Close()
					buf = w.Bytes()
					switch {
					case err != nil:
						msg = err.Error()
					case resp.StatusCode != http.StatusOK || !bytes.Equal(buf, want):
						msg = fmt.Sprintf("%d %.200s", resp.StatusCode, buf)
					}
				}
				if msg != "" {
					if errCount.Add(1) == 1 {
						firstErr = msg
					}
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			if firstErr != "" {
				res.firstErr = firstErr
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.requests = len(res.lat)
	res.errors = int(errCount.Load())
	slices.Sort(res.lat)
	return res
}

// pct is the p-th percentile of sorted-or-not durations.
func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i].Round(time.Microsecond)
}

func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func mb(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

// rssKB and hwmKB read VmRSS and VmHWM from /proc/<pid>/status.
func rssKB(pid int) int64 { return statusKB(pid, "VmRSS:") }
func hwmKB(pid int) int64 { return statusKB(pid, "VmHWM:") }

func statusKB(pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field) {
			f := strings.Fields(line[len(field):])
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return 0
}

// cpuTicks is utime+stime of the process in clock ticks (1/100 s).
func cpuTicks(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

// backendCount is the number of sessions on the benchmark database other
// than the one asking.
func backendCount(ctx context.Context, conn *pgx.Conn) int {
	var n int
	_ = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
	return n
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
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
