package check

import (
	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/ir"
)

// buildModules checks the types, operations and interceptors of @deno and
// @wasm modules.
func (c *checker) buildModules() {
	order := 0
	for _, m := range c.modules {
		if m.kind == modPostgres {
			continue
		}
		src := m.src
		for _, d := range m.decl.Decls {
			switch d := d.(type) {
			case *syntax.TypeDecl:
				if d.Fragment || d.Name == nil {
					continue
				}
				i, ok := m.types[d.Name.Name]
				if !ok {
					continue
				}
				c.buildModuleType(m, &m.out.Types[i], d)
			case *syntax.MethodDecl:
				op := c.buildOperation(m, d)
				var at syntax.Node = d
				if d.Name != nil {
					at = d.Name
				}
				if d.Kind == syntax.Mutation {
					m.out.Mutations = append(m.out.Mutations, op)
					m.out.MutationSpans = append(m.out.MutationSpans, src.File.Span(at))
				} else {
					m.out.Queries = append(m.out.Queries, op)
					m.out.QuerySpans = append(m.out.QuerySpans, src.File.Span(at))
				}
			case *syntax.InterceptorDecl:
				if m.kind == modWasm {
					// Interceptors receive the operation as a JavaScript
					// object; a WebAssembly function cannot.
					var at syntax.Node = d
					if d.Name != nil {
						at = d.Name
					}
					c.errorf(src, at, "check/wasm-interceptor", "Interceptors are not supported in @wasm modules (declare them in a @deno module)")
					continue
				}
				ic := c.buildInterceptor(m, d)
				ic.Order = order
				order++
				c.model.Interceptors = append(c.model.Interceptors, ic)
			case *syntax.EnumDecl:
			default:
				_ = src
			}
		}
	}
	// Record how module types are used.
	for _, mod := range c.model.Modules {
		for _, ops := range [][]ir.Operation{mod.Queries, mod.Mutations} {
			for _, op := range ops {
				for _, a := range op.Args {
					c.markUse(a.Type, true, map[*ir.ModuleType]bool{})
				}
				c.markUse(op.Return, false, map[*ir.ModuleType]bool{})
			}
		}
	}
}

// markUse flags module types reachable from t as input or output types.
func (c *checker) markUse(t ir.TypeRef, input bool, seen map[*ir.ModuleType]bool) {
	switch t.Kind {
	case ir.KindArray, ir.KindSet:
		if t.Elem != nil {
			c.markUse(*t.Elem, input, seen)
		}
	case ir.KindModuleType:
		if t.Module < 0 || t.Module >= len(c.model.Modules) || t.Index >= len(c.model.Modules[t.Module].Types) {
			return
		}
		mt := &c.model.Modules[t.Module].Types[t.Index]
		if seen[mt] {
			return
		}
		seen[mt] = true
		if input {
			mt.Input = true
		} else {
			mt.Output = true
		}
		for _, f := range mt.Fields {
			c.markUse(f.Type, input, seen)
		}
	}
}

func (c *checker) buildModuleType(m *module, mt *ir.ModuleType, d *syntax.TypeDecl) {
	src := m.src
	env := exprEnv{src: src}
	mt.Access = ir.Access{Query: falseExpr(), Create: falseExpr(), Update: falseExpr(), Delete: falseExpr()}
	for _, a := range d.Annotations {
		switch a.Name.Name {
		case "access":
			mt.Access = c.access(env, a)
		case "external", "json":
		default:
			c.errorf(src, a, "check/annotation-target", "Annotation @%s is not allowed on module types", a.Name.Name)
		}
	}
	seen := map[string]*syntax.FieldDecl{}
	for _, mf := range c.members(src, d.Members, map[string]bool{}) {
		f := mf.decl
		if prev := seen[f.Name.Name]; prev != nil {
			c.duplicateField(mf.src, prev, f)
			continue
		}
		seen[f.Name.Name] = f
		for _, a := range f.Annotations {
			// Fragments may be shared with Postgres types: their database
			// annotations are meaningless (and ignored) in module types.
			if _, ok := postgresFieldAnnotations[a.Name.Name]; !ok {
				c.errorf(mf.src, a, "check/annotation-target", "Annotation @%s is not allowed on module type fields", a.Name.Name)
			}
		}
		ref, opt := c.resolveType(mf.src, f.Type, m)
		mt.Fields = append(mt.Fields, ir.ModuleField{Name: f.Name.Name, Doc: f.Doc.Text(), Type: ref, Optional: opt})
	}
}

