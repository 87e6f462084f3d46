package postgres

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/exo-dev/exo/ir"
)

// inputRow supplies values for self paths of an access residual evaluated against mutation
// input: columns being written are bound from vals; other columns come from the existing row
// (fallback alias, updates) or are NULL / the literal default (creates).
type inputRow struct {
	vals     map[string]any
	fallback string
	// data is the GraphQL input of a row being created: some() over its collections reads
	// the nested creations.
	data map[string]any
}

// castType is the SQL type to cast a bound input value to.
func castType(f *ir.Field) string {
	t := f.DBType
	switch strings.ToUpper(t) {
	case "SERIAL":
		return "INT"
	case "BIGSERIAL":
		return "BIGINT"
	case "SMALLSERIAL":
		return "SMALLINT"
	case "":
		return "text"
	}
	return t
}

func (p *planner) inputArg(v any, f *ir.Field) {
	if v == nil {
		p.b.s("NULL::")
	} else {
		p.b.arg(v)
		p.b.s("::")
	}
	p.b.s(castType(f))
}

// inputPath writes a self path against input values.
func (p *planner) inputPath(pa *ir.Path, sc scope) error {
	b := &p.b
	in := sc.input
	e := p.ent(sc.ent)
	st := pa.Steps[0]
	f := &e.Fields[st.Field]
	if f.Kind != ir.FieldRelation {
		if v, ok := in.vals[f.Column]; ok {
			p.inputArg(v, f)
			return nil
		}
		if in.fallback != "" {
			b.col(in.fallback, f.Column)
			return nil
		}
		if f.Default != nil && f.Default.Kind == ir.DefaultLiteral && f.Default.Literal != nil {
			p.inputArg(litArg(f.Default.Literal), f)
			return nil
		}
		b.s("NULL")
		return nil
	}
	rel := f.Relation
	owner := rel.Kind == ir.ManyToOne || rel.Kind == ir.OneToOneOwner
	provided := owner
	for _, c := range rel.Columns {
		if _, ok := in.vals[c.Self]; !ok {
			provided = false
		}
	}
	if !provided {
		if in.fallback != "" {
			return p.pathFrom(sc.ent, in.fallback, pa.Steps)
		}
		b.s("NULL")
		return nil
	}
	target := p.ent(rel.Target)
	if len(pa.Steps) == 1 {
		c := rel.Columns[0]
		p.inputArg(in.vals[c.Self], fieldByColumn(target, c.Target))
		return nil
	}
	if len(pa.Steps) == 2 {
		tf := &target.Fields[pa.Steps[1].Field]
		for _, c := range rel.Columns {
			if tf.Kind != ir.FieldRelation && tf.Column == c.Target {
				p.inputArg(in.vals[c.Self], tf)
				return nil
			}
		}
	}
	t := b.alias()
	b.s("(SELECT ")
	if err := p.pathFrom(rel.Target, t, pa.Steps[1:]); err != nil {
		return err
	}
	b.s(" FROM ")
	b.table(target.Table)
	b.s(" AS ")
	b.s(t)
	b.s(" WHERE ")
	for i, c := range rel.Columns {
		if i > 0 {
			b.s(" AND ")
		}
		b.col(t, c.Target)
		b.s(" = ")
		p.inputArg(in.vals[c.Self], fieldByColumn(target, c.Target))
	}
	b.s(")")
	return nil
}

// dataList returns the items of a data argument (a single object is a one-item list).
func dataList(v any) ([]map[string]any, error) {
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}, nil
	case []any:
		out := make([]map[string]any, 0, len(x))
		for _, it := range x {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, userErr("Invalid argument 'data'")
			}
			out = append(out, m)
		}
		return out, nil
	case nil:
		return nil, nil
	}
	return nil, userErr("Invalid argument 'data'")
}

