package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/access"
	"github.com/exo-dev/exo/server/graphql"
	"github.com/exo-dev/exo/server/modules"
	"github.com/exo-dev/exo/server/postgres"
	"github.com/exo-dev/exo/server/rpc"
)

// Server serves one compiled system.
type Server struct {
	cfg       Config
	sys       *ir.System
	schema    *ast.Schema
	pool      *pgxpool.Pool
	pg        *postgres.Resolver
	modules   *modules.Engine
	extractor *access.Extractor
	gql       *graphql.Handler
	mux       *http.ServeMux
	log       *slog.Logger
	cancel    context.CancelFunc
	prod      *production // limits, trusted documents, telemetry (endpoint.go)
}

// New prepares a server for sys: it builds the GraphQL schema, the access
// extractor and the PostgreSQL pool (connecting lazily unless
// cfg.CheckConnectionOnUp). Close releases everything.
func New(ctx context.Context, sys *ir.System, cfg Config, log *slog.Logger) (_ *Server, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	schema, err := graphql.BuildSchema(sys, graphql.SchemaOptions{AllowMutations: cfg.AllowMutations})
	if err != nil {
		return nil, fmt.Errorf("building the GraphQL schema: %w", err)
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cfg: cfg, sys: sys, schema: schema, log: log, cancel: cancel}
	defer func() {
		if err != nil {
			s.Close() // whatever was set up so far
		}
	}()
	if err := s.initProduction(bg); err != nil {
		return nil, err
	}
	getenv := func(k string) string { return cfg.Env[k] }
	if s.extractor, err = access.NewExtractor(bg, sys, access.ConfigFromEnv(getenv)); err != nil {
		return nil, err
	}
	if cfg.Introspection != IntrospectionOnly && hasTables(sys) {
		if s.pool, err = s.newPool(ctx, bg); err != nil {
			return nil, err
		}
	}
	s.pg = &postgres.Resolver{Engine: postgres.New(sys, postgres.Options{Solver: solver{}})}
	if s.pool != nil {
		s.pg.DB = s.pool
	}
	if s.modules, err = s.newModules(); err != nil {
		return nil, fmt.Errorf("loading the modules: %w", err)
	}
	s.gql = &graphql.Handler{
		Schema:        schema,
		Resolver:      s,
		Tx:            s,
		Limits:        graphql.Limits{MaxDepth: cfg.MaxSelectionDepth},
		Introspection: cfg.Introspection != IntrospectionDisabled,
	}
	s.instrument()
	s.mux = http.NewServeMux()
	s.mux.Handle(cfg.GraphQLPath, s.graphqlEndpoint())
	s.mux.HandleFunc("/health", s.live)
	s.mux.HandleFunc("/ready", s.ready)
	if cfg.EnableRPC {
		// JSON-RPC API (EXO_UNSTABLE_ENABLE_RPC_API): same engine, access rules and request context
		// as GraphQL; see package server/rpc.
		ro := rpc.Options{System: sys, Engine: s.pg.Engine, Log: log, Solver: solver{}, Resolve: s.Resolve}
		if s.pool != nil {
			ro.DB = s.pool
		}
		rh := s.withRequestContext(rpc.New(ro))
		s.mux.Handle(cfg.RPCPath, rh)
		s.mux.Handle(cfg.RPCPath+"/discover", rh)
	}
	// MCP endpoint (server/mcp, wired in mcp_wiring.go).
	mh, err := s.newMCP()
	if err != nil {
		return nil, err
	}
	if mh != nil {
		s.mux.Handle(cfg.MCPPath, s.withRequestContext(mh))
	}
	// GraphiQL at cfg.PlaygroundPath ("Introspection is disabled" when it is off); playground.go.
	s.mountPlayground()
	return s, nil
}

// Handler returns the server's HTTP handler (with CORS when configured).
func (s *Server) Handler() http.Handler {
	if s.cfg.CORSDomains == nil {
		return s.mux
	}
	return cors(s.cfg.CORSDomains, s.mux)
}

// Schema returns the GraphQL schema being served.
func (s *Server) Schema() *ast.Schema { return s.schema }

// Close releases the database pool, the compiled WebAssembly modules and
// background work.
func (s *Server) Close() {
	if s.pool != nil {
		s.pool.Close()
	}
	if s.modules != nil {
		s.modules.Close()
	}
	s.closeProduction()
	s.cancel()
}

func hasTables(sys *ir.System) bool {
	for i := range sys.Entities {
		if sys.Entities[i].Kind == ir.EntityTable {
			return true
		}
	}
	return false
}

type rcKey struct{}

// requestTx remembers the transaction a request is running in, so that
// work started from the request context (an @query context source,
// evaluated lazily while a rule is being solved) joins it instead of
// waiting for another connection.
type requestTx struct {
	q  postgres.Querier
	rc *access.RequestContext
}

type txKey struct{}

// withRequest returns ctx carrying the access context of the HTTP request r
// (JWT claims, headers, cookies ..., evaluated lazily).
func (s *Server) withRequest(ctx context.Context, r *http.Request) context.Context {
	rt := &requestTx{}
	ctx = context.WithValue(ctx, txKey{}, rt)
	rt.rc = s.extractor.NewRequest(ctx, access.HTTPRequest(r), s.runQuery)
	return context.WithValue(ctx, rcKey{}, rt.rc)
}

// withRequestContext is withRequest as middleware.
func (s *Server) withRequestContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(s.withRequest(r.Context(), r)))
	})
}

func requestContext(ctx context.Context) *access.RequestContext {
	rc, _ := ctx.Value(rcKey{}).(*access.RequestContext)
	return rc
}

