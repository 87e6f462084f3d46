package postgres

import (
	"fmt"

	"github.com/exo-dev/exo/ir"
)

// planner writes the SQL of one statement.
type planner struct {
	r   *run
	sys *ir.System
	b   sqlBuf
	// cte maps an entity to the name of a data-modifying CTE that access predicates read
	// instead of its table (see finalSelect).
	cte map[int]string
	// flat is set when rootQuery planned the flat-rows shape (flatrows.go).
	flat *flatPlan
}

func (p *planner) ent(i int) *ir.Entity { return &p.sys.Entities[i] }

// where writes " WHERE a AND b ..." and removes itself when no term was added.
type where struct {
	b     *sqlBuf
	start int
	n     int
}

func (p *planner) where() where {
	w := where{b: &p.b, start: len(p.b.buf)}
	p.b.s(" WHERE ")
	return w
}

func (w *where) and() {
	if w.n > 0 {
		w.b.s(" AND ")
	}
	w.n++
}

func (w *where) end() {
	if w.n == 0 {
		w.b.buf = w.b.buf[:w.start]
	}
}

// parent is the correlation of a nested select with the row that contains it.
type parent struct {
	alias string
	pairs []ir.ColumnPair
}

func (p *planner) rootQuery(op rootOp, f *Field) error {
	switch op.kind {
	case OpCollection:
		fp, err := p.planFlat(op.entity, f.Arguments, f.Selections)
		if err != nil || fp != nil {
			p.flat = fp
			return err
		}
		return p.collection(op.entity, f.Arguments, f.Selections, nil, true)
	case OpAggregate:
		return p.aggregate(op.entity, f.Arguments, f.Selections, nil, true)
	case OpPK:
		return p.single(op.entity, f, p.ent(op.entity).PK)
	case OpUnique:
		return p.single(op.entity, f, p.ent(op.entity).Uniques[op.unique].Fields)
	}
	return fmt.Errorf("postgres: not a query: %q", f.Name)
}

// single writes SELECT json_build_object(...)::text FROM t WHERE <key fields = args>.
func (p *planner) single(ent int, f *Field, keys []int) error {
	res, err := p.r.queryResidual(ent)
	if err != nil {
		return err
	}
	if res, err = p.selResidual(ent, res, f.Selections); err != nil {
		return err
	}
	b := &p.b
	a := b.alias()
	cond := func() error {
		w := p.where()
		if err := p.keyCond(&w, ent, a, keys, f.Arguments); err != nil {
			return err
		}
		if res != nil {
			w.and()
			if err := p.expr(res, scope{ent: ent, alias: a}); err != nil {
				return err
			}
		}
		w.end()
		return nil
	}
	if rowForm(f.Selections) {
		return p.rows(ent, a, f.Selections, "row_to_json(", ")::text", func() { b.table(p.ent(ent).Table) }, cond, true)
	}
	b.s("SELECT ")
	if err := p.object(ent, a, f.Selections); err != nil {
		return err
	}
	b.s("::text FROM ")
	b.table(p.ent(ent).Table)
	b.s(" AS ")
	b.s(a)
	return cond()
}

// keyCond adds alias.col = $n for each key field, taking values from args (scalar fields) or
// from reference objects (relation fields: {id: 1}).
func (p *planner) keyCond(w *where, ent int, alias string, keys []int, args map[string]any) error {
	e := p.ent(ent)
	for _, fi := range keys {
		f := &e.Fields[fi]
		v, ok := args[f.Name]
		if !ok {
			return userErr("Missing required parameter: %s", f.Name)
		}
		if f.Kind == ir.FieldRelation {
			ref, ok := v.(map[string]any)
			if !ok {
				return userErr("Invalid argument '%s'", f.Name)
			}
			target := p.ent(f.Relation.Target)
			for _, c := range f.Relation.Columns {
				tf := fieldByColumn(target, c.Target)
				if tf == nil {
					return fmt.Errorf("postgres: %s.%s: no field for column %q", e.Name, f.Name, c.Target)
				}
				rv, ok := ref[tf.Name]
				if !ok {
					return userErr("Missing required parameter: %s", tf.Name)
				}
				pv, err := p.r.convert(tf, rv)
				if err != nil {
					return err
				}
				w.and()
				p.b.col(alias, c.Self)
				p.b.s(" = ")
				p.b.arg(pv)
			}
			continue
		}
		pv, err := p.r.convert(f, v)
		if err != nil {
			return err
		}
		w.and()
		p.b.col(alias, f.Column)
		if pv == nil {
			p.b.s(" IS NULL")
			continue
		}
		p.b.s(" = ")
		p.b.arg(pv)
	}
	return nil
}