func (c *checker) params(m *module, ps []*syntax.Param, allInjected bool) []ir.Arg {
	var out []ir.Arg
	seen := map[string]bool{}
	for _, p := range ps {
		if p.Name == nil {
			continue
		}
		if seen[p.Name.Name] {
			c.errorf(m.src, p.Name, "check/duplicate-param", "Duplicate parameter: %s", p.Name.Name)
			continue
		}
		seen[p.Name.Name] = true
		ref, opt := c.resolveType(m.src, p.Type, m)
		arg := ir.Arg{Name: p.Name.Name, Type: ref, Optional: opt, Injected: allInjected}
		for _, a := range p.Annotations {
			if a.Name.Name == "inject" {
				c.noArgs(m.src, a)
				arg.Injected = true
				continue
			}
			c.errorf(m.src, a, "check/annotation-target", "Annotation @%s is not allowed on parameters", a.Name.Name)
		}
		if ref.Kind == ir.KindInjected || ref.Kind == ir.KindContext {
			if !arg.Injected && p.Type != nil {
				c.errorf(m.src, p, "check/inject", "Parameter %s of type %s must be marked @inject", p.Name.Name, ref.Name)
			}
			arg.Injected = true
		} else if arg.Injected && ref.Kind != 0 {
			c.errorf(m.src, p, "check/inject", "Only contexts, Exograph, ExographPriv and Operation can be injected")
		}
		if ref.Kind == ir.KindEntity {
			c.errorf(m.src, p.Type, "check/param-type", "Postgres type %s cannot be a module parameter", ref.Name)
		}
		out = append(out, arg)
	}
	return out
}

func (c *checker) buildOperation(m *module, d *syntax.MethodDecl) ir.Operation {
	op := ir.Operation{Name: identName(d.Name), Doc: d.Doc.Text(), Exported: d.Export.IsValid()}
	for _, a := range d.Annotations {
		switch a.Name.Name {
		case "access":
			args := c.annotationArgs(m.src, a, []string{"value"}, nil)
			if e, ok := args["value"]; ok {
				op.Access = c.boolExpr(exprEnv{src: m.src}, e)
			} else {
				c.errorf(m.src, a, "check/annotation-args", "@access requires an expression")
			}
		default:
			c.errorf(m.src, a, "check/annotation-target", "Annotation @%s is not allowed on queries and mutations", a.Name.Name)
		}
	}
	op.Args = c.params(m, d.Params, false)
	if d.Result == nil {
		c.errorAt(m.src, d.Pos(), d.End(), "check/missing-return", "%s %s must declare a return type", d.Kind, op.Name)
	} else {
		op.Return, op.ReturnOptional = c.resolveType(m.src, d.Result, m)
	}
	if m.kind == modWasm {
		c.checkWasmSignature(m, d, &op)
	}
	return op
}