// create runs createX / createXs.
func (r *run) create(op rootOp, f *Field) (json.RawMessage, error) {
	items, err := dataList(f.Arguments["data"])
	if err != nil {
		return nil, err
	}
	keys := make([][]any, 0, len(items))
	for _, data := range items {
		row, err := r.insert(op.entity, data, nil)
		if err != nil {
			return nil, err
		}
		keys = append(keys, r.keyOf(op.entity, row))
	}
	return r.selectKeys(op.entity, keys, f.Selections, op.kind == OpCreateMany)
}

func (r *run) keyOf(ent int, row map[string]any) []any {
	cols := r.e.ents[ent].pkCols
	k := make([]any, len(cols))
	for i, c := range cols {
		k[i] = row[c]
	}
	return k
}

// setValues collects the column values of the scalar and to-one relation fields of data, in
// field order. fixed columns (set from a parent) win over data. fres is the conjunction of the
// residuals of the field-level rules (kind k) of the fields data sets.
func (r *run) setValues(ent int, data map[string]any, fixed map[string]any, creating bool, k accessKind) (cols []string, vals []any, fres *ir.Expr, err error) {
	e := &r.e.sys.Entities[ent]
	for i := range e.Fields {
		f := &e.Fields[i]
		v, ok := data[f.Name]
		if f.Kind == ir.FieldRelation {
			rel := f.Relation
			if rel.Kind != ir.ManyToOne && rel.Kind != ir.OneToOneOwner {
				continue
			}
			if _, isFixed := fixed[rel.Columns[0].Self]; isFixed {
				continue
			}
			if !ok {
				if creating && f.Default != nil && f.Default.Kind == ir.DefaultContext && r.e.solver != nil {
					cv, has, err := r.e.solver.ContextValue(r.ctx, f.Default.Context, f.Default.ContextField)
					if err != nil {
						return nil, nil, nil, err
					}
					if has {
						target := &r.e.sys.Entities[rel.Target]
						tf := fieldByColumn(target, rel.Columns[0].Target)
						pv, err := r.convert(tf, cv)
						if err != nil {
							return nil, nil, nil, err
						}
						cols = append(cols, rel.Columns[0].Self)
						vals = append(vals, pv)
					}
				}
				continue
			}
			fr, err := r.fieldResidual(f, k)
			if err != nil {
				return nil, nil, nil, err
			}
			fres = andExpr(fres, fr)
			if v == nil {
				for _, c := range rel.Columns {
					cols = append(cols, c.Self)
					vals = append(vals, nil)
				}
				continue
			}
			ref, ok := v.(map[string]any)
			if !ok {
				return nil, nil, nil, r.convErr(f)
			}
			target := &r.e.sys.Entities[rel.Target]
			for _, c := range rel.Columns {
				tf := fieldByColumn(target, c.Target)
				if tf == nil {
					return nil, nil, nil, fmt.Errorf("postgres: %s.%s: no target field for %q", e.Name, f.Name, c.Target)
				}
				rv, ok := ref[tf.Name]
				if !ok {
					return nil, nil, nil, userErr("Missing required primary key field '%s' for nested operation.", tf.Name)
				}
				pv, err := r.convert(tf, rv)
				if err != nil {
					return nil, nil, nil, err
				}
				cols = append(cols, c.Self)
				vals = append(vals, pv)
			}
			continue
		}
		if !ok {
			if creating && f.Default != nil && f.Default.Kind == ir.DefaultContext && r.e.solver != nil {
				cv, has, err := r.e.solver.ContextValue(r.ctx, f.Default.Context, f.Default.ContextField)
				if err != nil {
					return nil, nil, nil, err
				}
				if has {
					pv, err := r.convert(f, cv)
					if err != nil {
						return nil, nil, nil, err
					}
					cols = append(cols, f.Column)
					vals = append(vals, pv)
				}
			}
			continue
		}
		fr, err := r.fieldResidual(f, k)
		if err != nil {
			return nil, nil, nil, err
		}
		fres = andExpr(fres, fr)
		pv, err := r.convert(f, v)
		if err != nil {
			return nil, nil, nil, err
		}
		cols = append(cols, f.Column)
		vals = append(vals, pv)
	}
	return cols, vals, fres, nil
}

