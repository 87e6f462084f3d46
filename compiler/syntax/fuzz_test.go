package syntax

import (
	"os"
	"testing"
)

var fuzzSeeds = []string{
	``,
	`import "users.exo"`,
	"//! schema doc\n/*! more */\ncontext AuthContext {\n  @jwt(\"sub\") id: Int?\n  @jwt roles: Array<String> = []\n}",
	"@postgres(schema = \"s\", managed = false)\nmodule M {\n  /// a todo\n  @access(self.userId == AuthContext.id || \"ADMIN\" in AuthContext.roles)\n  type Todo {\n    @pk id: Int = autoIncrement(); title: String // t\n    done: Boolean = false\n    priority: Priority = MEDIUM\n    user: User? = AuthContext.id\n    ...Frag\n  }\n  fragment Frag { a: Set<M.Todo> }\n  enum Priority {\n    LOW\n    MEDIUM, HIGH\n  }\n}",
	"@deno(\"x.ts\")\nmodule S {\n  @access(true) export query add(x: Int, y: Int): Int\n  mutation m(@inject e: Exograph, a: Array<Array<Float>>?): Boolean;\n  @before(\"query *\") interceptor i(op: Operation)\n}",
	"@postgres module M { @projection(withVenue = [/basic, venue/basic, id], empty = []) @column(mapping = {a: \"b\", \"c\": \"d\"}) @range(min=-10, max = 2.5) type T { x: Int } }",
	"@postgres module M { @access(query = self.xs.some((x) => x.a && !x.b), mutation = (a, b) => a != b) type T { x: Int } }",
	"module M { type T { x: Int = - 5 } }",
	"module M { type T { x: Int = ",
	"@table(\"venues\"\ntype Venue {\n  id: Int @pk\n}",
	"module M { type T { x: <Concert> } }",
	"module M { type T { /* c */ x /* d */ : /* e */ Int // f\n } }",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	if _, err := os.Stat(conformanceDir); err == nil {
		good, broken := corpusFiles(f)
		for _, path := range append(good, broken...) {
			if src, err := os.ReadFile(path); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file, diags := ParseBytes("fuzz.exo", src)
		checkSpans(t, "fuzz.exo", file, len(src))
		for _, d := range diags {
			if d.Span.Start < 0 || d.Span.Start > d.Span.End || int(d.Span.End) > len(src) {
				t.Fatalf("diagnostic span [%d,%d) out of bounds (size %d): %s", d.Span.Start, d.Span.End, len(src), d.Message)
			}
		}
		_ = Format(file) // must not panic even with errors
		if len(diags) == 0 {
			checkFormat(t, "fuzz.exo", src)
		}
	})
}