// checkWasmSignature reports the parameters and the return type of a @wasm
// operation that cannot map to WebAssembly numbers: only Int (i32 or i64),
// Float (f32 or f64) and Boolean (i32) can. Injected arguments cannot be
// passed to WebAssembly either.
func (c *checker) checkWasmSignature(m *module, d *syntax.MethodDecl, op *ir.Operation) {
	i := 0
	for _, p := range d.Params {
		if p.Name == nil {
			continue
		}
		if i >= len(op.Args) || op.Args[i].Name != p.Name.Name {
			continue // a duplicate, already reported
		}
		a := &op.Args[i]
		i++
		if a.Type.Kind == 0 || p.Type == nil {
			continue // unknown type, already reported
		}
		switch {
		case a.Injected:
			c.errorf(m.src, p, "check/wasm-type", "Parameter %s of %s %s cannot be injected: @wasm functions take only Int, Float and Boolean arguments", a.Name, d.Kind, op.Name)
		case !WasmNumber(a.Type):
			c.errorf(m.src, p.Type, "check/wasm-type", "Type %s of parameter %s is not supported in @wasm modules: only Int, Float and Boolean map to WebAssembly numbers", typeString(a.Type), a.Name)
		}
	}
	if d.Result != nil && op.Return.Kind != 0 && !WasmNumber(op.Return) {
		c.errorf(m.src, d.Result, "check/wasm-type", "Return type %s of %s %s is not supported in @wasm modules: only Int, Float and Boolean map to WebAssembly numbers", typeString(op.Return), d.Kind, op.Name)
	}
}

// WasmNumber reports whether t can cross into a WebAssembly function as a
// number: Int (i32 or i64), Float (f32 or f64) or Boolean (i32 0 or 1).
func WasmNumber(t ir.TypeRef) bool {
	return t.Kind == ir.KindScalar && (t.Scalar == ir.Int || t.Scalar == ir.Float || t.Scalar == ir.Boolean)
}

func (c *checker) buildInterceptor(m *module, d *syntax.InterceptorDecl) ir.Interceptor {
	ic := ir.Interceptor{Module: m.index, Name: identName(d.Name)}
	var when *syntax.Annotation
	for _, a := range d.Annotations {
		var k ir.InterceptorKind
		switch a.Name.Name {
		case "before":
			k = ir.Before
		case "after":
			k = ir.After
		case "around":
			k = ir.Around
		default:
			c.errorf(m.src, a, "check/annotation-target", "Annotation @%s is not allowed on interceptors", a.Name.Name)
			continue
		}
		if when != nil {
			c.errorf(m.src, a, "check/interceptor-kind", "An interceptor must have exactly one of @before, @after and @around")
			continue
		}
		when = a
		ic.Kind = k
		args := c.annotationArgs(m.src, a, []string{"value"}, nil)
		if e, ok := args["value"]; ok {
			ic.Pattern = c.pattern(m.src, e)
		} else {
			c.errorf(m.src, a, "check/annotation-args", "@%s requires an operation selection expression", a.Name.Name)
		}
	}
	if when == nil {
		c.errorAt(m.src, d.Pos(), d.End(), "check/interceptor-kind", "An interceptor must have one of @before, @after and @around")
	}
	ic.Args = c.params(m, d.Params, true)
	return ic
}

// pattern converts an interceptor selection expression: string literals
// combined with &&, || and !, or a boolean literal.
func (c *checker) pattern(src Source, e syntax.Expr) ir.Expr {
	switch e := e.(type) {
	case *syntax.ParenExpr:
		return c.pattern(src, e.X)
	case *syntax.BasicLit:
		if e.Kind == syntax.StringLit || e.Kind == syntax.BoolLit {
			x := c.expr(exprEnv{src: src}, e)
			return *x
		}
	case *syntax.UnaryExpr:
		if e.Op == syntax.NOT {
			x := c.pattern(src, e.X)
			return ir.Expr{Kind: ir.ExprNot, Left: &x, Type: boolType}
		}
	case *syntax.BinaryExpr:
		if e.Op == syntax.LAND || e.Op == syntax.LOR {
			l, r := c.pattern(src, e.X), c.pattern(src, e.Y)
			return ir.Expr{Kind: ir.ExprBinary, Op: binaryOps[e.Op], Left: &l, Right: &r, Type: boolType}
		}
	}
	if e != nil {
		c.errorf(src, e, "check/interceptor-pattern", "Interceptor selection must be a string pattern or a combination of patterns with &&, || and !")
	}
	return *falseExpr()
}
