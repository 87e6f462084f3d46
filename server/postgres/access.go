package postgres

import (
	"context"
	"fmt"

	"github.com/exo-dev/exo/ir"
)

// accessKind selects the rule of an ir.Access.
type accessKind uint8

const (
	accessQuery accessKind = iota
	accessCreate
	accessUpdate
	accessDelete
)

func rule(a *ir.Access, k accessKind) *ir.Expr {
	switch k {
	case accessCreate:
		return a.Create
	case accessUpdate:
		return a.Update
	case accessDelete:
		return a.Delete
	}
	return a.Query
}

// solve returns the residual of rule for this request: nil for true, errNotAuthorized for
// false (or a missing rule), else the residual expression.
func (r *run) solve(x *ir.Expr) (*ir.Expr, error) {
	if x == nil {
		return nil, errNotAuthorized
	}
	if r.solved == nil {
		r.solved = make(map[solvedKey]*ir.Expr, 4)
	} else if res, ok := r.solved[solvedKey{x}]; ok {
		return residualResult(res)
	}
	res := x
	if r.e.solver != nil {
		var err error
		if res, err = r.e.solver.Solve(r.ctx, x); err != nil {
			return nil, err
		}
	} else if !isLiteralBool(x) {
		res = &trueExpr
	}
	r.solved[solvedKey{x}] = res
	return residualResult(res)
}

var trueExpr = ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: true}}

func isLiteralBool(x *ir.Expr) bool {
	return x.Kind == ir.ExprLiteral && x.Lit != nil && x.Lit.Kind == ir.LitBool
}

func residualResult(res *ir.Expr) (*ir.Expr, error) {
	if res == nil {
		return nil, errNotAuthorized
	}
	if isLiteralBool(res) {
		if res.Lit.Bool {
			return nil, nil
		}
		return nil, errNotAuthorized
	}
	return res, nil
}

// queryResidual is the residual of ent's query rule.
func (r *run) queryResidual(ent int) (*ir.Expr, error) {
	return r.solve(r.e.sys.Entities[ent].Access.Query)
}

func (r *run) residual(ent int, k accessKind) (*ir.Expr, error) {
	return r.solve(rule(&r.e.sys.Entities[ent].Access, k))
}

func (r *run) fieldAllowedFor(f *ir.Field, k accessKind) error {
	res, err := r.fieldResidual(f, k)
	if err != nil {
		return err
	}
	if res != nil {
		return errNotAuthorized
	}
	return nil
}

// fieldResidual is the residual of a field-level rule: nil when it holds, errNotAuthorized
// when it fails, else a predicate over the row (Exograph allows self in field rules: the rows
// whose field the request may not see are filtered out, as for type-level residuals).
func (r *run) fieldResidual(f *ir.Field, k accessKind) (*ir.Expr, error) {
	if f.Access == nil {
		return nil, nil
	}
	return r.solve(rule(f.Access, k))
}

type strictFieldsKey struct{}

// WithSelectedFieldResidualsDenied returns a context in which selecting a field whose
// field-level query rule leaves a residual (depends on self) is "Not authorized" instead of
// filtering the rows, which is what Exograph's RPC API does for projections (GraphQL filters).
func WithSelectedFieldResidualsDenied(ctx context.Context) context.Context {
	return context.WithValue(ctx, strictFieldsKey{}, true)
}

// selResidual ANDs res with the residuals of the field-level query rules of the fields sel
// selects directly (nested selections filter their own rows).
func (p *planner) selResidual(ent int, res *ir.Expr, sel []*Field) (*ir.Expr, error) {
	e := p.ent(ent)
	info := &p.r.e.ents[ent]
	for _, f := range sel {
		fi, ok := info.fields[f.Name]
		if !ok {
			// <vector>Distance reads the vector field: the same rule guards it.
			fi, ok = info.dists[f.Name]
		}
		if !ok || e.Fields[fi].Access == nil {
			continue
		}
		fr, err := p.r.fieldResidual(&e.Fields[fi], accessQuery)
		if err != nil {
			return nil, err
		}
		if fr != nil && p.r.ctx.Value(strictFieldsKey{}) != nil {
			return nil, errNotAuthorized
		}
		res = andExpr(res, fr)
	}
	return res, nil
}

// andExpr is a && b, where nil stands for true.
func andExpr(a, b *ir.Expr) *ir.Expr {
	switch {
	case a == nil:
		return b
	case b == nil || a == b:
		return a
	}
	return &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpAnd, Left: a, Right: b,
		Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"}}
}

