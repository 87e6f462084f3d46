package syntax

import (
	"fmt"
	"testing"
)

// checkSpans verifies 0 <= Pos <= End <= size for every node and that
// children lie within their parents.
func checkSpans(t testing.TB, name string, f *File, size int) {
	t.Helper()
	var stack []Node
	var bad []string
	var visit func(n Node) bool
	visit = func(n Node) bool {
		pos, end := n.Pos(), n.End()
		if pos < 0 || pos > end || int(end) > size {
			bad = append(bad, fmt.Sprintf("%T [%d,%d) out of bounds (size %d)", n, pos, end, size))
		}
		if len(stack) > 0 {
			parent := stack[len(stack)-1]
			if _, isFile := parent.(*File); !isFile && (pos < parent.Pos() || end > parent.End()) {
				bad = append(bad, fmt.Sprintf("%T [%d,%d) outside parent %T [%d,%d)", n, pos, end, parent, parent.Pos(), parent.End()))
			}
		}
		stack = append(stack, n)
		Inspect2(n, visit)
		stack = stack[:len(stack)-1]
		return false
	}
	visit(f)
	for i, b := range bad {
		if i > 5 {
			break
		}
		t.Errorf("%s: %s", name, b)
	}
}

// Inspect2 calls fn on the direct children of n.
func Inspect2(n Node, fn func(Node) bool) {
	first := true
	Inspect(n, func(c Node) bool {
		if first {
			first = false
			return true
		}
		fn(c)
		return false
	})
}
