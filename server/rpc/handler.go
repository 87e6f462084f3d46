// Package rpc serves Exograph's (unstable) JSON-RPC 2.0 API: per entity, snake_case methods
// (get_concert, get_concerts, get_user_by_email, create_concert(s), update_concert(s),
// delete_concert(s)) whose results are shaped by projections, plus rpc.discover (an OpenRPC
// document, also at GET <path>/discover). Methods are resolved by the postgres engine from
// synthesised GraphQL fields, so access rules and SQL are exactly those of the GraphQL API.
// All requests of a batch share one transaction.
package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
	"github.com/exo-dev/exo/server/postgres"
)

// JSON-RPC error codes used by Exograph.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternal       = -32603
	CodeUserError      = -32001
	CodeSystemError    = -32002
	CodeExpiredAuth    = -32003
	CodeNotAuthorized  = -32004
)

// Messages shown to clients.
const (
	MsgParseError      = "Parse error"
	MsgInvalidRequest  = "Invalid JSON-RPC request"
	MsgMethodNotFound  = "Method not found"
	MsgRolledBack      = "Transaction rolled back due to other failed request(s) in the batch"
	MsgInternal        = "Internal server error"
	msgNotAuthorized   = "Not authorized"
	msgExpiredAuthText = "Expired authentication"
)

// Options configure New.
type Options struct {
	System *ir.System
	// Engine resolves the generated operations (it carries the access solver).
	Engine *postgres.Engine
	// DB is where requests run (typically the server's pool); nil makes every data method fail
	// with "Internal server error" (no database configured).
	DB postgres.Querier
	// Log receives internal errors; nil discards them.
	Log *slog.Logger
	// Solver, when set, checks the field-level query rules of the fields a projection selects:
	// the RPC API refuses ("Not authorized") a projection with a field whose rule is not true
	// for the request, where GraphQL would filter rows by a residual rule.
	Solver postgres.Solver
	// Resolve resolves a root field the way /graphql does (the server's resolver, with
	// interceptors); it serves the module methods. Nil leaves module operations out.
	Resolve func(ctx context.Context, op *graphql.Operation, f *graphql.Field) (json.RawMessage, error)
}

// Handler is the /rpc endpoint. It expects the request's access context to be attached to the
// request context already (the server's middleware does that).
type Handler struct {
	sys       *ir.System
	eng       *postgres.Engine
	db        postgres.Querier
	log       *slog.Logger
	solver    postgres.Solver
	resolveFn func(ctx context.Context, op *graphql.Operation, f *graphql.Field) (json.RawMessage, error)
	methods   map[string]*method
	list      []*method // generated postgres methods (in the discovery document)
	modList   []*method // module methods

	docOnce sync.Once
	doc     []byte
}

// New builds the handler and its method table.
func New(o Options) *Handler {
	h := &Handler{sys: o.System, eng: o.Engine, db: o.DB, log: o.Log, solver: o.Solver, resolveFn: o.Resolve}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.list = buildMethods(o.System, o.Engine)
	h.methods = make(map[string]*method, len(h.list))
	for _, m := range h.list {
		h.methods[m.name] = m
	}
	if o.Resolve != nil {
		for _, m := range buildModuleMethods(o.System) {
			if _, taken := h.methods[m.name]; !taken {
				h.methods[m.name] = m
				h.modList = append(h.modList, m)
			}
		}
	}
	return h
}

// MethodNames returns the generated method names in discovery order.
func (h *Handler) MethodNames() []string {
	out := make([]string, len(h.list))
	for i, m := range h.list {
		out[i] = m.name
	}
	return out
}

// ServeHTTP answers GET .../discover with the OpenRPC document and POSTs with JSON-RPC.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/discover") {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(h.Discover())
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	out := h.Execute(r.Context(), body)
	if out == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return e.Message }

func invalidParams(msg string) *rpcError { return &rpcError{Code: CodeInvalidParams, Message: msg} }

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
	ID      json.RawMessage `json:"id"`
}

// call is one request of a (possibly single-element) batch.
type call struct {
	id     json.RawMessage
	notify bool
	method string
	params map[string]any
	err    *rpcError // set when the request is invalid
	result json.RawMessage
}

var nullID = json.RawMessage("null")