// scope binds the roots of access paths to table aliases.
type scope struct {
	ent    int
	alias  string
	params []paramBinding
	// input, when set, supplies values for self paths instead of columns (create prechecks).
	input *inputRow
}

type paramBinding struct {
	name  string
	ent   int
	alias string
	// input, when set, binds the parameter to a nested creation of the input (no row yet).
	input *inputRow
}

// expr writes a residual access expression as a SQL predicate.
func (p *planner) expr(x *ir.Expr, sc scope) error {
	b := &p.b
	switch x.Kind {
	case ir.ExprLiteral:
		if x.Lit != nil && x.Lit.Kind == ir.LitBool {
			if x.Lit.Bool {
				b.s("TRUE")
			} else {
				b.s("FALSE")
			}
			return nil
		}
		return p.value(x, sc)
	case ir.ExprNot:
		b.s("NOT (")
		if err := p.expr(x.Left, sc); err != nil {
			return err
		}
		b.s(")")
		return nil
	case ir.ExprBinary:
		switch x.Op {
		case ir.OpAnd, ir.OpOr:
			b.s("(")
			if err := p.expr(x.Left, sc); err != nil {
				return err
			}
			if x.Op == ir.OpAnd {
				b.s(" AND ")
			} else {
				b.s(" OR ")
			}
			if err := p.expr(x.Right, sc); err != nil {
				return err
			}
			b.s(")")
			return nil
		case ir.OpIn:
			return p.inExpr(x.Left, x.Right, sc)
		}
		return p.compare(x, sc)
	case ir.ExprContains:
		return p.inExpr(x.Right, x.Left, sc)
	case ir.ExprSome:
		return p.some(x, sc)
	case ir.ExprPath:
		// a boolean field used as a predicate
		return p.value(x, sc)
	}
	return fmt.Errorf("postgres: unsupported access expression kind %d", x.Kind)
}

func isNullLit(x *ir.Expr) bool {
	return x != nil && x.Kind == ir.ExprLiteral && x.Lit != nil && x.Lit.Kind == ir.LitNull
}

func (p *planner) compare(x *ir.Expr, sc scope) error {
	b := &p.b
	l, r := x.Left, x.Right
	if isNullLit(l) {
		l, r = r, l
	}
	if isNullLit(r) {
		b.s("(")
		if err := p.value(l, sc); err != nil {
			return err
		}
		switch x.Op {
		case ir.OpEq:
			b.s(" IS NULL)")
		case ir.OpNeq:
			b.s(" IS NOT NULL)")
		default:
			b.s(" IS NULL AND FALSE)")
		}
		return nil
	}
	b.s("(")
	if err := p.value(l, sc); err != nil {
		return err
	}
	switch x.Op {
	case ir.OpEq:
		b.s(" = ")
	case ir.OpNeq:
		b.s(" <> ")
	case ir.OpLt:
		b.s(" < ")
	case ir.OpLte:
		b.s(" <= ")
	case ir.OpGt:
		b.s(" > ")
	case ir.OpGte:
		b.s(" >= ")
	default:
		return fmt.Errorf("postgres: unsupported comparison %d", x.Op)
	}
	if err := p.value(r, sc); err != nil {
		return err
	}
	b.s(")")
	return nil
}

// inExpr writes elem = ANY(list) for `elem in list` / `list.contains(elem)`.
func (p *planner) inExpr(elem, list *ir.Expr, sc scope) error {
	b := &p.b
	if list.Kind == ir.ExprList {
		if len(list.Items) == 0 {
			b.s("FALSE")
			return nil
		}
		b.s("(")
		if err := p.value(elem, sc); err != nil {
			return err
		}
		b.s(" IN (")
		for i := range list.Items {
			if i > 0 {
				b.s(", ")
			}
			if err := p.value(&list.Items[i], sc); err != nil {
				return err
			}
		}
		b.s("))")
		return nil
	}
	b.s("(")
	if err := p.value(elem, sc); err != nil {
		return err
	}
	b.s(" = ANY(")
	if err := p.value(list, sc); err != nil {
		return err
	}
	b.s("))")
	return nil
}

// litArg returns the bind argument of a literal.
func litArg(l *ir.Literal) any {
	switch l.Kind {
	case ir.LitBool:
		return l.Bool
	case ir.LitInt:
		return l.Int
	case ir.LitFloat:
		return l.Float
	case ir.LitString, ir.LitEnum:
		return l.Str
	}
	return nil
}

