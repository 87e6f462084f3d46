// Package modules binds the queries, mutations and interceptors of @deno
// modules to the JavaScript runtime (package jsrt), and the queries and
// mutations of @wasm modules to the WebAssembly runtime (package wasmrt).
//
// The server asks [Engine.Operation] whether a root field is a module
// operation and resolves it with [Engine.Resolve]; every root field (of any
// subsystem) that interceptors match goes through [Engine.Intercept], which
// runs the @before, @around and @after interceptors around the server's own
// resolution.
package modules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/jsrt"
	"github.com/exo-dev/exo/server/access"
	"github.com/exo-dev/exo/server/graphql"
	"github.com/exo-dev/exo/wasmrt"
)

// GlobalName is the global the bundled scripts assign their exports to
// (jsbundle.GlobalName; the server does not import the bundler).
const GlobalName = "__exo_module"

// Host runs nested GraphQL operations and sets response headers for one
// request (see jsrt.Host). ExecuteQuery returns the "data" object; an
// error that should reach the client (the nested operation's single
// error) is a *graphql.Error.
type Host = jsrt.Host

// Request is what a module call needs from the request being served.
type Request struct {
	// Context evaluates access rules and provides injected contexts.
	Context *access.RequestContext
	// Host serves the injected Exograph / ExographPriv objects; nil makes
	// their methods fail.
	Host Host
}

// Options configure an [Engine].
type Options struct {
	// Logger receives console output of modules and internal errors.
	Logger *slog.Logger
	// Env backs Deno.env (the server's environment, EXO_* and test envs).
	Env func(key string) (string, bool)
	// Environ lists the environment ("K=V") for Deno.env.toObject and
	// process.env.
	Environ func() []string
	// Timeout bounds one module call (default 30s; negative: none), of
	// TypeScript and WebAssembly alike.
	Timeout time.Duration
	// PoolSize is the number of idle VMs kept per module (default 8), and
	// the number created ahead of the first request (at most 2).
	PoolSize int
	// FSRoot is the directory modules may read through node:fs (the
	// project directory); empty means none.
	FSRoot string
}

// Engine serves the modules of one system. It is safe for concurrent use.
type Engine struct {
	sys  *ir.System
	log  *slog.Logger
	mods []*jsrt.Module // by module index; nil without a script
	// wasm holds the compiled @wasm modules, by module index; nil for
	// other modules and without a binary.
	wasm []*wasmrt.Module

	queries, mutations map[string]*Op
	interceptors       []*interceptor
}

// Op is a module query or mutation.
type Op struct {
	// Module is the index into System.Modules.
	Module int
	Type   graphql.OperationType
	Def    *ir.Operation
}

// New compiles the bundled scripts of sys's @deno modules and checks that
// they export the declared functions (missing ones are logged; calling
// them fails), and compiles the binaries of its @wasm modules (an invalid
// binary is an error). Close releases the compiled WebAssembly code.
func New(sys *ir.System, opts Options) (_ *Engine, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 30 * time.Second
	} else if opts.Timeout < 0 {
		opts.Timeout = 0
	}
	e := &Engine{sys: sys, log: log, mods: make([]*jsrt.Module, len(sys.Modules)),
		wasm:    make([]*wasmrt.Module, len(sys.Modules)),
		queries: map[string]*Op{}, mutations: map[string]*Op{}}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	ropts := jsrt.Options{Logger: log, Env: opts.Env, Environ: opts.Environ, Timeout: opts.Timeout,
		MaxIdle: opts.PoolSize, UserMessage: userMessage, FSRoot: opts.FSRoot}
	for mi := range sys.Modules {
		m := &sys.Modules[mi]
		if m.Kind == ir.ModuleDeno && len(m.Script) > 0 {
			// The bundle sits at the project root: its source map's paths
			// are relative to it.
			name := m.Name + ".js"
			jm, err := jsrt.NewModule(name, m.Script, m.SourceMap, GlobalName, ropts)
			if err != nil {
				return nil, fmt.Errorf("module %s: %w", m.Name, err)
			}
			e.mods[mi] = jm
			e.checkExports(mi)
		}
		if m.Kind == ir.ModuleWasm && len(m.Wasm) > 0 {
			wm, err := wasmrt.Compile(context.Background(), m.SourcePath, m.Wasm, wasmrt.Options{Timeout: opts.Timeout})
			if err != nil {
				return nil, fmt.Errorf("module %s: %w", m.Name, err)
			}
			e.wasm[mi] = wm
		}
		for i := range m.Queries {
			e.queries[m.Queries[i].Name] = &Op{Module: mi, Type: graphql.Query, Def: &m.Queries[i]}
		}
		for i := range m.Mutations {
			e.mutations[m.Mutations[i].Name] = &Op{Module: mi, Type: graphql.Mutation, Def: &m.Mutations[i]}
		}
	}
	for i := range sys.Interceptors {
		ic := &sys.Interceptors[i]
		e.interceptors = append(e.interceptors, &interceptor{def: ic, module: ic.Module})
	}
	sortInterceptors(e.interceptors)
	return e, nil
}

