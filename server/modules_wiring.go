package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"sort"

	"github.com/exo-dev/exo/server/graphql"
	"github.com/exo-dev/exo/server/modules"
)

// newModules prepares the module runtimes when the system has @deno or
// @wasm modules (nil otherwise): TypeScript modules see the server's
// environment; WebAssembly binaries are compiled here, once.
func (s *Server) newModules() (*modules.Engine, error) {
	if len(s.sys.Modules) == 0 {
		return nil, nil
	}
	env := s.cfg.Env
	return modules.New(s.sys, modules.Options{
		Logger: s.log,
		FSRoot: s.cfg.ProjectDir,
		Env: func(k string) (string, bool) {
			if v, ok := env[k]; ok {
				return v, true
			}
			return os.LookupEnv(k)
		},
		Environ: func() []string {
			out := make([]string, 0, len(env))
			for k, v := range env {
				out = append(out, k+"="+v)
			}
			sort.Strings(out)
			return out
		},
	})
}

type rwKey struct{}

// withResponseWriter lets module calls add response headers (setCookie,
// addResponseHeader) while the request executes.
func withResponseWriter(ctx context.Context, w http.ResponseWriter) context.Context {
	return context.WithValue(ctx, rwKey{}, w)
}

// resolveField resolves one root field: module operations and generated
// PostgreSQL operations, wrapped by the interceptors that match it.
func (s *Server) resolveField(ctx context.Context, op *graphql.Operation, f *graphql.Field) (json.RawMessage, error) {
	if s.modules == nil {
		return s.resolvePostgres(ctx, op, f)
	}
	w, _ := ctx.Value(rwKey{}).(http.ResponseWriter)
	req := &modules.Request{Context: requestContext(ctx), Host: moduleHost{s: s, w: w}}
	return s.modules.Intercept(ctx, op.Type, f, req, func(ctx context.Context) (json.RawMessage, error) {
		if mop, ok := s.modules.Operation(op.Type, f.Name); ok {
			return s.modules.Resolve(ctx, mop, f, req)
		}
		return s.resolvePostgres(ctx, op, f)
	})
}

func (s *Server) resolvePostgres(ctx context.Context, op *graphql.Operation, f *graphql.Field) (json.RawMessage, error) {
	if !s.pg.Handles(f.Name) || s.pool == nil {
		return nil, graphql.NewError(graphql.MsgInternalServerError)
	}
	return s.pg.Resolve(ctx, op, f)
}

// moduleHost serves the injected Exograph and ExographPriv objects: queries
// run in-process in the same request, context and transaction.
type moduleHost struct {
	s *Server
	w http.ResponseWriter
}

func (h moduleHost) ExecuteQuery(ctx context.Context, query string, variables, override map[string]any) (json.RawMessage, error) {
	if override != nil {
		rc := requestContext(ctx)
		if rc == nil {
			return nil, errors.New("server: no request context")
		}
		priv, err := rc.WithOverride(override)
		if err != nil {
			return nil, err
		}
		ctx = context.WithValue(ctx, rcKey{}, priv)
	}
	out := h.s.gql.Execute(ctx, &graphql.Request{Query: query, Variables: variables})
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil, err
	}
	if len(resp.Errors) > 0 {
		return nil, graphql.NewError(resp.Errors[0].Message)
	}
	return resp.Data, nil
}

func (h moduleHost) AddResponseHeader(name, value string) error {
	if h.w == nil {
		return errors.New("no HTTP response to add a header to")
	}
	h.w.Header().Add(name, value)
	return nil
}
