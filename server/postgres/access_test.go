package postgres

import (
	"context"
	"testing"

	"github.com/exo-dev/exo/ir"
)

// identitySolver returns rules unchanged: they are written over self paths and literals only,
// which is exactly the residual server/access produces once context values are substituted.
type identitySolver struct{ ctxValues map[[2]int]any }

func (s identitySolver) Solve(_ context.Context, rule *ir.Expr) (*ir.Expr, error) { return rule, nil }

func (s identitySolver) ContextValue(_ context.Context, c, f int) (any, bool, error) {
	v, ok := s.ctxValues[[2]int{c, f}]
	return v, ok, nil
}

// path builds a self path (root "self") or a lambda parameter path (param != "").
func path(sys *ir.System, param string, ent int, names ...string) *ir.Expr {
	p := &ir.Path{Root: ir.RootSelf, Entity: ent}
	if param != "" {
		p.Root, p.Param = ir.RootParam, param
	}
	for _, n := range names {
		e := &sys.Entities[ent]
		_, fi := e.FieldByName(n)
		p.Steps = append(p.Steps, ir.PathStep{Name: n, Field: fi, Entity: ent})
		if r := e.Fields[fi].Relation; r != nil {
			ent = r.Target
		}
	}
	return &ir.Expr{Kind: ir.ExprPath, Path: p}
}

func boolLit(b bool) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: b}}
}

func eqExpr(l, r *ir.Expr) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpEq, Left: l, Right: r}
}