// value writes a value expression: a literal (bound), or a path (a column, or a sub-select
// following to-one relations).
func (p *planner) value(x *ir.Expr, sc scope) error {
	b := &p.b
	switch x.Kind {
	case ir.ExprLiteral:
		if x.Lit == nil || x.Lit.Kind == ir.LitNull {
			b.s("NULL")
			return nil
		}
		b.arg(litArg(x.Lit))
		return nil
	case ir.ExprList:
		// bound as a text array: used with = ANY(...)
		items := make([]string, 0, len(x.Items))
		for i := range x.Items {
			if x.Items[i].Lit != nil {
				items = append(items, textOf(litArg(x.Items[i].Lit)))
			}
		}
		b.arg(items)
		b.s("::text[]")
		return nil
	case ir.ExprPath:
		return p.path(x.Path, sc)
	}
	return p.expr(x, sc)
}

// path writes the SQL of self.a.b / param.a.b.
func (p *planner) path(pa *ir.Path, sc scope) error {
	var ent int
	var alias string
	switch pa.Root {
	case ir.RootSelf:
		ent, alias = sc.ent, sc.alias
		if sc.input != nil {
			return p.inputPath(pa, sc)
		}
	case ir.RootParam:
		found := false
		for i := len(sc.params) - 1; i >= 0; i-- {
			if sc.params[i].name == pa.Param {
				if in := sc.params[i].input; in != nil {
					return p.inputPath(pa, scope{ent: sc.params[i].ent, input: in})
				}
				ent, alias, found = sc.params[i].ent, sc.params[i].alias, true
				break
			}
		}
		if !found {
			return fmt.Errorf("postgres: unbound lambda parameter %q", pa.Param)
		}
	default:
		return fmt.Errorf("postgres: unsolved context path in access residual")
	}
	return p.pathFrom(ent, alias, pa.Steps)
}

// pathFrom writes the value of steps starting at row alias of ent.
func (p *planner) pathFrom(ent int, alias string, steps []ir.PathStep) error {
	b := &p.b
	if len(steps) == 0 {
		return fmt.Errorf("postgres: empty access path")
	}
	e := p.ent(ent)
	st := steps[0]
	if st.Field < 0 || st.Field >= len(e.Fields) {
		return fmt.Errorf("postgres: bad access path step %q", st.Name)
	}
	f := &e.Fields[st.Field]
	if f.Kind != ir.FieldRelation {
		b.col(alias, f.Column)
		return nil
	}
	rel := f.Relation
	if len(steps) == 1 {
		// a relation compared as a whole (e.g. with null): its first column
		b.col(alias, rel.Columns[0].Self)
		return nil
	}
	// self.rel.pkField on a to-one owner: the foreign key column itself.
	if rel.Kind == ir.ManyToOne || rel.Kind == ir.OneToOneOwner {
		if len(steps) == 2 {
			tf := &p.ent(rel.Target).Fields[steps[1].Field]
			for _, c := range rel.Columns {
				if tf.Kind != ir.FieldRelation && tf.Column == c.Target {
					b.col(alias, c.Self)
					return nil
				}
			}
		}
	}
	t := b.alias()
	b.s("(SELECT ")
	if err := p.pathFrom(rel.Target, t, steps[1:]); err != nil {
		return err
	}
	b.s(" FROM ")
	p.exprTable(rel.Target)
	b.s(" AS ")
	b.s(t)
	b.s(" WHERE ")
	b.corr(t, alias, rel.Columns)
	b.s(" LIMIT 1)")
	return nil
}