// Close releases the compiled WebAssembly modules. Calls must have
// returned.
func (e *Engine) Close() {
	for i, wm := range e.wasm {
		if wm != nil {
			_ = wm.Close(context.Background())
			e.wasm[i] = nil
		}
	}
}

// checkExports logs declared functions the script does not export.
func (e *Engine) checkExports(mi int) {
	m := &e.sys.Modules[mi]
	exports, err := e.mods[mi].Exports()
	if err != nil {
		e.log.Error("module failed to load", "module", m.Name, "error", err)
		return
	}
	check := func(kind, name string) {
		if !exports[name] {
			e.log.Warn("module does not export a declared function", "module", m.Name, kind, name)
		}
	}
	for _, op := range m.Queries {
		check("query", op.Name)
	}
	for _, op := range m.Mutations {
		check("mutation", op.Name)
	}
	for _, ic := range e.sys.Interceptors {
		if ic.Module == mi {
			check("interceptor", ic.Name)
		}
	}
}

// Operation returns the module operation serving root field name.
func (e *Engine) Operation(t graphql.OperationType, name string) (*Op, bool) {
	var op *Op
	if t == graphql.Mutation {
		op = e.mutations[name]
	} else {
		op = e.queries[name]
	}
	return op, op != nil
}

// userMessage tells jsrt which host errors carry client-visible messages.
func userMessage(err error) (string, bool) {
	var ge *graphql.Error
	if errors.As(err, &ge) {
		return ge.Message, true
	}
	var ae *access.Error
	if errors.As(err, &ae) {
		return ae.Message, true
	}
	return "", false
}

var errNotAuthorized = graphql.NewError(graphql.MsgNotAuthorized)

// Resolve checks access (the operation's rule AND the rule of the module
// type it returns), calls the module function with the field's arguments
// and the injected values in declaration order, and returns the result
// shaped by the field's selection.
func (e *Engine) Resolve(ctx context.Context, op *Op, f *graphql.Field, req *Request) (json.RawMessage, error) {
	if err := e.checkAccess(op, req); err != nil {
		return nil, err
	}
	if e.sys.Modules[op.Module].Kind == ir.ModuleWasm {
		return e.resolveWasm(ctx, op, f)
	}
	args := make([]any, len(op.Def.Args))
	for i := range op.Def.Args {
		a := &op.Def.Args[i]
		if a.Injected || a.Type.Kind == ir.KindContext || a.Type.Kind == ir.KindInjected {
			v, err := e.injected(a, req, nil)
			if err != nil {
				return nil, e.userError(op.Def.Name, err)
			}
			args[i] = v
			continue
		}
		v, ok := f.Arguments[a.Name]
		if !ok {
			continue // omitted: null
		}
		args[i] = e.inputValue(a.Type, v)
	}
	raw, err := e.call(ctx, op.Module, op.Def.Name, args)
	if err != nil {
		return nil, e.userError(op.Def.Name, err)
	}
	if !f.HasSelectionSet && len(f.Selections) == 0 {
		return raw, nil
	}
	out, err := Shape(raw, f, false)
	if err != nil {
		e.log.Error("module returned a value that does not fit its type", "operation", op.Def.Name, "error", err)
		return nil, graphql.NewError(graphql.MsgInternalServerError)
	}
	return out, nil
}

func (e *Engine) call(ctx context.Context, mi int, fn string, args []any) (json.RawMessage, error) {
	jm := e.mods[mi]
	if jm == nil {
		return nil, &noScriptError{e.sys.Modules[mi].Name}
	}
	return jm.Call(ctx, fn, args...)
}

