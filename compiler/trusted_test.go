package compiler

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"testing/fstest"
)

const trustedModel = `@postgres
module TodoDatabase {
  @access(true)
  type Todo {
    @pk id: Int = autoIncrement()
    title: String
  }
}
`

func sha(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func TestTrustedDocuments(t *testing.T) {
	q1 := "query { todos { id } }"
	q2 := "query one($id: Int!) { todo(id: $id) { title } }"
	q3 := "mutation { createTodo(data: {title: \"x\"}) { id } }"
	fsys := fstest.MapFS{
		"src/index.exo":                 {Data: []byte(trustedModel)},
		"trusted-documents/web.json":    {Data: []byte(`{"` + sha(q1) + `": "query { todos { id } }"}`)},
		"trusted-documents/ios/v1.json": {Data: []byte(`{"operations": [{"id": "` + strings.ToUpper(sha(q2)) + `", "name": "one", "type": "query", "body": "query one($id: Int!) { todo(id: $id) { title } }"}]}`)},
		"trusted-documents/a/b/c.json":  {Data: []byte(`{"` + sha(q3) + `": "mutation { createTodo(data: {title: \"x\"}) { id } }"}`)},
		"trusted-documents/README.md":   {Data: []byte("not json")},
	}
	sys, diags := Compile(Options{FS: fsys})
	if diags.HasErrors() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	want := map[string]string{sha(q1): q1, sha(q2): q2, sha(q3): q3}
	if len(sys.TrustedDocuments) != len(want) {
		t.Fatalf("got %d trusted documents, want %d: %v", len(sys.TrustedDocuments), len(want), sys.TrustedDocuments)
	}
	for h, d := range want {
		if sys.TrustedDocuments[h] != d {
			t.Errorf("document %s = %q, want %q", h, sys.TrustedDocuments[h], d)
		}
	}
}

func TestTrustedDocumentsAbsentOrEmpty(t *testing.T) {
	sys, diags := Compile(Options{FS: fstest.MapFS{"src/index.exo": {Data: []byte(trustedModel)}}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if sys.TrustedDocuments != nil {
		t.Errorf("no trusted-documents directory: got %v, want nil (nothing enforced)", sys.TrustedDocuments)
	}
	sys, diags = Compile(Options{FS: fstest.MapFS{
		"src/index.exo":                {Data: []byte(trustedModel)},
		"trusted-documents/.keep":      {Data: nil},
		"trusted-documents/empty.json": {Data: []byte(`{}`)},
	}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if sys.TrustedDocuments == nil || len(sys.TrustedDocuments) != 0 {
		t.Errorf("empty trusted-documents directory: got %#v, want an empty non-nil map (everything but introspection rejected)", sys.TrustedDocuments)
	}
}

func TestTrustedDocumentsErrors(t *testing.T) {
	for name, tc := range map[string]struct{ file, want string }{
		"not json":      {`[1, 2]`, "expected a JSON object"},
		"not a string":  {`{"` + sha("x") + `": 3}`, "is not a string"},
		"bad hash":      {`{"abc": "query { todos { id } }"}`, `"abc" is not a SHA-256 hash`},
		"manifest":      {`{"operations": [{"id": "` + sha("x") + `"}]}`, `operation 0 needs an "id" and a "body"`},
		"manifest type": {`{"operations": [{"id": 1, "body": "x"}]}`, "invalid Apollo persisted query manifest"},
	} {
		t.Run(name, func(t *testing.T) {
			_, diags := Compile(Options{FS: fstest.MapFS{
				"src/index.exo":            {Data: []byte(trustedModel)},
				"trusted-documents/x.json": {Data: []byte(tc.file)},
			}})
			if !diags.HasErrors() {
				t.Fatalf("no error for %s", tc.file)
			}
			var msgs []string
			for _, d := range diags {
				msgs = append(msgs, d.Message)
			}
			got := strings.Join(msgs, "\n")
			if !strings.Contains(got, tc.want) || !strings.Contains(got, "trusted-documents/x.json") {
				t.Errorf("diagnostics %q do not mention %q and the file", got, tc.want)
			}
		})
	}
	// A hash that is not the hash of its document is only a warning.
	sys, diags := Compile(Options{FS: fstest.MapFS{
		"src/index.exo":            {Data: []byte(trustedModel)},
		"trusted-documents/x.json": {Data: []byte(`{"` + sha("other") + `": "query { todos { id } }"}`)},
	}})
	if diags.HasErrors() || len(diags) != 1 || !strings.Contains(diags[0].Message, "is not the SHA-256 hash of its document") {
		t.Errorf("mismatched hash: got %v, want one warning", diags)
	}
	if len(sys.TrustedDocuments) != 1 {
		t.Errorf("mismatched hash: document dropped")
	}
}
