package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
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
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
)

func init() { commands = append(commands, newTestCmd) }

func newTestCmd(stdio IO) *cobra.Command {
	var (
		jsonOut      bool
		parallel     int
		ratchetFile  string
		writeRatchet string
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
				json: jsonOut, parallel: parallel, ratchet: ratchetFile, writeRatchet: writeRatchet,
			})
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the report as JSON")
	cmd.Flags().IntVarP(&parallel, "parallel", "j", 0, "tests run at once (default: number of CPUs)")
	cmd.Flags().StringVar(&ratchetFile, "ratchet", "", "file listing tests known to pass: fail if one of them does not pass")
	cmd.Flags().StringVar(&writeRatchet, "write-ratchet", "", "write the names of the passing tests to this file")
	return cmd
}

type testOptions struct {
	json         bool
	parallel     int
	ratchet      string
	writeRatchet string
}

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
	rep, err := exotest.Run(ctx, dir, pattern, exotest.Options{
		Build:     buildForTest,
		Provision: provision,
		Serve:     serveForTest,
		Parallel:  o.parallel,
		RPC:       true,
		Progress:  progress,
		Env:       passThroughEnv(),
	})
	if err != nil {
		return withExitCode(ExitModel, err)
	}
	failed := !rep.OK()
	regressed := false
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
			regressed = true
		}
		failed = regressed
	}
	if o.writeRatchet != "" {
		var buf bytes.Buffer
		if err := exotest.WriteRatchet(&buf, rep); err == nil {
			_ = os.WriteFile(o.writeRatchet, buf.Bytes(), 0o644)
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
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: newBundler()})
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
	s, err := server.New(ctx, sys, cfg, nil)
	if err != nil {
		return nil, nil, err
	}
	return s.Handler(), s.Close, nil
}
