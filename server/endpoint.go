package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/exo-dev/exo/server/graphql"
)

// production holds the state of the production features: request limits,
// trusted documents, telemetry, readiness.
type production struct {
	limits  Limits
	trusted *trustedDocuments
	tracing *tracing // nil: tracing off
	// draining is set when a graceful shutdown starts: /ready answers 503
	// so that load balancers stop sending traffic.
	draining atomic.Bool
}

// initProduction prepares limits, trusted documents and tracing; New calls
// it before opening the pool, whose tracer depends on it.
func (s *Server) initProduction(ctx context.Context) error {
	p := &production{limits: s.cfg.Limits, trusted: newTrustedDocuments(s.sys.TrustedDocuments, &s.cfg)}
	if p.limits == (Limits{}) {
		// A Config not made by FromEnv (tests, embedders).
		p.limits = DefaultLimits
	}
	if s.cfg.Telemetry.EnableOTel {
		tr, err := newTracing(ctx, s.cfg.Telemetry)
		if err != nil {
			return err
		}
		p.tracing = tr
	}
	s.prod = p
	return nil
}

// configurePool sets the pool options of the production features: SQL
// spans, and cancellation that stops the statement on the server (a cancel
// request) rather than only abandoning the connection.
func (s *Server) configurePool(pcfg *pgxpool.Config) {
	t := sqlTracer{}
	if s.prod != nil && s.prod.tracing != nil {
		t.tracer = s.prod.tracing.tracer
	}
	pcfg.ConnConfig.Tracer = t
	pcfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 2 * time.Second}
	}
}

// instrument wraps the GraphQL handler's resolver and transaction runner so
// that internal failures are logged (clients only see "Internal server
// error") and, with tracing, execution gets spans.
func (s *Server) instrument() {
	if s.gql.Resolver != nil {
		s.gql.Resolver = observedResolver{s: s, next: s.gql.Resolver}
	}
	if s.gql.Tx != nil {
		s.gql.Tx = observedTx{s: s, next: s.gql.Tx}
	}
}

// closeProduction flushes telemetry.
func (s *Server) closeProduction() {
	if s.prod != nil {
		s.prod.tracing.shutdown()
	}
}

// wireRequest is a GraphQL request as sent over HTTP, with the extensions
// that carry a persisted query's hash.
type wireRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    struct {
		PersistedQuery *struct {
			SHA256Hash string `json:"sha256Hash"`
		} `json:"persistedQuery"`
	} `json:"extensions"`
}

func (r *wireRequest) persistedHash() string {
	if r.Extensions.PersistedQuery == nil {
		return ""
	}
	return r.Extensions.PersistedQuery.SHA256Hash
}

// errBodyTooLarge is returned by readRequest for bodies over the limit.
var errBodyTooLarge = errors.New("request body too large")

// readRequest decodes a POST body or GET parameters. Numbers in variables
// are kept as json.Number, as graphql.ParseRequest does.
func readRequest(r *http.Request, maxBody int64) (*wireRequest, error) {
	var req wireRequest
	switch r.Method {
	case http.MethodPost:
		var body []byte
		var err error
		if maxBody > 0 {
			if r.ContentLength > maxBody {
				return nil, errBodyTooLarge
			}
			body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
			if err == nil && int64(len(body)) > maxBody {
				return nil, errBodyTooLarge
			}
		} else {
			body, err = io.ReadAll(r.Body)
		}
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&req); err != nil {
			return nil, err
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("trailing data after request body")
		}
	case http.MethodGet:
		q := r.URL.Query()
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		for name, dst := range map[string]any{"variables": &req.Variables, "extensions": &req.Extensions} {
			if v := q.Get(name); v != "" {
				dec := json.NewDecoder(bytes.NewReader([]byte(v)))
				dec.UseNumber()
				if err := dec.Decode(dst); err != nil {
					return nil, err
				}
			}
		}
	}
	return &req, nil
}

// statusWriter remembers the status code for logs and spans.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// graphqlEndpoint serves the GraphQL path: body limit, persisted queries and
// trusted documents, document limits, a request timeout that cancels the
// SQL, the access context, then graphql.Handler.Execute.
func (s *Server) graphqlEndpoint() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: rw}
		ctx := r.Context()
		var span trace.Span
		if tr := s.prod.tracing; tr != nil {
			ctx = tr.propagator.Extract(ctx, propagation.HeaderCarrier(r.Header))
			ctx, span = tr.tracer.Start(ctx, r.Method+" "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		}
		var opName string
		defer func() {
			status := w.status
			if status == 0 {
				status = http.StatusOK
			}
			if span != nil {
				span.SetAttributes(attribute.Int("http.response.status_code", status))
				span.End()
			}
			if s.log.Enabled(ctx, slog.LevelDebug) {
				s.log.LogAttrs(ctx, slog.LevelDebug, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.String("operation", opName), slog.Int("status", status), slog.Duration("duration", time.Since(start)))
			}
		}()

		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET, POST")
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		p := s.prod
		wreq, err := readRequest(r, p.limits.MaxBodyBytes)
		if err != nil {
			if errors.Is(err, errBodyTooLarge) {
				w.WriteHeader(http.StatusRequestEntityTooLarge)
			} else {
				w.WriteHeader(http.StatusBadRequest)
			}
			return
		}
		opName = wreq.OperationName
		query, gerr := p.trusted.resolve(wreq, r)
		if gerr == nil {
			gerr = p.limits.checkDocument(query)
		}
		if gerr != nil {
			writeJSON(w, gerr.AppendJSON(nil))
			return
		}
		if p.limits.RequestTimeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, p.limits.RequestTimeout)
			defer cancel()
		}
		st := &requestState{}
		if span != nil {
			_, st.validate = p.tracing.tracer.Start(ctx, "graphql.validate")
		}
		ctx = context.WithValue(ctx, stateKey{}, st)
		ctx = s.withRequest(ctx, r)
		ctx = withResponseWriter(ctx, w)
		out := s.gql.Execute(ctx, &graphql.Request{Query: query, OperationName: wreq.OperationName, Variables: wreq.Variables})
		st.endValidate()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			s.log.LogAttrs(ctx, slog.LevelWarn, "request timed out", slog.String("path", r.URL.Path),
				slog.String("operation", opName), slog.Duration("timeout", p.limits.RequestTimeout))
		}
		if span != nil && st.failed {
			span.SetStatus(codes.Error, "internal error")
		}
		writeJSON(w, out)
	})
}