// insert inserts one row of ent from data (plus fixed columns from a parent), then its nested
// children, and returns the row's returned columns (pk and referenced columns).
func (r *run) insert(ent int, data map[string]any, fixed []colVal) (map[string]any, error) {
	res, err := r.residual(ent, accessCreate)
	if err != nil {
		return nil, err
	}
	fixedMap := map[string]any{}
	for _, cv := range fixed {
		fixedMap[cv.col] = cv.val
	}
	cols, vals, fres, err := r.setValues(ent, data, fixedMap, true, accessCreate)
	if err != nil {
		return nil, err
	}
	res = andExpr(res, fres)
	for _, cv := range fixed {
		cols = append(cols, cv.col)
		vals = append(vals, cv.val)
	}
	if res != nil {
		if err := r.precheck(ent, res, cols, vals, data, true); err != nil {
			return nil, err
		}
	}
	e := &r.e.sys.Entities[ent]
	info := &r.e.ents[ent]
	p := r.planner()
	b := &p.b
	b.s("INSERT INTO ")
	b.table(e.Table)
	if len(cols) == 0 {
		b.s(" DEFAULT VALUES")
	} else {
		b.s(" (")
		for i, c := range cols {
			if i > 0 {
				b.s(", ")
			}
			b.ident(c)
		}
		b.s(") VALUES (")
		for i, v := range vals {
			if i > 0 {
				b.s(", ")
			}
			if v == nil {
				b.s("NULL")
				continue
			}
			b.arg(v)
		}
		b.s(")")
	}
	row, err := r.returning(p, info.retCols)
	if err != nil {
		return nil, err
	}
	if row == nil {
		return nil, fmt.Errorf("postgres: insert into %s returned no row", e.Name)
	}
	if err := r.nestedCreates(ent, data, row); err != nil {
		return nil, err
	}
	return row, nil
}

type colVal struct {
	col string
	val any
}

