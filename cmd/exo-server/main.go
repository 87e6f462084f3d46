// Command exo-server serves a built model in production: it loads
// target/index.exo_ir (written by exo build), reads its settings from the
// environment and the .env files of the current directory for EXO_ENV, and
// serves until SIGINT or SIGTERM, then shuts down gracefully. With
// AWS_LAMBDA_RUNTIME_API set, it is an AWS Lambda function (custom runtime)
// answering invocations through the runtime API instead of listening.
//
// It is deliberately slim: it links the server only, never the compiler, the
// bundler or the CLI (make deps-check and the release check this).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server"
)

// version is set at release time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run serves until ctx ends (SIGINT or SIGTERM) and returns the exit status.
func run(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer) int {
	for _, a := range args {
		switch a {
		case "--version", "-V", "version":
			fmt.Fprintf(stdout, "exo-server %s\n", version)
			return 0
		case "--help", "-h", "help":
			fmt.Fprintf(stdout, "usage: exo-server\n\nServes %s; every setting comes from the environment (EXO_POSTGRES_URL, EXO_SERVER_PORT, ...).\n", ir.DefaultPath)
			return 0
		default:
			fmt.Fprintf(stderr, "exo-server: unexpected argument %q (settings come from the environment)\n", a)
			return 2
		}
	}
	env, err := server.LoadEnvFiles(".", server.EnvMap(environ))
	if err != nil {
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	serve := server.Run
	if server.InLambda(env) {
		serve = server.RunLambda // an AWS Lambda custom runtime (AWS_LAMBDA_RUNTIME_API)
	}
	err = serve(ctx, server.RunOptions{Env: env, Stdout: stdout, Stderr: stderr})
	switch {
	case err == nil:
		return 0
	case errors.Is(err, os.ErrNotExist):
		fmt.Fprintf(stderr, "Error: %s not found: run `exo build` first\n", ir.DefaultPath)
		return 1
	case server.IsConfigError(err):
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	fmt.Fprintf(stderr, "Error: %v\n", err)
	return 1
}