func fieldByColumn(e *ir.Entity, col string) *ir.Field {
	for i := range e.Fields {
		f := &e.Fields[i]
		if f.Kind != ir.FieldRelation && f.Column == col {
			return f
		}
	}
	return nil
}

func isOrdered(args map[string]any) bool {
	if args == nil {
		return false
	}
	for _, k := range [...]string{"orderBy", "limit", "offset"} {
		if v, ok := args[k]; ok && v != nil {
			return true
		}
	}
	return false
}

// collection writes a json_agg over the rows of ent matching args (where, orderBy, limit,
// offset) and correlated with par (nil at the root).
func (p *planner) collection(ent int, args map[string]any, sel []*Field, par *parent, root bool) error {
	res, err := p.r.queryResidual(ent)
	if err != nil {
		return err
	}
	if res, err = p.selResidual(ent, res, sel); err != nil {
		return err
	}
	b := &p.b
	a := b.alias()
	if rowForm(sel) {
		agg := "), '[]'::json)"
		if root {
			agg = "), '[]'::json)::text"
		}
		return p.rows(ent, a, sel, "COALESCE(json_agg(", agg, func() { b.table(p.ent(ent).Table) }, func() error {
			if err := p.rowsWhere(ent, a, args["where"], par, res); err != nil {
				return err
			}
			if isOrdered(args) {
				return p.orderLimit(ent, a, args)
			}
			return nil
		}, root)
	}
	if root {
		b.s("SELECT COALESCE(json_agg(")
	} else {
		b.s("(SELECT COALESCE(json_agg(")
	}
	if err := p.object(ent, a, sel); err != nil {
		return err
	}
	b.s("), '[]'::json)")
	if root {
		b.s("::text")
	}
	b.s(" FROM ")
	ordered := isOrdered(args)
	if ordered {
		b.s("(SELECT ")
		b.s(a)
		b.s(".* FROM ")
	}
	b.table(p.ent(ent).Table)
	b.s(" AS ")
	b.s(a)
	if err := p.rowsWhere(ent, a, args["where"], par, res); err != nil {
		return err
	}
	if ordered {
		if err := p.orderLimit(ent, a, args); err != nil {
			return err
		}
		b.s(") AS ")
		b.s(a)
	}
	if !root {
		b.s(")")
	}
	return nil
}

// rowsWhere writes the WHERE of a row source: correlation, access residual and user filter.
func (p *planner) rowsWhere(ent int, a string, filter any, par *parent, res *ir.Expr) error {
	w := p.where()
	if par != nil {
		w.and()
		p.b.corr(a, par.alias, par.pairs)
	}
	if res != nil {
		w.and()
		if err := p.expr(res, scope{ent: ent, alias: a}); err != nil {
			return err
		}
	}
	if filter != nil {
		m, ok := filter.(map[string]any)
		if !ok {
			return userErr("Invalid field 'where': Invalid argument")
		}
		if len(m) > 0 {
			w.and()
			if err := p.filter(ent, a, m); err != nil {
				return err
			}
		}
	}
	w.end()
	return nil
}

func (p *planner) orderLimit(ent int, a string, args map[string]any) error {
	b := &p.b
	if ob, ok := args["orderBy"]; ok && ob != nil {
		start := len(b.buf)
		b.s(" ORDER BY ")
		n := 0
		if err := p.orderBy(ent, a, ob, nil, &n); err != nil {
			return err
		}
		if n == 0 {
			b.buf = b.buf[:start]
		}
	}
	if v, ok := args["limit"]; ok && v != nil {
		n, err := intArg("limit", v)
		if err != nil {
			return err
		}
		b.s(" LIMIT ")
		b.arg(n)
	}
	if v, ok := args["offset"]; ok && v != nil {
		n, err := intArg("offset", v)
		if err != nil {
			return err
		}
		b.s(" OFFSET ")
		b.arg(n)
	}
	return nil
}

// object writes json_build_object(...) for the selection over the row alias a of ent.
func (p *planner) object(ent int, a string, sel []*Field) error {
	b := &p.b
	b.s("json_build_object(")
	for i, f := range sel {
		if i > 0 {
			b.s(", ")
		}
		b.lit(key(f))
		b.s(", ")
		if err := p.fieldValue(ent, a, f); err != nil {
			return err
		}
	}
	b.s(")")
	return nil
}