// Execute runs a JSON-RPC payload (single request or batch) and returns the response body, or
// nil when nothing is to be returned (notifications only).
func (h *Handler) Execute(ctx context.Context, body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil || dec.More() {
		return marshal(response{JSONRPC: "2.0", Error: &rpcError{CodeParseError, MsgParseError}, ID: nullID})
	}
	list, batch := raw.([]any)
	if !batch {
		list = []any{raw}
	} else if len(list) == 0 {
		return marshal(response{JSONRPC: "2.0", Error: &rpcError{CodeInvalidRequest, MsgInvalidRequest}, ID: nullID})
	}
	calls := make([]*call, len(list))
	for i, x := range list {
		calls[i] = parseCall(x)
	}
	h.run(ctx, calls)
	var out []response
	for _, c := range calls {
		if c.notify {
			continue
		}
		resp := response{JSONRPC: "2.0", ID: c.id}
		if c.err != nil {
			resp.Error = c.err
		} else {
			resp.Result = c.result
			if resp.Result == nil {
				resp.Result = json.RawMessage("null")
			}
		}
		out = append(out, resp)
	}
	if len(out) == 0 {
		return nil
	}
	if !batch {
		return marshal(out[0])
	}
	return marshal(out)
}

func marshal(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal server error"},"id":null}`)
	}
	return data
}

func parseCall(x any) *call {
	c := &call{id: nullID}
	m, ok := x.(map[string]any)
	if !ok {
		c.err = &rpcError{CodeInvalidRequest, MsgInvalidRequest}
		return c
	}
	if id, ok := m["id"]; ok {
		switch id.(type) {
		case nil, string, json.Number:
			c.id, _ = json.Marshal(id)
		default:
			c.err = &rpcError{CodeInvalidRequest, MsgInvalidRequest}
			return c
		}
	} else {
		c.notify = true
	}
	if v, _ := m["jsonrpc"].(string); v != "2.0" {
		c.err = &rpcError{CodeInvalidRequest, MsgInvalidRequest}
		return c
	}
	name, ok := m["method"].(string)
	if !ok {
		c.err = &rpcError{CodeInvalidRequest, MsgInvalidRequest}
		return c
	}
	c.method = name
	switch p := m["params"].(type) {
	case nil:
		c.params = map[string]any{}
	case map[string]any:
		c.params = p
	default:
		c.err = invalidParams("Invalid params: expected an object")
	}
	return c
}

// run executes the calls in one transaction; when any fails, the transaction is rolled back
// and the calls that succeeded report MsgRolledBack.
func (h *Handler) run(ctx context.Context, calls []*call) {
	needDB := false
	for _, c := range calls {
		if c.err != nil {
			continue
		}
		if c.method == "rpc.discover" {
			continue
		}
		if _, ok := h.methods[c.method]; !ok {
			c.err = &rpcError{CodeMethodNotFound, MsgMethodNotFound}
			continue
		}
		needDB = true
	}
	exec := func(ctx context.Context, q postgres.Querier) bool {
		ok := true
		for _, c := range calls {
			if c.err != nil {
				ok = false
				continue
			}
			if c.method == "rpc.discover" {
				c.result = h.Discover()
				continue
			}
			m := h.methods[c.method]
			res, err := h.callOn(ctx, q, m, c.params, len(calls) > 1)
			if err != nil && m.kind.byUnique() && h.toRPCError(err).Code == CodeNotAuthorized {
				// A unique-key getter the caller may not read answers null (as Exograph's
				// RPC API does), not an authorization error.
				res, err = nil, nil
			}
			if err != nil {
				c.err = h.toRPCError(err)
				ok = false
				continue
			}
			c.result = res
		}
		return ok
	}
	if !needDB {
		exec(ctx, nil)
		return
	}
	if h.db == nil {
		// no database: module methods still run; data methods fail after validation
		exec(ctx, nil)
		return
	}
	errFailed := errors.New("rpc: a request failed")
	err := postgres.RunInTx(ctx, h.db, func(ctx context.Context) error {
		if !exec(ctx, postgres.QuerierFrom(ctx)) {
			return errFailed
		}
		return nil
	})
	if err == nil {
		return
	}
	if !errors.Is(err, errFailed) {
		// begin or commit failed: everything failed
		h.log.Error("rpc transaction", "err", err)
		e := h.toRPCError(err)
		for _, c := range calls {
			if c.err == nil {
				c.err = e
			}
		}
		return
	}
	for _, c := range calls {
		if c.err == nil && c.method != "rpc.discover" {
			c.result = nil
			c.err = &rpcError{CodeUserError, MsgRolledBack}
		}
	}
}

