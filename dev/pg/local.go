package pg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// User is the superuser of a local cluster (initdb --username).
const User = "exo"

// socketPort is the port number of a Unix-socket-only cluster. It only names
// the socket file (.s.PGSQL.5432) inside the cluster's private directory.
// (On Windows a cluster always listens on TCP; see unixSockets.)
const socketPort = 5432

// Cluster is a throw-away PostgreSQL cluster in a temp directory, owned by
// this process. It implements Server.
type Cluster struct {
	dir     string // base: socket directory, postgres.log, data/
	data    string
	port    int
	tcp     bool
	binDir  string
	runAs   *credential
	proc    *process
	wd      *watchdog
	admin   admin
	handled bool // registered with the signal handler

	mu      sync.Mutex // guards proc against a concurrent Stop (signal during Start)
	stopped bool

	stopOnce sync.Once
	stopErr  error
}

// Dir returns the cluster's directory: it holds the Unix socket (not on
// Windows), the server log (postgres.log) and the data directory (data/).
func (c *Cluster) Dir() string { return c.dir }

// DataDir returns the data directory.
func (c *Cluster) DataDir() string { return c.data }

// PID returns the process id of the postmaster, which is also the process
// group id of all the cluster's processes; 0 before it started.
func (c *Cluster) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil {
		return 0
	}
	return c.proc.cmd.Process.Pid
}

// Port returns the server's port: the TCP port with Options.TCP (always on
// Windows), else the number that names the Unix socket file.
func (c *Cluster) Port() int { return c.port }

// URL returns a pgx-compatible URL for database dbname over the Unix socket,
// e.g. postgres://exo@/app?host=%2Ftmp%2Fexo-pg-123&sslmode=disable; on
// Windows, where the cluster listens on TCP only, it is TCPURL(dbname).
func (c *Cluster) URL(dbname string) string {
	if !unixSockets {
		return c.TCPURL(dbname)
	}
	q := url.Values{}
	q.Set("host", c.dir)
	if c.port != socketPort {
		q.Set("port", strconv.Itoa(c.port))
	}
	q.Set("sslmode", "disable")
	return "postgres://" + User + "@/" + url.PathEscape(dbname) + "?" + q.Encode()
}

// TCPURL returns a URL for dbname over TCP (127.0.0.1), or "" when the
// cluster was started without Options.TCP (never on Windows).
func (c *Cluster) TCPURL(dbname string) string {
	if !c.tcp {
		return ""
	}
	u := url.URL{Scheme: "postgres", User: url.User(User), Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path: "/" + dbname, RawQuery: "sslmode=disable"}
	return u.String()
}

// CreateDatabase creates an empty database (from template1).
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	return c.admin.createDatabase(ctx, name, "")
}

// CreateDatabaseFromTemplate creates database name as a copy of template.
func (c *Cluster) CreateDatabaseFromTemplate(ctx context.Context, name, template string) error {
	return c.admin.createDatabase(ctx, name, template)
}

// DropDatabase drops database name if it exists, terminating its sessions.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	return c.admin.dropDatabase(ctx, name)
}

