package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/migrate"
	"github.com/exo-dev/exo/schema"
)

func init() {
	schemaSubcommands = append(schemaSubcommands, newSchemaVerifyCmd, newSchemaMigrateCmd, newSchemaImportCmd)
}

// databaseURL is -d/--database, else EXO_POSTGRES_URL, else DATABASE_URL.
func databaseURL(flag string) (string, error) {
	for _, u := range []string{flag, os.Getenv("EXO_POSTGRES_URL"), os.Getenv("DATABASE_URL")} {
		if u != "" {
			return u, nil
		}
	}
	return "", withExitCode(ExitUsage, errors.New("no database: pass --database or set EXO_POSTGRES_URL or DATABASE_URL"))
}

func connectDB(ctx context.Context, flag string) (*pgx.Conn, error) {
	url, err := databaseURL(flag)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, withExitCode(ExitModel, fmt.Errorf("connecting to the database: %w", err))
	}
	return conn, nil
}

// schemaModel compiles the project (or reads target/index.exo_ir with
// --use-ir) and returns its database side.
func schemaModel(stdio IO, useIR bool) (migrate.Model, error) {
	var sys *ir.System
	var err error
	if useIR {
		sys, err = ir.ReadFile(filepath.Join("target", "index.exo_ir"))
		if err != nil {
			return migrate.Model{}, withExitCode(ExitModel, fmt.Errorf("reading target/index.exo_ir: %w", err))
		}
	} else if sys, err = compileForSchema(stdio, "."); err != nil {
		return migrate.Model{}, err
	}
	return migrate.ModelOf(sys), nil
}

func parseScopeFlag(s string) (*migrate.Scope, error) {
	if s == "" {
		return nil, nil
	}
	sc, err := migrate.ParseScope(s)
	if err != nil {
		return nil, withExitCode(ExitUsage, err)
	}
	return &sc, nil
}

type dbFlags struct {
	database string
	scope    string
	useIR    bool
	yes      bool
}

func (f *dbFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.database, "database", "d", "", "the database URL (default: EXO_POSTGRES_URL or DATABASE_URL)")
	cmd.Flags().StringVar(&f.scope, "scope", "", "schemas and tables to consider: <schema>[.<table>],... with * wildcards (default: the model's schemas)")
	cmd.Flags().BoolVar(&f.useIR, "use-ir", false, "use target/index.exo_ir instead of compiling the model")
	cmd.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask before overwriting the output file")
}