func TestAccessResidues(t *testing.T) {
	sys := testSystem()
	const venue, concert, employee = 0, 1, 4
	// Venues are visible when published.
	sys.Entities[venue].Access.Query = eqExpr(path(sys, "", venue, "published"), boolLit(true))
	// Concerts: visible when their venue is published; creatable only at published venues;
	// updatable only when unpublished; never deletable.
	sys.Entities[concert].Access = ir.Access{
		Query:  eqExpr(path(sys, "", concert, "venue", "published"), boolLit(true)),
		Create: eqExpr(path(sys, "", concert, "venue", "published"), boolLit(true)),
		Update: eqExpr(path(sys, "", concert, "published"), boolLit(false)),
		Delete: boolLit(false),
	}
	// Employees: visible when they manage someone who is named "Worker" (some over a
	// reverse relation is not in the model, so use a self-relation path instead).
	name := &sys.Entities[employee].Fields[1]
	name.Default = &ir.Default{Kind: ir.DefaultContext, Context: 0, ContextField: 0}
	sys.Entities[employee].Access.Query = &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpOr,
		Left:  eqExpr(path(sys, "", employee, "manager"), &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}),
		Right: eqExpr(path(sys, "", employee, "manager", "name"), &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitString, Str: "Boss"}}),
	}
	v := newEnv(t, Options{})
	v.e = New(sys, Options{Solver: identitySolver{ctxValues: map[[2]int]any{{0, 0}: "FromContext"}}})

	t.Run("collection and nested", func(t *testing.T) {
		v.t = t
		v.expect(fa("venues", obj{"orderBy": obj{"id": "ASC"}}, f("name")), `[{"name":"Hall"},{"name":"Empty"}]`)
		v.expect(fa("concerts", obj{"orderBy": obj{"id": "ASC"}}, f("title"), f("venue", f("name"))),
			`[{"title":"Rock","venue":{"name":"Hall"}},{"title":"Jazz","venue":{"name":"Hall"}}]`)
		v.expect(fa("venuesAgg", nil, f("id", f("count"))), `{"id":{"count":2}}`)
	})
	t.Run("pk filtered is null", func(t *testing.T) {
		v.t = t
		v.expect(fa("venue", obj{"id": int64(2)}, f("name")), `null`)
		v.expect(fa("concert", obj{"id": int64(3)}, f("title")), `null`)
	})
	t.Run("some", func(t *testing.T) {
		v.t = t
		sys2 := testSystem()
		sys2.Entities[venue].Access.Query = &ir.Expr{Kind: ir.ExprSome, Param: "c", Left: path(sys2, "", venue, "concerts"),
			Right: eqExpr(path(sys2, "c", concert, "published"), boolLit(false))}
		e2 := New(sys2, Options{Solver: identitySolver{}})
		e1 := v.e
		v.e = e2
		defer func() { v.e = e1 }()
		v.expect(fa("venues", nil, f("name")), `[{"name":"Hall"}]`)
	})
	t.Run("create precheck through reference", func(t *testing.T) {
		v.t = t
		data := func(venueID int64) obj {
			return obj{"data": obj{"title": "N", "venue": obj{"id": venueID}, "published": true, "price": "1"}}
		}
		v.expectErr(fa("createConcert", data(2), f("title")), MsgNotAuthorized)
		v.expect(fa("createConcert", data(1), f("title")), `{"title":"N"}`)
	})
	t.Run("update residual", func(t *testing.T) {
		v.t = t
		v.expect(fa("updateConcert", obj{"id": int64(1), "data": obj{"title": "no"}}, f("title")), `null`)
		v.expect(fa("updateConcert", obj{"id": int64(2), "data": obj{"title": "Jazz 2"}}, f("title")), `{"title":"Jazz 2"}`)
		// the new values must satisfy the rule too: an input that fails it is not authorized
		// (Exograph's update precheck), whatever the target row
		v.expectErr(fa("updateConcert", obj{"id": int64(2), "data": obj{"published": true}}, f("title")), MsgNotAuthorized)
		v.expectErr(fa("updateConcert", obj{"id": int64(99), "data": obj{"published": true}}, f("title")), MsgNotAuthorized)
		v.expect(fa("updateConcert", obj{"id": int64(2), "data": obj{"published": false}}, f("title")), `{"title":"Jazz 2"}`)
	})
	t.Run("update precheck through reference", func(t *testing.T) {
		v.t = t
		sys5 := testSystem()
		// updatable when the (new or existing) venue is published
		sys5.Entities[concert].Access.Update = eqExpr(path(sys5, "", concert, "venue", "published"), boolLit(true))
		e := New(sys5, Options{Solver: identitySolver{}})
		e1 := v.e
		v.e = e
		defer func() { v.e = e1 }()
		// moving to the unpublished venue 2 is denied; a title change is checked on the row only
		v.expectErr(fa("updateConcert", obj{"id": int64(2), "data": obj{"venue": obj{"id": int64(2)}}}, f("title")), MsgNotAuthorized)
		v.expect(fa("updateConcert", obj{"id": int64(2), "data": obj{"title": "Jazz 3"}}, f("title")), `{"title":"Jazz 3"}`)
		v.expect(fa("updateConcert", obj{"id": int64(2), "data": obj{"venue": obj{"id": int64(1)}}}, f("title")), `{"title":"Jazz 3"}`)
	})
	t.Run("delete denied", func(t *testing.T) {
		v.t = t
		v.expectErr(fa("deleteConcert", obj{"id": int64(2)}, f("title")), MsgNotAuthorized)
	})
	t.Run("self relation residual and context default", func(t *testing.T) {
		v.t = t
		v.expect(fa("createEmployee", obj{"data": obj{"manager": obj{"id": int64(2)}}}, f("name")), `null`)
		v.expect(fa("employees", obj{"orderBy": obj{"id": "ASC"}}, f("name")), `[{"name":"Boss"},{"name":"Worker"}]`)
		v.expect(fa("employeesAgg", obj{"where": obj{"name": obj{"eq": "FromContext"}}}, f("id", f("count"))), `{"id":{"count":0}}`)
		var n int
		if err := v.conn.QueryRow(v.ctx, `SELECT count(*) FROM employees WHERE name = 'FromContext' AND manager_id = 2`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("context default not applied: n=%d err=%v", n, err)
		}
	})
	t.Run("field access", func(t *testing.T) {
		v.t = t
		sys3 := testSystem()
		sys3.Entities[concert].Fields[4].Access = &ir.Access{Query: boolLit(false)}
		e := New(sys3, Options{Solver: identitySolver{}})
		_, err := e.ResolveOn(context.Background(), v.conn, fa("concerts", nil, f("price")))
		if !IsNotAuthorized(err) {
			t.Fatalf("err = %v", err)
		}
		if _, err := e.ResolveOn(context.Background(), v.conn, fa("concerts", nil, f("title"))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("missing rule denies", func(t *testing.T) {
		v.t = t
		sys4 := testSystem()
		sys4.Entities[venue].Access.Query = nil
		e := New(sys4, Options{Solver: identitySolver{}})
		if _, err := e.ResolveOn(context.Background(), v.conn, fa("concerts", nil, f("venue", f("name")))); !IsNotAuthorized(err) {
			t.Fatalf("err = %v", err)
		}
	})
}

// Field-level rules that depend on self (allowed by Exograph, e.g. field-access/with-residue)
// restrict the rows: selecting or filtering on the field filters them, ordering by it is not
// authorized, and mutations that set it check their input.
func TestFieldResidues(t *testing.T) {
	sys := testSystem()
	const concert = 1
	pubOnly := eqExpr(path(sys, "", concert, "published"), boolLit(true))
	price := &sys.Entities[concert].Fields[4]
	if price.Name != "price" {
		t.Fatalf("test system changed: field 4 is %s", price.Name)
	}
	price.Access = &ir.Access{Query: pubOnly, Create: pubOnly, Update: pubOnly, Delete: pubOnly}
	v := newEnv(t, Options{})
	v.e = New(sys, Options{Solver: identitySolver{}})
	order := obj{"orderBy": obj{"id": "ASC"}}

	v.expect(fa("concerts", order, f("title")), `[{"title":"Rock"},{"title":"Jazz"},{"title":"Pop"}]`)
	v.expect(fa("concerts", order, f("title"), f("price")), `[{"title":"Rock","price":"12.50"},{"title":"Pop","price":"7.25"}]`)
	v.expect(fa("concert", obj{"id": int64(2)}, f("price")), `null`)
	v.expect(fa("concert", obj{"id": int64(2)}, f("title")), `{"title":"Jazz"}`)
	v.expect(fa("concerts", obj{"where": obj{"price": obj{"gt": "10"}}}, f("title")), `[{"title":"Rock"}]`)
	v.expect(fa("concertsAgg", nil, f("price", f("count"))), `{"price":{"count":2}}`)
	v.expectErr(fa("concerts", obj{"orderBy": obj{"price": "ASC"}}, f("title")), MsgNotAuthorized)

	create := func(published bool) *Field {
		return fa("createConcert", obj{"data": obj{"title": "N", "venue": obj{"id": int64(1)}, "published": published, "price": "1"}}, f("title"))
	}
	v.expectErr(create(false), MsgNotAuthorized)
	v.expect(create(true), `{"title":"N"}`)
	// updating the field of a row that fails the rule: the row is filtered out
	v.expect(fa("updateConcert", obj{"id": int64(2), "data": obj{"price": "3"}}, f("title")), `null`)
	v.expect(fa("updateConcert", obj{"id": int64(1), "data": obj{"price": "3"}}, f("price")), `{"price":"3.00"}`)

	strict := New(sys, Options{Solver: identitySolver{}})
	ctx := WithSelectedFieldResidualsDenied(context.Background())
	if _, err := strict.ResolveOn(ctx, v.conn, fa("concerts", nil, f("price"))); !IsNotAuthorized(err) {
		t.Errorf("strict selection: err = %v, want Not authorized", err)
	}
	if _, err := strict.ResolveOn(ctx, v.conn, fa("concerts", obj{"where": obj{"price": obj{"gt": "10"}}}, f("title"))); err != nil {
		t.Errorf("strict filter: %v", err)
	}
}

func someExpr(sys *ir.System, param string, coll *ir.Expr, body *ir.Expr) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprSome, Param: param, Left: coll, Right: body}
}

