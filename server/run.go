package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/exo-dev/exo/ir"
)

// ConfigError is an invalid setting found at start-up (a usage error).
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// IsConfigError reports whether err comes from an invalid setting.
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// RunOptions configure [Run].
type RunOptions struct {
	// IRPath is the IR file to serve (default ir.DefaultPath).
	IRPath string
	// Env is the environment, .env files already applied (LoadEnvFiles).
	Env map[string]string
	// Stdout receives the start-up banner; Stderr the logs.
	Stdout, Stderr io.Writer
	// Started, when set, is called with the listening address once the
	// server accepts connections.
	Started func(addr net.Addr)
}

// Run is exo-server (and exo serve): it loads the IR, reads the settings
// from the environment, connects, listens and serves until ctx ends, then
// shuts down gracefully. Errors: IR errors wrap the ir package's (with
// fs.ErrNotExist when the file is missing), invalid settings are
// *ConfigError.
func Run(ctx context.Context, o RunOptions) error {
	start := time.Now()
	s, cfg, log, err := load(ctx, o)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := Listen(cfg)
	if err != nil {
		return err
	}
	if o.Stdout != nil {
		PrintBanner(o.Stdout, cfg, ln.Addr(), time.Since(start))
	}
	log.Info("server started", "address", ln.Addr().String(), "startup", time.Since(start).String())
	if o.Started != nil {
		o.Started(ln.Addr())
	}
	return s.Serve(ctx, ln)
}

// load is the start-up shared by Run and RunLambda: the settings, the IR
// (o.IRPath, default ir.DefaultPath), the logger on o.Stderr and the server,
// with Run's errors.
func load(ctx context.Context, o RunOptions) (*Server, Config, *slog.Logger, error) {
	path := o.IRPath
	if path == "" {
		path = ir.DefaultPath
	}
	cfg, err := FromEnv(o.Env)
	if err != nil {
		return nil, cfg, nil, &ConfigError{err}
	}
	sys, err := ir.ReadFile(path)
	if err != nil {
		return nil, cfg, nil, err
	}
	log := NewLogger(o.Stderr, cfg.Telemetry)
	s, err := New(ctx, sys, cfg, log)
	if err != nil {
		return nil, cfg, log, err
	}
	return s, cfg, log, nil
}

// Listen opens the server's TCP listener on EXO_SERVER_HOST:EXO_SERVER_PORT.
func Listen(cfg Config) (net.Listener, error) {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, errAddrInUse) {
			return nil, fmt.Errorf("Port %d is already in use", cfg.Port)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	return ln, nil
}

// PrintBanner prints Exograph's start-up message.
func PrintBanner(w io.Writer, cfg Config, addr net.Addr, elapsed time.Duration) {
	if tcp, ok := addr.(*net.TCPAddr); ok {
		// The configured host (0.0.0.0, localhost), not the wildcard the
		// system reports ([::]).
		addr = hostPort(net.JoinHostPort(cfg.Host, strconv.Itoa(tcp.Port)))
	}
	fmt.Fprintf(w, "Started server on %s in %.2f ms\n", addr, float64(elapsed.Microseconds())/1000)
	fmt.Fprintf(w, "- GraphQL endpoint hosted at:\n\thttp://%s%s\n", addr, cfg.GraphQLPath)
	if cfg.EnableRPC {
		fmt.Fprintf(w, "- RPC endpoint hosted at:\n\thttp://%s%s\n", addr, cfg.RPCPath)
	}
}

// hostPort is a net.Addr printed as given.
type hostPort string

func (h hostPort) Network() string { return "tcp" }
func (h hostPort) String() string  { return string(h) }
