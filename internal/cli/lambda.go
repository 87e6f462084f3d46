package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/exo-dev/exo/server"
)

// lambdaBootstrap is the executable an AWS Lambda custom runtime
// (provided.al2023, handler "bootstrap") starts, without arguments, in the
// function's directory. exo deploy aws-lambda packages this exo under that
// name: exo started as bootstrap is exo serve, which answers the function's
// invocations when AWS_LAMBDA_RUNTIME_API is set (outside Lambda it serves
// HTTP as usual, to try the package locally).
const lambdaBootstrap = "bootstrap"

// isLambdaBootstrap reports whether argv0 names the bootstrap executable.
func isLambdaBootstrap(argv0 string) bool {
	base := filepath.Base(argv0)
	return base == lambdaBootstrap || strings.EqualFold(base, lambdaBootstrap+".exe")
}

// bootstrapArgs are the arguments of exo started as bootstrap: exo serve
// with the given arguments.
func bootstrapArgs(args []string) []string {
	return append([]string{"serve"}, args...)
}

// serveLambda is exo serve inside AWS Lambda: server.RunLambda with the
// .env files of the working directory. An empty path lets RunLambda find
// the IR (the working directory, LAMBDA_TASK_ROOT, next to the executable).
func serveLambda(ctx context.Context, stdio IO, path string, env map[string]string) error {
	env, err := server.LoadEnvFiles(".", env)
	if err != nil {
		return withExitCode(ExitUsage, err)
	}
	err = server.RunLambda(ctx, server.RunOptions{IRPath: path, Env: env, Stdout: stdio.Out, Stderr: stdio.Err})
	switch {
	case err == nil:
		return nil
	case server.IsConfigError(err):
		return withExitCode(ExitUsage, err)
	case errors.Is(err, os.ErrNotExist):
		return withExitCode(ExitModel, fmt.Errorf("the IR file was not found: %w", err))
	}
	return withExitCode(ExitModel, err)
}
