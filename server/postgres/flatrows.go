package postgres

import (
	"encoding/json"
	"strconv"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/ir"
)

// The flat-rows shape serves collection queries without building JSON in
// PostgreSQL: one statement returns plain rows (the root list joined with
// its to-one relations and at most one nested list per level, LEFT JOIN
// LATERAL), sorted by each list's ordering and then its physical order, so
// that the rows of one element are adjacent (its primary key tells them
// apart); the server writes the JSON while it reads them. Building JSON with json_agg/row_to_json costs
// PostgreSQL 2-3x more than returning the rows (bench/floor,
// reference/PERFORMANCE-NOTES.md), and the database is the shared resource.
//
// Only selections whose JSON is plain text of the row are eligible (Int,
// Float, String, Boolean, Uuid and Decimal columns, and dates and times
// selected as to_json(col); to-one relations through
// their own foreign key; lists forming a single chain); anything else
// (aggregates, __typename, sibling lists, other scalar types ...) uses the
// JSON shape. Both give the same JSON values (TestFlatRowsSameAsJSON).

// useFlatRows enables the flat-rows shape for eligible collection queries.
var useFlatRows = true

type flatKind uint8

const (
	flatNumber flatKind = iota // Int: the text is the JSON number
	flatFloat                  // Float: the text is the JSON number, except NaN and ±Infinity (strings)
	flatString                 // String, Uuid, Decimal (as text)
	flatBool
	flatJSON   // dates and times: selected as to_json(col), whose text is the JSON value
	flatObject // a to-one relation
)

// flatNode is one row source of the statement: the root, a nested list or
// a to-one relation.
type flatNode struct {
	ent   int
	alias string
	list  bool
	items []flatItem
	child int   // index in items of the nested list, -1 when none
	col   int   // column of the presence flag (to-one)
	keys  []int // columns of the primary key (list): they tell the elements apart
	// unique: the list's ordering includes its primary key (no tie to break)
	unique bool

	// the source
	args map[string]any
	sel  []*Field
	par  *parent
	res  *ir.Expr
}

type flatItem struct {
	key  string
	name []byte // the key as JSON followed by ':'

	kind flatKind
	col  int
	fd   *ir.Field
	node *flatNode
}

// flatPlan is a planned flat-rows statement.
type flatPlan struct {
	root *flatNode
	// lists are the list nodes from the root down (their orderings sort the rows).
	lists []*flatNode
}

// flatScalar reports whether the value of fd can be written from its
// text form, and how.
func flatScalar(fd *ir.Field) (flatKind, bool) {
	if fd.Kind != ir.FieldScalar || fd.Type.Kind != ir.KindScalar {
		return 0, false
	}
	switch fd.Type.Scalar {
	case ir.Int:
		return flatNumber, true
	case ir.Float:
		return flatFloat, true
	case ir.String, ir.Uuid, ir.Decimal:
		return flatString, true
	case ir.Boolean:
		return flatBool, true
	case ir.LocalDate, ir.LocalTime, ir.LocalDateTime, ir.Instant:
		return flatJSON, true
	}
	return 0, false
}

// planFlat plans the flat-rows statement of a root collection, or returns
// nil when the selection is not eligible (nothing is written then).
func (p *planner) planFlat(ent int, args map[string]any, sel []*Field) (*flatPlan, error) {
	if !useFlatRows || !p.flatEligible(ent, sel, true, 0) {
		return nil, nil
	}
	fp := &flatPlan{}
	root, err := p.flatNode(fp, ent, true, args, sel, nil)
	if err != nil {
		return nil, err
	}
	fp.root = root
	b := &p.b
	b.s("SELECT ")
	n := 0
	p.flatColumns(root, &n)
	b.s(" FROM ")
	if err := p.flatFrom(root, true); err != nil {
		return nil, err
	}
	// Each list's ordering, then its physical order (ctid; what a scan
	// without ordering returns, as the JSON shape does): the rows of an
	// element are adjacent and its nested list comes in order. The
	// orderings are written over the derived tables, which have the
	// tables' columns under the same aliases.
	b.s(" ORDER BY ")
	k := 0
	for _, l := range fp.lists {
		if ob, ok := l.args["orderBy"]; ok && ob != nil {
			if err := p.orderBy(l.ent, l.alias, ob, nil, &k); err != nil {
				return nil, err
			}
		}
		if l.unique {
			continue
		}
		if k > 0 {
			b.s(", ")
		}
		k++
		b.col(l.alias, "__exo_ctid")
	}
	return fp, nil
}

