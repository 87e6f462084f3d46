package postgres

import (
	"encoding/json"
	"fmt"

	"github.com/exo-dev/exo/ir"
)

const (
	msgMultipleLogical = "Invalid field 'where': Cannot specify more than one logical operation on the same level"
	msgEmptyLogical    = "Invalid field 'where': Logical operation predicate does not have any arguments"
)

// filter writes the predicate of a <T>Filter value m over alias a of ent (always a complete
// boolean expression).
func (p *planner) filter(ent int, a string, m map[string]any) error {
	b := &p.b
	e := p.ent(ent)
	start := len(b.buf)
	b.s("(")
	n := 0
	sep := func() {
		if n > 0 {
			b.s(" AND ")
		}
		n++
	}
	for i := range e.Fields {
		f := &e.Fields[i]
		v, ok := m[f.Name]
		if !ok {
			continue
		}
		sep()
		// A field the request may not see cannot be filtered on; a residual of its rule
		// restricts the rows the filter can match.
		fr, err := p.r.fieldResidual(f, accessQuery)
		if err != nil {
			return err
		}
		if fr != nil {
			b.s("(")
			if err := p.expr(fr, scope{ent: ent, alias: a}); err != nil {
				return err
			}
			b.s(" AND ")
		}
		if f.Kind == ir.FieldRelation {
			err = p.relationFilter(f, a, v)
		} else {
			err = p.fieldFilter(f, a, v)
		}
		if err != nil {
			return err
		}
		if fr != nil {
			b.s(")")
		}
	}
	var logical string
	var lv any
	for _, k := range [...]string{"and", "or", "not"} {
		if v, ok := m[k]; ok {
			if logical != "" {
				return userErr(msgMultipleLogical)
			}
			logical, lv = k, v
		}
	}
	switch logical {
	case "and", "or":
		list, ok := lv.([]any)
		if !ok {
			if lv == nil {
				return userErr(msgEmptyLogical)
			}
			list = []any{lv}
		}
		if len(list) == 0 {
			return userErr(msgEmptyLogical)
		}
		sep()
		b.s("(")
		for i, item := range list {
			if i > 0 {
				if logical == "and" {
					b.s(" AND ")
				} else {
					b.s(" OR ")
				}
			}
			sub, _ := item.(map[string]any)
			if err := p.filter(ent, a, sub); err != nil {
				return err
			}
		}
		b.s(")")
	case "not":
		sub, ok := lv.(map[string]any)
		if !ok {
			return userErr(msgEmptyLogical)
		}
		sep()
		b.s("NOT ")
		if err := p.filter(ent, a, sub); err != nil {
			return err
		}
	}
	if n == 0 {
		b.buf = b.buf[:start]
		b.s("TRUE")
		return nil
	}
	b.s(")")
	return nil
}

var scalarOps = [...]struct{ name, sql string }{
	{"eq", " = "}, {"neq", " <> "}, {"lt", " < "}, {"lte", " <= "}, {"gt", " > "}, {"gte", " >= "},
	{"like", " LIKE "}, {"ilike", " ILIKE "}, {"startsWith", ""}, {"endsWith", ""},
	{"contains", " @> "}, {"containedBy", " <@ "}, {"matchKey", " ? "}, {"matchAllKeys", " ?& "},
	{"matchAnyKey", " ?| "}, {"similar", ""},
}

// fieldFilter writes the predicate of a scalar field filter ({eq: 1, lt: 5} or null).
func (p *planner) fieldFilter(f *ir.Field, a string, v any) error {
	b := &p.b
	if v == nil {
		b.col(a, f.Column)
		b.s(" IS NULL")
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return userErr("Invalid field 'where': Invalid argument ('%s')", f.Name)
	}
	wrap := len(m) > 1
	if wrap {
		b.s("(")
	}
	n := 0
	for _, op := range scalarOps {
		ov, ok := m[op.name]
		if !ok {
			continue
		}
		if n > 0 {
			b.s(" AND ")
		}
		n++
		if err := p.scalarOp(f, a, op.name, op.sql, ov); err != nil {
			return err
		}
	}
	if n == 0 {
		b.s("TRUE")
	}
	if wrap {
		b.s(")")
	}
	return nil
}