// runQuery serves @query context sources: it runs `query { name }` within
// the same request (its context and transaction) and returns data.name.
// ctx is the context the request context was created with.
func (s *Server) runQuery(ctx context.Context, name string) (any, error) {
	if rt, _ := ctx.Value(txKey{}).(*requestTx); rt != nil {
		ctx = context.WithValue(ctx, rcKey{}, rt.rc)
		if rt.q != nil {
			ctx = postgres.WithQuerier(ctx, rt.q)
		}
	}
	out := s.gql.Execute(ctx, &graphql.Request{Query: "query { " + name + " }"})
	var resp struct {
		Data   map[string]any `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil, err
	}
	if len(resp.Errors) > 0 {
		// A context that cannot be determined authorizes nothing (as in
		// Exograph, e.g. a CAPTCHA check that fails without its headers).
		return nil, &access.Error{Kind: access.ErrUnauthorized, Message: access.MsgNotAuthorized,
			Err: fmt.Errorf("@query(%q): %s", name, resp.Errors[0].Message)}
	}
	return resp.Data[name], nil
}

// RunInTx implements graphql.TxRunner: all root fields of a request share
// one transaction.
func (s *Server) RunInTx(ctx context.Context, op *graphql.Operation, fn func(ctx context.Context) error) error {
	if s.pool == nil || postgres.QuerierFrom(ctx) != nil {
		// No database, or a nested execution (an @query context source)
		// that joins the request's transaction.
		return fn(ctx)
	}
	rt, _ := ctx.Value(txKey{}).(*requestTx)
	if rt == nil {
		return s.pg.RunInTx(ctx, op, fn)
	}
	return s.pg.RunInTx(ctx, op, func(ctx context.Context) error {
		rt.q = postgres.QuerierFrom(ctx)
		defer func() { rt.q = nil }()
		return fn(ctx)
	})
}

// Resolve implements graphql.Resolver.
func (s *Server) Resolve(ctx context.Context, op *graphql.Operation, f *graphql.Field) (json.RawMessage, error) {
	v, err := s.resolveField(ctx, op, f)
	return v, userError(err)
}

// userError maps errors of the layers below to the single user-visible
// GraphQL error, logging internal causes.
func userError(err error) error {
	if err == nil {
		return nil
	}
	var pe *postgres.Error
	if errors.As(err, &pe) {
		return graphql.NewError(pe.Message)
	}
	var ae *access.Error
	if errors.As(err, &ae) {
		return graphql.NewError(ae.Message)
	}
	var ge *graphql.Error
	if errors.As(err, &ge) {
		return ge
	}
	return err
}

// solver adapts server/access to the postgres engine's Solver.
type solver struct{}

var (
	litTrue  = &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: true}}
	litFalse = &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: false}}
)

func (solver) Solve(ctx context.Context, rule *ir.Expr) (*ir.Expr, error) {
	rc := requestContext(ctx)
	if rc == nil {
		return nil, errors.New("server: no request context")
	}
	sol, err := access.Solve(rule, rc)
	if err != nil {
		return nil, err
	}
	switch sol.Outcome {
	case access.True:
		return litTrue, nil
	case access.False:
		return litFalse, nil
	}
	return sol.Residual, nil
}

func (solver) ContextValue(ctx context.Context, c, f int) (any, bool, error) {
	rc := requestContext(ctx)
	if rc == nil {
		return nil, false, errors.New("server: no request context")
	}
	v, err := rc.Value(c, f)
	return v, v != nil, err
}

func cors(domains []string, next http.Handler) http.Handler {
	any := len(domains) == 1 && domains[0] == "*"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && (any || contains(domains, origin))
		if allowed {
			h := w.Header()
			if any {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Add("Vary", "Origin")
			}
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
					h.Set("Access-Control-Allow-Headers", req)
				}
				h.Set("Access-Control-Max-Age", "3600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// redactURL hides the password of a database URL for messages.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	cred := u[scheme+3 : at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		return u[:scheme+3] + user + ":***" + u[at:]
	}
	return u
}

// newPool opens the PostgreSQL pool of cfg.PostgresURL (sessions in UTC,
// without JIT, read-only unless EXO_POSTGRES_READ_WRITE) and, when
// EXO_CHECK_CONNECTION_ON_STARTUP, checks that the database answers.
func (s *Server) newPool(ctx, bg context.Context) (*pgxpool.Pool, error) {
	cfg := s.cfg
	if cfg.PostgresURL == "" {
		return nil, errors.New("no database: set EXO_POSTGRES_URL (or DATABASE_URL) to the PostgreSQL database to serve")
	}
	pcfg, err := pgxpool.ParseConfig(cfg.PostgresURL)
	if err != nil {
		return nil, fmt.Errorf("invalid EXO_POSTGRES_URL: %w", err)
	}
	pcfg.MaxConns = int32(cfg.PoolSize)
	params := pcfg.ConnConfig.RuntimeParams
	if params == nil {
		params = map[string]string{}
		pcfg.ConnConfig.RuntimeParams = params
	}
	if _, ok := params["timezone"]; !ok {
		params["timezone"] = "UTC"
	}
	// JIT compilation costs hundreds of milliseconds on the nested
	// sub-selects access rules produce (tables without statistics look
	// expensive) and never pays off for short API queries.
	if _, ok := params["jit"]; !ok {
		params["jit"] = "off"
	}
	if !cfg.PostgresReadWrite {
		params["default_transaction_read_only"] = "on"
	}
	s.configurePool(pcfg)
	pool, err := pgxpool.NewWithConfig(bg, pcfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if cfg.CheckConnectionOnUp {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := pool.Ping(pctx)
		cancel()
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w", redactURL(cfg.PostgresURL), err)
		}
	}
	return pool, nil
}
