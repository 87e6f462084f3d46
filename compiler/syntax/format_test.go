package syntax

import "testing"

func expectFormat(t *testing.T, src, want string) {
	t.Helper()
	t.Run(src, func(t *testing.T) {
		t.Helper()
		out, diags := FormatSource("test.exo", []byte(src))
		if len(diags) > 0 {
			t.Fatalf("unexpected diagnostics:\n%s", renderDiags(diags))
		}
		if string(out) != want {
			t.Errorf("format mismatch\n--- got:\n%s\n--- want:\n%s", out, want)
		}
		checkFormat(t, "test.exo", []byte(src))
	})
}

func TestFormat(t *testing.T) {
	expectFormat(t, "//! Schema doc\nimport \"a\";\n\n\n@postgres(schema=\"s\")   module   M{\n/// A todo.\n@access(query=self.a==1,mutation=!(x in Ctx.ys))\n  type Todo{@pk id:Int=autoIncrement();title : String?// trailing\n\n\n\n    tags: Array<Array<String>>\n  ...Frag\n}\n  enum P { LOW, HIGH }\n}\n",
		`//! Schema doc
import "a"

@postgres(schema = "s") module M {
  /// A todo.
  @access(query = self.a == 1, mutation = !(x in Ctx.ys))
  type Todo {
    @pk id: Int = autoIncrement()
    title: String? // trailing

    tags: Array<Array<String>>
    ...Frag
  }
  enum P {
    LOW
    HIGH
  }
}
`)
	expectFormat(t, "@deno(\"x.ts\") module S {\n  @access(true) export query add(@inject c: AuthContext,\n y: Int): Int\n  @before(\"query *\")\n  interceptor i(op: Operation) // why\n}",
		`@deno("x.ts") module S {
  @access(true) export query add(
    @inject c: AuthContext,
    y: Int
  ): Int
  @before("query *")
  interceptor i(op: Operation) // why
}
`)
	expectFormat(t, "module M { @projection(\n p = [/basic, venue/basic, id],\n e = []) @column(mapping={a:\"b\"}) type T { x: Int = - 5 /* c */ y: Float = -2.5 } }",
		`module M {
  @projection(
    p = [/basic, venue/basic, id],
    e = []
  ) @column(mapping = {a: "b"}) type T {
    x: Int = - 5 /* c */
    y: Float = -2.5
  }
}
`)
}
