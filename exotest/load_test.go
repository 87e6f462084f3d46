package exotest

import (
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("test.exotest", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func expectLoadError(t *testing.T, src, want string, wantLine int) {
	t.Helper()
	_, err := Parse("test.exotest", []byte(src))
	if err == nil {
		t.Fatalf("Parse succeeded, want error containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %q, want it to contain %q", err, want)
	}
	le, ok := err.(*LoadError)
	if !ok {
		t.Fatalf("error is %T, want *LoadError", err)
	}
	if wantLine > 0 && le.Line != wantLine {
		t.Fatalf("error line = %d, want %d (%v)", le.Line, wantLine, err)
	}
}

func TestParseSingleStage(t *testing.T) {
	f := mustParse(t, `retries: 2
envs:
  EXO_MAX_SELECTION_DEPTH: "7"
  __DEV_MODE: 1
deno: |
  function ok() { return true }
operation: |
  query { a @bind(name: "a") }
variable: |
  {"x": 1}
auth: |
  {"role": "admin"}
headers: |
  {"X-A": "b"}
invariants:
  - path: ../system-state.gql
response: |
  {"data": {"a": ok}}
`)
	if f.Retries != 2 {
		t.Errorf("retries = %d", f.Retries)
	}
	if want := map[string]string{"EXO_MAX_SELECTION_DEPTH": "7", "__DEV_MODE": "1"}; !reflect.DeepEqual(f.Envs, want) {
		t.Errorf("envs = %v", f.Envs)
	}
	if len(f.Stages) != 1 {
		t.Fatalf("stages = %d", len(f.Stages))
	}
	s := f.Stages[0]
	if s.Operation.Kind != GraphQL || s.Operation.Query != "query { a @bind(name: \"a\") }\n" {
		t.Errorf("operation = %+v", s.Operation)
	}
	if s.Operation.Line != 7 {
		t.Errorf("operation line = %d, want 7", s.Operation.Line)
	}
	if s.Variable != "{\"x\": 1}\n" || s.Auth != "{\"role\": \"admin\"}\n" || s.Headers != "{\"X-A\": \"b\"}\n" {
		t.Errorf("variable/auth/headers = %q %q %q", s.Variable, s.Auth, s.Headers)
	}
	if s.Deno != "function ok() { return true }\n" || s.Response != "{\"data\": {\"a\": ok}}\n" {
		t.Errorf("deno/response = %q %q", s.Deno, s.Response)
	}
	if !reflect.DeepEqual(s.Invariants, []string{"../system-state.gql"}) {
		t.Errorf("invariants = %v", s.Invariants)
	}
}

func TestParseStagesAndOperationMaps(t *testing.T) {
	f := mustParse(t, `stages:
  # a comment
  - operation:
      type: rpc
      payload: |
        {"method": "get_todos", "params": {}}
      unorderedPaths:
        - result
        - result.todos
    auth: |
      {"sub": $.u1}
    response: |
      {"result": []}
  - operation:
      type: graphql
      query: |
        { todos { id } }
  - operation: "{ x }"
`)
	if len(f.Stages) != 3 {
		t.Fatalf("stages = %d", len(f.Stages))
	}
	rpc := f.Stages[0].Operation
	if rpc.Kind != RPC || !strings.Contains(rpc.Payload, "get_todos") || !reflect.DeepEqual(rpc.UnorderedPaths, []string{"result", "result.todos"}) {
		t.Errorf("rpc operation = %+v", rpc)
	}
	if g := f.Stages[1].Operation; g.Kind != GraphQL || g.Query != "{ todos { id } }\n" {
		t.Errorf("graphql map operation = %+v", g)
	}
	if g := f.Stages[2].Operation; g.Query != "{ x }" {
		t.Errorf("plain operation = %+v", g)
	}
	if f.Stages[0].Line != 3 {
		t.Errorf("stage line = %d, want 3", f.Stages[0].Line)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
		line            int
	}{
		{"unknown top-level key", "operation: '{ a }'\nrespones: '{}'\n", "Unknown fields: respones", 2},
		{"unknown stage key", "stages:\n  - operation: '{ a }'\n    cookies: '{}'\n", "Unknown fields: cookies", 3},
		{"unknown operation key", "operation:\n  type: graphql\n  qery: '{ a }'\n", "Unknown fields: qery", 3},
		{"missing operation", "response: '{}'\n", "missing field \"operation\"", 0},
		{"missing operation in stage", "stages:\n  - response: '{}'\n", "missing field \"operation\"", 2},
		{"retries too high", "retries: 6\noperation: '{ a }'\n", "retries must be between 0 and 5", 1},
		{"retries not a number", "retries: many\noperation: '{ a }'\n", "retries must be an integer", 1},
		{"variable with rpc", "operation:\n  type: rpc\n  payload: '{}'\nvariable: '{}'\n", "\"variable\" is not allowed with an rpc operation", 4},
		{"rpc without payload", "operation:\n  type: rpc\n", "an rpc operation needs a payload", 0},
		{"bad operation type", "operation:\n  type: rest\n  query: x\n", "unknown operation type \"rest\"", 2},
		{"stages with operation", "operation: '{ a }'\nstages:\n  - operation: '{ b }'\n", "cannot be combined with \"stages\"", 1},
		{"operation not a string", "operation:\n  - a\n", "operation must be a string", 0},
		{"response not a string", "operation: '{ a }'\nresponse:\n  data: 1\n", "response must be a string", 0},
		{"invariant without path", "operation: '{ a }'\ninvariants:\n  - file: x.gql\n", "Unknown fields: file", 3},
		{"top-level list", "- operation: '{ a }'\n", "a test file must be a mapping", 0},
		{"empty", "", "empty test file", 0},
		{"yaml syntax", "operation: |\n  { a }\n response: x\n  - y: [\n", "test.exotest", 0},
		{"duplicate key", "operation: '{ a }'\noperation: '{ b }'\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectLoadError(t, tt.src, tt.want, tt.line)
		})
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "todo/graphql/a", true},
		{"*/rpc/*", "todo/rpc/create-todo", true},
		{"*/rpc/*", "todo/graphql/create-todo", false},
		{"*user*", "venue-user-access", true},
		{"venue-?ser-access", "venue-user-access", true},
		{"venue-?-access", "venue-user-access", false},
		{"todo/graphql/a", "todo/graphql/a", true},
		{"todo", "todo/graphql/a", false},
		{"*a*b*c", "xaybzc", true},
		{"*a*b*c", "xaybzcd", false},
		{"", "", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}
