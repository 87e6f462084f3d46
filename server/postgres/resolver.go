package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/exo-dev/exo/server/graphql"
)

// Resolver serves the engine's root fields to the GraphQL front-end: it implements
// graphql.Resolver and graphql.TxRunner over a database (typically a *pgxpool.Pool).
type Resolver struct {
	Engine *Engine
	DB     Querier
}

var (
	_ graphql.Resolver = (*Resolver)(nil)
	_ graphql.TxRunner = (*Resolver)(nil)
)

// Handles reports whether the root field name is one of the engine's operations.
func (r *Resolver) Handles(name string) bool {
	_, ok := r.Engine.ops[name]
	return ok
}

// RunInTx runs all root fields of op in one transaction. A query with a single root field
// needs no transaction (it is one statement) and runs on DB directly.
func (r *Resolver) RunInTx(ctx context.Context, op *graphql.Operation, fn func(ctx context.Context) error) error {
	if op.Type == graphql.Query && rootResolverFields(op) <= 1 {
		return fn(WithQuerier(ctx, r.DB))
	}
	return RunInTx(ctx, r.DB, fn)
}

func rootResolverFields(op *graphql.Operation) int {
	n := 0
	for _, f := range op.Fields {
		if !f.IsIntrospection() {
			n++
		}
	}
	return n
}

// Resolve resolves one root field on the request's transaction (or DB when there is none) and
// maps errors to the front-end's user-visible errors.
func (r *Resolver) Resolve(ctx context.Context, op *graphql.Operation, f *graphql.Field) (json.RawMessage, error) {
	q := QuerierFrom(ctx)
	if q == nil {
		q = r.DB
	}
	v, err := r.Engine.ResolveOn(ctx, q, f)
	if err != nil {
		return nil, GraphQLError(err)
	}
	return v, nil
}

// GraphQLError converts an *Error (anywhere in err's chain) into the front-end's error type;
// other errors are returned unchanged (the front-end shows "Internal server error").
func GraphQLError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &graphql.Error{Message: e.Message, Locations: e.Locations}
	}
	return err
}
