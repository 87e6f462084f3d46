package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/dev/pg"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/exotest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/jsbundle"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
	"github.com/exo-dev/exo/server/graphql"
)

func init() { commands = append(commands, newTestCmd) }

func newTestCmd(stdio IO) *cobra.Command {
	var (
		jsonOut       bool
		parallel      int
		ratchetFile   string
		writeRatchet  string
		introspection bool
	)
	cmd := &cobra.Command{
		Use:   "test [dir] [pattern]",
		Short: "Run the declarative tests (.exotest files) of one or more projects",
		Long: `Test finds every project under dir (a directory with src/index.exo and
tests/), builds it, and runs each tests/**/*.exotest file against a fresh
throw-away PostgreSQL database and an in-process server. pattern filters
tests by name (wildcards * and ?).

It ends with a line "N passed, N failed, N skipped" and exits with code 1
when a test fails.`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, pattern := ".", ""
			if len(args) > 0 {
				dir = args[0]
			}
			if len(args) > 1 {
				pattern = args[1]
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runTests(ctx, stdio, dir, pattern, testOptions{
				json: jsonOut, parallel: parallel, ratchet: ratchetFile, writeRatchet: writeRatchet, introspection: introspection,
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the report as JSON")
	cmd.Flags().IntVarP(&parallel, "parallel", "j", 0, "tests run at once (default: number of CPUs)")
	cmd.Flags().StringVar(&ratchetFile, "ratchet", "", "file listing tests known to pass: fail if one of them does not pass")
	cmd.Flags().BoolVar(&introspection, "introspection", false, "also compare each project's GraphQL schema with schema-tests/introspection.expected.graphql (or EXO_RUN_INTROSPECTION_TESTS=true)")
	cmd.Flags().StringVar(&writeRatchet, "write-ratchet", "", "write the names of the passing tests to this file")
	return cmd
}

type testOptions struct {
	json          bool
	parallel      int
	ratchet       string
	writeRatchet  string
	introspection bool
}

func truthy(v string) bool { return v == "true" || v == "1" }

func runTests(ctx context.Context, stdio IO, dir, pattern string, o testOptions) error {
	var known []string
	if o.ratchet != "" {
		f, err := os.Open(o.ratchet)
		if err != nil {
			return withExitCode(ExitUsage, err)
		}
		known, err = exotest.ReadRatchet(f)
		f.Close()
		if err != nil {
			return withExitCode(ExitUsage, err)
		}
	}
	srv, err := pg.Launch(ctx, pg.Options{NoSignalHandler: true, Getenv: os.Getenv})
	if err != nil {
		return withExitCode(ExitModel, err)
	}
	defer srv.Stop()

	provision, dropTemplates := exotest.NewTemplateProvisioner(srv, applySchema)
	defer dropTemplates()
	progress := stdio.Err
	if o.json {
		progress = nil
	}
	opts := exotest.Options{
		Build:     buildForTest,
		Provision: provision,
		Serve:     serveForTest,
		Parallel:  o.parallel,
		RPC:       true,
		Progress:  progress,
		Env:       passThroughEnv(),
		Skip:      unsupportedProject,
		// Deno preludes that import modules.
		BundlePrelude: preludeBundler(jsbundle.New(jsbundle.Options{})),
	}
	if o.introspection || truthy(os.Getenv("EXO_RUN_INTROSPECTION_TESTS")) {
		opts.Introspection = checkIntrospection
	}
	rep, err := exotest.Run(ctx, dir, pattern, opts)
	if err != nil {
		return withExitCode(ExitModel, err)
	}
	failed := !rep.OK()
	if known != nil {
		// With a ratchet, only regressions of tests known to pass fail the
		// run. Its findings come before the report so that the report's
		// summary stays the last line.
		rr := exotest.Ratchet(known, rep)
		if len(rr.NewPasses) > 0 {
			fmt.Fprintf(stdio.Out, "ratchet: %d passing test(s) are not in %s yet (add them with --write-ratchet)\n", len(rr.NewPasses), o.ratchet)
		}
		if !rr.OK() {
			fmt.Fprintf(stdio.Out, "ratchet: %d test(s) known to pass did not pass:\n", len(rr.Regressions))
			for _, r := range rr.Regressions {
				fmt.Fprintf(stdio.Out, "  %s\n", r)
			}
		}
		failed = !rr.OK()
	}
	if o.writeRatchet != "" {
		var buf bytes.Buffer
		_ = exotest.WriteRatchet(&buf, rep)
		if err := os.WriteFile(o.writeRatchet, buf.Bytes(), 0o644); err != nil {
			return withExitCode(ExitModel, err)
		}
	}
	if o.json {
		_ = rep.WriteJSON(stdio.Out)
	} else {
		_ = rep.WriteText(stdio.Out)
	}
	if failed {
		return withExitCode(ExitModel, errSilent)
	}
	return nil
}

// passThroughEnv keeps the variables Exograph's runner keeps from the
// caller's environment.
func passThroughEnv() map[string]string {
	env := map[string]string{}
	for _, k := range []string{pg.EnvLaunchPreference, "EXO_LOG"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	return env
}

func buildForTest(ctx context.Context, dir string) (any, error) {
	// No skeletons or generated files: tests never write into the project.
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: jsbundle.New(jsbundle.Options{}), ReadWasm: true})
	if diags.HasErrors() || sys == nil {
		var buf bytes.Buffer
		_ = diag.Render(&buf, diags, diag.RenderOptions{Cwd: dir, Max: 20})
		return nil, errors.New(buf.String())
	}
	return sys, nil
}

func applySchema(ctx context.Context, p *exotest.Project, dbURL string) error {
	sys := p.Artifact.(*ir.System)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, stmt := range schema.FromIR(sys).DDL() {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			if reason := missingFeature(err); reason != "" {
				return &exotest.SkipError{Reason: reason}
			}
			return fmt.Errorf("creating the schema: %w\n%s", err, stmt)
		}
	}
	return nil
}

// missingFeature names what this PostgreSQL server lacks when err says the
// model needs an extension or function the server does not have.
func missingFeature(err error) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return ""
	}
	switch {
	case pgErr.Code == "0A000" && strings.Contains(pgErr.Message, `"vector"`):
		return "needs pgvector (the vector extension is not installed on this PostgreSQL server)"
	case pgErr.Code == "42883" && strings.Contains(pgErr.Message, "uuidv7()"):
		return "needs PostgreSQL 18 (uuidv7() does not exist on this server)"
	}
	return ""
}