func strLit(s string) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitString, Str: s}}
}

// Access predicates that reach collections through mutation input or data-modifying CTEs.
func TestMutationCollectionResidues(t *testing.T) {
	const concert = 1
	v := newEnv(t, Options{})
	use := func(sys *ir.System) { v.e = New(sys, Options{Solver: identitySolver{}}) }

	t.Run("create precheck: some() through a referenced row", func(t *testing.T) {
		v.t = t
		sys := testSystem()
		// a concert may be added to a venue that has an unpublished concert (Hall: Jazz)
		sys.Entities[concert].Access.Create = someExpr(sys, "c", path(sys, "", concert, "venue", "concerts"),
			eqExpr(path(sys, "c", concert, "published"), boolLit(false)))
		use(sys)
		data := func(venueID int64) obj {
			return obj{"data": obj{"title": "N", "venue": obj{"id": venueID}, "published": true, "price": "1"}}
		}
		v.expectErr(fa("createConcert", data(2), f("title")), MsgNotAuthorized)
		v.expect(fa("createConcert", data(1), f("title")), `{"title":"N"}`)
	})
	t.Run("create precheck: some() over the nested creations", func(t *testing.T) {
		v.t = t
		sys := testSystem()
		const venue = 0
		// a venue must be created with a published concert
		sys.Entities[venue].Access.Create = someExpr(sys, "c", path(sys, "", venue, "concerts"),
			eqExpr(path(sys, "c", concert, "published"), boolLit(true)))
		use(sys)
		data := func(published ...bool) *Field {
			var cs list
			for _, p := range published {
				cs = append(cs, obj{"title": "C", "published": p, "price": "1"})
			}
			d := obj{"name": "V", "published": true}
			if cs != nil {
				d["concerts"] = cs
			}
			return fa("createVenue", obj{"data": d}, f("name"), fa("concerts", nil, f("published")))
		}
		v.expectErr(data(), MsgNotAuthorized)
		v.expectErr(data(false), MsgNotAuthorized)
		v.expect(data(false, true), `{"name":"V","concerts":[{"published":false},{"published":true}]}`)
	})
	t.Run("create precheck: database-generated values do not constrain", func(t *testing.T) {
		v.t = t
		sys := testSystem()
		gt0 := &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpGt, Left: path(sys, "", concert, "id"), Right: &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitInt, Int: 0}}}
		sys.Entities[concert].Access.Create = gt0
		use(sys)
		v.expect(fa("createConcert", obj{"data": obj{"title": "G", "venue": obj{"id": int64(1)}, "published": true, "price": "1"}}, f("title")), `{"title":"G"}`)
		// the rest of the rule still applies
		sys.Entities[concert].Access.Create = &ir.Expr{Kind: ir.ExprBinary, Op: ir.OpAnd, Left: gt0,
			Right: eqExpr(path(sys, "", concert, "published"), boolLit(true))}
		use(sys)
		v.expectErr(fa("createConcert", obj{"data": obj{"title": "G", "venue": obj{"id": int64(1)}, "published": false, "price": "1"}}, f("title")), MsgNotAuthorized)
	})
	t.Run("relation filter sees only visible rows", func(t *testing.T) {
		v.t = t
		sys := testSystem()
		sys.Entities[concert].Access.Query = eqExpr(path(sys, "", concert, "published"), boolLit(true))
		use(sys)
		v.expect(fa("venues", obj{"where": obj{"concerts": obj{"title": obj{"eq": "Jazz"}}}}, f("name")), `[]`)
		v.expect(fa("venues", obj{"where": obj{"concerts": obj{"title": obj{"eq": "Rock"}}}}, f("name")), `[{"name":"Hall"}]`)
	})
	t.Run("nested update excluded by the rule is not authorized", func(t *testing.T) {
		v.t = t
		sys := testSystem()
		sys.Entities[concert].Access.Update = eqExpr(path(sys, "", concert, "published"), boolLit(true))
		use(sys)
		upd := func(id int64) *Field {
			return fa("updateVenue", obj{"id": int64(1), "data": obj{"concerts": obj{"update": list{obj{"id": id, "title": "T"}}}}}, f("name"))
		}
		v.expectErr(upd(2), MsgNotAuthorized) // Jazz is unpublished
		v.expect(upd(1), `{"name":"Hall"}`)
		v.expect(upd(99), `{"name":"Hall"}`) // no such child: nothing to deny
	})
	t.Run("returned rows of a delete: the table in the query rule is the CTE", func(t *testing.T) {
		v.t = t
		sys := testSystem()
		// visible when the venue has a concert titled "Jazz": after deleting Jazz, the rule
		// reads only the deleted rows (as Exograph's CTE named after the table does)
		sys.Entities[concert].Access.Query = someExpr(sys, "c", path(sys, "", concert, "venue", "concerts"),
			eqExpr(path(sys, "c", concert, "title"), strLit("Jazz")))
		sys.Entities[concert].Access.Delete = boolLit(true)
		use(sys)
		v.expect(fa("deleteConcert", obj{"id": int64(1)}, f("title")), `null`)
		v.expect(fa("deleteConcert", obj{"id": int64(2)}, f("title")), `{"title":"Jazz"}`)
		var n int
		if err := v.conn.QueryRow(v.ctx, `SELECT count(*) FROM concerts WHERE id IN (1, 2)`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("both concerts should be deleted: n=%d err=%v", n, err)
		}
	})
}
