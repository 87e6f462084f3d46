package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/lsp"
)

func init() { commands = append(commands, newLspCmd) }

func newLspCmd(stdio IO) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "lsp",
		Short: "Run the language server for .exo files on stdin/stdout",
		Long: `Lsp runs the exo language server, speaking the Language Server Protocol
over stdin and stdout. Editors start it (the VS Code extension in
editors/vscode does); it is not meant to be run by hand. Logs go to stderr.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts := lsp.Options{Version: Version}
			if verbose {
				opts.Logf = func(format string, args ...any) { fmt.Fprintf(stdio.Err, format+"\n", args...) }
			}
			srv := lsp.NewServer(opts)
			in := stdio.In
			if in == nil {
				in = eofReader{}
			}
			clean, err := srv.Serve(cmd.Context(), in, stdio.Out)
			if err != nil {
				return withExitCode(ExitModel, fmt.Errorf("lsp: %w", err))
			}
			if !clean {
				// LSP: exit without a prior shutdown request ends with code 1.
				return withExitCode(ExitModel, errSilent)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "log internal problems to stderr")
	return cmd
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
