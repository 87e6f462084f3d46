package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
	"github.com/jackc/pgx/v5/pgconn"
)

// OpKind is the kind of a generated root operation.
type OpKind uint8

const (
	OpPK OpKind = iota + 1
	OpUnique
	OpCollection
	OpAggregate
	OpCreate
	OpCreateMany
	OpUpdate
	OpUpdateMany
	OpDelete
	OpDeleteMany
)

// IsMutation reports whether k is a create, update or delete.
func (k OpKind) IsMutation() bool { return k >= OpCreate }

type rootOp struct {
	kind   OpKind
	entity int
	unique int // OpUnique: index into Entity.Uniques
}

// entInfo is precomputed per entity.
type entInfo struct {
	fields map[string]int // field name -> index
	aggs   map[string]int // "<rel>Agg" -> index of a collection relation field
	dists  map[string]int // "<vector>Distance" -> index of a vector field
	pk     []int
	// fkeyCols: the columns of this table that relations of other tables (or nested children)
	// refer to, beyond the pk (Self columns of OneToMany/OneToOneReferenced relations).
	refCols []string
	// pkCols are the primary key columns (relation pk fields contribute their foreign key
	// columns); retCols are pkCols followed by the other refCols: what INSERT/UPDATE return.
	pkCols  []string
	retCols []string
}

// Engine resolves the Postgres root fields of one system. It is immutable and safe for
// concurrent use.
type Engine struct {
	sys  *ir.System
	ops  map[string]rootOp
	ents []entInfo
	// Solver evaluates access rules; nil allows everything (tests, tools).
	solver Solver
}

// Options configure New.
type Options struct {
	// Solver evaluates access rules per request. Nil means every rule that is present is
	// treated as true (no access control), which is only for tests and tools.
	Solver Solver
}

// New prepares an engine for sys.
func New(sys *ir.System, opts Options) *Engine {
	e := &Engine{sys: sys, ops: map[string]rootOp{}, ents: make([]entInfo, len(sys.Entities)), solver: opts.Solver}
	for i := range sys.Entities {
		ent := &sys.Entities[i]
		info := &e.ents[i]
		info.fields = make(map[string]int, len(ent.Fields))
		info.pk = ent.PK
		for j := range ent.Fields {
			f := &ent.Fields[j]
			info.fields[f.Name] = j
			if isCollection(f) {
				if info.aggs == nil {
					info.aggs = map[string]int{}
				}
				info.aggs[f.Name+"Agg"] = j
			}
			if f.Kind == ir.FieldScalar && f.Type.Kind == ir.KindScalar && f.Type.Scalar == ir.Vector {
				if info.dists == nil {
					info.dists = map[string]int{}
				}
				info.dists[f.Name+"Distance"] = j
			}
			if f.Kind == ir.FieldRelation && (f.Relation.Kind == ir.OneToMany || f.Relation.Kind == ir.OneToOneReferenced) {
				for _, c := range f.Relation.Columns {
					if !containsStr(info.refCols, c.Self) {
						info.refCols = append(info.refCols, c.Self)
					}
				}
			}
		}
		for _, fi := range ent.PK {
			f := &ent.Fields[fi]
			if f.Kind == ir.FieldRelation {
				for _, c := range f.Relation.Columns {
					info.pkCols = append(info.pkCols, c.Self)
				}
			} else {
				info.pkCols = append(info.pkCols, f.Column)
			}
		}
		info.retCols = append(info.retCols, info.pkCols...)
		for _, c := range info.refCols {
			if !containsStr(info.retCols, c) {
				info.retCols = append(info.retCols, c)
			}
		}
		if ent.Kind != ir.EntityTable {
			continue
		}
		n := &ent.Names
		add := func(name string, k OpKind, u int) {
			if name != "" {
				e.ops[name] = rootOp{kind: k, entity: i, unique: u}
			}
		}
		if len(ent.PK) > 0 {
			add(n.PKQuery, OpPK, -1)
			add(n.Update, OpUpdate, -1)
			add(n.Delete, OpDelete, -1)
		}
		add(n.Collection, OpCollection, -1)
		add(n.Aggregate, OpAggregate, -1)
		add(n.Create, OpCreate, -1)
		add(n.CreateMany, OpCreateMany, -1)
		add(n.UpdateMany, OpUpdateMany, -1)
		add(n.DeleteMany, OpDeleteMany, -1)
		for u := range ent.Uniques {
			add(ent.Uniques[u].Query, OpUnique, u)
		}
	}
	return e
}

// isCollection reports whether f is a one-to-many relation (Set<T>).
func isCollection(f *ir.Field) bool {
	return f.Kind == ir.FieldRelation && f.Relation != nil && f.Relation.Kind == ir.OneToMany
}