func writeJSON(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// requestState follows one request through execution.
type requestState struct {
	validate trace.Span // open until execution starts
	logged   error      // the last internal error logged, not to log it twice
	failed   bool
	// dbFailure is the last connection-level failure of a statement (see
	// isConnectionFailure), recorded by sqlTracer.
	dbFailure error
}

// connectionError turns "Operation failed", which the PostgreSQL layer
// reports for every server error, into an internal error when the request
// lost its database connection (server shut down, connection broken):
// that is not the client's fault.
func connectionError(st *requestState, err error) error {
	if st == nil || st.dbFailure == nil {
		return err
	}
	var ge *graphql.Error
	if errors.As(err, &ge) && ge.Message != graphql.MsgOperationFailed {
		return err
	}
	return fmt.Errorf("database connection lost: %w", st.dbFailure)
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

func (st *requestState) endValidate() {
	if st != nil && st.validate != nil {
		st.validate.End()
		st.validate = nil
	}
}

// logInternal logs the cause of an error the client sees as "Internal
// server error"; user errors (*graphql.Error) are not logged.
func (s *Server) logInternal(ctx context.Context, err error, where string) {
	var ge *graphql.Error
	if err == nil || errors.As(err, &ge) {
		return
	}
	st := stateFrom(ctx)
	if st != nil {
		if st.logged != nil && errors.Is(err, st.logged) {
			return
		}
		st.logged, st.failed = err, true
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		s.log.LogAttrs(ctx, slog.LevelWarn, "request cancelled", slog.String("during", where), slog.String("error", err.Error()))
		return
	}
	s.log.LogAttrs(ctx, slog.LevelError, "internal server error", slog.String("during", where), slog.String("error", err.Error()))
}

type observedResolver struct {
	s    *Server
	next graphql.Resolver
}

func (o observedResolver) Resolve(ctx context.Context, op *graphql.Operation, f *graphql.Field) (json.RawMessage, error) {
	st := stateFrom(ctx)
	st.endValidate()
	var span trace.Span
	if tr := o.s.prod.tracing; tr != nil && st != nil {
		ctx, span = tr.tracer.Start(ctx, "graphql.resolve", trace.WithAttributes(
			attribute.String("graphql.operation.type", op.Type.String()), attribute.String("graphql.field.name", f.Name)))
	}
	v, err := o.next.Resolve(ctx, op, f)
	if err != nil {
		err = timeoutError(ctx, connectionError(st, err))
		o.s.logInternal(ctx, err, "resolve "+f.Name)
		if span != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "resolve failed")
		}
	}
	if span != nil {
		span.End()
	}
	return v, err
}

type observedTx struct {
	s    *Server
	next graphql.TxRunner
}

func (o observedTx) RunInTx(ctx context.Context, op *graphql.Operation, fn func(ctx context.Context) error) error {
	st := stateFrom(ctx)
	st.endValidate()
	err := o.next.RunInTx(ctx, op, fn)
	if err != nil {
		err = timeoutError(ctx, connectionError(st, err))
		o.s.logInternal(ctx, err, "transaction")
	}
	return err
}

// timeoutError turns the error of work cut short by the request timeout
// (PostgreSQL reports the cancelled statement as a failed operation) into an
// internal error: the client sees "Internal server error", the log says why.
func timeoutError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %v", cerr, err)
	}
	return err
}

// live answers /health: the process is up and serving (liveness; it does
// not depend on the database, so an orchestrator does not restart a server
// that only waits for PostgreSQL to come back).
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, []byte(`{"status":"ok"}`))
}

// ready answers /ready: 200 when the server can serve requests (the
// database answers a ping), 503 while PostgreSQL is unreachable or a
// graceful shutdown is draining connections.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.prod != nil && s.prod.draining.Load() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"shutting down"}`))
		return
	}
	if s.pool != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.pool.Ping(ctx); err != nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "readiness: database unreachable", slog.String("error", err.Error()))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"database unavailable"}`))
			return
		}
	}
	writeJSON(w, []byte(`{"status":"ok"}`))
}
