package wildcard

import "testing"

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "query concerts", true},
		{"query *", "query concerts", true},
		{"query *", "mutation createConcert", false},
		{"mutation *Concert*", "mutation createConcerts", true},
		{"mutation *Concert*", "mutation createVenue", false},
		{"todo/?pc/*", "todo/rpc/get-todo", true},
		{"todo/?pc/*", "todo/graphql/x", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"ü?", "üx", true},
		{"", "x", false},
		{"exact", "exact", true},
	} {
		if got := Match(c.pattern, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}