func containsStr(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Operation returns the kind and entity of the root field name, if this engine serves it.
func (e *Engine) Operation(name string) (OpKind, *ir.Entity, bool) {
	op, ok := e.ops[name]
	if !ok {
		return 0, nil, false
	}
	return op.kind, &e.sys.Entities[op.entity], true
}

type txKey struct{}

// WithQuerier returns a context whose resolutions run on q (typically the request's pgx.Tx).
func WithQuerier(ctx context.Context, q Querier) context.Context {
	return context.WithValue(ctx, txKey{}, q)
}

// QuerierFrom returns the Querier stored by WithQuerier.
func QuerierFrom(ctx context.Context) Querier {
	q, _ := ctx.Value(txKey{}).(Querier)
	return q
}

// RunInTx runs fn in one transaction on db, with the transaction stored in the context given
// to fn (see WithQuerier); it commits when fn returns nil and rolls back otherwise.
func RunInTx(ctx context.Context, db Querier, fn func(ctx context.Context) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	if err := fn(WithQuerier(ctx, tx)); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return dbErr(err)
	}
	return nil
}

// Resolve resolves the root field f on the Querier found in ctx (see WithQuerier) and returns
// its JSON value.
func (e *Engine) Resolve(ctx context.Context, f *Field) (json.RawMessage, error) {
	q := QuerierFrom(ctx)
	if q == nil {
		return nil, errors.New("postgres: no querier in context")
	}
	return e.ResolveOn(ctx, q, f)
}

// ResolveOn resolves the root field f on q. Mutations with nested operations run several
// statements; callers wanting atomicity pass a transaction.
func (e *Engine) ResolveOn(ctx context.Context, q Querier, f *Field) (json.RawMessage, error) {
	op, ok := e.ops[f.Name]
	if !ok {
		return nil, fmt.Errorf("postgres: unknown root field %q", f.Name)
	}
	r := &run{e: e, ctx: ctx, q: q}
	switch op.kind {
	case OpPK, OpUnique, OpCollection, OpAggregate:
		p := r.planner()
		if err := p.rootQuery(op, f); err != nil {
			return nil, err
		}
		if p.flat != nil {
			return r.queryFlat(p, p.flat)
		}
		return r.queryJSON(p)
	case OpCreate, OpCreateMany:
		v, err := r.create(op, f)
		return v, atArg(err, f, "data")
	case OpUpdate, OpUpdateMany:
		v, err := r.update(op, f)
		return v, atArg(err, f, "data")
	case OpDelete, OpDeleteMany:
		return r.delete(op, f)
	}
	return nil, fmt.Errorf("postgres: unsupported operation %q", f.Name)
}

// atArg points an input validation error at the value of argument arg in the document.
func atArg(err error, f *Field, arg string) error {
	pe, ok := err.(*Error)
	if !ok || !pe.inputArg || pe.Locations != nil {
		return err
	}
	l, ok := f.ArgLocations[arg]
	if !ok {
		return err
	}
	c := *pe
	c.Locations = []graphql.Location{l}
	return &c
}

// Plan returns the SQL and arguments of a query root field without running it (for tests,
// EXPLAIN and benchmarks).
func (e *Engine) Plan(ctx context.Context, f *Field) (string, []any, error) {
	op, ok := e.ops[f.Name]
	if !ok || op.kind.IsMutation() {
		return "", nil, fmt.Errorf("postgres: %q is not a query", f.Name)
	}
	r := &run{e: e, ctx: ctx}
	p := r.planner()
	if err := p.rootQuery(op, f); err != nil {
		return "", nil, err
	}
	return string(p.b.buf), p.b.args, nil
}

// run is the state of one root field resolution.
type run struct {
	e   *Engine
	ctx context.Context
	q   Querier
	// residual cache: solved rules per entity and kind
	solved map[solvedKey]*ir.Expr
}

type solvedKey struct {
	rule *ir.Expr
}

func (r *run) planner() *planner {
	return &planner{r: r, sys: r.e.sys}
}

// queryJSON runs the planned statement and returns its single text column (nil for no row or
// SQL NULL).
func (r *run) queryJSON(p *planner) (json.RawMessage, error) {
	rows, err := r.q.Query(r.ctx, string(p.b.buf), p.b.args...)
	if err != nil {
		return nil, dbErr(err)
	}
	defer rows.Close()
	var out json.RawMessage
	if rows.Next() {
		raw := rows.RawValues()
		if len(raw) > 0 && raw[0] != nil {
			out = append(json.RawMessage(nil), raw[0]...)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbErr(err)
	}
	return out, nil
}

// dbErr maps database errors to Exograph's "Operation failed" and keeps others internal.
func dbErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return &Error{Message: MsgOperationFailed, Err: err}
	}
	var ue *Error
	if errors.As(err, &ue) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if strings.Contains(err.Error(), "unable to encode") || strings.Contains(err.Error(), "cannot") {
		return &Error{Message: MsgOperationFailed, Err: err}
	}
	return fmt.Errorf("postgres: %w", err)
}
