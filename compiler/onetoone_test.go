package compiler

import (
	"testing"
	"testing/fstest"
)

// The owning side of a one-to-one relation is an implicit unique constraint (as in Exograph):
// a DB constraint and a membershipByUser query; an explicit @unique is not duplicated.
func TestOneToOneOwnerIsUnique(t *testing.T) {
	const model = `@postgres
module M {
  @access(true)
  type User {
    @pk id: Int = autoIncrement()
    membership: Membership?
    badge: Badge?
  }
  @access(true)
  type Membership {
    @pk id: Int = autoIncrement()
    user: User
  }
  @access(true)
  type Badge {
    @pk id: Int = autoIncrement()
    @unique("owner") user: User
  }
}
`
	sys, diags := Compile(Options{FS: fstest.MapFS{"src/index.exo": {Data: []byte(model)}}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := map[string]string{"Membership": "membershipByUser", "Badge": "badgeByOwner"}
	for _, e := range sys.Entities {
		q, ok := want[e.Name]
		if !ok {
			if len(e.Uniques) != 0 {
				t.Errorf("%s: unexpected uniques %+v", e.Name, e.Uniques)
			}
			continue
		}
		if len(e.Uniques) != 1 || e.Uniques[0].Query != q || len(e.Uniques[0].Fields) != 1 {
			t.Errorf("%s: uniques %+v, want one single-field unique with query %s", e.Name, e.Uniques, q)
		}
	}
}
