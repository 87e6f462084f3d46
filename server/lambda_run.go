package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/lambda"
)

// LambdaRuntimeAPIEnv is the variable AWS Lambda sets for a custom runtime:
// the host:port of its runtime API.
const LambdaRuntimeAPIEnv = "AWS_LAMBDA_RUNTIME_API"

// InLambda reports whether env is that of an AWS Lambda custom runtime.
func InLambda(env map[string]string) bool { return env[LambdaRuntimeAPIEnv] != "" }

// Error types of the start-up failures RunLambda reports to Lambda.
const (
	LambdaErrorSettings = "Exo.InvalidSettings" // an invalid setting (*ConfigError)
	LambdaErrorNoIR     = "Exo.MissingIR"       // the IR file is missing
	LambdaErrorStartup  = "Exo.StartupFailed"   // any other (unreadable IR, database unreachable, ...)
)

// RunLambda is Run inside AWS Lambda (a custom runtime, AWS_LAMBDA_RUNTIME_API
// set in o.Env): it loads the IR and the settings as Run does, then answers
// the function's invocations (HTTP events of API Gateway and function URLs)
// through the runtime API until ctx ends or the runtime API fails. Start-up
// failures are reported to Lambda (/runtime/init/error) and returned, with
// Run's error kinds; the process should then exit non-zero.
//
// Without o.IRPath, the IR is ir.DefaultPath in the working directory (the
// function's directory, /var/task), else in LAMBDA_TASK_ROOT or next to the
// executable.
func RunLambda(ctx context.Context, o RunOptions) error {
	start := time.Now()
	api := o.Env[LambdaRuntimeAPIEnv]
	if api == "" {
		return &ConfigError{errors.New(LambdaRuntimeAPIEnv + " is not set: the AWS Lambda runtime works only inside AWS Lambda")}
	}
	rt := &lambda.Runtime{API: api}
	if o.IRPath == "" {
		o.IRPath = lambdaIRPath(o.Env)
	}
	s, cfg, log, err := load(ctx, o)
	if err != nil {
		typ, msg := lambdaInitError(o.IRPath, err)
		if rerr := rt.InitError(ctx, typ, msg); rerr != nil {
			return fmt.Errorf("%w (reporting it to AWS Lambda failed too: %v)", err, rerr)
		}
		return err
	}
	defer s.Close()
	rt.Log = log
	elapsed := time.Since(start)
	if o.Stdout != nil {
		fmt.Fprintf(o.Stdout, "Started AWS Lambda function in %.2f ms\n- GraphQL endpoint at %s\n", float64(elapsed.Microseconds())/1000, cfg.GraphQLPath)
	}
	log.Info("lambda function started", "ir", o.IRPath, "startup", elapsed.String())
	return rt.Serve(ctx, s.Handler())
}

// lambdaIRPath finds the IR of a function.
func lambdaIRPath(env map[string]string) string {
	if _, err := os.Stat(ir.DefaultPath); err == nil {
		return ir.DefaultPath
	}
	var dirs []string
	if root := env["LAMBDA_TASK_ROOT"]; root != "" {
		dirs = append(dirs, root)
	}
	if exe, err := os.Executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe))
	}
	for _, d := range dirs {
		if p := filepath.Join(d, ir.DefaultPath); fileExists(p) {
			return p
		}
	}
	return ir.DefaultPath
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// lambdaInitError is the report of a start-up failure.
func lambdaInitError(path string, err error) (errorType, message string) {
	switch {
	case IsConfigError(err):
		return LambdaErrorSettings, "invalid settings: " + err.Error()
	case errors.Is(err, fs.ErrNotExist):
		where := path
		if abs, aerr := filepath.Abs(path); aerr == nil {
			where = abs
		}
		return LambdaErrorNoIR, fmt.Sprintf("%s not found: the function's package must contain %s next to bootstrap (exo deploy aws-lambda puts it there)", where, ir.DefaultPath)
	}
	return LambdaErrorStartup, err.Error()
}
