package access

import (
	"context"
	"testing"

	"github.com/exo-dev/exo/ir"
)

func solveString(t *testing.T, e *ir.Expr, rc *RequestContext) string {
	t.Helper()
	s, err := Solve(e, rc)
	if err != nil {
		return "error: " + err.Error()
	}
	if s.Outcome == Residual {
		if s.Residual == nil {
			t.Fatal("residual outcome without expression")
		}
		return Format(s.Residual)
	}
	if s.Residual != nil {
		t.Fatalf("%s outcome with a residual", s.Outcome)
	}
	return s.Outcome.String()
}

func TestSolve(t *testing.T) {
	admin := map[string]any{"sub": 7, "role": "admin", "roles": []any{"ADMIN", "USER"}, "nums": []any{1, 2}, "erole": "ADMIN", "score": 2.5}
	user := map[string]any{"sub": "8", "role": "user", "roles": []any{"USER"}}
	anon := map[string]any(nil)
	role := ctxPath(cAuth, fRole)
	id := ctxPath(cAuth, fID)
	roles := ctxPath(cAuth, fRoles)
	published := selfPath(eIssue, "published")
	ownerID := selfPath(eIssue, "owner", "id")

	tests := []struct {
		name   string
		expr   *ir.Expr
		claims map[string]any
		want   string
	}{
		{"nil is deny", nil, admin, "false"},
		{"literal true", lit(true), anon, "true"},
		{"literal false", lit(false), admin, "false"},
		{"context eq string", eq(role, lit("admin")), admin, "true"},
		{"context eq string mismatch", eq(role, lit("admin")), user, "false"},
		{"default applies when claim missing", eq(role, lit("user")), anon, "true"},
		{"missing id == null", eq(id, lit(nil)), anon, "true"},
		{"present id == null", eq(id, lit(nil)), admin, "false"},
		{"missing id != null", bin(ir.OpNeq, id, lit(nil)), anon, "false"},
		{"present id != null", bin(ir.OpNeq, id, lit(nil)), admin, "true"},
		{"string claim coerced to Int", eq(id, lit(8)), user, "true"},
		{"int vs float literal", eq(id, lit(7.0)), admin, "true"},
		{"lt", bin(ir.OpLt, id, lit(8)), admin, "true"},
		{"lte equal", bin(ir.OpLte, id, lit(7)), admin, "true"},
		{"gt", bin(ir.OpGt, id, lit(7)), admin, "false"},
		{"gte", bin(ir.OpGte, id, lit(7)), admin, "true"},
		{"gt with null is false", bin(ir.OpGt, id, lit(0)), anon, "false"},
		{"lt with null is false", bin(ir.OpLt, id, lit(100)), anon, "false"},
		{"string ordering", bin(ir.OpLt, role, lit("b")), admin, "true"},
		{"float ordering", bin(ir.OpGt, ctxPath(cAuth, fScore), lit(2)), admin, "true"},
		{"mixed kinds never equal", eq(role, lit(1)), admin, "false"},
		{"mixed kinds not ordered", bin(ir.OpLt, role, lit(1)), admin, "false"},
		{"enum compare", eq(ctxPath(cAuth, fERole), enumLit("ADMIN")), admin, "true"},
		{"literal in context list", in(lit("ADMIN"), roles), admin, "true"},
		{"literal in context list miss", in(lit("ADMIN"), roles), user, "false"},
		{"in missing list", in(lit("ADMIN"), roles), anon, "false"},
		{"context in literal list", in(role, list(lit("admin"), lit("manager"))), admin, "true"},
		{"context in literal list miss", in(role, list(lit("admin"), lit("manager"))), user, "false"},
		{"int in set", in(lit(2), ctxPath(cAuth, fNums)), admin, "true"},
		{"contains", contains(roles, lit("ADMIN")), admin, "true"},
		{"contains miss", contains(roles, lit("ADMIN")), user, "false"},
		{"contains on null", contains(roles, lit("ADMIN")), anon, "false"},
		{"not", not(eq(role, lit("admin"))), user, "true"},
		{"not not", not(not(eq(role, lit("admin")))), user, "false"},
		{"bare bool context null is false", ctxPath(cAuth, fAdmin), anon, "false"},
		{"and both true", and(eq(role, lit("admin")), in(lit("ADMIN"), roles)), admin, "true"},
		{"and short-circuits", and(lit(false), published), admin, "false"},
		{"or short-circuits", or(eq(role, lit("admin")), published), admin, "true"},
		{"or residual", or(eq(role, lit("admin")), published), user, "self.published"},
		{"and residual", and(eq(role, lit("user")), published), user, "self.published"},
		{"residual and false", and(published, lit(false)), user, "false"},
		{"residual or true", or(published, lit(true)), user, "true"},
		{"residual and true", and(published, lit(true)), user, "self.published"},
		{"residual or false", or(published, lit(false)), user, "self.published"},
		{"two residuals", or(published, eq(ownerID, id)), user, "(self.published || (self.owner.id == 8))"},
		{"self == context substituted", eq(ownerID, id), admin, "(self.owner.id == 7)"},
		{"context == self substituted", eq(id, ownerID), admin, "(7 == self.owner.id)"},
		{"self == missing context is false", eq(ownerID, id), anon, "false"},
		{"self != missing context is false", bin(ir.OpNeq, ownerID, id), anon, "false"},
		{"self == null literal stays", eq(selfPath(eIssue, "title"), lit(nil)), anon, "(self.title == null)"},
		{"self != null literal stays", bin(ir.OpNeq, selfPath(eIssue, "title"), lit(nil)), anon, "(self.title != null)"},
		{"self < null literal is false", bin(ir.OpLt, selfPath(eIssue, "priority"), lit(nil)), anon, "false"},
		{"self ordering", bin(ir.OpGte, selfPath(eIssue, "priority"), ctxPath(cAuth, fScore)), admin, "(self.priority >= 2.5)"},
		{"self in context list", in(selfPath(eIssue, "title"), roles), admin, `(self.title in ["ADMIN", "USER"])`},
		{"self in empty list", in(selfPath(eIssue, "title"), roles), map[string]any{"roles": []any{}}, "false"},
		{"self in missing list", in(selfPath(eIssue, "title"), roles), anon, "false"},
		{"self in literal list", in(selfPath(eIssue, "title"), list(lit("a"), role)), user, `(self.title in ["a", "user"])`},
		{"context in self array", in(role, selfPath(eIssue, "tags")), user, `("user" in self.tags)`},
		{"context list contains self", contains(roles, selfPath(eIssue, "title")), admin, `(self.title in ["ADMIN", "USER"])`},
		{"self array contains context", contains(selfPath(eIssue, "tags"), role), admin, `self.tags.contains("admin")`},
		{"self array contains missing", contains(selfPath(eIssue, "tags"), ctxPath(cAuth, fNested)), admin, "false"},
		{"not residual", not(published), user, "!self.published"},
		{"not not residual", not(not(published)), user, "self.published"},
		{"some residual", some(selfPath(eIssue, "permissions"), "p",
			and(eq(paramPath("p", ePermission, "user", "id"), id), paramPath("p", ePermission, "read"))), admin,
			"self.permissions.some(p => ((p.user.id == 7) && p.read))"},
		{"some body false", some(selfPath(eIssue, "permissions"), "p",
			and(eq(paramPath("p", ePermission, "user", "id"), id), lit(false))), admin, "false"},
		{"some body true", some(selfPath(eIssue, "permissions"), "p", eq(role, lit("admin"))), admin,
			"self.permissions.some(p => true)"},
		{"some body missing ctx", some(selfPath(eIssue, "permissions"), "p",
			eq(paramPath("p", ePermission, "user", "id"), id)), anon, "false"},
		{"some over context list", some(roles, "r", eq(paramPath("r", -1), lit("USER"))), admin, "true"},
		{"some over context list miss", some(roles, "r", eq(paramPath("r", -1), lit("X"))), admin, "false"},
		{"some over null list", some(roles, "r", lit(true)), anon, "false"},
		{"list literal equality", eq(roles, list(lit("USER"))), user, "true"},
		{"missing context != value is false", bin(ir.OpNeq, ctxPath(cAuth, fNested), lit("x")), anon, "false"},
		{"two missing contexts are not equal", eq(ctxPath(cAuth, fNested), ctxPath(cAuth, fOrg)), anon, "false"},
		{"nested claim missing", eq(ctxPath(cAuth, fNested), lit(nil)), user, "true"},
		{"nested claim", eq(ctxPath(cAuth, fNested), lit("jo")),
			map[string]any{"user": map[string]any{"profile": map[string]any{"name": "jo"}}}, "true"},
		{"field key defaults to name", eq(ctxPath(cAuth, fOrg), lit(3)), map[string]any{"org": 3}, "true"},
		{"coercion error surfaces", eq(id, lit(1)), map[string]any{"sub": "abc"}, "error: Type mismatch: expected Int, got abc"},
		{"coercion error skipped by short circuit", or(lit(true), eq(id, lit(1))), map[string]any{"sub": "abc"}, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := solveString(t, tt.expr, claimsRequest(t, tt.claims))
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestSolveResidualLiteralTypes(t *testing.T) {
	rc := claimsRequest(t, map[string]any{"sub": 7, "roles": []any{"A"}, "erole": "ADMIN"})
	s, err := Solve(eq(selfPath(eIssue, "priority"), ctxPath(cAuth, fID)), rc)
	if err != nil || s.Outcome != Residual {
		t.Fatalf("got %v %v", s, err)
	}
	r := s.Residual.Right
	if r.Kind != ir.ExprLiteral || r.Lit.Kind != ir.LitInt || r.Lit.Int != 7 || r.Type.Scalar != ir.Int {
		t.Fatalf("right side %+v", r)
	}
	s, _ = Solve(in(selfPath(eIssue, "title"), ctxPath(cAuth, fRoles)), rc)
	l := s.Residual.Right
	if l.Kind != ir.ExprList || len(l.Items) != 1 || l.Items[0].Lit.Kind != ir.LitString || l.Items[0].Type.Scalar != ir.String {
		t.Fatalf("list %+v", l)
	}
	s, _ = Solve(eq(selfPath(eIssue, "title"), ctxPath(cAuth, fERole)), rc)
	if s.Residual.Right.Lit.Kind != ir.LitEnum || s.Residual.Right.Lit.Str != "ADMIN" {
		t.Fatalf("enum literal %+v", s.Residual.Right.Lit)
	}
	// The original expression must not be modified.
	orig := eq(selfPath(eIssue, "priority"), ctxPath(cAuth, fID))
	_, _ = Solve(orig, rc)
	if orig.Right.Kind != ir.ExprPath {
		t.Fatal("Solve mutated its input")
	}
}

func TestSolveContextCached(t *testing.T) {
	calls := 0
	x, err := NewExtractor(t.Context(), testSystem(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	rc := x.NewRequest(t.Context(), nil, func(_ context.Context, name string) (any, error) {
		calls++
		if name != "shouldTrack" {
			t.Errorf("query %q", name)
		}
		return true, nil
	})
	e := and(ctxPath(cTrack, 0), ctxPath(cTrack, 0))
	for range 3 {
		if got := solveString(t, e, rc); got != "true" {
			t.Fatalf("got %s", got)
		}
	}
	if calls != 1 {
		t.Fatalf("query ran %d times, want 1", calls)
	}
}