func serveForTest(ctx context.Context, p *exotest.Project, dbURL string, env map[string]string) (http.Handler, func(), error) {
	sys := p.Artifact.(*ir.System)
	cfg, err := server.FromEnv(env)
	if err != nil {
		return nil, nil, err
	}
	cfg.ProjectDir = p.Dir
	// Server logs are quiet unless EXO_LOG asks for them (it is passed
	// through from the caller's environment).
	var log *slog.Logger
	if env["EXO_LOG"] != "" {
		log = server.NewLogger(os.Stderr, cfg.Telemetry)
	}
	s, err := server.New(ctx, sys, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	return s.Handler(), s.Close, nil
}

// checkIntrospection compares the GraphQL schema the project serves with its
// schema-tests/introspection.expected.graphql, line by line (trimmed), as
// Exograph's runner does with EXO_RUN_INTROSPECTION_TESTS.
func checkIntrospection(ctx context.Context, p *exotest.Project) error {
	want, err := os.ReadFile(filepath.Join(p.Dir, "schema-tests", "introspection.expected.graphql"))
	if err != nil {
		return &exotest.SkipError{Reason: "no schema-tests/introspection.expected.graphql"}
	}
	sch, err := graphql.BuildSchema(p.Artifact.(*ir.System), graphql.SchemaOptions{AllowMutations: true})
	if err != nil {
		return err
	}
	got := graphql.PrintSchema(sch)
	return diffLines(string(want), got)
}

// diffLines reports the first lines where want and got differ, ignoring
// leading and trailing blanks on each line and blank lines at the ends.
func diffLines(want, got string) error {
	split := func(s string) []string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		return lines
	}
	w, g := split(want), split(got)
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Errorf("schema differs from introspection.expected.graphql at line %d:\n  expected: %s\n  actual:   %s", i+1, wl, gl)
		}
	}
	return nil
}

// unsupportedProject says why a project's tests cannot run here:
// TypeScript that imports modules from the network that cannot be had
// (https: modules that cannot be fetched, npm: packages that could not be
// installed into the npm cache), or a WebAssembly module that is built from Rust
// sources by the project's build script when there is no Rust toolchain for
// wasm32-unknown-unknown here (see wasmBuildMissing). Such tests are counted
// as skipped, never as passed.
func unsupportedProject(ctx context.Context, dir string) string {
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: jsbundle.New(jsbundle.Options{})})
	for _, d := range diags {
		if d.Code == jsbundle.CodeNpmFetch {
			return "needs network (npm: packages cannot be installed: " + d.Message + ")"
		}
		if d.Code == jsbundle.CodeRemoteUnreachable {
			return "needs network (https: modules cannot be fetched: " + d.Message + ")"
		}
	}
	if sys != nil {
		for _, m := range sys.Modules {
			if m.Kind == ir.ModuleWasm {
				if reason := wasmBuildMissing(ctx, dir, m.SourcePath); reason != "" {
					return reason
				}
			}
		}
	}
	return ""
}

// wasmBuildMissing returns a skip reason when the binary of a @wasm module
// (rel, relative to the project dir) does not exist, is to be built from
// Rust sources (a Cargo.toml in its directory or above, up to the project)
// and cannot be built here (no cargo, or no wasm32-unknown-unknown target
// for rustc). Otherwise the project runs: its build script builds the
// binary, or the missing file fails the build with the compiler's
// diagnostic.
func wasmBuildMissing(ctx context.Context, dir, rel string) string {
	file := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(file); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	crate := ""
	for d := filepath.Dir(file); ; d = filepath.Dir(d) {
		abs, err := filepath.Abs(d)
		if err != nil || !strings.HasPrefix(abs+string(filepath.Separator), root+string(filepath.Separator)) {
			break
		}
		if _, err := os.Stat(filepath.Join(d, "Cargo.toml")); err == nil {
			crate = d
			break
		}
		if abs == root {
			break
		}
	}
	if crate == "" || canBuildWasm(ctx) {
		return ""
	}
	return fmt.Sprintf("needs wasm build (%s is missing; build it with cargo build --target wasm32-unknown-unknown)", rel)
}

// canBuildWasm reports whether cargo is on PATH and rustc has the standard
// library of the wasm32-unknown-unknown target (a variable for tests).
var canBuildWasm = func(ctx context.Context) bool {
	if _, err := exec.LookPath("cargo"); err != nil {
		return false
	}
	out, err := exec.CommandContext(ctx, "rustc", "--print", "sysroot").Output()
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(strings.TrimSpace(string(out)), "lib", "rustlib", "wasm32-unknown-unknown"))
	return err == nil
}
