package cli

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/jsbundle"
)

func init() { commands = append(commands, newBuildCmd) }

func newBuildCmd(stdio IO) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "build [dir]",
		Short: "Compile the model in src/index.exo into target/index.exo_ir",
		Long: `Build parses, typechecks and plans the project's model (src/index.exo and
everything it imports) and writes the result to target/index.exo_ir, the
file exo serve and exo-server load. Model errors are printed with their
file:line:col and exit with code 1.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			if format != "text" && format != "json" {
				return withExitCode(ExitUsage, fmt.Errorf("--format must be text or json, got %q", format))
			}
			sys, err := buildProject(stdio, dir, format)
			if err != nil {
				return err
			}
			out := filepath.Join(dir, ir.DefaultPath)
			if err := ir.WriteFile(out, sys); err != nil {
				return withExitCode(ExitModel, err)
			}
			fmt.Fprintf(stdio.Out, "Exograph IR file %s created\n", filepath.ToSlash(relOrSelf(out)))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "diagnostics format: text or json")
	return cmd
}

// buildProject compiles the project in dir and prints its diagnostics
// (warnings too). A model with errors yields an error carrying ExitModel.
func buildProject(stdio IO, dir, format string) (*ir.System, error) {
	if _, err := os.Stat(filepath.Join(dir, "src", "index.exo")); err != nil {
		return nil, withExitCode(ExitModel, fmt.Errorf("%s is not an exo project: src/index.exo not found", dir))
	}
	b := newBundler()
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: b, ReadWasm: true})
	if len(diags) > 0 {
		printDiagnostics(stdio, diags, format)
	}
	if diags.HasErrors() || sys == nil {
		return nil, withExitCode(ExitModel, fmt.Errorf("could not build the model: %d error(s)", diags.ErrorCount()))
	}
	// Type declarations (generated/*.d.ts) and module skeletons.
	if err := b.Finish(dir, sys); err != nil {
		fmt.Fprintf(stdio.Err, "warning: writing module type declarations: %v\n", err)
	}
	return sys, nil
}

func printDiagnostics(stdio IO, diags diag.List, format string) {
	cwd, _ := os.Getwd()
	if format == "json" {
		_ = diag.RenderJSON(stdio.Err, diags, diag.RenderOptions{Cwd: cwd})
		return
	}
	_ = diag.Render(stdio.Err, diags, diag.RenderOptions{Cwd: cwd, Color: isTerminal(stdio.Err), Max: 20})
}

// relOrSelf makes path relative to the working directory when it is inside it.
func relOrSelf(path string) string {
	cwd, err := os.Getwd()
	if err != nil {
		return path
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(cwd, abs); err == nil && !filepath.IsAbs(rel) && len(rel) > 0 && rel[0] != '.' {
		return rel
	}
	return path
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("NO_COLOR") == ""
}

// newBundler returns the bundler of @deno modules (esbuild), which also
// creates a skeleton for a module whose source file does not exist yet.
func newBundler() *jsbundle.Bundler {
	return jsbundle.New(jsbundle.Options{Skeleton: true, WriteLock: true})
}
