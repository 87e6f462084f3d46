package postgres

import (
	"context"
	"fmt"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what the resolver needs from the database: a *pgx.Conn, a pgx.Tx or a pool.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Solver partially evaluates access rules for the current request (implemented by
// server/access). The request is identified by ctx.
type Solver interface {
	// Solve evaluates rule with everything the request context determines (context fields,
	// literals) and returns the residual: the literal true or false (ExprLiteral with LitBool),
	// or an expression over self paths (and some() lambda parameter paths) compared with
	// literals, combined with and/or/not. rule is never nil (the engine treats a missing rule as
	// false without asking).
	Solve(ctx context.Context, rule *ir.Expr) (*ir.Expr, error)
	// ContextValue returns the value of field f of context c for the request (used for context
	// defaults such as `userId: Int = AuthContext.id`); ok is false when it is absent.
	ContextValue(ctx context.Context, c, f int) (v any, ok bool, err error)
}

// Error is a user-visible error: Message is exactly what Exograph shows; Err is the internal
// cause, if any (never shown).
type Error struct {
	Message string
	Err     error
	// Locations, when set, are where the error points in the document (the value of the
	// argument an input validation error is about, as Exograph reports @range violations).
	Locations []graphql.Location
	// inputArg marks errors about a value of the mutation's data argument.
	inputArg bool
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Messages shown to clients.
const (
	MsgNotAuthorized   = "Not authorized"
	MsgOperationFailed = "Operation failed"
)

func userErr(format string, args ...any) error {
	if len(args) == 0 {
		return &Error{Message: format}
	}
	return &Error{Message: fmt.Sprintf(format, args...)}
}

var errNotAuthorized = &Error{Message: MsgNotAuthorized}

// IsNotAuthorized reports whether err is the "Not authorized" error.
func IsNotAuthorized(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Message == MsgNotAuthorized
}
