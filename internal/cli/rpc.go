package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/server/rpc"
)

func init() { commands = append(commands, newRPCCmd) }

func newRPCCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rpc",
		Short: "Work with the (unstable) JSON-RPC API",
		Args:  cobra.NoArgs,
	}
	var output string
	schemaCmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the OpenRPC document of the project's JSON-RPC API",
		Long: `Schema prints the OpenRPC document ("Exograph RPC API" 1.0.0) that a server
with EXO_UNSTABLE_ENABLE_RPC_API=true serves at GET /rpc/discover and through
the rpc.discover method. By default it goes to stdout; --output writes a file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			sys, err := compileForSchema(stdio, ".")
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, rpc.New(rpc.Options{System: sys}).Discover(), "", "  "); err != nil {
				return withExitCode(ExitModel, err)
			}
			buf.WriteByte('\n')
			if output == "" {
				_, err := fmt.Fprint(stdio.Out, buf.String())
				return withExitCode(ExitModel, err)
			}
			if dir := filepath.Dir(output); dir != "." {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return withExitCode(ExitModel, err)
				}
			}
			return withExitCode(ExitModel, os.WriteFile(output, buf.Bytes(), 0o644))
		},
	}
	schemaCmd.Flags().StringVarP(&output, "output", "o", "", "write the document to this file instead of stdout")
	cmd.AddCommand(schemaCmd)
	return cmd
}