func (p *planner) scalarOp(f *ir.Field, a, op, sqlOp string, v any) error {
	b := &p.b
	isArray := f.Type.Kind == ir.KindArray
	switch op {
	case "eq", "neq":
		if v == nil {
			b.col(a, f.Column)
			if op == "eq" {
				b.s(" IS NULL")
			} else {
				b.s(" IS NOT NULL")
			}
			return nil
		}
		if isArray {
			if _, list := v.([]any); !list {
				// Exograph's quirk: an array field is filtered with its element's filter;
				// a single value matches arrays containing it.
				ev, err := p.r.convertElem(f, v)
				if err != nil {
					return err
				}
				if op == "neq" {
					b.s("NOT (")
				}
				b.arg(ev)
				b.s(" = ANY(")
				b.col(a, f.Column)
				b.s(")")
				if op == "neq" {
					b.s(")")
				}
				return nil
			}
		}
	case "startsWith", "endsWith":
		s, ok := v.(string)
		if !ok {
			return p.r.convErr(f)
		}
		b.col(a, f.Column)
		b.s(" LIKE ")
		if op == "endsWith" {
			b.s("'%' || ")
		}
		b.arg(s)
		b.s("::text")
		if op == "startsWith" {
			b.s(" || '%'")
		}
		return nil
	case "like", "ilike":
		s, ok := v.(string)
		if !ok {
			return p.r.convErr(f)
		}
		b.col(a, f.Column)
		b.s(sqlOp)
		b.arg(s)
		return nil
	case "contains", "containedBy":
		js, err := jsonText(v)
		if err != nil {
			return p.r.convErr(f)
		}
		b.col(a, f.Column)
		b.s(sqlOp)
		b.arg(js)
		b.s("::jsonb")
		return nil
	case "matchKey":
		s, ok := v.(string)
		if !ok {
			return p.r.convErr(f)
		}
		b.col(a, f.Column)
		b.s(sqlOp)
		b.arg(s)
		b.s("::text")
		return nil
	case "matchAllKeys", "matchAnyKey":
		keys, err := stringList(v)
		if err != nil {
			return p.r.convErr(f)
		}
		b.col(a, f.Column)
		b.s(sqlOp)
		b.arg(keys)
		b.s("::text[]")
		return nil
	case "similar":
		m, ok := v.(map[string]any)
		if !ok {
			return p.r.convErr(f)
		}
		vec, err := p.r.vectorValue(f, m["distanceTo"])
		if err != nil {
			return err
		}
		dm, _ := m["distance"].(map[string]any)
		b.s("(")
		n := 0
		for _, dop := range scalarOps[:6] {
			dv, ok := dm[dop.name]
			if !ok || dv == nil {
				continue
			}
			d, ok := toFloat(dv)
			if !ok {
				return p.r.convErr(f)
			}
			if n > 0 {
				b.s(" AND ")
			}
			n++
			b.s("(")
			b.col(a, f.Column)
			b.s(vectorOp(f))
			b.arg(vec)
			b.s("::vector)")
			b.s(dop.sql)
			b.arg(d)
		}
		if n == 0 {
			b.s("TRUE")
		}
		b.s(")")
		return nil
	}
	pv, err := p.r.convert(f, v)
	if err != nil {
		return err
	}
	b.col(a, f.Column)
	b.s(sqlOp)
	b.arg(pv)
	if f.Type.Kind == ir.KindScalar && f.Type.Scalar == ir.Vector {
		b.s("::vector")
	}
	return nil
}

// relationFilter writes the predicate of a relation field filter: null checks or existence of
// a related row matching the nested filter.
func (p *planner) relationFilter(f *ir.Field, a string, v any) error {
	b := &p.b
	rel := f.Relation
	owner := rel.Kind == ir.ManyToOne || rel.Kind == ir.OneToOneOwner
	if v == nil {
		if owner {
			for i, c := range rel.Columns {
				if i > 0 {
					b.s(" AND ")
				}
				b.col(a, c.Self)
				b.s(" IS NULL")
			}
			return nil
		}
		b.s("NOT EXISTS (SELECT 1 FROM ")
		t := b.alias()
		b.table(p.ent(rel.Target).Table)
		b.s(" AS ")
		b.s(t)
		b.s(" WHERE ")
		b.corr(t, a, rel.Columns)
		b.s(")")
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return userErr("Invalid field 'where': Invalid argument ('%s')", f.Name)
	}
	if owner && p.fkOnly(rel, m) {
		// {venue: {id: {eq: 3}}}: compare the foreign key columns directly.
		target := p.ent(rel.Target)
		for i, c := range rel.Columns {
			if i > 0 {
				b.s(" AND ")
			}
			tf := fieldByColumn(target, c.Target)
			if err := p.fieldFilter(&ir.Field{Kind: tf.Kind, Name: tf.Name, Type: tf.Type, Column: c.Self, Bits: tf.Bits, DBType: tf.DBType}, a, m[tf.Name]); err != nil {
				return err
			}
		}
		return nil
	}
	// Through a collection (one-to-many, or the referenced side of a one-to-one), only
	// related rows the request may see can match (the target's query rule), as in Exograph,
	// which builds that sub-select like a query; a to-one hop is a plain join without it.
	var res *ir.Expr
	if !owner {
		var err error
		if res, err = p.r.queryResidual(rel.Target); err != nil {
			return err
		}
	}
	b.s("EXISTS (SELECT 1 FROM ")
	t := b.alias()
	b.table(p.ent(rel.Target).Table)
	b.s(" AS ")
	b.s(t)
	b.s(" WHERE ")
	b.corr(t, a, rel.Columns)
	b.s(" AND ")
	if res != nil {
		if err := p.expr(res, scope{ent: rel.Target, alias: t}); err != nil {
			return err
		}
		b.s(" AND ")
	}
	if err := p.filter(rel.Target, t, m); err != nil {
		return err
	}
	b.s(")")
	return nil
}

