package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server"
)

func init() { commands = append(commands, newServeCmd) }

func newServeCmd(stdio IO) *cobra.Command {
	var irPath string
	var port int
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the built model (target/index.exo_ir) over HTTP",
		Long: `Serve loads target/index.exo_ir (written by exo build) and serves the
GraphQL API on EXO_SERVER_HOST:EXO_SERVER_PORT (default 0.0.0.0:9876) against
the database at EXO_POSTGRES_URL. It is what exo-server does in production;
every setting comes from the environment, as with Exograph.

With AWS_LAMBDA_RUNTIME_API set (inside AWS Lambda), it answers the
function's invocations through the Lambda runtime API instead of listening;
exo started under the name bootstrap (exo deploy aws-lambda) is exo serve.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			env := server.EnvMap(os.Environ())
			if cmd.Flags().Changed("port") {
				env["EXO_SERVER_PORT"] = strconv.Itoa(port)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if server.InLambda(env) {
				// An AWS Lambda function (lambda.go): the IR is found
				// next to bootstrap unless --ir is given.
				path := ""
				if cmd.Flags().Changed("ir") {
					path = irPath
				}
				return serveLambda(ctx, stdio, path, env)
			}
			return serveIR(ctx, stdio, irPath, env)
		},
	}
	cmd.Flags().StringVar(&irPath, "ir", ir.DefaultPath, "the IR file to serve")
	cmd.Flags().IntVarP(&port, "port", "p", 9876, "port to listen on (overrides EXO_SERVER_PORT)")
	return cmd
}

// serveIR loads the .env files of the current directory for EXO_ENV, then
// serves the IR at path until ctx ends and shuts down gracefully, letting
// in-flight requests finish (server.Run).
func serveIR(ctx context.Context, stdio IO, path string, env map[string]string) error {
	env, err := server.LoadEnvFiles(".", env)
	if err != nil {
		return withExitCode(ExitUsage, err)
	}
	err = server.Run(ctx, server.RunOptions{IRPath: path, Env: env, Stdout: stdio.Out, Stderr: stdio.Err})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrNotExist):
		return withExitCode(ExitModel, fmt.Errorf("%s not found: run `exo build` first", path))
	case server.IsConfigError(err):
		return withExitCode(ExitUsage, err)
	}
	return withExitCode(ExitModel, err)
}
