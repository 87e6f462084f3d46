package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/dev"
	"github.com/exo-dev/exo/dev/pg"
	"github.com/exo-dev/exo/dev/tui"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server"
)

// loopOptions configure runDevLoop, the common body of exo yolo and exo dev.
type loopOptions struct {
	mode    string // "yolo" or "dev"
	dir     string
	port    int
	portSet bool
	seed    string // yolo: SQL file run in each fresh database
	noTUI   bool
	// dev
	readWrite        bool
	readWriteSet     bool
	allowDestructive bool
	ignoreMigErrors  bool // --ignore-migration-errors
	enforceTrusted   string

	environ []string // the process environment (os.Environ())

	// Test hooks.
	onListen   func(addr string)
	onDatabase func(pg.Server)
}

// runDevLoop runs exo yolo or exo dev until ctx ends or the user quits.
func runDevLoop(ctx context.Context, stdio IO, o loopOptions) error {
	start := time.Now()
	if _, err := os.Stat(o.dir + "/src/index.exo"); err != nil {
		where := o.dir
		if where == "." {
			where = "the current directory"
		}
		return withExitCode(ExitModel, fmt.Errorf("%s is not an exo project: src/index.exo not found", where))
	}
	conf, err := dev.ReadConfig(o.dir)
	if err != nil {
		return withExitCode(ExitUsage, err)
	}
	if conf.Version != "" {
		if err := dev.CheckVersion(conf.Version, Version); err != nil {
			return withExitCode(ExitUsage, err)
		}
	}
	var seed string
	if o.seed != "" {
		b, err := os.ReadFile(o.seed)
		if err != nil {
			return withExitCode(ExitUsage, fmt.Errorf("reading the seed file: %w", err))
		}
		seed = string(b)
	}

	// The .env files of the project for the mode, under the process
	// environment, as exo-server and exo serve read them.
	system := server.EnvMap(o.environ)
	system["EXO_ENV"] = o.mode
	env, err := server.LoadEnvFiles(o.dir, system)
	if err != nil {
		return withExitCode(ExitUsage, err)
	}
	var notes []string // printed once the UI is up
	var jwtNote string
	switch {
	case env["EXO_JWT_SECRET"] != "" && env["EXO_OIDC_URL"] != "":
		return withExitCode(ExitUsage, errors.New("both EXO_JWT_SECRET and EXO_OIDC_URL are set: choose one"))
	case env["EXO_JWT_SECRET"] != "":
		jwtNote = "JWT secret: Using the EXO_JWT_SECRET env value"
	case env["EXO_OIDC_URL"] != "":
		jwtNote = "OIDC URL: Using the EXO_OIDC_URL env value"
	case o.mode == "yolo":
		env["EXO_JWT_SECRET"] = randomSecret()
		jwtNote = "Generated JWT secret: " + env["EXO_JWT_SECRET"]
	}
	if o.mode == "yolo" {
		for _, k := range []string{"EXO_POSTGRES_URL", "DATABASE_URL", "EXO_POSTGRES_READ_WRITE"} {
			if _, ok := env[k]; ok {
				notes = append(notes, fmt.Sprintf("Ignoring %s: yolo mode uses a temporary database", k))
				delete(env, k)
			}
		}
		env["EXO_POSTGRES_READ_WRITE"] = "true"
		env["EXO_INTROSPECTION"] = "true"
		env["EXO_INTROSPECTION_LIVE_UPDATE"] = "true"
		env["EXO_CORS_DOMAINS"] = "*"
	} else {
		if o.readWriteSet {
			if v, ok := env["EXO_POSTGRES_READ_WRITE"]; ok && v != "" && v != strconv.FormatBool(o.readWrite) {
				return withExitCode(ExitUsage, fmt.Errorf("--read-write=%t conflicts with EXO_POSTGRES_READ_WRITE=%s", o.readWrite, v))
			}
			env["EXO_POSTGRES_READ_WRITE"] = strconv.FormatBool(o.readWrite)
		}
		setDefault(env, "EXO_INTROSPECTION", "true")
		setDefault(env, "EXO_INTROSPECTION_LIVE_UPDATE", "true")
		setDefault(env, "EXO_CORS_DOMAINS", "*")
	}
	if o.enforceTrusted == "false" {
		env["_EXO_ENFORCE_TRUSTED_DOCUMENTS"] = "false"
	}
	if o.portSet {
		env["EXO_SERVER_PORT"] = strconv.Itoa(o.port)
	}

	serving := dev.Serving{Env: env, Dir: o.dir}
	cfg, err := serving.Config("")
	if err != nil {
		return withExitCode(ExitUsage, err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The user interface: the dashboard on a terminal, plain lines otherwise.
	useTUI := !o.noTUI && isTTY(stdio.Out) && isTTY(stdio.In)
	var prog *tui.Program
	rebuild := make(chan struct{}, 1)
	var emitMu sync.Mutex
	var emit func(dev.Event)
	if useTUI {
		prog = tui.Run(tui.Info{Mode: o.mode, JWT: jwtNote}, tui.Actions{
			Rebuild: func() {
				select {
				case rebuild <- struct{}{}:
				default:
				}
			},
			Quit: cancel,
		}, stdio.In, stdio.Out)
		emit = prog.Event
		defer func() { _ = prog.Stop() }()
		go func() {
			select {
			case <-prog.Done():
				cancel()
			case <-ctx.Done():
			}
		}()
	} else {
		emit = func(e dev.Event) {
			emitMu.Lock()
			defer emitMu.Unlock()
			printEvent(stdio, e)
		}
	}
	logEvent := func(kind dev.EventKind, msg string) { emit(dev.Event{Time: time.Now(), Kind: kind, Message: msg}) }
	serving.Log = slog.New(slog.NewTextHandler(&eventWriter{emit: emit}, nil))
	serving.Observe = func(op dev.Op) { emit(dev.Event{Time: time.Now(), Kind: dev.EventOperation, Op: &op}) }
	for _, n := range notes {
		logEvent(dev.EventWarning, n)
	}

	// The database.
	var prepare func(context.Context, *ir.System) (dev.Generation, error)
	dbURL := ""
	switch o.mode {
	case "yolo":
		logEvent(dev.EventLog, "Launching PostgreSQL locally...")
		srv, err := pg.Launch(ctx, pg.Options{NoSignalHandler: true, Getenv: func(k string) string { return env[k] }})
		if err != nil {
			return withExitCode(ExitModel, err)
		}
		defer srv.Stop()
		if o.onDatabase != nil {
			o.onDatabase(srv)
		}
		logEvent(dev.EventLog, "Starting with a temporary database (will be wiped out when the server exits)...")
		dbURL = srv.URL("yolo")
		logEvent(dev.EventLog, "Postgres URL: "+dbURL)
		y := &dev.YoloDB{Server: srv, Seed: seed, Serving: serving, Events: emit}
		prepare = y.Prepare
	case "dev":
		logEvent(dev.EventLog, "Starting server in development mode...")
		dbURL = cfg.PostgresURL
		d := &dev.DevDB{URL: dbURL, Serving: serving, Events: emit,
			Hint:                  "rerun with --allow-destructive-changes to apply it, or use exo schema migrate",
			IgnoreMigrationErrors: o.ignoreMigErrors,
			FailureHint:           "or rerun with --ignore-migration-errors to serve the new model anyway"}
		switch {
		case o.allowDestructive:
			d.Confirm = func(string) bool { return true }
		case useTUI:
			d.Confirm = func(script string) bool { return prog.Ask("Apply this destructive migration?", script) }
		case isTTY(stdio.In):
			d.Confirm = func(string) bool { return confirm(stdio, "Apply this destructive migration? [y/N] ") }
		}
		prepare = d.Prepare
	}
	if jwtNote != "" {
		logEvent(dev.EventLog, jwtNote)
	}

	// The listener comes before the first build: the port is ours (or the
	// error is immediate) and requests wait for the model with a 503.
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return withExitCode(ExitModel, fmt.Errorf("cannot listen on %s: %w (is port %d already in use?)", addr, err, cfg.Port))
	}
	shown := ln.Addr().String()
	if host, port, err := net.SplitHostPort(shown); err == nil && cfg.Host == "localhost" && (host == "127.0.0.1" || host == "::1") {
		shown = net.JoinHostPort("localhost", port)
	}
	info := tui.Info{Mode: o.mode, GraphQLURL: "http://" + shown + cfg.GraphQLPath,
		PlaygroundURL: "http://" + shown + cfg.PlaygroundPath, DatabaseURL: dbURL, JWT: jwtNote}
	if prog != nil {
		prog.SetInfo(info)
	}
	swap := &dev.Swap{Unavailable: "the last build failed (the model has errors, or its migration failed: see exo " + o.mode + "'s output); fix it and exo " + o.mode + " will serve it"}
	hs := &http.Server{Handler: swap, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	if o.onListen != nil {
		o.onListen(ln.Addr().String())
	}

	var first sync.Once
	loopEvents := func(e dev.Event) {
		emit(e)
		if e.Kind == dev.EventServing {
			first.Do(func() {
				if prog != nil {
					return
				}
				emitMu.Lock()
				defer emitMu.Unlock()
				fmt.Fprintf(stdio.Out, "Started server on %s in %s\n", shown, fmtMillis(time.Since(start)))
				fmt.Fprintf(stdio.Out, "- GraphQL endpoint hosted at:\n\t%s\n", info.GraphQLURL)
				fmt.Fprintf(stdio.Out, "- Playground hosted at:\n\t%s\n", info.PlaygroundURL)
			})
		}
	}
	hooks := append(append([]string(nil), conf.AfterModelChange["build"]...), conf.AfterModelChange[o.mode]...)
	loopErr := make(chan error, 1)
	go func() {
		loopErr <- dev.Loop(ctx, dev.LoopOptions{
			Dir: o.dir,
			Build: func(ctx context.Context) (*ir.System, string, error) {
				return buildForDev(o.dir, !useTUI && isTerminal(stdio.Err))
			},
			Prepare: prepare,
			Hooks:   hooks,
			Swap:    swap,
			Events:  loopEvents,
			Rebuild: rebuild,
		})
	}()

	var result error
	select {
	case <-ctx.Done():
		<-loopErr
	case err := <-loopErr:
		if err != nil {
			result = withExitCode(ExitModel, err)
		}
	case err := <-serveErr:
		result = withExitCode(ExitModel, err)
	}
	cancel()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	_ = hs.Shutdown(sctx)
	scancel()
	swap.Close()
	if prog != nil {
		_ = prog.Stop()
	}
	if o.mode == "yolo" {
		fmt.Fprintf(stdio.Out, "Stopped; the temporary database was removed.\n")
	}
	return result
}

func setDefault(env map[string]string, k, v string) {
	if _, ok := env[k]; !ok {
		env[k] = v
	}
}

// buildForDev compiles the project, rendering its diagnostics.
func buildForDev(dir string, color bool) (*ir.System, string, error) {
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: newBundler(), ReadWasm: true})
	var buf bytes.Buffer
	if len(diags) > 0 {
		cwd, _ := os.Getwd()
		_ = diag.Render(&buf, diags, diag.RenderOptions{Cwd: cwd, Color: color, Max: 20})
	}
	if diags.HasErrors() || sys == nil {
		return nil, buf.String(), fmt.Errorf("the model has %d error(s)", diags.ErrorCount())
	}
	return sys, buf.String(), nil
}

