package access

import (
	"context"
	"testing"

	"github.com/exo-dev/exo/ir"
)

var (
	tInt     = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Int, Name: "Int"}
	tFloat   = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Float, Name: "Float"}
	tString  = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.String, Name: "String"}
	tBool    = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"}
	tUuid    = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Uuid, Name: "Uuid"}
	tDecimal = ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Decimal, Name: "Decimal"}
	tStrArr  = ir.TypeRef{Kind: ir.KindArray, Name: "Array", Elem: &tString}
	tIntSet  = ir.TypeRef{Kind: ir.KindSet, Name: "Set", Elem: &tInt}
	tRole    = ir.TypeRef{Kind: ir.KindEnum, Index: 0, Name: "Role"}
)

// Context indices.
const (
	cAuth = iota
	cReq
	cTrack
)

// AuthContext field indices.
const (
	fID = iota
	fRole
	fRoles
	fNested
	fOrg
	fScore
	fUid
	fAdmin
	fPrice
	fERole
	fNums
)

// Entity indices and fields.
const (
	eUser = iota
	eEmployee
	eIssue
	ePermission
)

func testSystem() *ir.System {
	ent := func(i int, name string) ir.TypeRef { return ir.TypeRef{Kind: ir.KindEntity, Index: i, Name: name} }
	permSet := ent(ePermission, "Permission")
	sys := &ir.System{
		Enums: []ir.Enum{{Name: "Role", Values: []string{"ADMIN", "USER"}}},
		Contexts: []ir.Context{
			{Name: "AuthContext", Fields: []ir.ContextField{
				{Name: "id", Type: tInt, Source: ir.SourceJWT, Key: "sub"},
				{Name: "role", Type: tString, Source: ir.SourceJWT, Key: "role", Default: &ir.Literal{Kind: ir.LitString, Str: "user"}},
				{Name: "roles", Type: tStrArr, Source: ir.SourceJWT, Key: "roles"},
				{Name: "nested", Type: tString, Source: ir.SourceJWT, Key: "user.profile.name"},
				{Name: "org", Type: tInt, Source: ir.SourceJWT}, // key defaults to the field name
				{Name: "score", Type: tFloat, Source: ir.SourceJWT, Key: "score"},
				{Name: "uid", Type: tUuid, Source: ir.SourceJWT, Key: "uid"},
				{Name: "admin", Type: tBool, Source: ir.SourceJWT, Key: "admin"},
				{Name: "price", Type: tDecimal, Source: ir.SourceJWT, Key: "price"},
				{Name: "erole", Type: tRole, Source: ir.SourceJWT, Key: "erole"},
				{Name: "nums", Type: tIntSet, Source: ir.SourceJWT, Key: "nums"},
			}},
			{Name: "RequestContext", Fields: []ir.ContextField{
				{Name: "secret", Type: tString, Source: ir.SourceHeader, Key: "X-Secret-Header"},
				{Name: "session", Type: tString, Source: ir.SourceCookie, Key: "session_id"},
				{Name: "dev", Type: tString, Source: ir.SourceEnv, Key: "__DEV_MODE"},
				{Name: "ip", Type: tString, Source: ir.SourceClientIP},
				{Name: "limit", Type: tInt, Source: ir.SourceHeader, Key: "X-Limit"},
				{Name: "flag", Type: tBool, Source: ir.SourceEnv, Key: "FLAG"},
			}},
			{Name: "TrackingContext", Fields: []ir.ContextField{
				{Name: "shouldTrack", Type: tBool, Source: ir.SourceQuery, Key: "shouldTrack"},
			}},
		},
		Entities: []ir.Entity{
			{Kind: ir.EntityTable, Name: "User", PK: []int{0}, Fields: []ir.Field{
				{Kind: ir.FieldScalar, Name: "id", Type: tInt, PK: true},
				{Kind: ir.FieldScalar, Name: "name", Type: tString},
			}},
			{Kind: ir.EntityTable, Name: "Employee", PK: []int{0}, Fields: []ir.Field{
				{Kind: ir.FieldScalar, Name: "id", Type: tInt, PK: true},
				{Kind: ir.FieldScalar, Name: "position", Type: tString},
			}},
			{Kind: ir.EntityTable, Name: "Issue", PK: []int{0}, Fields: []ir.Field{
				{Kind: ir.FieldScalar, Name: "id", Type: tInt, PK: true, AutoIncrement: true, Default: &ir.Default{Kind: ir.DefaultAutoIncrement}},
				{Kind: ir.FieldScalar, Name: "title", Type: tString},
				{Kind: ir.FieldRelation, Name: "assignee", Type: ent(eEmployee, "Employee"),
					Relation: &ir.Relation{Kind: ir.ManyToOne, Target: eEmployee, Name: "Employee", Inverse: -1}},
				{Kind: ir.FieldRelation, Name: "owner", Type: ent(eUser, "User"),
					Relation: &ir.Relation{Kind: ir.ManyToOne, Target: eUser, Name: "User", Inverse: -1},
					Default:  &ir.Default{Kind: ir.DefaultContext, Context: cAuth, ContextField: fID}},
				{Kind: ir.FieldScalar, Name: "tags", Type: tStrArr},
				{Kind: ir.FieldRelation, Name: "permissions", Type: ir.TypeRef{Kind: ir.KindSet, Name: "Set", Elem: &permSet},
					Relation: &ir.Relation{Kind: ir.OneToMany, Target: ePermission, Name: "Permission"}},
				{Kind: ir.FieldScalar, Name: "published", Type: tBool, Default: &ir.Default{Kind: ir.DefaultLiteral, Literal: &ir.Literal{Kind: ir.LitBool}}},
				{Kind: ir.FieldScalar, Name: "priority", Type: tInt},
				{Kind: ir.FieldScalar, Name: "createdAt", Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Instant}, Default: &ir.Default{Kind: ir.DefaultNow}},
			}},
			{Kind: ir.EntityTable, Name: "Permission", PK: []int{0}, Fields: []ir.Field{
				{Kind: ir.FieldScalar, Name: "id", Type: tInt, PK: true},
				{Kind: ir.FieldRelation, Name: "user", Type: ent(eUser, "User"),
					Relation: &ir.Relation{Kind: ir.ManyToOne, Target: eUser, Name: "User"}},
				{Kind: ir.FieldScalar, Name: "read", Type: tBool},
			}},
		},
	}
	sys.Index()
	return sys
}

