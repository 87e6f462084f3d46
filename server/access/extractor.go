package access

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/exo-dev/exo/ir"
)

// Config is the server configuration that context extraction needs. Build it with
// [ConfigFromEnv] in the CLI layer (the only place that reads the process environment).
type Config struct {
	JWTSecret       string // EXO_JWT_SECRET: HS256
	OIDCURL         string // EXO_OIDC_URL: issuer URL for JWKS discovery
	JWTSourceHeader string // EXO_JWT_SOURCE_HEADER: header carrying "Bearer <token>"
	JWTSourceCookie string // EXO_JWT_SOURCE_COOKIE: cookie carrying the raw token
	// Getenv serves @env fields; nil means no environment (all @env values are null).
	Getenv func(string) string
	// HTTPClient fetches the OIDC discovery document and JWKS; nil means a default client.
	HTTPClient *http.Client
}

// ConfigFromEnv reads the EXO_JWT_* / EXO_OIDC_URL variables through getenv and uses getenv for
// @env fields.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{
		JWTSecret:       getenv("EXO_JWT_SECRET"),
		OIDCURL:         getenv("EXO_OIDC_URL"),
		JWTSourceHeader: getenv("EXO_JWT_SOURCE_HEADER"),
		JWTSourceCookie: getenv("EXO_JWT_SOURCE_COOKIE"),
		Getenv:          getenv,
	}
}

// Extractor is built once per loaded system and creates a [RequestContext] per request.
type Extractor struct {
	sys      *ir.System
	verifier verifier // nil: no JWT authentication configured
	header   string   // token header (canonical), when cookie == ""
	cookie   string
	getenv   func(string) string
}

// NewExtractor validates cfg against sys. ctx bounds the lifetime of the JWKS refresh goroutine
// (cancel it on shutdown). Configuration errors are reported here, at startup.
func NewExtractor(ctx context.Context, sys *ir.System, cfg Config) (*Extractor, error) {
	if sys == nil {
		return nil, errors.New("access: nil system")
	}
	if cfg.JWTSecret != "" && cfg.OIDCURL != "" {
		return nil, errors.New("Both EXO_JWT_SECRET and EXO_OIDC_URL are set. Only one of them can be set at a time")
	}
	if cfg.JWTSourceHeader != "" && cfg.JWTSourceCookie != "" {
		return nil, errors.New("Both EXO_JWT_SOURCE_HEADER and EXO_JWT_SOURCE_COOKIE are set. Only one of them can be set at a time")
	}
	for ci := range sys.Contexts {
		for fi := range sys.Contexts[ci].Fields {
			f := &sys.Contexts[ci].Fields[fi]
			if f.Source < SourceMin || f.Source > SourceMax {
				return nil, fmt.Errorf("access: context %s field %s has no valid source", sys.Contexts[ci].Name, f.Name)
			}
		}
	}
	x := &Extractor{sys: sys, header: "Authorization", cookie: cfg.JWTSourceCookie, getenv: cfg.Getenv}
	if cfg.JWTSourceHeader != "" {
		x.header = cfg.JWTSourceHeader
	}
	switch {
	case cfg.JWTSecret != "":
		x.verifier = newHMACVerifier(cfg.JWTSecret)
	case cfg.OIDCURL != "":
		if ctx == nil {
			ctx = context.Background()
		}
		x.verifier = newOIDCVerifier(ctx, cfg.OIDCURL, cfg.HTTPClient)
	}
	return x, nil
}

// Source bounds, for validation.
const (
	SourceMin = ir.SourceJWT
	SourceMax = ir.SourceQuery
)

// System returns the system the extractor was built for.
func (x *Extractor) System() *ir.System { return x.sys }

// QueryFunc runs `query { name }` internally (same request head) and returns data.name as a
// JSON-like Go value. The server supplies it; it may itself read contexts of the same
// RequestContext.
type QueryFunc func(ctx context.Context, name string) (any, error)

// RequestContext holds the lazily extracted, cached context values of one request. It is safe
// for concurrent use.
type RequestContext struct {
	x     *Extractor
	ctx   context.Context
	req   Request
	query QueryFunc

	mu        sync.Mutex
	jwtDone   bool
	claims    map[string]any // nil: anonymous
	jwtErr    error
	values    map[[2]int]any
	computing map[[2]int]bool
	// parent, for a context with overrides (WithOverride), serves every
	// value that is not overridden.
	parent *RequestContext
}

// NewRequest starts the context of one request. req may be nil (no headers, cookies or client
// address); query may be nil (every @query field fails).
func (x *Extractor) NewRequest(ctx context.Context, req Request, query QueryFunc) *RequestContext {
	if ctx == nil {
		ctx = context.Background()
	}
	if req == nil {
		req = MapRequest{}
	}
	return &RequestContext{x: x, ctx: ctx, req: req, query: query,
		values: map[[2]int]any{}, computing: map[[2]int]bool{}}
}

// System returns the system of the request.
func (rc *RequestContext) System() *ir.System { return rc.x.sys }

// Claims returns the verified JWT claims (nil when the request carries no token).
func (rc *RequestContext) Claims() (map[string]any, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.claimsLocked()
}

func (rc *RequestContext) claimsLocked() (map[string]any, error) {
	if rc.jwtDone {
		return rc.claims, rc.jwtErr
	}
	rc.jwtDone = true
	rc.claims, rc.jwtErr = rc.x.readToken(rc.ctx, rc.req)
	return rc.claims, rc.jwtErr
}

