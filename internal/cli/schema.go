package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
)

func init() { commands = append(commands, newSchemaCmd) }

// schemaSubcommands lets later files (verify, migrate, import) add their
// subcommands to `exo schema` from their own init functions.
var schemaSubcommands = []func(IO) *cobra.Command{newSchemaCreateCmd}

func newSchemaCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Create, verify, migrate or import the database schema",
		Long: `The schema subcommands work with the database schema of the project's
Postgres modules: create prints the DDL for the current model.`,
		Args: cobra.NoArgs,
	}
	for _, add := range schemaSubcommands {
		cmd.AddCommand(add(stdio))
	}
	return cmd
}

func newSchemaCreateCmd(stdio IO) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Print the SQL that creates the database schema for the current model",
		Long: `Create prints the SQL schema (CREATE SCHEMA, CREATE TYPE, CREATE TABLE,
constraints, indexes and @update triggers) for the Postgres modules of the
project in the current directory. Unmanaged types produce nothing. By
default the SQL goes to stdout; --output writes it to a file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sys, err := compileForSchema(stdio, ".")
			if err != nil {
				return err
			}
			sql := schema.Script(schema.FromIR(sys).DDL())
			if output == "" {
				_, err := fmt.Fprint(stdio.Out, sql)
				return withExitCode(ExitModel, err)
			}
			if dir := filepath.Dir(output); dir != "." {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return withExitCode(ExitModel, err)
				}
			}
			return withExitCode(ExitModel, os.WriteFile(output, []byte(sql), 0o644))
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the SQL to this file instead of stdout")
	return cmd
}

// compileForSchema compiles the project in dir for the schema commands:
// the database side needs no module bundles. Diagnostics are printed; a
// model with errors yields an error carrying ExitModel.
func compileForSchema(stdio IO, dir string) (*ir.System, error) {
	if _, err := os.Stat(filepath.Join(dir, "src", "index.exo")); err != nil {
		where := dir
		if where == "." {
			where = "the current directory"
		}
		return nil, withExitCode(ExitModel, fmt.Errorf("%s is not an exo project: src/index.exo not found", where))
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if len(diags) > 0 {
		cwd, _ := os.Getwd()
		_ = diag.Render(stdio.Err, diags, diag.RenderOptions{Cwd: cwd, Max: 20})
	}
	if diags.HasErrors() || sys == nil {
		return nil, withExitCode(ExitModel, fmt.Errorf("could not build the model: %d error(s)", diags.ErrorCount()))
	}
	return sys, nil
}
