package cli

import (
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server"
)

func init() { commands = append(commands, newPlaygroundCmd) }

func newPlaygroundCmd(stdio IO) *cobra.Command {
	var endpoint string
	var port int
	cmd := &cobra.Command{
		Use:   "playground [dir]",
		Short: "Serve the GraphQL playground for the built model against a remote endpoint",
		Long: `Playground serves only the playground and introspection of the project's
built model (target/index.exo_ir, see exo build), and sends the operations
you run in it to --endpoint, for example a deployed exo-server. No database
is needed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			env := server.EnvMap(os.Environ())
			env["EXO_ENV"] = "playground"
			env["EXO_INTROSPECTION"] = "only"
			env["EXO_CORS_DOMAINS"] = "*"
			env["EXO_CHECK_CONNECTION_ON_STARTUP"] = "false"
			env["_EXO_UPSTREAM_ENDPOINT_URL"] = endpoint
			if cmd.Flags().Changed("port") {
				env["EXO_SERVER_PORT"] = strconv.Itoa(port)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveIR(ctx, stdio, filepath.Join(dir, ir.DefaultPath), env)
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "the GraphQL endpoint the playground sends operations to (required)")
	cmd.Flags().IntVarP(&port, "port", "p", 9876, "port to listen on")
	_ = cmd.MarkFlagRequired("endpoint")
	return cmd
}
