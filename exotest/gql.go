package exotest

import (
	"regexp"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Binding is an @bind(name: "x") directive: after the stage runs, the value at
// Path in the response is stored as $.x.
type Binding struct {
	Name string
	Path []string // e.g. ["data", "u1", "todos", "id"]
}

// Directives are the test-only directives found in a GraphQL operation.
type Directives struct {
	Bindings []Binding
	// Unordered are the dot paths ("data.chats.participants") of fields
	// marked @unordered.
	Unordered []string
}

// bindRE is Exograph's regex for removing @bind(...): greedy up to the last
// ')' on the line, exactly as the original strips it.
var bindRE = regexp.MustCompile(`@bind\(.*\)`)

// StripDirectives removes @bind(...) and @unordered from a GraphQL document
// the way Exograph does (a regex and a plain text removal) before it is sent.
func StripDirectives(query string) string {
	return strings.ReplaceAll(bindRE.ReplaceAllString(query, ""), "@unordered", "")
}

// ExtractDirectives parses a GraphQL document and returns its @bind and
// @unordered directives with their response paths (aliases included). A
// document that does not parse has none: it is sent as is, and the server
// reports the syntax error the test may expect.
func ExtractDirectives(query string) Directives {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return Directives{}
	}
	w := &dirWalker{fragments: map[string]*ast.FragmentDefinition{}}
	for _, f := range doc.Fragments {
		w.fragments[f.Name] = f
	}
	for _, op := range doc.Operations {
		w.selections(op.SelectionSet, []string{"data"}, 0)
	}
	return w.out
}

type dirWalker struct {
	fragments map[string]*ast.FragmentDefinition
	out       Directives
}

// maxFragmentDepth stops fragment cycles (which the server rejects anyway).
const maxFragmentDepth = 32

func (w *dirWalker) selections(set ast.SelectionSet, path []string, depth int) {
	if depth > maxFragmentDepth {
		return
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			p := append(append([]string(nil), path...), name)
			for _, d := range s.Directives {
				switch d.Name {
				case "bind":
					if a := d.Arguments.ForName("name"); a != nil && a.Value != nil {
						w.out.Bindings = append(w.out.Bindings, Binding{Name: a.Value.Raw, Path: p})
					}
				case "unordered":
					w.out.Unordered = append(w.out.Unordered, strings.Join(p, "."))
				}
			}
			w.selections(s.SelectionSet, p, depth)
		case *ast.InlineFragment:
			w.selections(s.SelectionSet, path, depth+1)
		case *ast.FragmentSpread:
			if f := w.fragments[s.Name]; f != nil {
				w.selections(f.SelectionSet, path, depth+1)
			}
		}
	}
}

// extractPath returns the value at path in a decoded JSON value. Lists map
// element-wise, so a path through a list yields a list. ok is false when the
// path does not exist.
func extractPath(v any, path []string) (any, bool) {
	if len(path) == 0 {
		return v, true
	}
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			r, ok := extractPath(e, path)
			if !ok {
				r = nil
			}
			out = append(out, r)
		}
		return out, true
	case map[string]any:
		next, ok := x[path[0]]
		if !ok {
			return nil, false
		}
		return extractPath(next, path[1:])
	case nil:
		return nil, true
	}
	return nil, false
}
