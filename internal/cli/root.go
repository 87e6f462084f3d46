// Package cli holds the cobra command tree of exo. It is the only package
// that touches process state (environment, stdio, exit codes).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Version is set at release time with -ldflags "-X .../internal/cli.Version=...".
var Version = "0.1.0-dev"

// Exit codes shared by every command.
const (
	ExitOK    = 0
	ExitModel = 1 // model errors, test failures, operational failures
	ExitUsage = 2 // bad flags or arguments
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withExitCode attaches an exit code to err. A nil err stays nil.
func withExitCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// silentError is an error whose message was already printed.
var errSilent = errors.New("")

// IO is where commands read and write; tests substitute buffers.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Main runs exo with args and returns the process exit code. Started as
// bootstrap (an AWS Lambda function's executable, see lambda.go), exo is
// exo serve.
func Main(args []string) int {
	if isLambdaBootstrap(os.Args[0]) {
		args = bootstrapArgs(args)
	}
	return Run(args, IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
}

// Run is Main with explicit streams.
func Run(args []string, stdio IO) int {
	root := newRoot(stdio)
	root.SetArgs(args)
	// A context for every command (cmd.Context() is never nil).
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != errSilent && ee.err.Error() != "" {
			fmt.Fprintf(stdio.Err, "error: %v\n", ee.err)
		}
		return ee.code
	}
	// cobra's own errors (unknown command, bad flag) are usage errors.
	fmt.Fprintf(stdio.Err, "error: %v\n", err)
	fmt.Fprintf(stdio.Err, "Run 'exo --help' for usage.\n")
	return ExitUsage
}

func newRoot(stdio IO) *cobra.Command {
	root := &cobra.Command{
		Use:           "exo",
		Short:         "exo: a declarative backend builder (Exograph-compatible)",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	root.SetVersionTemplate("exo {{.Version}}\n")
	for _, add := range commands {
		root.AddCommand(add(stdio))
	}
	return root
}

// commands is filled by the init functions of the per-command files.
var commands []func(IO) *cobra.Command
