package exotest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// session is one attempt of one test: a server, a JavaScript runtime, the
// bindings ($) and the cookie jar shared by the init files and the stages.
type session struct {
	r          *runner
	h          http.Handler
	js         *jsEnv
	bindings   map[string]any
	cookies    []cookie
	invariants map[string]*File
	preludes   map[*Stage]*prelude
}

// prelude returns the prepared deno source of a stage, or nil.
func (s *session) prelude(st *Stage) *prelude {
	if p, ok := s.preludes[st]; ok {
		return p
	}
	// Not prepared by the plan (which prepares every stage it runs):
	// only a prelude without imports can be used as it is.
	if strings.TrimSpace(st.Deno) == "" {
		return nil
	}
	return textPrelude(st.Deno)
}

type cookie struct{ name, value string }

// request is a prepared HTTP request of a stage.
type request struct {
	kind      OpKind
	path      string // /graphql or /rpc
	body      []byte
	headers   map[string]string
	dirs      Directives
	unordered []string
}

// runStage runs one stage: evaluate inputs, run invariants, send, bind,
// compare, run invariants again. file is the path of the file holding the
// stage (invariant paths are relative to it).
func (s *session) runStage(ctx context.Context, st *Stage, file string) error {
	req, err := s.prepare(ctx, st, true)
	if err != nil {
		return err
	}
	invPaths := make([]string, len(st.Invariants))
	for i, inv := range st.Invariants {
		invPaths[i] = filepath.Join(filepath.Dir(file), inv)
	}
	before, err := s.runInvariants(ctx, invPaths)
	if err != nil {
		return fmt.Errorf("invariant (before the operation): %w", err)
	}
	body, err := s.send(ctx, req)
	if err != nil {
		return err
	}
	actual, err := decodeJSON(body)
	if err != nil {
		return fmt.Errorf("the response is not JSON (%v): %s", err, truncate(string(body), 500))
	}
	for _, b := range req.dirs.Bindings {
		if v, ok := extractPath(actual, b.Path); ok {
			s.bindings[b.Name] = v
		}
	}
	if strings.TrimSpace(st.Response) == "" {
		if m, ok := actual.(map[string]any); ok {
			if errs, has := m["errors"]; has {
				return fmt.Errorf("unexpected errors in the response (the stage has no expected response):\n%s", indent(prettyJSON(errs)))
			}
		}
	} else {
		var rpc *rpcRequest
		if req.kind == RPC {
			rpc = &rpcRequest{payload: string(req.body)}
		}
		if err := s.js.Assert(ctx, s.prelude(st), st.Response, s.bindings, string(body), req.unordered, rpc); err != nil {
			var ae *AssertionError
			if errors.As(err, &ae) {
				return err
			}
			return fmt.Errorf("evaluating the expected response: %w", err)
		}
	}
	after, err := s.runInvariants(ctx, invPaths)
	if err != nil {
		return fmt.Errorf("invariant (after the operation): %w", err)
	}
	for i := range before {
		if err := s.js.Compare(ctx, before[i].body, after[i].body, before[i].unordered); err != nil {
			return fmt.Errorf("invariant %s changed: %w", s.r.suite.rel(before[i].file), err)
		}
	}
	return nil
}

type invariantResult struct {
	file      string
	body      string
	unordered []string
}

// runInvariants runs the stages of the invariant files and returns their
// responses, which must be free of errors.
func (s *session) runInvariants(ctx context.Context, paths []string) ([]invariantResult, error) {
	var out []invariantResult
	for _, p := range paths {
		f := s.invariants[p]
		if f == nil {
			return nil, fmt.Errorf("invariant file %s was not loaded", p)
		}
		for _, st := range f.Stages {
			req, err := s.prepare(ctx, st, false)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.r.suite.rel(p), err)
			}
			body, err := s.send(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.r.suite.rel(p), err)
			}
			v, err := decodeJSON(body)
			if err != nil {
				return nil, fmt.Errorf("%s: the response is not JSON: %s", s.r.suite.rel(p), truncate(string(body), 500))
			}
			if m, ok := v.(map[string]any); ok {
				if errs, has := m["errors"]; has {
					return nil, fmt.Errorf("%s: the response has errors:\n%s", s.r.suite.rel(p), indent(prettyJSON(errs)))
				}
			}
			out = append(out, invariantResult{file: p, body: string(body), unordered: req.unordered})
		}
	}
	return out, nil
}

