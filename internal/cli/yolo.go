package cli

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func init() { commands = append(commands, newYoloCmd, newDevCmd) }

func newYoloCmd(stdio IO) *cobra.Command {
	o := loopOptions{mode: "yolo"}
	cmd := &cobra.Command{
		Use:   "yolo [dir]",
		Short: "Run the server with a temporary database, rebuilding on every change",
		Long: `Yolo starts a throw-away PostgreSQL server, creates the schema of the
model in dir (default: the current directory), and serves it (GraphQL at
/graphql, the playground at /playground). The JWT secret comes from
EXO_JWT_SECRET (or EXO_OIDC_URL), else one is generated and printed.

It watches src/ and trusted-documents/: on every change it rebuilds the
model, migrates the temporary database (additive changes keep the data;
others start from a fresh, seeded database) and swaps in the new server
without dropping requests. A model with errors is reported and the last
good build keeps being served. Everything is removed on exit.

Settings come from the environment and the project's .env, .env.yolo,
.env.local and .env.yolo.local files (the environment wins).

On a terminal a dashboard shows the server, the last build and recent
operations (keys: r rebuild, p playground URL, l logs, q quit); --no-tui
prints plain lines instead.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLoopCmd(cmd, stdio, args, o)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.port, "port", "p", 9876, "port to listen on")
	f.StringVar(&o.seed, "seed", "", "SQL file run in every fresh database after the schema is created")
	f.BoolVar(&o.noTUI, "no-tui", false, "print plain log lines instead of the dashboard")
	f.StringVar(&o.enforceTrusted, "enforce-trusted-documents", "true", `"false" serves operations that are not trusted documents`)
	return cmd
}

func newDevCmd(stdio IO) *cobra.Command {
	o := loopOptions{mode: "dev"}
	cmd := &cobra.Command{
		Use:   "dev [dir]",
		Short: "Run the server against EXO_POSTGRES_URL, rebuilding on every change",
		Long: `Dev serves the model in dir (default: the current directory) against the
database at EXO_POSTGRES_URL (or DATABASE_URL), read-only unless
--read-write or EXO_POSTGRES_READ_WRITE=true, and rebuilds on every change
under src/ and trusted-documents/, swapping in the new server without
dropping requests.

After each build it plans the migration from the database to the model.
Non-destructive migrations are applied automatically, in one transaction.
Destructive ones (drops, narrowing type changes) are shown and applied only
with --allow-destructive-changes or when you answer yes at the prompt (on
the dashboard, or in plain mode on a terminal); otherwise the new model is
served against the old schema.

If applying a migration fails (say a new NOT NULL column without a default
on a table with rows), the error is shown and exo dev pauses: the last good
build keeps being served until the next change. With
--ignore-migration-errors the failure is only a warning and the new model is
served against the database as it is.

Settings come from the environment and the project's .env, .env.dev,
.env.local and .env.dev.local files (the environment wins).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.readWriteSet = cmd.Flags().Changed("read-write")
			return runLoopCmd(cmd, stdio, args, o)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.port, "port", "p", 9876, "port to listen on")
	f.BoolVar(&o.readWrite, "read-write", false, "allow mutations (EXO_POSTGRES_READ_WRITE=true)")
	f.BoolVar(&o.allowDestructive, "allow-destructive-changes", false, "apply destructive migrations without asking")
	f.BoolVar(&o.ignoreMigErrors, "ignore-migration-errors", false, "serve the new model even when its migration fails (default: keep serving the last good build)")
	f.BoolVar(&o.noTUI, "no-tui", false, "print plain log lines instead of the dashboard")
	f.StringVar(&o.enforceTrusted, "enforce-trusted-documents", "true", `"false" serves operations that are not trusted documents`)
	return cmd
}

func runLoopCmd(cmd *cobra.Command, stdio IO, args []string, o loopOptions) error {
	o.dir = "."
	if len(args) == 1 {
		o.dir = args[0]
	}
	o.portSet = cmd.Flags().Changed("port")
	o.environ = os.Environ()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runDevLoop(ctx, stdio, o)
}