// Expression builders.

func lit(v any) *ir.Expr {
	switch x := v.(type) {
	case nil:
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitNull}}
	case bool:
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: x}, Type: tBool}
	case int:
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitInt, Int: int64(x)}, Type: tInt}
	case float64:
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitFloat, Float: x}, Type: tFloat}
	case string:
		return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitString, Str: x}, Type: tString}
	}
	panic("lit")
}

func enumLit(s string) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitEnum, Str: s}, Type: tRole}
}

func ctxPath(c, f int) *ir.Expr {
	sys := testSystem()
	cf := sys.Contexts[c].Fields[f]
	return &ir.Expr{Kind: ir.ExprPath, Type: cf.Type, Path: &ir.Path{Root: ir.RootContext, Context: c,
		Steps: []ir.PathStep{{Name: cf.Name, Field: f, Entity: -1}}}}
}

// selfPath builds self.a.b... starting at entity ent.
func selfPath(ent int, names ...string) *ir.Expr { return rootedPath(ir.RootSelf, "", ent, names...) }

func paramPath(param string, ent int, names ...string) *ir.Expr {
	return rootedPath(ir.RootParam, param, ent, names...)
}

func rootedPath(root ir.PathRoot, param string, ent int, names ...string) *ir.Expr {
	sys := testSystem()
	p := &ir.Path{Root: root, Param: param, Entity: ent}
	var typ ir.TypeRef
	cur := ent
	for _, n := range names {
		f, i := sys.Entities[cur].FieldByName(n)
		if f == nil {
			panic("no field " + n)
		}
		p.Steps = append(p.Steps, ir.PathStep{Name: n, Field: i, Entity: cur})
		typ = f.Type
		if f.Relation != nil {
			cur = f.Relation.Target
		}
	}
	return &ir.Expr{Kind: ir.ExprPath, Path: p, Type: typ}
}

func bin(op ir.BinaryOp, l, r *ir.Expr) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprBinary, Op: op, Left: l, Right: r, Type: tBool}
}
func eq(l, r *ir.Expr) *ir.Expr  { return bin(ir.OpEq, l, r) }
func and(l, r *ir.Expr) *ir.Expr { return bin(ir.OpAnd, l, r) }
func or(l, r *ir.Expr) *ir.Expr  { return bin(ir.OpOr, l, r) }
func not(x *ir.Expr) *ir.Expr    { return &ir.Expr{Kind: ir.ExprNot, Left: x, Type: tBool} }
func in(l, r *ir.Expr) *ir.Expr  { return bin(ir.OpIn, l, r) }
func contains(coll, el *ir.Expr) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprContains, Left: coll, Right: el, Type: tBool}
}
func some(coll *ir.Expr, param string, body *ir.Expr) *ir.Expr {
	return &ir.Expr{Kind: ir.ExprSome, Left: coll, Param: param, Right: body, Type: tBool}
}
func list(items ...*ir.Expr) *ir.Expr {
	e := &ir.Expr{Kind: ir.ExprList, Type: tStrArr}
	for _, it := range items {
		e.Items = append(e.Items, *it)
	}
	return e
}

// claimsRequest builds a RequestContext whose JWT claims are given directly (no token).
func claimsRequest(t *testing.T, claims map[string]any) *RequestContext {
	t.Helper()
	x, err := NewExtractor(context.Background(), testSystem(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	rc := x.NewRequest(context.Background(), nil, nil)
	rc.jwtDone = true
	rc.claims = claims
	return rc
}
