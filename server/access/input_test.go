package access

import (
	"testing"

	"github.com/exo-dev/exo/ir"
)

func TestSolveInput(t *testing.T) {
	user := map[string]any{"sub": 8, "role": "user"}
	admin := map[string]any{"sub": 1, "role": "admin"}
	anon := map[string]any(nil)
	id := ctxPath(cAuth, fID)
	isAdmin := eq(ctxPath(cAuth, fRole), lit("admin"))
	ownerRule := or(eq(selfPath(eIssue, "owner", "id"), id), isAdmin)
	devRule := eq(selfPath(eIssue, "assignee", "position"), lit("developer"))
	permRule := some(selfPath(eIssue, "permissions"), "p", and(eq(paramPath("p", ePermission, "user", "id"), id), paramPath("p", ePermission, "read")))

	tests := []struct {
		name     string
		expr     *ir.Expr
		claims   map[string]any
		data     map[string]any
		update   bool
		want     string
		wantRefs map[string]map[string]any
	}{
		{"nil denies", nil, admin, nil, false, "false", nil},
		{"owner matches", ownerRule, user, map[string]any{"title": "t", "owner": map[string]any{"id": 8}}, false, "true", nil},
		{"owner mismatch", ownerRule, user, map[string]any{"owner": map[string]any{"id": 9}}, false, "false", nil},
		{"owner mismatch admin", ownerRule, admin, map[string]any{"owner": map[string]any{"id": 9}}, false, "true", nil},
		{"owner from context default", ownerRule, user, map[string]any{"title": "t"}, false, "true", nil},
		{"owner default with anonymous", ownerRule, anon, map[string]any{"title": "t"}, false, "false", nil},
		{"owner explicitly null", ownerRule, user, map[string]any{"owner": nil}, false, "false", nil},
		{"update without owner does not constrain", ownerRule, user, map[string]any{"title": "t"}, true, "true", nil},
		{"update changing owner", ownerRule, user, map[string]any{"owner": map[string]any{"id": 9}}, true, "false", nil},
		{"update not(absent) stays open", not(eq(selfPath(eIssue, "title"), lit("x"))), user, map[string]any{}, true, "true", nil},
		{"scalar comparison", eq(selfPath(eIssue, "title"), lit("a")), user, map[string]any{"title": "a"}, false, "true", nil},
		{"scalar comparison int", bin(ir.OpGt, selfPath(eIssue, "priority"), lit(3)), user, map[string]any{"priority": 4}, false, "true", nil},
		{"scalar float input", bin(ir.OpGt, selfPath(eIssue, "priority"), lit(3)), user, map[string]any{"priority": 2.0}, false, "false", nil},
		{"absent without default is null", eq(selfPath(eIssue, "title"), lit(nil)), user, map[string]any{}, false, "true", nil},
		{"literal default", eq(selfPath(eIssue, "published"), lit(false)), user, map[string]any{}, false, "true", nil},
		{"db default does not constrain", eq(selfPath(eIssue, "createdAt"), lit("x")), user, map[string]any{}, false, "true", nil},
		{"bare bool field", selfPath(eIssue, "published"), user, map[string]any{"published": true}, false, "true", nil},
		{"in list", in(selfPath(eIssue, "title"), list(lit("a"), lit("b"))), user, map[string]any{"title": "b"}, false, "true", nil},
		{"array contains", contains(selfPath(eIssue, "tags"), lit("x")), user, map[string]any{"tags": []any{"y", "x"}}, false, "true", nil},
		{"array contains miss", contains(selfPath(eIssue, "tags"), lit("x")), user, map[string]any{"tags": []any{"y"}}, false, "false", nil},
		{"precheck residual", devRule, user, map[string]any{"assignee": map[string]any{"id": 5}}, false,
			`(self.assignee.position == "developer")`, map[string]map[string]any{"assignee": {"id": 5}}},
		{"precheck skipped by admin", or(isAdmin, devRule), admin, map[string]any{"assignee": map[string]any{"id": 5}}, false, "true", nil},
		{"precheck and owner", and(eq(selfPath(eIssue, "owner", "id"), id), devRule), user,
			map[string]any{"assignee": map[string]any{"id": 5}}, false,
			`(self.assignee.position == "developer")`, map[string]map[string]any{"assignee": {"id": 5}}},
		{"precheck with null relation", devRule, user, map[string]any{"assignee": nil}, false, "false", nil},
		{"precheck absent in update", devRule, user, map[string]any{"title": "x"}, true, "true", nil},
		{"nested create some", permRule, user, map[string]any{"permissions": []any{
			map[string]any{"user": map[string]any{"id": 3}, "read": true},
			map[string]any{"user": map[string]any{"id": 8}, "read": true}}}, false, "true", nil},
		{"nested create some miss", permRule, user, map[string]any{"permissions": []any{
			map[string]any{"user": map[string]any{"id": 8}, "read": false}}}, false, "false", nil},
		{"nested create some empty", permRule, user, map[string]any{"permissions": []any{}}, false, "false", nil},
		{"nested update is not checked here", permRule, user, map[string]any{"permissions": map[string]any{"create": []any{}}}, true, "true", nil},
		{"param reference needing precheck denies", some(selfPath(eIssue, "permissions"), "p",
			eq(paramPath("p", ePermission, "user", "name"), lit("x"))), user,
			map[string]any{"permissions": []any{map[string]any{"user": map[string]any{"id": 1}}}}, false, "false", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := claimsRequest(t, tt.claims)
			s, err := SolveInput(tt.expr, rc, Input{Entity: eIssue, Data: tt.data, Update: tt.update})
			if err != nil {
				t.Fatal(err)
			}
			got := s.Outcome.String()
			if s.Outcome == Residual {
				got = Format(s.Residual)
			}
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			if len(s.Refs) != len(tt.wantRefs) {
				t.Fatalf("refs = %v, want %v", s.Refs, tt.wantRefs)
			}
			for k, w := range tt.wantRefs {
				if jsonText(s.Refs[k]) != jsonText(w) {
					t.Fatalf("refs[%s] = %v, want %v", k, s.Refs[k], w)
				}
			}
		})
	}
}