func (x *Extractor) readToken(ctx context.Context, req Request) (map[string]any, error) {
	var token string
	if x.cookie != "" {
		token = req.Cookie(x.cookie)
	} else {
		h := req.Header(x.header)
		if h == "" {
			return nil, nil
		}
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, &Error{Kind: ErrMalformed, Message: MsgMalformed}
		}
		token = strings.TrimSpace(t)
	}
	if token == "" || x.verifier == nil {
		return nil, nil
	}
	return x.verifier.verify(ctx, token)
}

// Value returns the coerced value of field fieldIdx of context ctxIdx: nil, bool, int64,
// float64, string (also Decimal, Uuid, dates and enums), []any (Array/Set) or a JSON value.
// A missing source value is the field's default, else nil.
func (rc *RequestContext) Value(ctxIdx, fieldIdx int) (any, error) {
	sys := rc.x.sys
	if ctxIdx < 0 || ctxIdx >= len(sys.Contexts) || fieldIdx < 0 || fieldIdx >= len(sys.Contexts[ctxIdx].Fields) {
		return nil, &Error{Kind: ErrInternal, Message: MsgInternal, Err: fmt.Errorf("no context field %d.%d", ctxIdx, fieldIdx)}
	}
	key := [2]int{ctxIdx, fieldIdx}
	rc.mu.Lock()
	if v, ok := rc.values[key]; ok {
		rc.mu.Unlock()
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v, nil
	}
	if rc.computing[key] {
		rc.mu.Unlock()
		return nil, &Error{Kind: ErrInternal, Message: MsgInternal, Err: fmt.Errorf("context %s.%s depends on itself through @query",
			sys.Contexts[ctxIdx].Name, sys.Contexts[ctxIdx].Fields[fieldIdx].Name)}
	}
	if rc.parent != nil {
		rc.mu.Unlock()
		return rc.parent.Value(ctxIdx, fieldIdx)
	}
	rc.computing[key] = true
	f := &sys.Contexts[ctxIdx].Fields[fieldIdx]
	var raw any
	var err error
	if f.Source == ir.SourceJWT {
		var claims map[string]any
		claims, err = rc.claimsLocked()
		if err == nil {
			raw = claimPath(claims, f)
		}
		rc.mu.Unlock()
	} else {
		rc.mu.Unlock() // @query may re-enter Value
		raw, err = rc.readSource(f)
	}
	var v any
	if err == nil {
		if raw == nil && f.Default != nil {
			raw = literalValue(f.Default)
		}
		v, err = coerce(sys, raw, f.Type)
	}
	rc.mu.Lock()
	delete(rc.computing, key)
	if err != nil {
		rc.values[key] = err
	} else {
		rc.values[key] = v
	}
	rc.mu.Unlock()
	return v, err
}

func claimPath(claims map[string]any, f *ir.ContextField) any {
	if claims == nil {
		return nil
	}
	key := f.Key
	if key == "" {
		key = f.Name
	}
	var cur any = claims
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func (rc *RequestContext) readSource(f *ir.ContextField) (any, error) {
	key := f.Key
	if key == "" {
		key = f.Name
	}
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch f.Source {
	case ir.SourceHeader:
		return str(rc.req.Header(key)), nil
	case ir.SourceCookie:
		return str(rc.req.Cookie(key)), nil
	case ir.SourceEnv:
		if rc.x.getenv == nil {
			return nil, nil
		}
		return str(rc.x.getenv(key)), nil
	case ir.SourceClientIP:
		return str(rc.req.ClientIP()), nil
	case ir.SourceQuery:
		if rc.query == nil {
			return nil, &Error{Kind: ErrQuery, Message: MsgInternal, Err: fmt.Errorf("no query runner for @query(%q)", key)}
		}
		v, err := rc.query(rc.ctx, key)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, &Error{Kind: ErrQuery, Message: MsgInternal, Err: fmt.Errorf("@query(%q) returned null", key)}
		}
		return v, nil
	}
	return nil, &Error{Kind: ErrInternal, Message: MsgInternal, Err: fmt.Errorf("unknown context source %d", f.Source)}
}

// Object returns a context as a JSON-like object (field name -> value), for injection into
// module functions.
func (rc *RequestContext) Object(ctxIdx int) (map[string]any, error) {
	sys := rc.x.sys
	if ctxIdx < 0 || ctxIdx >= len(sys.Contexts) {
		return nil, &Error{Kind: ErrInternal, Message: MsgInternal, Err: fmt.Errorf("no context %d", ctxIdx)}
	}
	out := make(map[string]any, len(sys.Contexts[ctxIdx].Fields))
	for fi, f := range sys.Contexts[ctxIdx].Fields {
		v, err := rc.Value(ctxIdx, fi)
		if err != nil {
			return nil, err
		}
		out[f.Name] = v
	}
	return out, nil
}

// literalValue converts an IR literal to the evaluator's Go value.
func literalValue(l *ir.Literal) any {
	if l == nil {
		return nil
	}
	switch l.Kind {
	case ir.LitBool:
		return l.Bool
	case ir.LitInt:
		return l.Int
	case ir.LitFloat:
		return l.Float
	case ir.LitString, ir.LitEnum:
		return l.Str
	}
	return nil
}