// checkAccess evaluates the method rule and the return type's rule.
func (e *Engine) checkAccess(op *Op, req *Request) error {
	var rc *access.RequestContext
	if req != nil {
		rc = req.Context
	}
	rule := op.Def.Access
	t := op.Def.Return
	for (t.Kind == ir.KindArray || t.Kind == ir.KindSet) && t.Elem != nil {
		t = *t.Elem
	}
	if t.Kind == ir.KindModuleType && t.Module >= 0 && t.Module < len(e.sys.Modules) &&
		t.Index >= 0 && t.Index < len(e.sys.Modules[t.Module].Types) {
		kind := access.OpQuery
		if op.Type == graphql.Mutation {
			kind = access.OpCreate
		}
		rule = access.And(rule, access.Rule(&e.sys.Modules[t.Module].Types[t.Index].Access, kind))
	}
	if rule == nil || access.IsLiteral(rule, false) {
		return errNotAuthorized
	}
	if access.IsLiteral(rule, true) {
		return nil
	}
	if rc == nil {
		return errNotAuthorized
	}
	sol, err := access.Solve(rule, rc)
	if err != nil {
		return e.userError(op.Def.Name, err)
	}
	if sol.Outcome != access.True {
		return errNotAuthorized
	}
	return nil
}

// injected returns the value of an injected argument.
func (e *Engine) injected(a *ir.Arg, req *Request, op *jsrt.Operation) (any, error) {
	switch a.Type.Kind {
	case ir.KindContext:
		if req == nil || req.Context == nil {
			return nil, errors.New("modules: no request context for an injected context")
		}
		c := &e.sys.Contexts[a.Type.Index]
		obj := &jsrt.Object{Keys: make([]string, 0, len(c.Fields)), Values: make([]any, 0, len(c.Fields))}
		for fi, cf := range c.Fields {
			v, err := req.Context.Value(a.Type.Index, fi)
			if err != nil {
				return nil, err
			}
			obj.Set(cf.Name, v)
		}
		return obj, nil
	case ir.KindInjected:
		var host Host
		if req != nil {
			host = req.Host
		}
		switch a.Type.Name {
		case "Exograph":
			return &jsrt.Exograph{Host: host}, nil
		case "ExographPriv":
			return &jsrt.Exograph{Host: host, Priv: true}, nil
		case "Operation":
			if op == nil {
				return nil, nil
			}
			return op, nil
		}
	}
	return nil, fmt.Errorf("modules: cannot inject %s", a.Type.Name)
}

// inputValue orders input objects by their declared fields (what
// JSON.stringify and Object.keys show).
func (e *Engine) inputValue(t ir.TypeRef, v any) any {
	switch t.Kind {
	case ir.KindArray, ir.KindSet:
		list, ok := v.([]any)
		if !ok || t.Elem == nil {
			return v
		}
		out := make([]any, len(list))
		for i, x := range list {
			out[i] = e.inputValue(*t.Elem, x)
		}
		return out
	case ir.KindModuleType:
		m, ok := v.(map[string]any)
		if !ok || t.Module < 0 || t.Module >= len(e.sys.Modules) || t.Index < 0 || t.Index >= len(e.sys.Modules[t.Module].Types) {
			return v
		}
		mt := &e.sys.Modules[t.Module].Types[t.Index]
		obj := &jsrt.Object{}
		for _, f := range mt.Fields {
			if x, ok := m[f.Name]; ok {
				obj.Set(f.Name, e.inputValue(f.Type, x))
			}
		}
		return obj
	}
	return v
}

// userError maps an error of a module call to what the client sees:
// ExographError messages verbatim, access errors by their message, other
// exceptions "Internal server error" (logged). Errors of host callbacks
// (nested operations, proceed) that the module let propagate are returned
// unchanged.
func (e *Engine) userError(fn string, err error) error {
	var je *jsrt.Error
	if errors.As(err, &je) {
		if je.User {
			return graphql.NewError(je.Message)
		}
		e.log.Error("module function failed", "function", fn, "error", je.Message, "stack", je.Stack)
		return graphql.NewError(graphql.MsgInternalServerError)
	}
	var ae *access.Error
	if errors.As(err, &ae) {
		return graphql.NewError(ae.Message)
	}
	var nf *jsrt.NotFoundError
	var ns *noScriptError
	if errors.As(err, &nf) || errors.As(err, &ns) || errors.Is(err, jsrt.ErrNotSettled) || errors.Is(err, jsrt.ErrTimeout) {
		e.log.Error("module function failed", "function", fn, "error", err)
		return graphql.NewError(graphql.MsgInternalServerError)
	}
	return err
}

type noScriptError struct{ module string }

func (e *noScriptError) Error() string {
	return fmt.Sprintf("module %s has no bundled script (was the model built with a bundler?)", e.module)
}
