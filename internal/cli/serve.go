package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

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
every setting comes from the environment, as with Exograph.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			env := server.EnvMap(os.Environ())
			if cmd.Flags().Changed("port") {
				env["EXO_SERVER_PORT"] = strconv.Itoa(port)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveIR(ctx, stdio, irPath, env)
		},
	}
	cmd.Flags().StringVar(&irPath, "ir", ir.DefaultPath, "the IR file to serve")
	cmd.Flags().IntVarP(&port, "port", "p", 9876, "port to listen on (overrides EXO_SERVER_PORT)")
	return cmd
}

// serveIR loads the IR at path and serves it until ctx ends, then shuts
// down gracefully, letting in-flight requests finish.
func serveIR(ctx context.Context, stdio IO, path string, env map[string]string) error {
	start := time.Now()
	sys, err := ir.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return withExitCode(ExitModel, fmt.Errorf("%s not found: run `exo build` first", path))
		}
		return withExitCode(ExitModel, err)
	}
	cfg, err := server.FromEnv(env)
	if err != nil {
		return withExitCode(ExitUsage, err)
	}
	log := slog.New(slog.NewTextHandler(stdio.Err, nil))
	s, err := server.New(ctx, sys, cfg, log)
	if err != nil {
		return withExitCode(ExitModel, err)
	}
	defer s.Close()
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return withExitCode(ExitModel, fmt.Errorf("cannot listen on %s: %w (is port %d already in use?)", addr, err, cfg.Port))
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdio.Out, "Started server on %s in %s\n", ln.Addr(), time.Since(start).Round(time.Microsecond))
	fmt.Fprintf(stdio.Out, "- GraphQL endpoint hosted at:\n\thttp://%s%s\n", ln.Addr(), cfg.GraphQLPath)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return withExitCode(ExitModel, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}
