package postgres

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/schema"
	"github.com/jackc/pgx/v5"
)

// conformanceDir is ../shared/conformance/integration-tests next to the repository, or
// $EXO_CONFORMANCE_DIR/integration-tests.
func conformanceDir() string {
	if d := os.Getenv("EXO_CONFORMANCE_DIR"); d != "" {
		return filepath.Join(d, "integration-tests")
	}
	return "../../../shared/conformance/integration-tests"
}

// TestCompiledModel runs the engine on a model compiled by the compiler, with the schema
// created from the same IR by package schema: the IR conventions (relation column pairs,
// names, column types) are exercised end to end.
func TestCompiledModel(t *testing.T) {
	dir := filepath.Join(conformanceDir(), "basic-model-no-auth")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("conformance cases not present at ../shared/conformance")
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if sys == nil {
		t.Fatalf("compile: %v", diags)
	}
	ddl := strings.Join(schema.FromIR(sys).DDL(), ";\n")
	url := pgtest.NewFromTemplate(t, ddl)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	v := &env{t: t, e: New(sys, Options{}), conn: conn, ctx: ctx}

	v.expect(fa("createVenue", obj{"data": obj{"name": "V1", "published": true, "latitude": 37.5,
		"concerts": list{obj{"title": "C1", "published": true, "price": "10.5"}, obj{"title": "C2", "published": false, "price": "3"}}}},
		f("id"), f("name"), fa("concerts", obj{"orderBy": obj{"id": "ASC"}}, f("title"), f("price"))),
		`{"id":1,"name":"V1","concerts":[{"title":"C1","price":"10.50"},{"title":"C2","price":"3.00"}]}`)
	v.expect(fa("concerts", obj{"where": obj{"venue": obj{"name": obj{"eq": "V1"}}}, "orderBy": list{obj{"price": "DESC"}}}, f("title"), f("venue", f("latitude"))),
		`[{"title":"C1","venue":{"latitude":37.5}},{"title":"C2","venue":{"latitude":37.5}}]`)
	v.expect(fa("venuesAgg", nil, f("latitude", f("max")), f("id", f("count"))), `{"latitude":{"max":37.5},"id":{"count":1}}`)
	v.expect(fa("updateVenue", obj{"id": int64(1), "data": obj{"concerts": obj{"delete": list{obj{"id": int64(2)}}}}}, fa("concertsAgg", nil, f("id", f("count")))),
		`{"concertsAgg":{"id":{"count":1}}}`)
	v.expectErr(fa("deleteVenue", obj{"id": int64(1)}, f("id")), MsgOperationFailed)
	v.expect(fa("deleteConcerts", obj{"where": obj{}}, f("title")), `[{"title":"C1"}]`)
	v.expect(fa("deleteVenue", obj{"id": int64(1)}, f("name")), `{"name":"V1"}`)
}

// A nested update of a one-to-one child whose primary key is the relation back to the parent
// (Profile.user) takes the key from the parent row.
func TestCompiledOneToOnePKChild(t *testing.T) {
	const model = `@postgres
module UserModule {
  @access(true)
  type User {
    @pk orgId: Int
    @pk email: String
    profile: Profile?
  }
  @access(true)
  type Profile {
    @pk user: User
    name: String
  }
}
`
	sys, diags := compiler.Compile(compiler.Options{FS: fstest.MapFS{"src/index.exo": {Data: []byte(model)}}})
	if sys == nil || diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	ddl := strings.Join(schema.FromIR(sys).DDL(), ";\n")
	url := pgtest.NewFromTemplate(t, ddl)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	v := &env{t: t, e: New(sys, Options{}), conn: conn, ctx: ctx}
	v.expect(fa("createUser", obj{"data": obj{"orgId": int64(1), "email": "a@x", "profile": list{obj{"name": "A"}}}}, f("email")), `{"email":"a@x"}`)
	v.expect(fa("updateUser", obj{"orgId": int64(1), "email": "a@x", "data": obj{"profile": obj{"update": obj{"name": "A2"}}}}, f("profile", f("name"))),
		`{"profile":{"name":"A2"}}`)
}