// Start launches a new cluster; ctx bounds the start-up only. It finds the
// binaries (Options.BinDir or FindBinDir), creates a directory under
// os.TempDir() (on Unix /dev/shm when that is roomy, or /tmp when
// os.TempDir() is not usable), initialises it and starts postgres, returning
// once the server accepts connections. The freshly initialised data
// directory is cached under os.UserCacheDir()/exo/pg-initdb (keyed by the
// binaries), which turns the ~0.5 s initdb into a ~0.1 s copy on later
// starts; Options.NoInitdbCache turns that off.
func Start(ctx context.Context, opts Options) (c *Cluster, err error) {
	binDir := opts.BinDir
	if binDir == "" {
		if binDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	} else if !hasServerBinaries(binDir) {
		return nil, fmt.Errorf("%w in %s: %s", ErrNotFound, binDir, installHint)
	}
	runAs, err := unprivilegedUser()
	if err != nil {
		return nil, err
	}
	dir, err := makeBaseDir(runAs)
	if err != nil {
		return nil, err
	}
	c = &Cluster{dir: dir, data: filepath.Join(dir, "data"), binDir: binDir, runAs: runAs, tcp: opts.TCP || !unixSockets, port: socketPort}
	// From here on, Stop cleans up whatever exists.
	if c.wd, err = startWatchdog(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if !opts.NoSignalHandler {
		c.handled = true
	}
	register(c)
	defer func() {
		if err != nil {
			c.Stop()
			c = nil
		}
	}()

	t0 := time.Now()
	if err := c.initData(ctx, &opts); err != nil {
		return nil, err
	}
	opts.logf("pg: data directory ready in %v", time.Since(t0).Round(time.Millisecond))

	for attempt := 0; ; attempt++ {
		if c.tcp {
			if c.port, err = freePort(); err != nil {
				return nil, err
			}
		}
		err = c.startServer(ctx, &opts)
		if err == nil {
			break
		}
		if !c.tcp || attempt == 4 || !strings.Contains(err.Error(), "could not bind") {
			return nil, err
		}
		// Lost the race for the port: try another one.
		os.Remove(filepath.Join(c.data, "postmaster.pid"))
	}
	if err := c.admin.open(ctx, c.URL("postgres")); err != nil {
		return nil, err
	}
	opts.logf("pg: cluster up in %s after %v", dir, time.Since(t0).Round(time.Millisecond))
	return c, nil
}

// Stop kills the server (immediate shutdown), removes the directory and
// retires the watchdog. It is idempotent and safe for concurrent use.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	unregister(c)
	c.mu.Lock()
	c.stopped = true
	p := c.proc
	c.mu.Unlock()
	var errs []error
	if p != nil {
		if err := p.stop(5 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	c.admin.close()
	if err := removeAll(c.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove cluster directory: %w", err))
	}
	if c.wd != nil {
		c.wd.retire(len(errs) == 0)
	}
	return errors.Join(errs...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// initdbArgs are the initdb flags besides -D; they are part of the cache key.
var initdbArgs = []string{"-A", "trust", "--username", User, "-E", "UTF8", "--locale", "C", "--no-sync", "--no-instructions", "--wal-segsize", "1"}

func (c *Cluster) initData(ctx context.Context, opts *Options) error {
	var cacheDir string
	if !opts.NoInitdbCache {
		cacheDir = initdbCacheDir(c.binDir)
		if cacheDir != "" && copyFromCache(cacheDir, c.data, c.runAs) == nil {
			opts.logf("pg: data directory copied from %s", cacheDir)
			return nil
		}
		os.RemoveAll(c.data)
	}
	cmd := exec.CommandContext(ctx, c.program("initdb"), append([]string{"-D", c.data}, initdbArgs...)...)
	cmd.Dir = c.dir
	cmd.Env = c.env()
	cmd.SysProcAttr = sysProcAttr(c.runAs)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb failed: %w\n%s", err, strings.TrimSpace(out.String()))
	}
	if err := c.backportFunctions(ctx); err != nil {
		return err
	}
	if cacheDir != "" {
		if err := saveToCache(c.data, cacheDir); err != nil {
			opts.logf("pg: cannot cache the data directory: %v", err)
		}
	}
	return nil
}

// env is the environment of initdb and postgres: ours without libpq and
// locale variables that could change their behaviour.
func (c *Cluster) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" || k == "TZ" || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "LC_ALL=C", "TZ=UTC", "HOME="+c.dir)
	return env
}

// serverSettings are the defaults passed as -c name=value.
func (c *Cluster) serverSettings(opts *Options) map[string]string {
	s := map[string]string{
		"listen_addresses":        "",
		"unix_socket_directories": c.dir,
		"port":                    strconv.Itoa(c.port),
		"timezone":                "UTC",
		"log_timezone":            "UTC",
		"fsync":                   "off",
		"synchronous_commit":      "off",
		"full_page_writes":        "off",
		"wal_level":               "minimal",
		"max_wal_senders":         "0",
		"max_wal_size":            "1GB",
		// Dynamic shared memory in files under the data directory rather than
		// /dev/shm, so a killed server leaves nothing outside the directory
		// (on Windows, where mmap is not available, in the system's named
		// file mappings, which vanish with the processes).
		"dynamic_shared_memory_type": dynamicSharedMemoryType,
		"logging_collector":          "off",
		"log_min_messages":           "warning",
	}
	if c.tcp {
		s["listen_addresses"] = "127.0.0.1"
	}
	if !unixSockets {
		s["unix_socket_directories"] = ""
	}
	for k, v := range opts.Settings {
		s[k] = v
	}
	return s
}

func (c *Cluster) startServer(ctx context.Context, opts *Options) error {
	logPath := filepath.Join(c.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	settings := c.serverSettings(opts)
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := []string{"-D", c.data}
	for _, k := range keys {
		args = append(args, "-c", k+"="+settings[k])
	}
	cmd := exec.Command(c.program("postgres"), args...)
	cmd.Dir = c.dir
	cmd.Env = c.env()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr(c.runAs)
	p, err := startProcess(cmd)
	if err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		p.stop(5 * time.Second)
		return errNotRunning
	}
	c.proc = p
	c.wd.setPID(p.cmd.Process.Pid)
	c.mu.Unlock()
	if err := c.waitReady(ctx, p, 60*time.Second); err != nil {
		p.stop(5 * time.Second)
		c.mu.Lock()
		c.proc = nil
		c.mu.Unlock()
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("%w\n%s", err, lastLines(string(log), 20))
	}
	return nil
}

// waitReady polls postmaster.pid until its status line says "ready" (what
// pg_ctl -w does), the server exits, or the deadline passes.
func (c *Cluster) waitReady(ctx context.Context, p *process, timeout time.Duration) error {
	pidFile := filepath.Join(c.data, "postmaster.pid")
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(3 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(pidFile); err == nil {
			lines := strings.Split(string(b), "\n")
			if len(lines) >= 8 && strings.TrimSpace(lines[7]) == "ready" {
				return nil
			}
		}
		select {
		case <-p.done:
			return fmt.Errorf("postgres exited during start-up (%v)", p.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("postgres not ready after %v", timeout)
		case <-tick.C:
		}
	}
}

// program returns the path of one of the cluster's binaries.
func (c *Cluster) program(name string) string {
	return filepath.Join(c.binDir, name+exeSuffix)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// process is a child started from a goroutine locked to its OS thread, which
// stays alive until the child exits: Linux sends PDEATHSIG when the forking
// *thread* exits, so the thread must outlive the child.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProcess(cmd *exec.Cmd) (*process, error) {
	p := &process{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: when this goroutine returns the thread exits,
		// which is fine, because the child is gone by then.
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// stop asks the postmaster for an immediate shutdown (quit: SIGQUIT) and, if
// it is still there after grace, kills it and the rest of the cluster (kill:
// SIGKILL to its process group); quit and kill are platform-specific
// (local_unix.go, local_windows.go).
func (p *process) stop(grace time.Duration) error {
	pid := p.cmd.Process.Pid
	select {
	case <-p.done:
		return nil
	default:
	}
	p.quit()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
	}
	p.kill()
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
		return fmt.Errorf("postgres (pid %d) did not exit", pid)
	}
}

// uuidv7SQL defines uuidv7() (built in from PostgreSQL 18, the database default
// of uuidGenerateV7()) for older servers: a version 4 UUID whose first 48 bits
// are replaced by the Unix time in milliseconds and whose version nibble is
// set to 7, which is the layout of RFC 9562's version 7. It ends with the
// statement terminator of postgres --single -j.
const uuidv7SQL = `CREATE FUNCTION pg_catalog.uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
  PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
  52, 1), 53, 1), 'hex')::uuid
$$;

`

// backportFunctions gives a freshly initialised cluster's template1 (so every
// database created from it) the functions newer PostgreSQL versions have
// built in and models may use as defaults. It runs before the first start, in
// single-user mode, so the initdb cache holds the result and starting a
// cluster costs nothing more. Only these throw-away clusters get them: exo
// never adds functions to a database it does not own.
func (c *Cluster) backportFunctions(ctx context.Context) error {
	v, err := os.ReadFile(filepath.Join(c.data, "PG_VERSION"))
	if err != nil {
		return err
	}
	major, err := strconv.Atoi(strings.TrimSpace(string(v)))
	if err != nil || major >= 18 {
		return err
	}
	cmd := exec.CommandContext(ctx, c.program("postgres"), "--single", "-j", "-D", c.data, "template1")
	cmd.Dir = c.dir
	cmd.Env = c.env()
	cmd.SysProcAttr = sysProcAttr(c.runAs)
	cmd.Stdin = strings.NewReader(uuidv7SQL)
	out, err := cmd.CombinedOutput()
	if err == nil && bytes.Contains(out, []byte("ERROR")) {
		err = errors.New("statement failed")
	}
	if err != nil {
		return fmt.Errorf("defining uuidv7() for PostgreSQL %d: %w\n%s", major, err, strings.TrimSpace(string(out)))
	}
	return nil
}