func newSchemaVerifyCmd(stdio IO) *cobra.Command {
	var f dbFlags
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that the database schema is compatible with the model",
		Long: `Verify compares the database (--database, EXO_POSTGRES_URL or DATABASE_URL)
with the model and lists every incompatibility: missing schemas, tables,
columns, enums, constraints, indexes and triggers, differing types,
nullability, defaults and keys. Objects the model does not use (other
tables, nullable or defaulted extra columns, extra indexes) are fine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := parseScopeFlag(f.scope)
			if err != nil {
				return err
			}
			m, err := schemaModel(stdio, f.useIR)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			conn, err := connectDB(ctx, f.database)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			issues, err := migrate.VerifyDatabase(ctx, conn, m, sc)
			if err != nil {
				return withExitCode(ExitModel, err)
			}
			fmt.Fprint(stdio.Out, migrate.VerifyReport(issues))
			if len(issues) > 0 {
				return withExitCode(ExitModel, errors.New(migrate.IncompatibleError))
			}
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func newSchemaMigrateCmd(stdio IO) *cobra.Command {
	var f dbFlags
	var output, interactions string
	var allowDestructive, apply, nonInteractive bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Print (or apply) the SQL that migrates the database to the model",
		Long: `Migrate inspects the database, compares it with the model and prints the SQL
that brings it to the model. Destructive statements (drops, narrowing type
changes) are commented out unless --allow-destructive-changes is given.
Tables that disappear while others appear may be renames: migrate asks
(unless --non-interactive), using the answers of --interactions first:

  [[rename-table]]
  old-table = "todos"
  new-table = "t_todos"

--apply-to-database runs the migration in one transaction (rolled back
entirely on error).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if apply && output != "" {
				return withExitCode(ExitUsage, errors.New("--apply-to-database cannot be used with --output"))
			}
			sc, err := parseScopeFlag(f.scope)
			if err != nil {
				return err
			}
			opts := migrate.Options{Scope: sc}
			if interactions != "" {
				b, err := os.ReadFile(interactions)
				if err != nil {
					return withExitCode(ExitModel, err)
				}
				if opts.Interactions, err = migrate.ParseInteractions(string(b)); err != nil {
					return withExitCode(ExitModel, fmt.Errorf("%s: %w", interactions, err))
				}
			}
			in := bufio.NewReader(stdio.In)
			if !nonInteractive {
				opts.Ask = renamePrompt(in, stdio.Err)
			}
			m, err := schemaModel(stdio, f.useIR)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			conn, err := connectDB(ctx, f.database)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			plan, err := migrate.Migrate(ctx, conn, m, opts)
			if err != nil {
				return withExitCode(ExitModel, err)
			}
			if plan.Empty() {
				fmt.Fprintln(stdio.Out, migrate.UpToDateMessage)
				return nil
			}
			script := plan.Script(allowDestructive)
			if output != "" {
				return writeOutput(stdio, in, output, script, f.yes || nonInteractive)
			}
			fmt.Fprint(stdio.Out, script)
			if apply {
				if err := plan.Apply(ctx, conn, allowDestructive); err != nil {
					return withExitCode(ExitModel, err)
				}
				msg := "The migration was applied to the database."
				if plan.HasDestructive() && !allowDestructive {
					msg += " Destructive changes (commented out above) were not applied; use --allow-destructive-changes to apply them."
				}
				fmt.Fprintln(stdio.Err, msg)
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the migration to this file instead of stdout")
	cmd.Flags().BoolVar(&allowDestructive, "allow-destructive-changes", false, "do not comment out destructive changes")
	cmd.Flags().BoolVar(&apply, "apply-to-database", false, "apply the migration to the database")
	cmd.Flags().BoolVar(&nonInteractive, "non-interactive", false, "do not ask about table renames")
	cmd.Flags().StringVar(&interactions, "interactions", "", "a TOML file with [[rename-table]] answers")
	return cmd
}

// renamePrompt asks on w, reading answers from r, whether a table that the
// model no longer has was renamed. End of input means "drop it".
func renamePrompt(r *bufio.Reader, w io.Writer) migrate.Prompter {
	return func(dropped schema.Name, created []schema.Name) (int, error) {
		fmt.Fprintf(w, "The table `%s` exists in the database but not in the model. Was it renamed?\n", dropped)
		for i, c := range created {
			fmt.Fprintf(w, "  %d) renamed to `%s`\n", i+1, c)
		}
		fmt.Fprintf(w, "  %d) no, drop it\n", len(created)+1)
		for {
			fmt.Fprintf(w, "Choice [%d]: ", len(created)+1)
			line, err := r.ReadString('\n')
			line = strings.TrimSpace(line)
			if line == "" {
				return -1, nil
			}
			if n, perr := strconv.Atoi(line); perr == nil && n >= 1 && n <= len(created)+1 {
				if n == len(created)+1 {
					return -1, nil
				}
				return n - 1, nil
			}
			if err != nil {
				return -1, nil
			}
			fmt.Fprintf(w, "Please answer with a number between 1 and %d.\n", len(created)+1)
		}
	}
}

// writeOutput writes content to path, asking before overwriting unless yes.
func writeOutput(stdio IO, in *bufio.Reader, path, content string, yes bool) error {
	if _, err := os.Stat(path); err == nil && !yes {
		fmt.Fprintf(stdio.Err, "File %s exists. Overwrite? [y/N] ", path)
		line, _ := in.ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return withExitCode(ExitModel, fmt.Errorf("not overwriting %s", path))
		}
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return withExitCode(ExitModel, err)
		}
	}
	return withExitCode(ExitModel, os.WriteFile(path, []byte(content), 0o644))
}

func newSchemaImportCmd(stdio IO) *cobra.Command {
	var f dbFlags
	var output string
	var queryAccess, mutationAccess string
	var fragments bool
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Write an .exo model for an existing database",
		Long: `Import inspects the database (--database, EXO_POSTGRES_URL or DATABASE_URL)
and writes a model for it: a @postgres module per schema with a type per
table (columns, keys, relations in both directions, unique constraints,
indexes, enums, @update triggers) and views as unmanaged types. Access rules
default to @access(false); see --query-access and --mutation-access.
--fragments (or --generate-fragments) writes fragments instead, to splice
into your own types when exo does not manage the database. The model goes
to stdout, or to --output.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			qa, ma, err := parseAccessFlags(queryAccess, mutationAccess)
			if err != nil {
				return err
			}
			model, err := importModel(cmd.Context(), f.database, f.scope, migrate.ImportOptions{
				QueryAccess: qa, MutationAccess: ma, Fragments: fragments,
			})
			if err != nil {
				return err
			}
			if output == "" {
				_, err := fmt.Fprint(stdio.Out, model)
				return withExitCode(ExitModel, err)
			}
			return writeOutput(stdio, bufio.NewReader(stdio.In), output, model, f.yes)
		},
	}
	cmd.Flags().StringVarP(&f.database, "database", "d", "", "the database URL (default: EXO_POSTGRES_URL or DATABASE_URL)")
	cmd.Flags().StringVar(&f.scope, "scope", "", "schemas and tables to import: <schema>[.<table>],... with * wildcards (default: all)")
	cmd.Flags().BoolVarP(&f.yes, "yes", "y", false, "do not ask before overwriting the output file")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the model to this file instead of stdout")
	cmd.Flags().StringVar(&queryAccess, "query-access", "false", "access rule for queries of the imported types (true or false)")
	cmd.Flags().StringVar(&mutationAccess, "mutation-access", "false", "access rule for mutations of the imported types (true or false)")
	cmd.Flags().BoolVar(&fragments, "fragments", false, "generate fragments instead of types")
	cmd.Flags().BoolVar(&fragments, "generate-fragments", false, "generate fragments instead of types (Exograph's name of --fragments)")
	return cmd
}
