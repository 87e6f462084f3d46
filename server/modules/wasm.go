package modules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
	"github.com/exo-dev/exo/wasmrt"
)

// resolveWasm calls the export of a @wasm module named like the operation
// with the field's arguments, in declaration order, and converts the
// result to the declared return type. The compiler has checked that the
// arguments and the return type are Int, Float or Boolean and that the
// export's signature fits them.
//
// A null argument (an optional parameter left out) cannot be passed: it is
// a client error. Traps are logged and answered "Internal server error",
// like exceptions of TypeScript modules.
func (e *Engine) resolveWasm(ctx context.Context, op *Op, f *graphql.Field) (json.RawMessage, error) {
	m := &e.sys.Modules[op.Module]
	wm := e.wasm[op.Module]
	if wm == nil {
		e.log.Error("module function failed", "function", op.Def.Name,
			"error", fmt.Sprintf("module %s has no WebAssembly binary (was the model built with exo build?)", m.Name))
		return nil, graphql.NewError(graphql.MsgInternalServerError)
	}
	args := make([]any, 0, len(op.Def.Args))
	for i := range op.Def.Args {
		a := &op.Def.Args[i]
		if a.Injected {
			e.log.Error("module function failed", "function", op.Def.Name, "error", "a @wasm function cannot take injected arguments")
			return nil, graphql.NewError(graphql.MsgInternalServerError)
		}
		v := f.Arguments[a.Name]
		if v == nil {
			return nil, graphql.NewError(fmt.Sprintf("Argument '%s' of %s must not be null: WebAssembly functions take only numbers", a.Name, op.Def.Name))
		}
		args = append(args, v)
	}
	res, err := wm.Call(ctx, op.Def.Name, args...)
	if err != nil {
		return nil, e.wasmError(op.Def.Name, err)
	}
	out, err := wasmResult(op.Def, res)
	if err != nil {
		e.log.Error("module returned a value that does not fit its type", "operation", op.Def.Name, "error", err)
		return nil, graphql.NewError(graphql.MsgInternalServerError)
	}
	return out, nil
}

// wasmError maps an error of a WebAssembly call to what the client sees.
func (e *Engine) wasmError(fn string, err error) error {
	var ae *wasmrt.ArgError
	if errors.As(err, &ae) {
		return graphql.NewError(ae.Msg)
	}
	var trap *wasmrt.TrapError
	if errors.As(err, &trap) {
		e.log.Error("module function failed", "function", fn, "error", trap.Message, "stack", trap.Stack)
		return graphql.NewError(graphql.MsgInternalServerError)
	}
	var nf *wasmrt.NotFoundError
	if errors.As(err, &nf) || errors.Is(err, wasmrt.ErrTimeout) || errors.Is(err, wasmrt.ErrClosed) {
		e.log.Error("module function failed", "function", fn, "error", err)
		return graphql.NewError(graphql.MsgInternalServerError)
	}
	return err // the request was canceled
}

// wasmResult encodes the value a WebAssembly function returned (int64 or
// float64) as the operation's return type.
func wasmResult(op *ir.Operation, v any) (json.RawMessage, error) {
	if v == nil {
		if op.ReturnOptional {
			return json.RawMessage("null"), nil
		}
		return nil, errors.New("the function returned no value")
	}
	t := op.Return
	if t.Kind != ir.KindScalar {
		return nil, fmt.Errorf("return type %s cannot come from WebAssembly", t.Name)
	}
	switch t.Scalar {
	case ir.Int:
		switch n := v.(type) {
		case int64:
			return strconv.AppendInt(nil, n, 10), nil
		case float64:
			if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
				return strconv.AppendInt(nil, int64(n), 10), nil
			}
			return nil, fmt.Errorf("%v is not an Int", n)
		}
	case ir.Float:
		switch n := v.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return nil, fmt.Errorf("%v is not a valid Float", n)
			}
			return json.Marshal(n)
		case int64:
			return json.Marshal(float64(n))
		}
	case ir.Boolean:
		if n, ok := v.(int64); ok {
			return strconv.AppendBool(nil, n != 0), nil
		}
	}
	return nil, fmt.Errorf("%v (%T) does not fit %s", v, v, t.Name)
}
