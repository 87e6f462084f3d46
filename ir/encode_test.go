package ir

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

func sample() *System {
	lit := &Literal{Kind: LitString, Str: "admin"}
	role := &Expr{Kind: ExprPath, Path: &Path{Root: RootContext, Context: 0, Steps: []PathStep{{Name: "role", Field: 0, Entity: -1}}}}
	rule := &Expr{Kind: ExprBinary, Op: OpEq, Left: role, Right: &Expr{Kind: ExprLiteral, Lit: lit}}
	return &System{
		Doc:      "doc",
		Contexts: []Context{{Name: "AuthContext", Fields: []ContextField{{Name: "role", Type: TypeRef{Kind: KindScalar, Scalar: String, Name: "String"}, Source: SourceJWT, Key: "role"}}}},
		Entities: []Entity{{
			Kind: EntityTable, Name: "Venue", Plural: "Venues", Table: QualifiedName{Name: "venues"}, Managed: true,
			Fields: []Field{{Kind: FieldScalar, Name: "id", Column: "id", DBType: "SERIAL", PK: true, AutoIncrement: true,
				Type: TypeRef{Kind: KindScalar, Scalar: Int, Name: "Int"}}},
			PK:     []int{0},
			Access: Access{Query: rule, Create: rule},
		}},
		TrustedDocuments: map[string]string{"abc": "query { venues { id } }"},
	}
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	var buf bytes.Buffer
	if err := Encode(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want.Index()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip mismatch:\n got %+v\nwant %+v", got, want)
	}
	if e, ok := got.EntityByName("Venue"); !ok || e.Table.Name != "venues" {
		t.Fatalf("EntityByName: %v %v", e, ok)
	}
	if _, ok := got.ContextByName("Nope"); ok {
		t.Fatal("found a context that does not exist")
	}
}

func TestDecodeRejectsOtherFiles(t *testing.T) {
	if _, err := Decode(bytes.NewReader([]byte("hello world"))); !errors.Is(err, ErrNotIR) {
		t.Fatalf("want ErrNotIR, got %v", err)
	}
	if _, err := Decode(bytes.NewReader(nil)); !errors.Is(err, ErrNotIR) {
		t.Fatalf("empty: want ErrNotIR, got %v", err)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	b[7]++ // bump the version
	var ve *VersionError
	if _, err := Decode(bytes.NewReader(b)); !errors.As(err, &ve) {
		t.Fatalf("want VersionError, got %v", err)
	}
	b[7]--
	if _, err := Decode(bytes.NewReader(b[:len(b)-5])); err == nil {
		t.Fatal("truncated file decoded without error")
	}
}

func TestWriteReadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "target", "index.exo_ir")
	if err := WriteFile(p, sample()); err != nil {
		t.Fatal(err)
	}
	s, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Entities) != 1 || s.Entities[0].Access.Query.Op != OpEq {
		t.Fatalf("unexpected system %+v", s)
	}
}
