package access

import (
	"strconv"
	"strings"

	"github.com/exo-dev/exo/ir"
)

// Format renders an expression in .exo syntax (contexts by index as ctx<N>, since the system is
// not at hand), for logs and tests.
func Format(e *ir.Expr) string {
	var b strings.Builder
	format(&b, e)
	return b.String()
}

var opText = map[ir.BinaryOp]string{ir.OpEq: "==", ir.OpNeq: "!=", ir.OpLt: "<", ir.OpLte: "<=",
	ir.OpGt: ">", ir.OpGte: ">=", ir.OpIn: "in", ir.OpAnd: "&&", ir.OpOr: "||"}

func format(b *strings.Builder, e *ir.Expr) {
	if e == nil {
		b.WriteString("<nil>")
		return
	}
	switch e.Kind {
	case ir.ExprLiteral:
		b.WriteString(formatLit(e.Lit))
	case ir.ExprPath:
		p := e.Path
		if p == nil {
			b.WriteString("<nil path>")
			return
		}
		switch p.Root {
		case ir.RootSelf:
			b.WriteString("self")
		case ir.RootParam:
			b.WriteString(p.Param)
		case ir.RootContext:
			b.WriteString("ctx" + strconv.Itoa(p.Context))
		}
		for _, s := range p.Steps {
			b.WriteString("." + s.Name)
		}
	case ir.ExprBinary:
		b.WriteByte('(')
		format(b, e.Left)
		b.WriteString(" " + opText[e.Op] + " ")
		format(b, e.Right)
		b.WriteByte(')')
	case ir.ExprNot:
		b.WriteByte('!')
		format(b, e.Left)
	case ir.ExprSome:
		format(b, e.Left)
		b.WriteString(".some(" + e.Param + " => ")
		format(b, e.Right)
		b.WriteByte(')')
	case ir.ExprContains:
		format(b, e.Left)
		b.WriteString(".contains(")
		format(b, e.Right)
		b.WriteByte(')')
	case ir.ExprList:
		b.WriteByte('[')
		for i := range e.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, &e.Items[i])
		}
		b.WriteByte(']')
	default:
		b.WriteString("<?>")
	}
}

func formatLit(l *ir.Literal) string {
	if l == nil {
		return "null"
	}
	switch l.Kind {
	case ir.LitBool:
		return strconv.FormatBool(l.Bool)
	case ir.LitInt:
		return strconv.FormatInt(l.Int, 10)
	case ir.LitFloat:
		return strconv.FormatFloat(l.Float, 'g', -1, 64)
	case ir.LitString:
		return strconv.Quote(l.Str)
	case ir.LitEnum:
		return l.Str
	}
	return "null"
}