// callOn validates params, builds the root field and resolves it on q. In a batch each call
// runs in a savepoint so that a failed statement does not poison the others.
func (h *Handler) callOn(ctx context.Context, q postgres.Querier, m *method, params map[string]any, savepoint bool) (json.RawMessage, error) {
	if m.kind.isModule() {
		return h.callModule(ctx, q, m, params, savepoint)
	}
	f, err := h.field(m, params)
	if err != nil {
		return nil, err
	}
	if q == nil {
		return nil, &rpcError{CodeUserError, MsgInternal}
	}
	if err := h.checkFieldAccess(ctx, m.entity, f.Selections); err != nil {
		return nil, err
	}
	res, err := h.resolve(ctx, q, f, savepoint)
	if err != nil || (m.kind != mUpdateUnique && m.kind != mDeleteUnique) {
		return res, err
	}
	// by-unique update/delete: the single matched row, or null
	var rows []json.RawMessage
	if len(res) > 0 {
		if err := json.Unmarshal(res, &rows); err != nil {
			return nil, err
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return rows[0], nil
}

func (h *Handler) resolve(ctx context.Context, q postgres.Querier, f *graphql.Field, savepoint bool) (json.RawMessage, error) {
	if !savepoint {
		return h.eng.ResolveOn(ctx, q, f)
	}
	sp, err := q.Begin(ctx)
	if err != nil {
		return nil, err
	}
	res, err := h.eng.ResolveOn(postgres.WithQuerier(ctx, sp), sp, f)
	if err != nil {
		_ = sp.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// field validates params against m and returns the GraphQL root field to resolve.
func (h *Handler) field(m *method, params map[string]any) (*graphql.Field, error) {
	if err := h.validate(m, params); err != nil {
		return nil, err
	}
	ent := &h.sys.Entities[m.entity]
	args := map[string]any{}
	if m.kind == mUpdateUnique || m.kind == mDeleteUnique {
		where := map[string]any{}
		for _, ki := range m.keys {
			f := &ent.Fields[ki]
			v := params[f.Name]
			if ref, ok := v.(map[string]any); ok && f.Kind == ir.FieldRelation {
				cond := map[string]any{}
				for k, x := range ref {
					cond[k] = map[string]any{"eq": x}
				}
				where[f.Name] = cond
			} else {
				where[f.Name] = map[string]any{"eq": v}
			}
		}
		args["where"] = where
	}
	for k, v := range params {
		if k == "projection" {
			continue
		}
		if m.kind == mUpdateUnique || m.kind == mDeleteUnique {
			if k != "data" {
				continue
			}
		}
		if k == "orderBy" {
			if _, ok := v.([]any); !ok && v != nil {
				v = []any{v}
			}
		}
		args[k] = v
	}
	proj := "basic"
	if m.kind.isMutation() {
		proj = "pk"
	}
	if p, ok := params["projection"].(string); ok {
		proj = p
	}
	return &graphql.Field{
		Name:            m.op,
		Alias:           m.op,
		Arguments:       args,
		Selections:      selection(h.sys, m.entity, proj, 2),
		HasSelectionSet: true,
		Depth:           1,
	}, nil
}

// toRPCError maps resolution errors to JSON-RPC errors with Exograph's codes.
func (h *Handler) toRPCError(err error) *rpcError {
	var re *rpcError
	if errors.As(err, &re) {
		return re
	}
	var pe *postgres.Error
	if errors.As(err, &pe) {
		switch pe.Message {
		case msgNotAuthorized:
			return &rpcError{CodeNotAuthorized, pe.Message}
		case msgExpiredAuthText:
			return &rpcError{CodeExpiredAuth, pe.Message}
		}
		return &rpcError{CodeUserError, pe.Message}
	}
	var ge *graphql.Error
	if errors.As(err, &ge) {
		switch ge.Message {
		case msgNotAuthorized:
			return &rpcError{CodeNotAuthorized, ge.Message}
		case msgExpiredAuthText:
			return &rpcError{CodeExpiredAuth, ge.Message}
		}
		return &rpcError{CodeUserError, ge.Message}
	}
	h.log.Error("rpc request", "err", err)
	return &rpcError{CodeUserError, MsgInternal}
}

var errNotAuthorized = &rpcError{CodeNotAuthorized, msgNotAuthorized}

// checkFieldAccess refuses a selection containing a field whose query rule does not solve to
// true for the request (see Options.Solver).
func (h *Handler) checkFieldAccess(ctx context.Context, ent int, sel []*graphql.Field) error {
	if h.solver == nil {
		return nil
	}
	e := &h.sys.Entities[ent]
	for _, g := range sel {
		f, _ := e.FieldByName(g.Name)
		if f == nil {
			continue
		}
		if f.Access != nil {
			if f.Access.Query == nil {
				return errNotAuthorized
			}
			res, err := h.solver.Solve(ctx, f.Access.Query)
			if err != nil {
				return err
			}
			if res == nil || res.Kind != ir.ExprLiteral || res.Lit == nil || res.Lit.Kind != ir.LitBool || !res.Lit.Bool {
				return errNotAuthorized
			}
		}
		if f.Kind == ir.FieldRelation && len(g.Selections) > 0 {
			if err := h.checkFieldAccess(ctx, f.Relation.Target, g.Selections); err != nil {
				return err
			}
		}
	}
	return nil
}

// callModule validates the arguments of a module method and resolves it through
// Options.Resolve; the result is the function's value as returned (no projection).
func (h *Handler) callModule(ctx context.Context, q postgres.Querier, m *method, params map[string]any, savepoint bool) (json.RawMessage, error) {
	for _, k := range sortedKeys(params) {
		if _, ok := m.param(k); !ok {
			return nil, invalidParams("Unknown parameter: " + k)
		}
	}
	args := map[string]any{}
	for _, p := range m.params {
		v, ok := params[p.name]
		if !ok || v == nil {
			if p.required {
				return nil, invalidParams("Missing required parameter: " + p.name)
			}
			if ok {
				args[p.name] = nil
			}
			continue
		}
		cv, err := moduleArg(p.name, p.arg.Type, v)
		if err != nil {
			return nil, err
		}
		args[p.name] = cv
	}
	f := &graphql.Field{Name: m.op, Alias: m.op, Arguments: args, Depth: 1}
	op := &graphql.Operation{Type: graphql.Query, Fields: []*graphql.Field{f}}
	if m.kind == mModuleMutation {
		op.Type = graphql.Mutation
	}
	if !savepoint || q == nil {
		return h.resolveFn(ctx, op, f)
	}
	sp, err := q.Begin(ctx)
	if err != nil {
		return nil, err
	}
	res, err := h.resolveFn(postgres.WithQuerier(ctx, sp), op, f)
	if err != nil {
		_ = sp.Rollback(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

// moduleArg converts a JSON parameter to the value the GraphQL front-end would hand over for
// an argument of type t (int64 for Int, float64 for Float, lists and objects element-wise).
func moduleArg(path string, t ir.TypeRef, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t.Kind {
	case ir.KindArray, ir.KindSet:
		list, ok := v.([]any)
		if !ok {
			return nil, mismatch(path, "Array", v)
		}
		out := make([]any, len(list))
		for i, x := range list {
			if t.Elem == nil {
				out[i] = x
				continue
			}
			cv, err := moduleArg(fmt.Sprintf("%s[%d]", path, i), *t.Elem, x)
			if err != nil {
				return nil, err
			}
			out[i] = cv
		}
		return out, nil
	case ir.KindScalar:
		switch t.Scalar {
		case ir.Int:
			n, ok := v.(json.Number)
			if !ok {
				return nil, mismatch(path, "Int", v)
			}
			i, err := n.Int64()
			if err != nil {
				return nil, mismatch(path, "Int", v)
			}
			return i, nil
		case ir.Float:
			n, ok := v.(json.Number)
			if !ok {
				return nil, mismatch(path, "Float", v)
			}
			x, err := n.Float64()
			if err != nil {
				return nil, mismatch(path, "Float", v)
			}
			return x, nil
		case ir.Boolean:
			if _, ok := v.(bool); !ok {
				return nil, mismatch(path, "Boolean", v)
			}
		case ir.String:
			if _, ok := v.(string); !ok {
				return nil, mismatch(path, "String", v)
			}
		}
	}
	return v, nil
}
