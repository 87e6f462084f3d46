package jsbundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
)

func TestWriteTypes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"src/index.exo": `context AuthContext {
  @jwt("sub") id: Int
  @header("X-Role") role: String?
}

@postgres
module TodoDatabase {
  @access(true)
  type Todo {
    @pk id: Int = autoIncrement()
    title: String
    done: Boolean?
  }
}

@deno("todo-service.ts")
module TodoService {
  @access(true)
  type Summary {
    count: Int
    titles: Set<String>
  }

  @access(true)
  query summary(@inject exograph: Exograph, @inject auth: AuthContext): Summary

  @access(true)
  query completed(@inject exograph: ExographPriv): Set<TodoDatabase.Todo>

  @around("query *")
  interceptor time(operation: Operation)
}
`,
	})
	b := New(Options{Skeleton: true})
	sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: b})
	if sys == nil {
		t.Fatal(diags)
	}
	if err := b.Finish(dir, sys); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for name, wants := range map[string][]string{
		"generated/exograph.d.ts":     {"export interface Exograph {", "export interface ExographPriv extends Exograph {", "export interface Operation {", "export declare class ExographError extends Error {"},
		"generated/contexts.d.ts":     {"export interface AuthContext {\n  id: number;\n  role?: string | null;\n}"},
		"generated/TodoDatabase.d.ts": {"export interface Todo {\n  id: number;\n  title: string;\n  done?: boolean;\n}"},
		"generated/TodoService.d.ts":  {"export interface Summary {\n  count: number;\n  titles: string[];\n}"},
		"src/todo-service.ts": {
			"import type { Exograph, ExographPriv, Operation } from '../generated/exograph.d.ts';",
			"import type { AuthContext } from '../generated/contexts.d.ts';",
			"import type * as TodoDatabase from '../generated/TodoDatabase.d.ts';",
			"export function summary(exograph: Exograph, auth: AuthContext): Summary {",
			"export function completed(exograph: ExographPriv): TodoDatabase.Todo[] {",
			"export function time(operation: Operation) {\n\t// TODO",
		},
	} {
		got := read(name)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, got)
			}
		}
	}
}