// some writes EXISTS (SELECT 1 FROM target WHERE corr AND body) for coll.some(x => body).
func (p *planner) some(x *ir.Expr, sc scope) error {
	b := &p.b
	if x.Left == nil || x.Left.Kind != ir.ExprPath {
		return fmt.Errorf("postgres: some() over a non-path")
	}
	pa := x.Left.Path
	if sc.input != nil && pa.Root == ir.RootSelf {
		return p.inputSome(x, sc)
	}
	var ent int
	var alias string
	switch pa.Root {
	case ir.RootSelf:
		ent, alias = sc.ent, sc.alias
	case ir.RootParam:
		for i := len(sc.params) - 1; i >= 0; i-- {
			if sc.params[i].name == pa.Param {
				ent, alias = sc.params[i].ent, sc.params[i].alias
			}
		}
	}
	if alias == "" {
		return fmt.Errorf("postgres: some() root not in scope")
	}
	b.s("EXISTS (SELECT 1 FROM ")
	// walk relation steps; the last must be a collection.
	first := true
	cur := alias
	var opened []string
	for _, st := range pa.Steps {
		f := &p.ent(ent).Fields[st.Field]
		if f.Kind != ir.FieldRelation {
			return fmt.Errorf("postgres: some() over non-relation %q", f.Name)
		}
		t := b.alias()
		if !first {
			b.s(", ")
		}
		first = false
		p.exprTable(f.Relation.Target)
		b.s(" AS ")
		b.s(t)
		opened = append(opened, cur, t)
		cur = t
		ent = f.Relation.Target
	}
	b.s(" WHERE ")
	// join conditions
	ent2 := sc.ent
	if pa.Root == ir.RootParam {
		for i := len(sc.params) - 1; i >= 0; i-- {
			if sc.params[i].name == pa.Param {
				ent2 = sc.params[i].ent
				break
			}
		}
	}
	for i, st := range pa.Steps {
		f := &p.ent(ent2).Fields[st.Field]
		if i > 0 {
			b.s(" AND ")
		}
		b.corr(opened[2*i+1], opened[2*i], f.Relation.Columns)
		ent2 = f.Relation.Target
	}
	b.s(" AND ")
	inner := sc
	inner.input = nil
	inner.params = append(sc.params[:len(sc.params):len(sc.params)], paramBinding{name: x.Param, ent: ent, alias: cur})
	if err := p.expr(x.Right, inner); err != nil {
		return err
	}
	b.s(")")
	return nil
}

// inputPart prunes a residual to what a mutation's input determines. Comparisons that read a
// value the input does not determine are not applicable (nil), as in Exograph's prechecks: for
// an update, a field the input does not set (the existing row is checked by the residual in the
// UPDATE's WHERE); for a create, a value the database generates (autoIncrement, now(), uuids).
// na is true when nothing of x applies.
func (p *planner) inputPart(x *ir.Expr, ent int, in *inputRow, creating bool) (out *ir.Expr, na bool) {
	if x == nil {
		return nil, true
	}
	switch x.Kind {
	case ir.ExprLiteral:
		return x, false
	case ir.ExprPath:
		if x.Path == nil || x.Path.Root != ir.RootSelf {
			return x, false
		}
		return x, !p.inputSets(x.Path, ent, in, creating)
	case ir.ExprList:
		for i := range x.Items {
			if _, na := p.inputPart(&x.Items[i], ent, in, creating); na {
				return nil, true
			}
		}
		return x, false
	case ir.ExprNot:
		if _, na := p.inputPart(x.Left, ent, in, creating); na {
			return nil, true
		}
		return x, false
	case ir.ExprSome:
		// a collection of the row being created holds the nested creations; one of an updated
		// row is known only through a to-one relation the update sets (inputSome)
		if x.Left != nil && x.Left.Kind == ir.ExprPath && x.Left.Path != nil && x.Left.Path.Root == ir.RootSelf && !creating {
			pa := x.Left.Path
			if len(pa.Steps) < 2 || !p.inputSets(&ir.Path{Root: ir.RootSelf, Steps: pa.Steps[:1]}, ent, in, false) {
				return nil, true
			}
		}
		return x, false
	case ir.ExprBinary:
		if x.Op == ir.OpAnd || x.Op == ir.OpOr {
			l, lna := p.inputPart(x.Left, ent, in, creating)
			r, rna := p.inputPart(x.Right, ent, in, creating)
			switch {
			case lna && rna:
				return nil, true
			case lna || rna:
				if x.Op == ir.OpOr {
					return nil, true // `na || e` may hold whatever e is
				}
				if lna {
					return r, false
				}
				return l, false
			}
			return &ir.Expr{Kind: ir.ExprBinary, Op: x.Op, Left: l, Right: r, Type: x.Type}, false
		}
	}
	// comparisons, in, contains: not applicable when either side is
	for _, y := range []*ir.Expr{x.Left, x.Right} {
		if y == nil {
			continue
		}
		if _, na := p.inputPart(y, ent, in, creating); na {
			return nil, true
		}
	}
	return x, false
}

// inputSets reports whether the input determines the first field of a self path: it sets it
// (every column of a to-one relation), or, for a create, the field is not generated by the
// database (it is null or takes its literal default).
func (p *planner) inputSets(pa *ir.Path, ent int, in *inputRow, creating bool) bool {
	if len(pa.Steps) == 0 {
		return false
	}
	e := p.ent(ent)
	st := pa.Steps[0]
	if st.Field < 0 || st.Field >= len(e.Fields) {
		return false
	}
	f := &e.Fields[st.Field]
	if f.Kind != ir.FieldRelation {
		if _, ok := in.vals[f.Column]; ok {
			return true
		}
		return creating && !dbGenerated(f)
	}
	if f.Relation.Kind != ir.ManyToOne && f.Relation.Kind != ir.OneToOneOwner {
		return creating
	}
	for _, c := range f.Relation.Columns {
		if _, ok := in.vals[c.Self]; !ok {
			return creating && !dbGenerated(f)
		}
	}
	return true
}

