package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
)

// Resolver resolves one root field that is not an introspection field. It returns the field's
// JSON value (e.g. the json.RawMessage a single PostgreSQL statement produced), which is spliced
// into the response without re-encoding. Returning an *Error shows its message to the client;
// any other error is reported as "Internal server error".
type Resolver interface {
	Resolve(ctx context.Context, op *Operation, f *Field) (json.RawMessage, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, op *Operation, f *Field) (json.RawMessage, error)

func (fn ResolverFunc) Resolve(ctx context.Context, op *Operation, f *Field) (json.RawMessage, error) {
	return fn(ctx, op, f)
}

// TxRunner runs fn inside one transaction, committing when fn returns nil and rolling back
// otherwise. The context passed to fn carries whatever the resolvers need to find the
// transaction. All root fields of a request run sequentially inside a single call.
type TxRunner interface {
	RunInTx(ctx context.Context, op *Operation, fn func(ctx context.Context) error) error
}

// Handler serves GraphQL over HTTP: POST with a JSON body {query, operationName, variables}, or
// GET with the same names as query parameters.
type Handler struct {
	Schema   *ast.Schema
	Resolver Resolver
	// Tx wraps the execution of all root fields; nil runs them without a transaction.
	Tx     TxRunner
	Limits Limits
	// Introspection enables __schema and __type (__typename is always available).
	Introspection bool
	// MaxBodyBytes bounds the request body (default 10 MiB).
	MaxBodyBytes int64
}

type requestKey struct{}

// HTTPRequest returns the HTTP request being served (for headers, cookies, client IP), if any.
func HTTPRequest(ctx context.Context) *http.Request {
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	return r
}

// ParseRequest decodes a JSON request body. Numbers in variables are kept as json.Number.
func ParseRequest(body []byte) (*Request, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("graphql: trailing data after request body")
	}
	return &req, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req *Request
	switch r.Method {
	case http.MethodPost:
		limit := h.MaxBodyBytes
		if limit <= 0 {
			limit = 10 << 20
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil || int64(len(body)) > limit {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if req, err = ParseRequest(body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	case http.MethodGet:
		q := r.URL.Query()
		req = &Request{Query: q.Get("query"), OperationName: q.Get("operationName")}
		if vs := q.Get("variables"); vs != "" {
			dec := json.NewDecoder(bytes.NewReader([]byte(vs)))
			dec.UseNumber()
			if err := dec.Decode(&req.Variables); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	ctx := context.WithValue(r.Context(), requestKey{}, r)
	out := h.Execute(ctx, req)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// Execute validates and runs req and returns the response body: {"data":...} on success, or
// {"errors":[...]} with exactly one error.
func (h *Handler) Execute(ctx context.Context, req *Request) []byte {
	op, gerr := Prepare(h.Schema, req, h.Limits)
	if gerr != nil {
		return gerr.AppendJSON(nil)
	}
	if op.Type == Subscription {
		return NewError("Subscriptions are not supported").AppendJSON(nil)
	}
	if !h.Introspection {
		for _, f := range op.Fields {
			if f.Kind == FieldSchema || f.Kind == FieldType {
				return errAt("Introspection is not enabled", f.Location).AppendJSON(nil)
			}
		}
	}
	values := make([]json.RawMessage, len(op.Fields))
	run := func(ctx context.Context) error {
		for i, f := range op.Fields {
			if f.IsIntrospection() {
				values[i] = Introspect(h.Schema, op, f)
				continue
			}
			if h.Resolver == nil {
				return NewError(MsgInternalServerError)
			}
			v, err := h.Resolver.Resolve(ctx, op, f)
			if err != nil {
				return err
			}
			values[i] = v
		}
		return nil
	}
	var err error
	if h.Tx != nil && needsTx(op) {
		err = h.Tx.RunInTx(ctx, op, run)
	} else {
		err = run(ctx)
	}
	if err != nil {
		return ErrorFrom(err).AppendJSON(nil)
	}
	return AppendData(nil, op.Fields, values)
}

// needsTx reports whether any root field goes to a resolver.
func needsTx(op *Operation) bool {
	for _, f := range op.Fields {
		if !f.IsIntrospection() {
			return true
		}
	}
	return false
}

// ErrorFrom turns any error into the single user-visible error: an *Error (anywhere in the chain)
// is shown as is, anything else as "Internal server error".
func ErrorFrom(err error) *Error {
	var ge *Error
	if errors.As(err, &ge) {
		return ge
	}
	return NewError(MsgInternalServerError)
}

// AppendData appends {"data":{"<alias>":<value>,...}} for root fields and their raw JSON values
// (nil values are written as null).
func AppendData(dst []byte, fields []*Field, values []json.RawMessage) []byte {
	n := len(`{"data":{}}`)
	for i, f := range fields {
		n += len(f.Alias) + 4 + len(values[i])
	}
	if cap(dst)-len(dst) < n {
		dst = append(make([]byte, 0, len(dst)+n), dst...)
	}
	dst = append(dst, `{"data":{`...)
	for i, f := range fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, f.Alias)
		dst = append(dst, ':')
		if len(values[i]) == 0 {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, values[i]...)
		}
	}
	return append(dst, "}}"...)
}
