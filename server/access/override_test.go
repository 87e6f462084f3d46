package access

import (
	"context"
	"testing"

	"github.com/exo-dev/exo/ir"
)

func TestWithOverride(t *testing.T) {
	str := ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.String, Name: "String"}
	integer := ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Int, Name: "Int"}
	sys := &ir.System{Contexts: []ir.Context{{Name: "AuthContext", Fields: []ir.ContextField{
		{Name: "role", Type: str, Source: ir.SourceHeader, Key: "X-Role"},
		{Name: "id", Type: integer, Source: ir.SourceHeader, Key: "X-Id"},
	}}}}
	x, err := NewExtractor(context.Background(), sys, Config{})
	if err != nil {
		t.Fatal(err)
	}
	rc := x.NewRequest(context.Background(), MapRequest{Headers: map[string]string{"X-Role": "user", "X-Id": "7"}}, nil)
	priv, err := rc.WithOverride(map[string]any{"AuthContext": map[string]any{"role": "admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := priv.Value(0, 0); v != "admin" {
		t.Fatalf("overridden role = %v, want admin", v)
	}
	if v, _ := priv.Value(0, 1); v != int64(7) {
		t.Fatalf("inherited id = %#v, want 7", v)
	}
	if v, _ := rc.Value(0, 0); v != "user" {
		t.Fatalf("original role changed to %v", v)
	}
	if _, err := rc.WithOverride(map[string]any{"Nope": map[string]any{}}); err == nil {
		t.Fatal("override of an unknown context accepted")
	}
	if _, err := rc.WithOverride(map[string]any{"AuthContext": map[string]any{"id": "abc"}}); err == nil {
		t.Fatal("override that cannot be coerced accepted")
	}
}
