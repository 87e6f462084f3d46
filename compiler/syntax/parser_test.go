package syntax

import (
	"fmt"
	"strings"
	"testing"
)

// expectParseError parses src and checks that the diagnostics, rendered as
// "line:col: message [code]" lines, equal want.
func expectParseError(t *testing.T, src, want string) {
	t.Helper()
	t.Run(src, func(t *testing.T) {
		t.Helper()
		f, diags := ParseBytes("test.exo", []byte(src))
		var got []string
		for _, d := range diags {
			l, c := d.Span.File.LineCol(int(d.Span.Start))
			got = append(got, fmt.Sprintf("%d:%d: %s [%s]", l, c, d.Message, d.Code))
		}
		if g := strings.Join(got, "\n"); g != want {
			t.Errorf("diagnostics mismatch\n got: %s\nwant: %s", g, want)
		}
		checkSpans(t, "test.exo", f, len(src))
	})
}

// expectParse parses src, requires no diagnostics and compares the AST dump.
func expectParse(t *testing.T, src, want string) {
	t.Helper()
	t.Run(src, func(t *testing.T) {
		t.Helper()
		f, diags := ParseBytes("test.exo", []byte(src))
		if len(diags) > 0 {
			t.Fatalf("unexpected diagnostics:\n%s", renderDiags(diags))
		}
		if got := strings.TrimSpace(Dump(f)); got != strings.TrimSpace(want) {
			t.Errorf("AST mismatch\n got:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestParseErrors(t *testing.T) {
	expectParseError(t, "module M {\n  type T {\n    x Int\n  }\n}",
		`3:7: expected ":", found "Int" [syntax/unexpected-token]`)
	expectParseError(t, "@table(\"venues\"\ntype Venue {}",
		`2:1: expected "," or ")", found "type" [syntax/unexpected-token]`)
	expectParseError(t, "module M {\n  type T {\n    x: Int\n",
		`4:1: expected "}", found end of file [syntax/unexpected-token]`)
	expectParseError(t, "module M {\n  type T {\n    x: Set<Int\n  }\n}",
		`4:3: expected ">", found "}" [syntax/unexpected-token]`)
	expectParseError(t, "type T { x: Int }",
		`1:1: type declaration outside a module [syntax/decl-outside-module]`)
	expectParseError(t, "module M {\n  type T {\n    x: Int = \n  }\n}",
		`4:3: expected expression, found "}" [syntax/unexpected-token]`)
	expectParseError(t, "module M {\n  type T {\n    x: Int = \"abc\n  }\n}",
		`3:14: string literal not terminated [syntax/unterminated-string]`)
	expectParseError(t, "module M { type T { x: Int } } /* open",
		`1:32: comment not terminated [syntax/unterminated-comment]`)
	expectParseError(t, "module M {\n  type T {\n    x: Int # y\n  }\n}",
		`3:12: invalid character '#' [syntax/invalid-character]`)
	expectParseError(t, "module M {\n  @access(self.a | self.b)\n  type T { x: Int }\n}",
		`2:18: invalid character '|' [syntax/invalid-character]`)
	expectParseError(t, "modul M {}",
		`1:1: expected declaration (import, context or module), found "modul" [syntax/unexpected-token]`)
	expectParseError(t, "module M {\n  typ T { x: Int }\n  type U { y: Int }\n}",
		`2:3: expected declaration (type, fragment, enum, query, mutation or interceptor), found "typ" [syntax/unexpected-token]`)
	expectParseError(t, "@deno(\"x.ts\")\nmodule M {\n  query q(x: Int: Int\n}",
		`3:17: expected "," or ")", found ":" [syntax/unexpected-token]`)
	expectParseError(t, "context C {\n  @jwt(\"a\") a: Int\n}\n}",
		`4:1: unexpected "}" [syntax/unexpected-token]`)
	expectParseError(t, "module M {\n  type T {\n    x: Int\n\nmodule N {}",
		`5:1: expected "}", found "module" [syntax/unexpected-token]`)
	// Two errors on different lines are both reported; recovery continues with the next field.
	expectParseError(t, "module M {\n  type T {\n    a Int\n    b: Int\n    c: = 1\n  }\n}",
		"3:7: expected \":\", found \"Int\" [syntax/unexpected-token]\n5:8: expected identifier, found \"=\" [syntax/unexpected-token]")
	// The deliberately broken corpus model.
	expectParseError(t, "@table(\"concerts\")\ntype Concert {\n  id: Int @pk = autoIncrement()\n}",
		"2:1: type declaration outside a module [syntax/decl-outside-module]\n3:15: expected field name, found \"=\" [syntax/unexpected-token]")
}

func TestParseRecoversPartialTree(t *testing.T) {
	src := "@postgres\nmodule M {\n  type A {\n    x Int\n    y: String\n  }\n  type B {\n    z: Int\n  }\n}\n"
	f, diags := ParseBytes("test.exo", []byte(src))
	if len(diags) != 1 {
		t.Fatalf("want 1 diagnostic, got %d:\n%s", len(diags), renderDiags(diags))
	}
	m := f.Decls[0].(*ModuleDecl)
	if len(m.Decls) != 2 {
		t.Fatalf("want both types after recovery, got %d decls", len(m.Decls))
	}
	a := m.Decls[0].(*TypeDecl)
	if fs := a.Fields(); len(fs) != 2 || fs[1].Name.Name != "y" {
		t.Errorf("type A: want fields x (partial) and y, got %s", Dump(a))
	}
}

func TestParseSpans(t *testing.T) {
	src := "@postgres\nmodule M {\n  /// Doc.\n  type T {\n    @pk id: Int = autoIncrement();\n    @column(mapping={a: \"b\"}) member: Member?\n    tags: Array<String>\n  }\n}\n"
	f, diags := ParseBytes("test.exo", []byte(src))
	if len(diags) > 0 {
		t.Fatal(renderDiags(diags))
	}
	text := func(n Node) string { return src[n.Pos():n.End()] }
	ty := f.Decls[0].(*ModuleDecl).Decls[0].(*TypeDecl)
	fs := ty.Fields()
	checks := []struct{ got, want string }{
		{text(ty), "type T {\n    @pk id: Int = autoIncrement();\n    @column(mapping={a: \"b\"}) member: Member?\n    tags: Array<String>\n  }"},
		{ty.Doc.Text(), "Doc."},
		{text(fs[0]), "@pk id: Int = autoIncrement()"},
		{src[fs[0].Pos():fs[0].TypeEnd()], "@pk id: Int"},
		{text(fs[0].Annotations[0]), "@pk"},
		{text(fs[0].Default), "autoIncrement()"},
		{text(fs[1].Annotations[0]), "@column(mapping={a: \"b\"})"},
		{text(fs[1].Annotations[0].Args[0]), "mapping={a: \"b\"}"},
		{text(fs[1].Annotations[0].Args[0].Value), "{a: \"b\"}"},
		{text(fs[1].Type), "Member?"},
		{text(fs[2].Type), "Array<String>"},
		{text(fs[2].Type.(*NamedType).Args[0]), "String"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("span text %q, want %q", c.got, c.want)
		}
	}
}

func TestParseExpressions(t *testing.T) {
	expectParse(t, `module M { @access("ADMIN" in Ctx.roles || !self.a && self.b == -1) type T { x: Int } }`, `
File {
  Decls: [
    ModuleDecl {
      Name: Ident(M)
      Decls: [
        TypeDecl {
          Annotations: [
            Annotation {
              Name: Ident(access)
              Args: [
                Arg {
                  Value: BinaryExpr {
                    X: BinaryExpr {
                      X: BasicLit {
                        Kind: string
                        Raw: "\"ADMIN\""
                        Value: "ADMIN"
                      }
                      Op: in
                      Y: SelectorExpr {
                        X: Ident(Ctx)
                        Sel: Ident(roles)
                      }
                    }
                    Op: ||
                    Y: BinaryExpr {
                      X: UnaryExpr {
                        Op: !
                        X: SelectorExpr {
                          X: Ident(self)
                          Sel: Ident(a)
                        }
                      }
                      Op: &&
                      Y: BinaryExpr {
                        X: SelectorExpr {
                          X: Ident(self)
                          Sel: Ident(b)
                        }
                        Op: ==
                        Y: BasicLit {
                          Raw: "-1"
                          Value: "-1"
                        }
                      }
                    }
                  }
                }
              ]
            }
          ]
          Name: Ident(T)
          Members: [
            FieldDecl {
              Name: Ident(x)
              Type: NamedType {
                Name: Ident(Int)
              }
            }
          ]
        }
      ]
    }
  ]
}`)
	expectParse(t, `module M { @projection(p = [/basic, venue/basic, id]) @access(self.xs.some((x, y) => x.a)) type T { ...F } }`, `
File {
  Decls: [
    ModuleDecl {
      Name: Ident(M)
      Decls: [
        TypeDecl {
          Annotations: [
            Annotation {
              Name: Ident(projection)
              Args: [
                Arg {
                  Name: Ident(p)
                  Value: ArrayLit {
                    Elems: [
                      ProjectionExpr {
                        Name: Ident(basic)
                      }
                      ProjectionExpr {
                        Rel: Ident(venue)
                        Name: Ident(basic)
                      }
                      Ident(id)
                    ]
                  }
                }
              ]
            }
            Annotation {
              Name: Ident(access)
              Args: [
                Arg {
                  Value: CallExpr {
                    Fun: SelectorExpr {
                      X: SelectorExpr {
                        X: Ident(self)
                        Sel: Ident(xs)
                      }
                      Sel: Ident(some)
                    }
                    Args: [
                      LambdaExpr {
                        Params: [
                          Ident(x)
                          Ident(y)
                        ]
                        Body: SelectorExpr {
                          X: Ident(x)
                          Sel: Ident(a)
                        }
                      }
                    ]
                  }
                }
              ]
            }
          ]
          Name: Ident(T)
          Members: [
            Spread {
              Name: Ident(F)
            }
          ]
        }
      ]
    }
  ]
}`)
}

func TestParseDeclarations(t *testing.T) {
	src := "//! Schema.\nimport \"a.exo\"\n@deno(\"x.ts\")\nmodule S {\n  /** Adds. */\n  @access(true) export query add(@inject c: AuthContext, y: Int): Mod.Result\n  mutation m(): Set<Array<Int>>?;\n  @around(\"query *\") interceptor i(op: Operation)\n  enum E { A, B\n    C }\n}\n"
	f, diags := ParseBytes("test.exo", []byte(src))
	if len(diags) > 0 {
		t.Fatal(renderDiags(diags))
	}
	if len(f.Docs) != 1 || f.Docs[0].Content() != "Schema." {
		t.Errorf("schema docs: %v", f.Docs)
	}
	if imp := f.Decls[0].(*ImportDecl); imp.Path.Value != "a.exo" {
		t.Errorf("import path %q", imp.Path.Value)
	}
	m := f.Decls[1].(*ModuleDecl)
	add := m.Decls[0].(*MethodDecl)
	if !add.Export.IsValid() || add.Kind != Query || add.Doc.Text() != "Adds." || len(add.Params) != 2 ||
		FindAnnotation(add.Params[0].Annotations, "inject") == nil {
		t.Errorf("query add parsed wrong: %s", Dump(add))
	}
	if r := add.Result.(*NamedType); r.Module.Name != "Mod" || r.Name.Name != "Result" {
		t.Errorf("qualified result type: %s", Dump(r))
	}
	mut := m.Decls[1].(*MethodDecl)
	if mut.Kind != Mutation || !mut.Semi.IsValid() {
		t.Errorf("mutation m: %s", Dump(mut))
	}
	if ic := m.Decls[2].(*InterceptorDecl); ic.Name.Name != "i" || FindAnnotation(ic.Annotations, "around") == nil {
		t.Errorf("interceptor: %s", Dump(ic))
	}
	if e := m.Decls[3].(*EnumDecl); len(e.Values) != 3 || e.Values[2].Name.Name != "C" {
		t.Errorf("enum: %s", Dump(e))
	}
}