// confirm asks a yes/no question on the terminal.
func confirm(stdio IO, question string) bool {
	fmt.Fprint(stdio.Out, question)
	line, _ := bufio.NewReader(stdio.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true
	}
	return false
}

// printEvent writes an event as plain lines (no dashboard).
func printEvent(stdio IO, e dev.Event) {
	switch e.Kind {
	case dev.EventOperation:
		return // only the dashboard lists operations
	case dev.EventBuildFailed:
		if e.Detail != "" {
			fmt.Fprint(stdio.Err, strings.TrimRight(e.Detail, "\n")+"\n")
		}
		fmt.Fprintf(stdio.Err, "error: %s\n", e.Message)
		return
	case dev.EventWarning:
		fmt.Fprintf(stdio.Err, "warning: %s\n", e.Message)
		if e.Detail != "" {
			fmt.Fprintln(stdio.Err, strings.TrimRight(e.Detail, "\n"))
		}
		return
	case dev.EventBuildOK:
		if e.Detail != "" {
			fmt.Fprint(stdio.Err, strings.TrimRight(e.Detail, "\n")+"\n")
		}
		return
	case dev.EventServing:
		fmt.Fprintf(stdio.Out, "Serving the new model (rebuilt and swapped in %s)\n", fmtMillis(e.Duration))
		return
	}
	fmt.Fprintln(stdio.Out, e.Message)
	if e.Detail != "" && e.Kind != dev.EventDatabase {
		fmt.Fprintln(stdio.Out, strings.TrimRight(e.Detail, "\n"))
	}
}

func fmtMillis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

// eventWriter turns log lines into events.
type eventWriter struct {
	emit func(dev.Event)
	mu   sync.Mutex
	buf  []byte
}

func (w *eventWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		w.emit(dev.Event{Time: time.Now(), Kind: dev.EventLog, Message: line})
	}
	return len(p), nil
}

// randomSecret is a 15-character lowercase alphanumeric secret, like
// Exograph's generated yolo JWT secret.
func randomSecret() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// isTTY reports whether f is a terminal (unlike isTerminal, NO_COLOR does
// not matter).
func isTTY(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

var _ io.Writer = (*eventWriter)(nil)
