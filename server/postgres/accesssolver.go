package postgres

import (
	"context"
	"errors"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/access"
)

// AccessSolver adapts server/access to [Solver]: the request's *access.RequestContext is found
// in the context by Request (typically stored there by the HTTP layer).
type AccessSolver struct {
	Request func(ctx context.Context) *access.RequestContext
}

var falseExpr = ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: false}}

// Solve implements Solver.
func (s AccessSolver) Solve(ctx context.Context, rule *ir.Expr) (*ir.Expr, error) {
	rc := s.Request(ctx)
	if rc == nil {
		return &falseExpr, nil
	}
	sol, err := access.Solve(rule, rc)
	if err != nil {
		return nil, accessErr(err)
	}
	switch sol.Outcome {
	case access.True:
		return &trueExpr, nil
	case access.Residual:
		return sol.Residual, nil
	}
	return &falseExpr, nil
}

// ContextValue implements Solver.
func (s AccessSolver) ContextValue(ctx context.Context, c, f int) (any, bool, error) {
	rc := s.Request(ctx)
	if rc == nil {
		return nil, false, nil
	}
	v, err := rc.Value(c, f)
	if err != nil {
		return nil, false, accessErr(err)
	}
	return v, v != nil, nil
}

// accessErr turns a context-extraction error into a user-visible *Error with its message.
func accessErr(err error) error {
	var ae *access.Error
	if errors.As(err, &ae) {
		return &Error{Message: ae.Message, Err: err}
	}
	return err
}