// rowForm reports whether the selection can be built as a row (column aliases become the
// JSON keys): keys must fit PostgreSQL's 63-byte identifiers.
func rowForm(sel []*Field) bool {
	if !useRowJSON {
		return len(sel) > 50
	}
	for _, f := range sel {
		if len(key(f)) > 63 {
			return len(sel) > 50
		}
	}
	return true
}

// useRowJSON selects the row_to_json/json_agg(row) shape for objects instead of
// json_build_object (see PERFORMANCE-NOTES; both give the same JSON values).
var useRowJSON = true

// selectList writes "<value> AS "key", ..." for the selection over alias a of ent.
func (p *planner) selectList(ent int, a string, sel []*Field) error {
	b := &p.b
	for i, f := range sel {
		if i > 0 {
			b.s(", ")
		}
		if err := p.fieldValue(ent, a, f); err != nil {
			return err
		}
		b.s(" AS ")
		b.ident(key(f))
	}
	return nil
}

// fieldValue writes the JSON-ready value of one selected field of the row alias a of ent.
func (p *planner) fieldValue(ent int, a string, f *Field) error {
	b := &p.b
	e := p.ent(ent)
	info := &p.r.e.ents[ent]
	if f.Name == "__typename" {
		b.lit(e.Name)
		b.s("::text")
		return nil
	}
	if fi, ok := info.fields[f.Name]; ok {
		fd := &e.Fields[fi]
		// a residual of the field's rule is part of the row filter (selResidual)
		if _, err := p.r.fieldResidual(fd, accessQuery); err != nil {
			return err
		}
		if fd.Kind != ir.FieldRelation {
			p.output(fd, a)
			return nil
		}
		rel := fd.Relation
		par := &parent{alias: a, pairs: rel.Columns}
		if rel.Kind == ir.OneToMany {
			return p.collection(rel.Target, f.Arguments, f.Selections, par, false)
		}
		return p.related(rel.Target, f.Selections, par)
	}
	if fi, ok := info.aggs[f.Name]; ok {
		rel := e.Fields[fi].Relation
		return p.aggregate(rel.Target, f.Arguments, f.Selections, &parent{alias: a, pairs: rel.Columns}, false)
	}
	if fi, ok := info.dists[f.Name]; ok {
		return p.distance(&e.Fields[fi], a, f.Arguments["to"])
	}
	return fmt.Errorf("postgres: unknown field %q of %s", f.Name, e.Name)
}

// rows writes a row source in row form: (SELECT <agg>(r) FROM (SELECT <list> FROM <from> AS a
// <rest>) AS r). from writes the table (or CTE) name; rest writes WHERE/ORDER/LIMIT.
func (p *planner) rows(ent int, a string, sel []*Field, open, agg string, from func(), rest func() error, root bool) error {
	b := &p.b
	r := b.alias()
	if !root {
		b.s("(")
	}
	b.s("SELECT ")
	b.s(open)
	b.s(r)
	b.s(agg)
	b.s(" FROM (SELECT ")
	if err := p.selectList(ent, a, sel); err != nil {
		return err
	}
	b.s(" FROM ")
	from()
	b.s(" AS ")
	b.s(a)
	if rest != nil {
		if err := rest(); err != nil {
			return err
		}
	}
	b.s(") AS ")
	b.s(r)
	if !root {
		b.s(")")
	}
	return nil
}

// related writes the sub-select of a to-one relation.
func (p *planner) related(ent int, sel []*Field, par *parent) error {
	res, err := p.r.queryResidual(ent)
	if err != nil {
		return err
	}
	if res, err = p.selResidual(ent, res, sel); err != nil {
		return err
	}
	b := &p.b
	a := b.alias()
	if rowForm(sel) {
		return p.rows(ent, a, sel, "row_to_json(", ")", func() { b.table(p.ent(ent).Table) }, func() error {
			return p.rowsWhere(ent, a, nil, par, res)
		}, false)
	}
	b.s("(SELECT ")
	if err := p.object(ent, a, sel); err != nil {
		return err
	}
	b.s(" FROM ")
	b.table(p.ent(ent).Table)
	b.s(" AS ")
	b.s(a)
	if err := p.rowsWhere(ent, a, nil, par, res); err != nil {
		return err
	}
	b.s(")")
	return nil
}