// flatEligible checks the selection before anything is written: depth
// counts the lists above (the chain), list tells whether sel is a list's.
func (p *planner) flatEligible(ent int, sel []*Field, list bool, depth int) bool {
	if len(sel) == 0 || depth > 8 {
		return false
	}
	e := p.ent(ent)
	info := &p.r.e.ents[ent]
	if e.Kind != ir.EntityTable || !e.Managed || list && len(info.pkCols) == 0 { // unmanaged: maybe a view (no ctid)
		return false
	}
	lists := 0
	for _, f := range sel {
		fi, ok := info.fields[f.Name]
		if !ok {
			return false // __typename, aggregates, distances
		}
		fd := &e.Fields[fi]
		if fd.Kind != ir.FieldRelation {
			if _, ok := flatScalar(fd); !ok || len(f.Selections) > 0 {
				return false
			}
			continue
		}
		switch fd.Relation.Kind {
		case ir.ManyToOne, ir.OneToOneOwner:
			if !p.flatEligible(fd.Relation.Target, f.Selections, false, depth) {
				return false
			}
		case ir.OneToMany:
			lists++
			if !list || lists > 1 || !p.flatEligible(fd.Relation.Target, f.Selections, true, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// flatNode builds the node of a row source: access residuals (as the JSON
// shape computes them) and aliases.
func (p *planner) flatNode(fp *flatPlan, ent int, list bool, args map[string]any, sel []*Field, par *parent) (*flatNode, error) {
	res, err := p.r.queryResidual(ent)
	if err != nil {
		return nil, err
	}
	if res, err = p.selResidual(ent, res, sel); err != nil {
		return nil, err
	}
	n := &flatNode{ent: ent, alias: p.b.alias(), list: list, child: -1, args: args, sel: sel, par: par, res: res}
	n.unique = list && orderCoversPK(p.ent(ent), args["orderBy"])
	if list {
		fp.lists = append(fp.lists, n)
	}
	e := p.ent(ent)
	info := &p.r.e.ents[ent]
	for _, f := range sel {
		fd := &e.Fields[info.fields[f.Name]]
		if _, err := p.r.fieldResidual(fd, accessQuery); err != nil {
			return nil, err
		}
		it := flatItem{key: key(f), fd: fd}
		it.name = append(appendJSONString(nil, it.key), ':')
		if fd.Kind == ir.FieldRelation {
			rel := fd.Relation
			isList := rel.Kind == ir.OneToMany
			var cargs map[string]any
			if isList {
				cargs = f.Arguments
			}
			c, err := p.flatNode(fp, rel.Target, isList, cargs, f.Selections, &parent{alias: n.alias, pairs: rel.Columns})
			if err != nil {
				return nil, err
			}
			it.kind, it.node = flatObject, c
			if isList {
				n.child = len(n.items)
			}
		} else {
			it.kind, _ = flatScalar(fd)
		}
		n.items = append(n.items, it)
	}
	return n, nil
}

// flatColumns writes the select list: per node its row number or presence
// flag, then its scalar values, depth first.
func (p *planner) flatColumns(n *flatNode, col *int) {
	b := &p.b
	sep := func() {
		if *col > 0 {
			b.s(", ")
		}
	}
	if n.list {
		for _, c := range p.r.e.ents[n.ent].pkCols {
			sep()
			b.col(n.alias, c)
			n.keys = append(n.keys, *col)
			*col++
		}
	} else {
		sep()
		b.col(n.alias, "__exo_p")
		n.col = *col
		*col++
	}
	for i := range n.items {
		it := &n.items[i]
		if it.node != nil {
			p.flatColumns(it.node, col)
			continue
		}
		sep()
		if it.kind == flatJSON {
			b.s("to_json(")
			p.output(it.fd, n.alias)
			b.s(")")
		} else {
			p.output(it.fd, n.alias)
		}
		it.col = *col
		*col++
	}
}

// flatFrom writes the row sources: the root, then LEFT JOIN LATERAL for
// each relation, depth first.
func (p *planner) flatFrom(n *flatNode, root bool) error {
	b := &p.b
	if !root {
		b.s(" LEFT JOIN LATERAL ")
	}
	b.s("(SELECT ")
	if n.list {
		if !n.unique {
			b.s(n.alias)
			b.s(".ctid AS \"__exo_ctid\", ")
		}
		b.s(n.alias)
		b.s(".* FROM ")
		b.table(p.ent(n.ent).Table)
		b.s(" AS ")
		b.s(n.alias)
		if err := p.rowsWhere(n.ent, n.alias, n.args["where"], n.par, n.res); err != nil {
			return err
		}
		// Ordered here only to take a slice; without limit or offset the
		// subquery stays simple and PostgreSQL can join it as it likes.
		if hasSlice(n.args) {
			if err := p.orderLimit(n.ent, n.alias, n.args); err != nil {
				return err
			}
		}
	} else {
		b.s("true AS \"__exo_p\", ")
		b.s(n.alias)
		b.s(".* FROM ")
		b.table(p.ent(n.ent).Table)
		b.s(" AS ")
		b.s(n.alias)
		if err := p.rowsWhere(n.ent, n.alias, nil, n.par, n.res); err != nil {
			return err
		}
	}
	b.s(") AS ")
	b.s(n.alias)
	if !root {
		b.s(" ON true")
	}
	for i := range n.items {
		if c := n.items[i].node; c != nil {
			if err := p.flatFrom(c, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// orderCoversPK reports whether the ordering ob names every primary key
// field of e directly (so that it has no ties).
func orderCoversPK(e *ir.Entity, ob any) bool {
	named := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, it := range x {
				walk(it)
			}
		case map[string]any:
			for k, d := range x {
				if _, ok := d.(string); ok {
					named[k] = true
				}
			}
		}
	}
	walk(ob)
	if len(e.PK) == 0 {
		return false
	}
	for _, i := range e.PK {
		f := &e.Fields[i]
		if f.Kind != ir.FieldScalar || !named[f.Name] {
			return false
		}
	}
	return true
}

func hasSlice(args map[string]any) bool {
	return args["limit"] != nil || args["offset"] != nil
}

// flatSizeHint is the size of the last flat-rows response.
var flatSizeHint atomic.Int64

// queryFlat runs a flat-rows statement and writes the JSON array of the
// root list.
func (r *run) queryFlat(p *planner, fp *flatPlan) (json.RawMessage, error) {
	args := make([]any, 0, len(p.b.args)+1)
	args = append(args, pgx.QueryResultFormats{pgx.TextFormatCode})
	args = append(args, p.b.args...)
	rows, err := r.q.Query(r.ctx, string(p.b.buf), args...)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	w := flatWriter{lists: fp.lists, cur: make([]string, len(fp.lists)), open: make([]bool, len(fp.lists)),
		first: make([]bool, len(fp.lists)), tails: make([][]byte, len(fp.lists))}
	// Sized like the last response (growing a large buffer by doubling
	// copies it several times and is most of the garbage).
	w.out = make([]byte, 0, max(512, flatSizeHint.Load()*9/8))
	w.out = append(w.out, '[')
	w.first[0] = true
	for rows.Next() {
		w.row(rows.RawValues())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbErr(err)
	}
	w.closeFrom(0)
	w.out = append(w.out, ']')
	flatSizeHint.Store(int64(len(w.out)))
	return w.out, nil
}

// flatWriter turns the rows of a flat plan into JSON. Level i is the i-th
// list of the chain; an element of level i is open while the rows carry
// its row number.
type flatWriter struct {
	lists []*flatNode
	cur   []string // key of the open element per level
	open  []bool
	first []bool   // no element written yet in the level's list
	tails [][]byte // what closes the open element after its nested list
	out   []byte
}

func (w *flatWriter) row(vals [][]byte) {
	// the first level whose element changes
	j := 0
	for j < len(w.lists) && w.open[j] && w.same(w.lists[j], vals, w.cur[j]) {
		j++
	}
	w.closeFrom(j)
	for ; j < len(w.lists); j++ {
		n := w.lists[j]
		if vals[n.keys[0]] == nil {
			return // an empty list (no row joined; primary keys are not null)
		}
		if !w.first[j] {
			w.out = append(w.out, ',')
		}
		w.first[j] = false
		w.open[j], w.cur[j] = true, w.key(n, vals)
		w.element(n, vals, j)
	}
}

// key identifies the element of list n in a row (its primary key).
func (w *flatWriter) key(n *flatNode, vals [][]byte) string {
	if len(n.keys) == 1 {
		return string(vals[n.keys[0]])
	}
	var k []byte
	for _, c := range n.keys {
		k = strconv.AppendInt(k, int64(len(vals[c])), 10)
		k = append(k, ':')
		k = append(k, vals[c]...)
	}
	return string(k)
}

func (w *flatWriter) same(n *flatNode, vals [][]byte, cur string) bool {
	if len(n.keys) == 1 {
		v := vals[n.keys[0]]
		return v != nil && string(v) == cur
	}
	return vals[n.keys[0]] != nil && w.key(n, vals) == cur
}

// element writes the object of list node n up to its nested list (whose
// elements follow) and keeps the rest for closeFrom.
func (w *flatWriter) element(n *flatNode, vals [][]byte, level int) {
	if n.child < 0 {
		w.out = w.object(w.out, n, vals, 0, len(n.items))
		w.open[level] = level < len(w.lists)-1 // a leaf list element has nothing to close
		return
	}
	w.out = w.object(w.out, n, vals, 0, n.child)
	if n.child > 0 {
		w.out = append(w.out, ',')
	}
	w.out = append(w.out, n.items[n.child].name...)
	w.out = append(w.out, '[')
	tail := w.tails[level][:0]
	tail = append(tail, ']')
	if n.child+1 < len(n.items) {
		tail = append(tail, ',')
		tail = w.fields(tail, n, vals, n.child+1, len(n.items))
	}
	w.tails[level] = append(tail, '}')
	if level+1 < len(w.lists) {
		w.first[level+1] = true
	}
}

// closeFrom closes the open elements of the levels from j down.
func (w *flatWriter) closeFrom(j int) {
	for i := len(w.lists) - 1; i >= j; i-- {
		if !w.open[i] {
			continue
		}
		w.open[i] = false
		if w.lists[i].child >= 0 {
			w.out = append(w.out, w.tails[i]...)
		}
	}
}

// object writes '{' and items [from, to) of n; it is closed with '}' when
// to is the end of the items.
func (w *flatWriter) object(out []byte, n *flatNode, vals [][]byte, from, to int) []byte {
	out = append(out, '{')
	out = w.fields(out, n, vals, from, to)
	if to == len(n.items) {
		out = append(out, '}')
	}
	return out
}

func (w *flatWriter) fields(out []byte, n *flatNode, vals [][]byte, from, to int) []byte {
	for i := from; i < to; i++ {
		it := &n.items[i]
		if i > from {
			out = append(out, ',')
		}
		out = append(out, it.name...)
		if it.kind == flatObject {
			if vals[it.node.col] == nil {
				out = append(out, "null"...)
			} else {
				out = w.object(out, it.node, vals, 0, len(it.node.items))
			}
			continue
		}
		v := vals[it.col]
		switch {
		case v == nil:
			out = append(out, "null"...)
		case it.kind == flatNumber, it.kind == flatJSON:
			out = append(out, v...)
		case it.kind == flatFloat:
			if c := v[len(v)-1]; c >= '0' && c <= '9' {
				out = append(out, v...)
			} else { // NaN, Infinity, -Infinity: json's text of them is a string
				out = appendJSONString(out, v)
			}
		case it.kind == flatBool:
			if len(v) > 0 && v[0] == 't' {
				out = append(out, "true"...)
			} else {
				out = append(out, "false"...)
			}
		default:
			out = appendJSONString(out, v)
		}
	}
	return out
}

// appendJSONString appends s as a JSON string, escaped as PostgreSQL's
// json output escapes text.
func appendJSONString[S string | []byte](out []byte, s S) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		out = append(out, s[start:i]...)
		switch c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\b':
			out = append(out, '\\', 'b')
		case '\f':
			out = append(out, '\\', 'f')
		case '\n':
			out = append(out, '\\', 'n')
		case '\r':
			out = append(out, '\\', 'r')
		case '\t':
			out = append(out, '\\', 't')
		default:
			out = append(out, `\u00`...)
			out = append(out, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		}
		i++
		start = i
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}
