package syntax

// Inspect traverses the AST rooted at n in depth-first source order,
// calling fn for each non-nil node; if fn returns false the children of that
// node are skipped. Comments and comment groups are not visited.
func Inspect(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	anns := func(list []*Annotation) {
		for _, a := range list {
			Inspect(a, fn)
		}
	}
	switch n := n.(type) {
	case *File:
		for _, d := range n.Decls {
			Inspect(d, fn)
		}
	case *ImportDecl:
		if n.Path != nil {
			Inspect(n.Path, fn)
		}
	case *ContextDecl:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
		for _, f := range n.Fields {
			Inspect(f, fn)
		}
	case *ModuleDecl:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
		for _, d := range n.Decls {
			Inspect(d, fn)
		}
	case *TypeDecl:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
		for _, m := range n.Members {
			Inspect(m, fn)
		}
	case *EnumDecl:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
		for _, v := range n.Values {
			Inspect(v, fn)
		}
	case *EnumValue:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
	case *MethodDecl:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
		for _, p := range n.Params {
			Inspect(p, fn)
		}
		if n.Result != nil {
			Inspect(n.Result, fn)
		}
	case *InterceptorDecl:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
		for _, p := range n.Params {
			Inspect(p, fn)
		}
	case *Param:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
		if n.Type != nil {
			Inspect(n.Type, fn)
		}
	case *FieldDecl:
		anns(n.Annotations)
		inspectIdent(n.Name, fn)
		if n.Type != nil {
			Inspect(n.Type, fn)
		}
		if n.Default != nil {
			Inspect(n.Default, fn)
		}
	case *Spread:
		inspectIdent(n.Name, fn)
	case *Annotation:
		inspectIdent(n.Name, fn)
		for _, a := range n.Args {
			Inspect(a, fn)
		}
	case *Arg:
		inspectIdent(n.Name, fn)
		Inspect(n.Value, fn)
	case *NamedType:
		inspectIdent(n.Module, fn)
		inspectIdent(n.Name, fn)
		for _, a := range n.Args {
			Inspect(a, fn)
		}
	case *OptionalType:
		Inspect(n.Elem, fn)
	case *SelectorExpr:
		Inspect(n.X, fn)
		inspectIdent(n.Sel, fn)
	case *CallExpr:
		Inspect(n.Fun, fn)
		for _, a := range n.Args {
			Inspect(a, fn)
		}
	case *LambdaExpr:
		for _, p := range n.Params {
			inspectIdent(p, fn)
		}
		Inspect(n.Body, fn)
	case *UnaryExpr:
		Inspect(n.X, fn)
	case *BinaryExpr:
		Inspect(n.X, fn)
		Inspect(n.Y, fn)
	case *ParenExpr:
		Inspect(n.X, fn)
	case *ArrayLit:
		for _, e := range n.Elems {
			Inspect(e, fn)
		}
	case *ObjectLit:
		for _, f := range n.Fields {
			Inspect(f, fn)
		}
	case *ObjectField:
		Inspect(n.Key, fn)
		Inspect(n.Value, fn)
	case *ProjectionExpr:
		inspectIdent(n.Rel, fn)
		inspectIdent(n.Name, fn)
	}
}

func inspectIdent(id *Ident, fn func(Node) bool) {
	if id != nil {
		Inspect(id, fn)
	}
}
