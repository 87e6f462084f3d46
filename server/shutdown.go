package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves s on ln until ctx ends, then shuts down gracefully: /ready
// answers 503, the listener closes, idle connections close, and in-flight
// requests run to completion (their contexts are not cancelled) for up to
// Limits.ShutdownTimeout, after which the remaining connections are closed.
// Serve does not close s; the caller does, after Serve returns. It returns
// nil after a shutdown requested through ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if s.prod != nil {
		s.prod.draining.Store(true)
	}
	timeout := DefaultLimits.ShutdownTimeout
	if s.prod != nil {
		timeout = s.prod.limits.ShutdownTimeout
	}
	s.log.Info("shutting down: waiting for in-flight requests", slog.String("timeout", timeout.String()))
	sctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(sctx, timeout)
		defer cancel()
	}
	err := hs.Shutdown(sctx)
	if err != nil {
		s.log.Warn("graceful shutdown timed out: closing the remaining connections")
		hs.Close()
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}