func TestRules(t *testing.T) {
	sys := testSystem()
	q := eq(ctxPath(cAuth, fRole), lit("admin"))
	sys.Entities[eUser].Access = ir.Access{Query: q}
	if got := EntityRule(sys, eUser, OpQuery); got != q {
		t.Errorf("query rule = %s", Format(got))
	}
	for _, op := range []Op{OpCreate, OpUpdate, OpDelete} {
		if got := EntityRule(sys, eUser, op); !IsLiteral(got, false) {
			t.Errorf("%s rule = %s, want false", op, Format(got))
		}
	}
	if !IsLiteral(EntityRule(sys, 99, OpQuery), false) || !IsLiteral(EntityRule(nil, 0, OpQuery), false) {
		t.Error("unknown entity not denied")
	}
	f := &sys.Entities[eUser].Fields[1]
	if !IsLiteral(FieldRule(f, OpQuery), true) {
		t.Error("field without access should be true")
	}
	f.Access = &ir.Access{Update: q}
	if FieldRule(f, OpUpdate) != q || !IsLiteral(FieldRule(f, OpQuery), false) {
		t.Error("field rule selection")
	}
	if !IsLiteral(FieldRule(nil, OpQuery), false) {
		t.Error("nil field not denied")
	}
	if !IsLiteral(Rule(nil, OpQuery), false) {
		t.Error("nil access not denied")
	}
	// And simplifies literals.
	if And(lit(true), q) != q || And(q, lit(true)) != q || !IsLiteral(And(q, lit(false)), false) || !IsLiteral(And(nil, q), false) {
		t.Error("And simplification")
	}
	if got := Format(And(q, q)); got != `((ctx0.role == "admin") && (ctx0.role == "admin"))` {
		t.Errorf("And = %s", got)
	}
	rc := claimsRequest(t, map[string]any{"role": "admin"})
	if s, _ := Solve(EntityRule(sys, eUser, OpQuery), rc); s.Outcome != True {
		t.Error("admin query denied")
	}
	if s, _ := Solve(EntityRule(sys, eUser, OpDelete), rc); s.Outcome != False {
		t.Error("default delete allowed")
	}
}
