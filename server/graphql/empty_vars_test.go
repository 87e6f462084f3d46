package graphql

import "testing"

func TestBlankEmptyVariableLists(t *testing.T) {
	for in, want := range map[string]string{
		"mutation () { a }":      "mutation    { a }",
		"query Q( ) { a }":       "query Q    { a }",
		"query Q($a: Int) { a }": "",
		"{ a(x: \"query ()\") }": "{ a(x: \"query   \") }",
		"mutation Make() { b }":  "mutation Make   { b }",
	} {
		got, ok := blankEmptyVariableLists(in)
		if want == "" {
			if ok {
				t.Errorf("%q: blanked to %q, want untouched", in, got)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("%q: got %q (%v), want %q", in, got, ok, want)
		}
		if len(got) != len(in) {
			t.Errorf("%q: length changed", in)
		}
	}
}
