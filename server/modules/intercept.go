package modules

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/jsrt"
	"github.com/exo-dev/exo/server/graphql"

	"github.com/exo-dev/exo/internal/wildcard"
)

type interceptor struct {
	def    *ir.Interceptor
	module int
}

func sortInterceptors(list []*interceptor) {
	sort.SliceStable(list, func(i, j int) bool { return list[i].def.Order < list[j].def.Order })
}

// Matches reports whether the interceptor pattern p selects the operation
// "query <field>" / "mutation <field>" (sel).
func Matches(p *ir.Expr, sel string) bool {
	if p == nil {
		return false
	}
	switch p.Kind {
	case ir.ExprLiteral:
		if p.Lit == nil {
			return false
		}
		switch p.Lit.Kind {
		case ir.LitBool:
			return p.Lit.Bool
		case ir.LitString:
			return wildcard.Match(p.Lit.Str, sel)
		}
	case ir.ExprNot:
		return !Matches(p.Left, sel)
	case ir.ExprBinary:
		switch p.Op {
		case ir.OpAnd:
			return Matches(p.Left, sel) && Matches(p.Right, sel)
		case ir.OpOr:
			return Matches(p.Left, sel) || Matches(p.Right, sel)
		}
	}
	return false
}

func selector(t graphql.OperationType, name string) string {
	if t == graphql.Mutation {
		return "mutation " + name
	}
	return "query " + name
}

// matching returns the interceptors that select the root field, in
// declaration order.
func (e *Engine) matching(t graphql.OperationType, name string) []*interceptor {
	if len(e.interceptors) == 0 {
		return nil
	}
	sel := selector(t, name)
	var out []*interceptor
	for _, ic := range e.interceptors {
		if Matches(&ic.def.Pattern, sel) {
			out = append(out, ic)
		}
	}
	return out
}

// Intercepted reports whether any interceptor selects the root field name
// of an operation of type t (so the server can skip Intercept).
func (e *Engine) Intercepted(t graphql.OperationType, name string) bool {
	sel := selector(t, name)
	for _, ic := range e.interceptors {
		if Matches(&ic.def.Pattern, sel) {
			return true
		}
	}
	return false
}

// Intercept resolves root field f (of an operation of type t) through the
// interceptors that select it: every @before in declaration order, then the
// @around interceptors nested with the last declared outermost around
// proceed (the server's own resolution of f, access checks included), then
// every @after in declaration order. An error anywhere aborts and is
// returned (the server's transaction then rolls back). The value an @around
// interceptor returns replaces the result and is shaped by f's selection.
// Without matching interceptors Intercept just calls proceed.
func (e *Engine) Intercept(ctx context.Context, t graphql.OperationType, f *graphql.Field, req *Request,
	proceed func(ctx context.Context) (json.RawMessage, error)) (json.RawMessage, error) {
	list := e.matching(t, f.Name)
	if len(list) == 0 {
		return proceed(ctx)
	}
	query := fieldObject(f)
	for _, ic := range list {
		if ic.def.Kind == ir.Before {
			if _, err := e.runInterceptor(ctx, ic, f, query, req, nil); err != nil {
				return nil, err
			}
		}
	}
	inner := proceed
	for _, ic := range list {
		if ic.def.Kind != ir.Around {
			continue
		}
		next, ic := inner, ic
		inner = func(ctx context.Context) (json.RawMessage, error) {
			raw, err := e.runInterceptor(ctx, ic, f, query, req, next)
			if err != nil {
				return nil, err
			}
			if len(f.Selections) == 0 {
				return raw, nil
			}
			out, err := Shape(raw, f, true)
			if err != nil {
				e.log.Error("interceptor returned a value that does not fit the operation", "interceptor", ic.def.Name, "error", err)
				return nil, graphql.NewError(graphql.MsgInternalServerError)
			}
			return out, nil
		}
	}
	res, err := inner(ctx)
	if err != nil {
		return nil, err
	}
	for _, ic := range list {
		if ic.def.Kind == ir.After {
			if _, err := e.runInterceptor(ctx, ic, f, query, req, nil); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

func (e *Engine) runInterceptor(ctx context.Context, ic *interceptor, f *graphql.Field, query *jsrt.Object, req *Request,
	proceed func(ctx context.Context) (json.RawMessage, error)) (json.RawMessage, error) {
	op := &jsrt.Operation{Name: f.Name, Query: query, Proceed: proceed}
	args := make([]any, len(ic.def.Args))
	for i := range ic.def.Args {
		v, err := e.injected(&ic.def.Args[i], req, op)
		if err != nil {
			return nil, e.userError(ic.def.Name, err)
		}
		args[i] = v
	}
	raw, err := e.call(ctx, ic.module, ic.def.Name, args)
	if err != nil {
		return nil, e.userError(ic.def.Name, err)
	}
	return raw, nil
}

// fieldObject is the value of Operation.query(): {alias, name, arguments,
// subfields}, alias null when the field is not aliased.
func fieldObject(f *graphql.Field) *jsrt.Object {
	o := &jsrt.Object{Keys: make([]string, 0, 4), Values: make([]any, 0, 4)}
	if f.Alias != "" && f.Alias != f.Name {
		o.Set("alias", f.Alias)
	} else {
		o.Set("alias", nil)
	}
	o.Set("name", f.Name)
	args := f.Arguments
	if args == nil {
		args = map[string]any{}
	}
	o.Set("arguments", args)
	subs := make([]any, len(f.Selections))
	for i, s := range f.Selections {
		subs[i] = fieldObject(s)
	}
	o.Set("subfields", subs)
	return o
}
