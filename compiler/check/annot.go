package check

import (
	"strconv"
	"strings"

	"github.com/exo-dev/exo/compiler/syntax"
)

// annotationArgs maps the arguments of a to parameter names: positional
// arguments take the names of positional in order, named arguments must be
// one of positional or named. Problems are reported; the map holds what
// could be matched.
func (c *checker) annotationArgs(src Source, a *syntax.Annotation, positional, named []string) map[string]syntax.Expr {
	out := map[string]syntax.Expr{}
	pi := 0
	for _, arg := range a.Args {
		if arg.Value == nil {
			continue
		}
		if arg.Name == nil {
			if pi >= len(positional) {
				c.errorf(src, arg, "check/annotation-args", "Too many arguments for @%s", a.Name.Name)
				continue
			}
			out[positional[pi]] = arg.Value
			pi++
			continue
		}
		n := arg.Name.Name
		if !contains(positional, n) && !contains(named, n) {
			c.errorf(src, arg.Name, "check/annotation-args", "Unknown parameter %q for @%s", n, a.Name.Name)
			continue
		}
		if _, dup := out[n]; dup {
			c.errorf(src, arg.Name, "check/annotation-args", "Duplicate parameter %q for @%s", n, a.Name.Name)
			continue
		}
		out[n] = arg.Value
	}
	return out
}

// noArgs reports arguments given to an annotation that takes none.
func (c *checker) noArgs(src Source, a *syntax.Annotation) {
	if len(a.Args) > 0 {
		c.errorf(src, a, "check/annotation-args", "@%s does not take arguments", a.Name.Name)
	}
}

// positionalStrings returns all positional string arguments of a.
func (c *checker) positionalStrings(src Source, a *syntax.Annotation) []string {
	var out []string
	for _, arg := range a.Args {
		if arg.Name != nil {
			c.errorf(src, arg.Name, "check/annotation-args", "Unknown parameter %q for @%s", arg.Name.Name, a.Name.Name)
			continue
		}
		if arr, ok := arg.Value.(*syntax.ArrayLit); ok {
			for _, e := range arr.Elems {
				out = append(out, c.stringArg(src, a, e))
			}
			continue
		}
		out = append(out, c.stringArg(src, a, arg.Value))
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *checker) stringArg(src Source, a *syntax.Annotation, e syntax.Expr) string {
	if l, ok := e.(*syntax.BasicLit); ok && l.Kind == syntax.StringLit {
		return l.Value
	}
	c.errorf(src, e, "check/annotation-args", "@%s expects a string argument", a.Name.Name)
	return ""
}

func (c *checker) boolArg(src Source, a *syntax.Annotation, e syntax.Expr) bool {
	if l, ok := e.(*syntax.BasicLit); ok && l.Kind == syntax.BoolLit {
		return l.Value == "true"
	}
	c.errorf(src, e, "check/annotation-args", "@%s expects a boolean argument", a.Name.Name)
	return false
}

func (c *checker) intArg(src Source, a *syntax.Annotation, e syntax.Expr) int {
	if l, ok := e.(*syntax.BasicLit); ok && l.Kind == syntax.IntLit {
		n, err := parseInt(l.Value)
		if err == nil && n >= 0 && n <= 1<<31 {
			return int(n)
		}
	}
	c.errorf(src, e, "check/annotation-args", "@%s expects a non-negative integer argument", a.Name.Name)
	return 0
}

// numberArg accepts a number literal or a string holding one (Float
// ranges may be written `min = "-1.0"`). It returns the value and its text.
func (c *checker) numberArg(src Source, a *syntax.Annotation, e syntax.Expr) (float64, string, bool) {
	if l, ok := e.(*syntax.BasicLit); ok {
		switch l.Kind {
		case syntax.IntLit, syntax.FloatLit, syntax.StringLit:
			f, err := parseFloat(strings.TrimSpace(l.Value))
			if err == nil {
				return f, strings.TrimSpace(l.Value), true
			}
		}
	}
	c.errorf(src, e, "check/annotation-args", "@%s expects a number", a.Name.Name)
	return 0, "", false
}

func parseInt(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