// prepare evaluates a stage's variable, headers, auth and payload. When bind
// is set, the variables are added to the bindings (as Exograph does).
func (s *session) prepare(ctx context.Context, st *Stage, bind bool) (*request, error) {
	req := &request{kind: st.Operation.Kind, headers: map[string]string{}}
	if strings.TrimSpace(st.Headers) != "" {
		v, err := s.js.EvalJSON(ctx, s.prelude(st), st.Headers, s.bindings)
		if err != nil {
			return nil, fmt.Errorf("evaluating headers: %w", err)
		}
		m, ok := v.(map[string]any)
		if !ok && v != nil {
			return nil, fmt.Errorf("headers must evaluate to an object, got %s", prettyJSON(v))
		}
		for k, x := range m {
			str, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("header %q must be a string, got %s", k, prettyJSON(x))
			}
			req.headers[k] = str
		}
	}
	if strings.TrimSpace(st.Auth) != "" {
		// Exograph evaluates auth without the deno prelude.
		v, err := s.js.EvalJSON(ctx, nil, st.Auth, s.bindings)
		if err != nil {
			return nil, fmt.Errorf("evaluating auth: %w", err)
		}
		if v != nil {
			claims, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("auth must evaluate to an object of claims, got %s", prettyJSON(v))
			}
			tok, err := s.r.token(claims)
			if err != nil {
				return nil, fmt.Errorf("signing auth claims: %w", err)
			}
			req.headers["Authorization"] = "Bearer " + tok
		}
	}
	switch st.Operation.Kind {
	case GraphQL:
		req.path = "/graphql"
		req.dirs = ExtractDirectives(st.Operation.Query)
		req.unordered = append(req.dirs.Unordered, st.Operation.UnorderedPaths...)
		body := map[string]any{"query": StripDirectives(st.Operation.Query)}
		if strings.TrimSpace(st.Variable) != "" {
			v, err := s.js.EvalJSON(ctx, s.prelude(st), st.Variable, s.bindings)
			if err != nil {
				return nil, fmt.Errorf("evaluating variable: %w", err)
			}
			if v != nil {
				m, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("variable must evaluate to an object, got %s", prettyJSON(v))
				}
				if bind {
					for k, x := range m {
						s.bindings[k] = x
					}
				}
			}
			body["variables"] = v
		}
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		req.body = data
	case RPC:
		req.path = "/rpc"
		req.unordered = st.Operation.UnorderedPaths
		v, err := s.js.EvalJSON(ctx, s.prelude(st), st.Operation.Payload, s.bindings)
		if err != nil {
			return nil, fmt.Errorf("evaluating payload: %w", err)
		}
		fill := func(x any) error {
			m, ok := x.(map[string]any)
			if !ok {
				return fmt.Errorf("an rpc payload must be an object or an array of objects, got %s", prettyJSON(x))
			}
			if _, ok := m["jsonrpc"]; !ok {
				m["jsonrpc"] = "2.0"
			}
			if _, ok := m["id"]; !ok {
				m["id"] = s.r.rpcID.Add(1)
			}
			return nil
		}
		if list, ok := v.([]any); ok {
			for _, x := range list {
				if err := fill(x); err != nil {
					return nil, err
				}
			}
		} else if err := fill(v); err != nil {
			return nil, err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		req.body = data
	}
	return req, nil
}

// send posts the request to the in-process handler and returns the body,
// updating the cookie jar from Set-Cookie.
func (s *session) send(ctx context.Context, req *request) (body []byte, err error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://localhost"+req.path, bytes.NewReader(req.body))
	if err != nil {
		return nil, err
	}
	hr.RemoteAddr = "127.0.0.1:49152"
	hr.Header.Set("Content-Type", "application/json")
	if len(s.cookies) > 0 {
		parts := make([]string, len(s.cookies))
		for i, c := range s.cookies {
			parts[i] = c.name + "=" + c.value
		}
		hr.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	for _, k := range sortedKeys(req.headers) {
		hr.Header.Set(k, req.headers[k])
	}
	rec := httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			body, err = nil, fmt.Errorf("the server panicked: %v", p)
		}
	}()
	s.h.ServeHTTP(rec, hr)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, sc := range rec.Result().Header.Values("Set-Cookie") {
		first, _, _ := strings.Cut(sc, ";")
		name, value, ok := strings.Cut(strings.TrimSpace(first), "=")
		if !ok || name == "" {
			continue
		}
		s.setCookie(name, value)
	}
	return rec.Body.Bytes(), nil
}

func (s *session) setCookie(name, value string) {
	for i := range s.cookies {
		if s.cookies[i].name == name {
			s.cookies[i].value = value
			return
		}
	}
	s.cookies = append(s.cookies, cookie{name, value})
}

// token signs claims with HS256, adding iat (now) and exp (now + 1 hour)
// unless the claims set them.
func (r *runner) token(claims map[string]any) (string, error) {
	now := r.opts.Now()
	mc := jwt.MapClaims{}
	for k, v := range claims {
		mc[k] = v
	}
	if _, ok := mc["iat"]; !ok {
		mc["iat"] = now.Unix()
	}
	if _, ok := mc["exp"]; !ok {
		mc["exp"] = now.Unix() + 3600
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, mc).SignedString([]byte(r.secret))
}

func prettyJSON(v any) string {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