// dbGenerated reports whether the database computes the field's value when a create omits it.
func dbGenerated(f *ir.Field) bool {
	if f.AutoIncrement {
		return true
	}
	if f.Default == nil {
		return false
	}
	switch f.Default.Kind {
	case ir.DefaultAutoIncrement, ir.DefaultNow, ir.DefaultGenerateUUID, ir.DefaultUUIDv4, ir.DefaultUUIDv7:
		return true
	}
	return false
}

// inputSome writes self.<path>.some(...) for a row given by mutation input: a collection
// reached through a to-one relation the input references (self.chat.participants.some(...)
// when creating a participation of chat {id: 1}) is evaluated on the referenced row; otherwise
// on the existing row of an update, and for a row being created the collection is empty.
func (p *planner) inputSome(x *ir.Expr, sc scope) error {
	b := &p.b
	pa := x.Left.Path
	in := sc.input
	if len(pa.Steps) >= 2 {
		e := p.ent(sc.ent)
		st := pa.Steps[0]
		if st.Field >= 0 && st.Field < len(e.Fields) && e.Fields[st.Field].Kind == ir.FieldRelation {
			rel := e.Fields[st.Field].Relation
			if rel.Kind == ir.ManyToOne || rel.Kind == ir.OneToOneOwner {
				provided := true
				for _, c := range rel.Columns {
					if _, ok := in.vals[c.Self]; !ok {
						provided = false
					}
				}
				if provided {
					target := p.ent(rel.Target)
					t := b.alias()
					b.s("EXISTS (SELECT 1 FROM ")
					p.exprTable(rel.Target)
					b.s(" AS ")
					b.s(t)
					b.s(" WHERE ")
					for _, c := range rel.Columns {
						b.col(t, c.Target)
						b.s(" = ")
						p.inputArg(in.vals[c.Self], fieldByColumn(target, c.Target))
						b.s(" AND ")
					}
					rest := *pa
					rest.Steps = pa.Steps[1:]
					rest.Entity = rel.Target
					sub := *x
					sub.Left = &ir.Expr{Kind: ir.ExprPath, Path: &rest, Type: x.Left.Type}
					if err := p.some(&sub, scope{ent: rel.Target, alias: t, params: sc.params}); err != nil {
						return err
					}
					b.s(")")
					return nil
				}
			}
		}
	}
	if in.fallback != "" {
		old := sc
		old.input = nil
		old.alias = in.fallback
		return p.some(x, old)
	}
	// a collection of a row being created: its elements are the nested creations of the input
	if len(pa.Steps) == 1 && in.data != nil {
		e := p.ent(sc.ent)
		st := pa.Steps[0]
		if st.Field >= 0 && st.Field < len(e.Fields) && e.Fields[st.Field].Kind == ir.FieldRelation {
			f := &e.Fields[st.Field]
			items, err := dataList(in.data[f.Name])
			if err != nil {
				return err
			}
			if len(items) > 0 {
				b.s("(")
				for i, item := range items {
					if i > 0 {
						b.s(" OR ")
					}
					cols, vals, _, err := p.r.setValues(f.Relation.Target, item, nil, true, accessCreate)
					if err != nil {
						return err
					}
					row := &inputRow{vals: make(map[string]any, len(cols)), data: item}
					for j, c := range cols {
						row.vals[c] = vals[j]
					}
					inner := sc
					inner.input = nil
					inner.params = append(sc.params[:len(sc.params):len(sc.params)], paramBinding{name: x.Param, ent: f.Relation.Target, input: row})
					b.s("COALESCE(")
					if err := p.expr(x.Right, inner); err != nil {
						return err
					}
					b.s(", FALSE)")
				}
				b.s(")")
				return nil
			}
		}
	}
	// the collection hangs off a row being created and the input adds no elements
	b.s("FALSE")
	return nil
}

// exprTable writes the table of ent in an access predicate: the data-modifying CTE standing
// for it when the predicate filters the rows returned by an update or delete (p.cte).
func (p *planner) exprTable(ent int) {
	if name, ok := p.cte[ent]; ok {
		p.b.s(name)
		return
	}
	p.b.table(p.ent(ent).Table)
}