// fkOnly reports whether filter m of a to-one relation only tests (with eq) the target
// columns the foreign key refers to, all of them.
func (p *planner) fkOnly(rel *ir.Relation, m map[string]any) bool {
	if len(m) != len(rel.Columns) {
		return false
	}
	target := p.ent(rel.Target)
	for _, c := range rel.Columns {
		tf := fieldByColumn(target, c.Target)
		if tf == nil {
			return false
		}
		fm, ok := m[tf.Name].(map[string]any)
		if !ok || len(fm) != 1 {
			return false
		}
		if ev, ok := fm["eq"]; !ok || ev == nil {
			return false
		}
	}
	return true
}

// orderWrap is a to-one relation hop of an ordering through relations.
type orderWrap struct {
	table ir.QualifiedName
	pairs []ir.ColumnPair
}

// orderBy writes the ordering terms of v ([<T>Ordering!] or a single <T>Ordering).
func (p *planner) orderBy(ent int, a string, v any, wraps []orderWrap, n *int) error {
	switch x := v.(type) {
	case []any:
		for _, item := range x {
			if err := p.orderBy(ent, a, item, wraps, n); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		e := p.ent(ent)
		for i := range e.Fields {
			f := &e.Fields[i]
			ov, ok := x[f.Name]
			if !ok || ov == nil {
				continue
			}
			// ordering by a field the request may not see for every row is not authorized
			if err := p.r.fieldAllowedFor(f, accessQuery); err != nil {
				return err
			}
			if f.Kind == ir.FieldRelation {
				if f.Relation.Kind != ir.ManyToOne && f.Relation.Kind != ir.OneToOneOwner {
					return userErr("Invalid field 'orderBy': Invalid argument ('%s')", f.Name)
				}
				w := append(wraps[:len(wraps):len(wraps)], orderWrap{table: p.ent(f.Relation.Target).Table, pairs: f.Relation.Columns})
				if err := p.orderBy(f.Relation.Target, a, ov, w, n); err != nil {
					return err
				}
				continue
			}
			if err := p.orderTerm(f, a, ov, wraps, n); err != nil {
				return err
			}
		}
		return nil
	}
	return userErr("Invalid field 'orderBy': Invalid argument ('%s')", argText(v))
}

// argText is an argument value as error messages quote it: strings (enum
// values) as they are, anything else as JSON.
func argText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(j)
}

func (p *planner) orderTerm(f *ir.Field, a string, ov any, wraps []orderWrap, n *int) error {
	b := &p.b
	dir := ""
	var vec any
	if f.Type.Kind == ir.KindScalar && f.Type.Scalar == ir.Vector {
		m, ok := ov.(map[string]any)
		if !ok {
			return userErr("Invalid field 'orderBy': Invalid argument ('%s')", argText(ov))
		}
		var err error
		if vec, err = p.r.vectorValue(f, m["distanceTo"]); err != nil {
			return err
		}
		dir = "ASC" // the default when order is not given
		if o, ok := m["order"].(string); ok {
			dir = o
		}
	} else {
		dir, _ = ov.(string)
	}
	if dir != "ASC" && dir != "DESC" {
		return userErr("Invalid field 'orderBy': Invalid argument ('%s')", argText(ov))
	}
	if *n > 0 {
		b.s(", ")
	}
	*n++
	// (SELECT (SELECT col FROM t2 AS a2 WHERE ...) FROM t1 AS a1 WHERE a1.x = a.y)
	aliases := make([]string, len(wraps))
	for i := range wraps {
		aliases[i] = b.alias()
		b.s("(SELECT ")
	}
	last := a
	if len(wraps) > 0 {
		last = aliases[len(wraps)-1]
	}
	if vec != nil {
		b.s("(")
		b.col(last, f.Column)
		b.s(vectorOp(f))
		b.arg(vec)
		b.s("::vector)")
	} else {
		b.col(last, f.Column)
	}
	for i := len(wraps) - 1; i >= 0; i-- {
		b.s(" FROM ")
		b.table(wraps[i].table)
		b.s(" AS ")
		b.s(aliases[i])
		b.s(" WHERE ")
		outer := a
		if i > 0 {
			outer = aliases[i-1]
		}
		b.corr(aliases[i], outer, wraps[i].pairs)
		b.s(")")
	}
	b.s(" ")
	b.s(dir)
	return nil
}

func intArg(name string, v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float64:
		if x == float64(int64(x)) {
			return int64(x), nil
		}
	}
	if f, ok := toFloat(v); ok && f == float64(int64(f)) {
		return int64(f), nil
	}
	return 0, userErr("Invalid field '%s': Invalid argument ('%s')", name, argText(v))
}

var _ = fmt.Sprint
