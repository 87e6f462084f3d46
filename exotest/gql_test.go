package exotest

import (
	"reflect"
	"strings"
	"testing"
)

func TestExtractDirectives(t *testing.T) {
	q := `mutation {
    u1: createUser(data: {email: "one@example.com", todos: [{title: "T1"}]}) {
        id @bind(name: "u1Id")
        todos @unordered {
            id @bind(name: "u1TodoIds")
        }
    }
    createUser(data: {email: "x"}) {
        ...F
        ... on User { name @bind(name: "inline") }
    }
}
fragment F on User { email @bind(name: "email") tags @unordered { id } }
`
	d := ExtractDirectives(q)
	got := map[string]string{}
	for _, b := range d.Bindings {
		got[b.Name] = strings.Join(b.Path, ".")
	}
	want := map[string]string{
		"u1Id":      "data.u1.id",
		"u1TodoIds": "data.u1.todos.id",
		"email":     "data.createUser.email",
		"inline":    "data.createUser.name",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bindings = %v, want %v", got, want)
	}
	if wantU := []string{"data.u1.todos", "data.createUser.tags"}; !reflect.DeepEqual(d.Unordered, wantU) {
		t.Errorf("unordered = %v, want %v", d.Unordered, wantU)
	}
}

func TestExtractDirectivesBadDocument(t *testing.T) {
	d := ExtractDirectives("{\n  venue(id: 1\n}\n")
	if len(d.Bindings) != 0 || len(d.Unordered) != 0 {
		t.Errorf("directives of an unparsable document = %+v, want none", d)
	}
}

func TestStripDirectives(t *testing.T) {
	in := "query {\n  todos @unordered {\n    id @bind(name: \"ids\")\n    title\n  }\n}\n"
	want := "query {\n  todos  {\n    id \n    title\n  }\n}\n"
	if got := StripDirectives(in); got != want {
		t.Errorf("StripDirectives = %q, want %q", got, want)
	}
	// Exograph's regex is greedy to the last ')' of the line; lines are kept.
	if got := StripDirectives("a @bind(name: \"x\") b(c: 1)\nd"); got != "a \nd" {
		t.Errorf("greedy strip = %q", got)
	}
}

func TestExtractPath(t *testing.T) {
	resp := map[string]any{"data": map[string]any{
		"u1": map[string]any{"id": 1.0, "todos": []any{
			map[string]any{"id": 10.0}, map[string]any{"id": 11.0},
		}},
		"users": []any{
			map[string]any{"todos": []any{map[string]any{"id": 1.0}}},
			map[string]any{"todos": []any{}},
		},
		"gone": nil,
	}}
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"data.u1.id", 1.0, true},
		{"data.u1.todos.id", []any{10.0, 11.0}, true},
		{"data.users.todos.id", []any{[]any{1.0}, []any{}}, true},
		{"data.gone.id", nil, true},
		{"data.missing", nil, false},
	}
	for _, tt := range tests {
		got, ok := extractPath(resp, strings.Split(tt.path, "."))
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("extractPath(%s) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}