// nestedCreates inserts the children given in data's collection (and referenced one-to-one)
// fields, with their foreign keys set to the parent row.
func (r *run) nestedCreates(ent int, data map[string]any, row map[string]any) error {
	e := &r.e.sys.Entities[ent]
	for i := range e.Fields {
		f := &e.Fields[i]
		if f.Kind != ir.FieldRelation || (f.Relation.Kind != ir.OneToMany && f.Relation.Kind != ir.OneToOneReferenced) {
			continue
		}
		v, ok := data[f.Name]
		if !ok || v == nil {
			continue
		}
		items, err := dataList(v)
		if err != nil {
			return err
		}
		if err := r.createChildren(f, items, row); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) createChildren(f *ir.Field, items []map[string]any, parentRow map[string]any) error {
	fixed := make([]colVal, len(f.Relation.Columns))
	for i, c := range f.Relation.Columns {
		fixed[i] = colVal{col: c.Target, val: parentRow[c.Self]}
	}
	for _, item := range items {
		if _, err := r.insert(f.Relation.Target, item, fixed); err != nil {
			return err
		}
	}
	return nil
}

// returning appends RETURNING cols to p, runs it and returns the first row (nil if none).
func (r *run) returning(p *planner, cols []string) (map[string]any, error) {
	rows, err := r.returningAll(p, cols)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

func (r *run) returningAll(p *planner, cols []string) ([]map[string]any, error) {
	b := &p.b
	if len(cols) > 0 {
		b.s(" RETURNING ")
		for i, c := range cols {
			if i > 0 {
				b.s(", ")
			}
			b.ident(c)
		}
	}
	rows, err := r.q.Query(r.ctx, string(b.buf), b.args...)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		vs, err := rows.Values()
		if err != nil {
			return nil, dbErr(err)
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			if i < len(vs) {
				m[c] = vs[i]
			}
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbErr(err)
	}
	if out == nil {
		out = []map[string]any{}
	}
	return out, nil
}

// precheck evaluates the part of a create (or update) residual that the input values
// determine with one SELECT; it fails with "Not authorized". Comparisons that read values the
// input does not determine are not applicable (see inputPart).
func (r *run) precheck(ent int, res *ir.Expr, cols []string, vals []any, data map[string]any, creating bool) error {
	in := &inputRow{vals: make(map[string]any, len(cols)), data: data}
	for i, c := range cols {
		in.vals[c] = vals[i]
	}
	p := r.planner()
	part, na := p.inputPart(res, ent, in, creating)
	if na {
		return nil
	}
	p.b.s("SELECT COALESCE(")
	if err := p.expr(part, scope{ent: ent, input: in}); err != nil {
		return err
	}
	p.b.s(", FALSE)")
	var ok bool
	if err := r.q.QueryRow(r.ctx, string(p.b.buf), p.b.args...).Scan(&ok); err != nil {
		return dbErr(err)
	}
	if !ok {
		return errNotAuthorized
	}
	return nil
}

// updatePrecheck checks the part of an update residual that the input values determine (the
// fields the update sets): when it fails the update is "Not authorized", whereas a residual
// that only the existing rows fail filters them out (the result is null or shorter).
func (r *run) updatePrecheck(ent int, res *ir.Expr, cols []string, vals []any) error {
	if res == nil || len(cols) == 0 {
		return nil
	}
	return r.precheck(ent, res, cols, vals, nil, false)
}

// selectKeys returns the JSON of the rows with the given keys (a list when many).
func (r *run) selectKeys(ent int, keys [][]any, sel []*Field, many bool) (json.RawMessage, error) {
	if !many {
		if len(keys) == 0 {
			return nil, nil
		}
		if len(sel) == 0 {
			return json.RawMessage("{}"), nil
		}
		return r.selectKey(ent, keys[0], sel)
	}
	out := []byte{'['}
	n := 0
	for _, k := range keys {
		v, err := r.selectKey(ent, k, sel)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, v...)
	}
	return append(out, ']'), nil
}

func (r *run) selectKey(ent int, key []any, sel []*Field) (json.RawMessage, error) {
	res, err := r.queryResidual(ent)
	if err != nil {
		return nil, err
	}
	p := r.planner()
	if res, err = p.selResidual(ent, res, sel); err != nil {
		return nil, err
	}
	b := &p.b
	a := b.alias()
	cond := func() error {
		w := p.where()
		for i, c := range r.e.ents[ent].pkCols {
			w.and()
			b.col(a, c)
			b.s(" = ")
			b.arg(key[i])
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
	table := func() { b.table(r.e.sys.Entities[ent].Table) }
	if rowForm(sel) {
		if err := p.rows(ent, a, sel, "row_to_json(", ")::text", table, cond, true); err != nil {
			return nil, err
		}
		return r.queryJSON(p)
	}
	b.s("SELECT ")
	if err := p.object(ent, a, sel); err != nil {
		return nil, err
	}
	b.s("::text FROM ")
	table()
	b.s(" AS ")
	b.s(a)
	if err := cond(); err != nil {
		return nil, err
	}
	return r.queryJSON(p)
}

// targetWhere writes the WHERE of an update or delete: the pk arguments (single) or the
// where filter (many), and the access residual.
func (p *planner) targetWhere(op rootOp, f *Field, a string, res *ir.Expr, in *inputRow) error {
	w := p.where()
	ent := op.entity
	if op.kind == OpUpdate || op.kind == OpDelete {
		if err := p.keyCond(&w, ent, a, p.ent(ent).PK, f.Arguments); err != nil {
			return err
		}
	} else if fv, ok := f.Arguments["where"]; ok && fv != nil {
		m, ok := fv.(map[string]any)
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
	if res != nil {
		w.and()
		if err := p.expr(res, scope{ent: ent, alias: a}); err != nil {
			return err
		}
		if in != nil && len(in.vals) > 0 {
			w.and()
			if err := p.expr(res, scope{ent: ent, alias: a, input: in}); err != nil {
				return err
			}
		}
	}
	w.end()
	return nil
}

// finalSelect writes SELECT <json>::text FROM cte AS alias for the rows of a data-modifying CTE.
// The rows are filtered by the entity's query rule and the field-level rules of the selected
// fields. As in Exograph, whose CTE takes the table's name, the entity's table inside those
// predicates stands for the CTE's rows only: self.chat.participants.some(...) on a deleted
// participation sees only the deleted participations.
func (p *planner) finalSelect(ent int, cte string, sel []*Field, many bool) error {
	b := &p.b
	a := b.alias()
	res, err := p.r.queryResidual(ent)
	if err != nil {
		return err
	}
	if res, err = p.selResidual(ent, res, sel); err != nil {
		return err
	}
	cond := func() error {
		if res == nil {
			return nil
		}
		b.s(" WHERE ")
		p.cte = map[int]string{ent: cte}
		defer func() { p.cte = nil }()
		return p.expr(res, scope{ent: ent, alias: a})
	}
	if rowForm(sel) {
		b.s(" ")
		open, agg := "row_to_json(", ")::text"
		if many {
			open, agg = "COALESCE(json_agg(", "), '[]'::json)::text"
		}
		return p.rows(ent, a, sel, open, agg, func() { b.s(cte) }, cond, true)
	}
	if many {
		b.s(" SELECT COALESCE(json_agg(")
	} else {
		b.s(" SELECT ")
	}
	if err := p.object(ent, a, sel); err != nil {
		return err
	}
	if many {
		b.s("), '[]'::json)")
	}
	b.s("::text FROM ")
	b.s(cte)
	b.s(" AS ")
	b.s(a)
	return cond()
}

// update runs updateX / updateXs.
func (r *run) update(op rootOp, f *Field) (json.RawMessage, error) {
	ent := op.entity
	e := &r.e.sys.Entities[ent]
	data, _ := f.Arguments["data"].(map[string]any)
	res, err := r.residual(ent, accessUpdate)
	if err != nil {
		return nil, err
	}
	cols, vals, fres, err := r.setValues(ent, data, nil, false, accessUpdate)
	if err != nil {
		return nil, err
	}
	res = andExpr(res, fres)
	if err := r.updatePrecheck(ent, res, cols, vals); err != nil {
		return nil, err
	}
	nested := false
	for i := range e.Fields {
		fd := &e.Fields[i]
		if fd.Kind == ir.FieldRelation && (fd.Relation.Kind == ir.OneToMany || fd.Relation.Kind == ir.OneToOneReferenced) {
			if v, ok := data[fd.Name]; ok && v != nil {
				nested = true
			}
		}
	}
	many := op.kind == OpUpdateMany
	p := r.planner()
	b := &p.b
	if !nested {
		b.s("WITH u AS (")
	}
	a := b.alias()
	b.s("UPDATE ")
	b.table(e.Table)
	b.s(" AS ")
	b.s(a)
	in := r.setClause(b, a, ent, cols, vals)
	if err := p.targetWhere(op, f, a, res, in); err != nil {
		return nil, err
	}
	if !nested {
		b.s(" RETURNING ")
		b.s(a)
		b.s(".*)")
		if err := p.finalSelect(ent, "u", f.Selections, many); err != nil {
			return nil, err
		}
		return r.queryJSON(p)
	}
	rows, err := r.returningAll(p, r.e.ents[ent].retCols)
	if err != nil {
		return nil, err
	}
	keys := make([][]any, 0, len(rows))
	for _, row := range rows {
		if err := r.nestedUpdates(ent, data, row); err != nil {
			return nil, err
		}
		keys = append(keys, r.keyOf(ent, row))
	}
	return r.selectKeys(ent, keys, f.Selections, many)
}

// nestedUpdates applies {create, update, delete} of data's collection fields to the children
// of row.
func (r *run) nestedUpdates(ent int, data map[string]any, row map[string]any) error {
	e := &r.e.sys.Entities[ent]
	for i := range e.Fields {
		f := &e.Fields[i]
		if f.Kind != ir.FieldRelation || (f.Relation.Kind != ir.OneToMany && f.Relation.Kind != ir.OneToOneReferenced) {
			continue
		}
		v, ok := data[f.Name]
		if !ok || v == nil {
			continue
		}
		ops, ok := v.(map[string]any)
		if !ok {
			return userErr("Invalid argument '%s'", f.Name)
		}
		// Exograph's order: nested updates, then creations, then deletions (it shows in the
		// physical order of rows, which unordered queries return)
		if uv, ok := ops["update"]; ok && uv != nil {
			items, err := dataList(uv)
			if err != nil {
				return err
			}
			for _, item := range items {
				if err := r.updateChild(f, item, row); err != nil {
					return err
				}
			}
		}
		if cv, ok := ops["create"]; ok && cv != nil {
			items, err := dataList(cv)
			if err != nil {
				return err
			}
			if err := r.createChildren(f, items, row); err != nil {
				return err
			}
		}
		if dv, ok := ops["delete"]; ok && dv != nil {
			items, err := dataList(dv)
			if err != nil {
				return err
			}
			for _, item := range items {
				if err := r.deleteChild(f, item, row); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// childKey writes the key condition of a nested update/delete item and the correlation with
// the parent row.
func (p *planner) childKey(w *where, f *ir.Field, a string, item map[string]any, parentRow map[string]any) error {
	child := f.Relation.Target
	ce := p.ent(child)
	// pk fields that are the relation back to the parent (Profile.user for User.profile)
	// come from the parent row
	parentCols := map[string]bool{}
	for _, c := range f.Relation.Columns {
		parentCols[c.Target] = true
	}
	keys := make([]int, 0, len(ce.PK))
	for _, fi := range ce.PK {
		pf := &ce.Fields[fi]
		if pf.Kind == ir.FieldRelation && pf.Relation != nil && owning(pf.Relation.Kind) {
			fromParent := true
			for _, c := range pf.Relation.Columns {
				if !parentCols[c.Self] {
					fromParent = false
				}
			}
			if _, given := item[pf.Name]; fromParent && !given {
				continue
			}
		}
		if _, ok := item[pf.Name]; !ok {
			return userErr("Missing required primary key field '%s' for nested operation.", pf.Name)
		}
		keys = append(keys, fi)
	}
	if err := p.keyCond(w, child, a, keys, item); err != nil {
		return err
	}
	for _, c := range f.Relation.Columns {
		w.and()
		p.b.col(a, c.Target)
		p.b.s(" = ")
		p.b.arg(parentRow[c.Self])
	}
	return nil
}

func owning(k ir.RelationKind) bool { return k == ir.ManyToOne || k == ir.OneToOneOwner }

func (r *run) updateChild(f *ir.Field, item map[string]any, parentRow map[string]any) error {
	child := f.Relation.Target
	ce := &r.e.sys.Entities[child]
	res, err := r.residual(child, accessUpdate)
	if err != nil {
		return err
	}
	data := make(map[string]any, len(item))
	for k, v := range item {
		data[k] = v
	}
	for _, fi := range ce.PK {
		delete(data, ce.Fields[fi].Name)
	}
	cols, vals, fres, err := r.setValues(child, data, nil, false, accessUpdate)
	if err != nil {
		return err
	}
	res = andExpr(res, fres)
	if err := r.updatePrecheck(child, res, cols, vals); err != nil {
		return err
	}
	p := r.planner()
	b := &p.b
	a := b.alias()
	b.s("UPDATE ")
	b.table(ce.Table)
	b.s(" AS ")
	b.s(a)
	in := r.setClause(b, a, child, cols, vals)
	w := p.where()
	if err := p.childKey(&w, f, a, item, parentRow); err != nil {
		return err
	}
	if res != nil {
		w.and()
		if err := p.expr(res, scope{ent: child, alias: a}); err != nil {
			return err
		}
		w.and()
		if err := p.expr(res, scope{ent: child, alias: a, input: in}); err != nil {
			return err
		}
	}
	w.end()
	tag, err := r.q.Exec(r.ctx, string(b.buf), b.args...)
	if err != nil {
		return dbErr(err)
	}
	if res != nil && tag.RowsAffected() == 0 {
		// the child exists but the rule excludes it: a nested update the request may not make
		// is not authorized (rather than silently skipped)
		q := r.planner()
		a := q.b.alias()
		q.b.s("SELECT EXISTS (SELECT 1 FROM ")
		q.b.table(ce.Table)
		q.b.s(" AS ")
		q.b.s(a)
		w := q.where()
		if err := q.childKey(&w, f, a, item, parentRow); err != nil {
			return err
		}
		w.end()
		q.b.s(")")
		var exists bool
		if err := r.q.QueryRow(r.ctx, string(q.b.buf), q.b.args...).Scan(&exists); err != nil {
			return dbErr(err)
		}
		if exists {
			return errNotAuthorized
		}
	}
	return nil
}

func (r *run) deleteChild(f *ir.Field, item map[string]any, parentRow map[string]any) error {
	child := f.Relation.Target
	res, err := r.residual(child, accessDelete)
	if err != nil {
		return err
	}
	p := r.planner()
	b := &p.b
	a := b.alias()
	b.s("DELETE FROM ")
	b.table(r.e.sys.Entities[child].Table)
	b.s(" AS ")
	b.s(a)
	w := p.where()
	if err := p.childKey(&w, f, a, item, parentRow); err != nil {
		return err
	}
	if res != nil {
		w.and()
		if err := p.expr(res, scope{ent: child, alias: a}); err != nil {
			return err
		}
	}
	w.end()
	if _, err := r.q.Exec(r.ctx, string(b.buf), b.args...); err != nil {
		return dbErr(err)
	}
	return nil
}

// delete runs deleteX / deleteXs: one statement, the deleted rows feed the JSON select.
func (r *run) delete(op rootOp, f *Field) (json.RawMessage, error) {
	ent := op.entity
	res, err := r.residual(ent, accessDelete)
	if err != nil {
		return nil, err
	}
	p := r.planner()
	b := &p.b
	b.s("WITH d AS (DELETE FROM ")
	b.table(r.e.sys.Entities[ent].Table)
	a := b.alias()
	b.s(" AS ")
	b.s(a)
	if err := p.targetWhere(op, f, a, res, nil); err != nil {
		return nil, err
	}
	b.s(" RETURNING ")
	b.s(a)
	b.s(".*)")
	if err := p.finalSelect(ent, "d", f.Selections, op.kind == OpDeleteMany); err != nil {
		return nil, err
	}
	return r.queryJSON(p)
}

// anyColumn is a column to write in a no-op SET (an update whose data sets nothing).
func (r *run) anyColumn(ent int) string {
	if pk := r.e.ents[ent].pkCols; len(pk) > 0 {
		return pk[0]
	}
	for _, f := range r.e.sys.Entities[ent].Fields {
		if f.Kind != ir.FieldRelation {
			return f.Column
		}
	}
	return r.e.ents[ent].retCols[0]
}

// setClause writes " SET col = value, ..." of an UPDATE of entity ent
// aliased a, and returns the new values as the row access checks see. With
// no column to change it sets one column to itself, so that the statement
// still returns the rows it matches.
func (r *run) setClause(b *sqlBuf, a string, ent int, cols []string, vals []any) *inputRow {
	b.s(" SET ")
	in := &inputRow{vals: make(map[string]any, len(cols)), fallback: a}
	if len(cols) == 0 {
		c := r.anyColumn(ent)
		b.ident(c)
		b.s(" = ")
		b.col(a, c)
	}
	for i, c := range cols {
		if i > 0 {
			b.s(", ")
		}
		b.ident(c)
		b.s(" = ")
		if vals[i] == nil {
			b.s("NULL")
		} else {
			b.arg(vals[i])
		}
		in.vals[c] = vals[i]
	}
	return in
}