// output writes the JSON-ready expression of a scalar or @json column.
func (p *planner) output(f *ir.Field, a string) {
	b := &p.b
	if f.Kind == ir.FieldJSON {
		b.col(a, f.Column)
		return
	}
	t := f.Type
	if t.Kind == ir.KindArray {
		b.col(a, f.Column)
		if elemScalar(t) == ir.Decimal {
			b.s("::text[]")
		}
		return
	}
	if t.Kind != ir.KindScalar {
		b.col(a, f.Column)
		return
	}
	switch t.Scalar {
	case ir.Decimal:
		b.col(a, f.Column)
		b.s("::text")
	case ir.Blob:
		b.s("translate(encode(")
		b.col(a, f.Column)
		b.s(", 'base64'), E'\\n', '')")
	case ir.Vector:
		b.col(a, f.Column)
		b.s("::text::json")
	default:
		b.col(a, f.Column)
	}
}

func elemScalar(t ir.TypeRef) ir.Scalar {
	for t.Kind == ir.KindArray && t.Elem != nil {
		t = *t.Elem
	}
	if t.Kind == ir.KindScalar {
		return t.Scalar
	}
	return ir.ScalarInvalid
}

func vectorOp(f *ir.Field) string {
	switch f.VectorDistance {
	case "l2":
		return " <-> "
	case "ip":
		return " <#> "
	}
	return " <=> "
}

// distance writes (col <=> $n::vector) for <field>Distance(to:).
func (p *planner) distance(f *ir.Field, a string, to any) error {
	v, err := p.r.vectorValue(f, to)
	if err != nil {
		return err
	}
	p.b.s("(")
	p.b.col(a, f.Column)
	p.b.s(vectorOp(f))
	p.b.arg(v)
	p.b.s("::vector)")
	return nil
}

// aggregate writes json_build_object of per-field aggregates over the rows of ent.
func (p *planner) aggregate(ent int, args map[string]any, sel []*Field, par *parent, root bool) error {
	res, err := p.r.queryResidual(ent)
	if err != nil {
		return err
	}
	if res, err = p.selResidual(ent, res, sel); err != nil {
		return err
	}
	b := &p.b
	e := p.ent(ent)
	info := &p.r.e.ents[ent]
	a := b.alias()
	if root {
		b.s("SELECT json_build_object(")
	} else {
		b.s("(SELECT json_build_object(")
	}
	for i, f := range sel {
		if i > 0 {
			b.s(", ")
		}
		b.lit(key(f))
		b.s(", ")
		if f.Name == "__typename" {
			b.lit(e.Names.AggType)
			continue
		}
		fi, ok := info.fields[f.Name]
		if !ok || e.Fields[fi].Kind == ir.FieldRelation {
			return fmt.Errorf("postgres: unknown aggregate field %q of %s", f.Name, e.Name)
		}
		fd := &e.Fields[fi]
		if _, err := p.r.fieldResidual(fd, accessQuery); err != nil {
			return err
		}
		b.s("json_build_object(")
		for j, g := range f.Selections {
			if j > 0 {
				b.s(", ")
			}
			b.lit(key(g))
			b.s(", ")
			if err := p.aggFunc(fd, a, g.Name); err != nil {
				return err
			}
		}
		b.s(")")
	}
	b.s(")")
	if root {
		b.s("::text")
	}
	b.s(" FROM ")
	b.table(e.Table)
	b.s(" AS ")
	b.s(a)
	if err := p.rowsWhere(ent, a, args["where"], par, res); err != nil {
		return err
	}
	if !root {
		b.s(")")
	}
	return nil
}

func (p *planner) aggFunc(f *ir.Field, a, fn string) error {
	b := &p.b
	sc := ir.ScalarInvalid
	if f.Type.Kind == ir.KindScalar {
		sc = f.Type.Scalar
	}
	switch fn {
	case "__typename":
		name := "Agg"
		switch f.Type.Kind {
		case ir.KindScalar:
			name = sc.String() + "Agg"
		case ir.KindEnum:
			name = f.Type.Name + "Agg"
		case ir.KindArray:
			name = elemScalar(f.Type).String() + "Agg"
		}
		b.lit(name)
		return nil
	case "count":
		b.s("COUNT(")
		b.col(a, f.Column)
		b.s(")")
		return nil
	case "min", "max", "sum", "avg":
	default:
		return fmt.Errorf("postgres: unknown aggregate %q", fn)
	}
	switch fn {
	case "min":
		b.s("MIN(")
	case "max":
		b.s("MAX(")
	case "sum":
		b.s("SUM(")
	default:
		b.s("AVG(")
	}
	b.col(a, f.Column)
	b.s(")")
	// Decimal aggregates stay numeric: Exograph returns them as JSON numbers
	// (PostgreSQL's json rendering of numeric), unlike Decimal field values.
	switch sc {
	case ir.Int:
		if fn == "avg" {
			b.s("::float8")
		}
	case ir.Vector:
		b.s("::text::json")
	}
	return nil
}
