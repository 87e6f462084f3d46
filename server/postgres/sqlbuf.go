package postgres

import (
	"strconv"
	"strings"

	"github.com/exo-dev/exo/ir"
)

// sqlBuf accumulates SQL text and its bind arguments.
type sqlBuf struct {
	buf  []byte
	args []any
	n    int // next table alias number
}

var aliasNames = func() []string {
	a := make([]string, 64)
	for i := range a {
		a[i] = "t" + strconv.Itoa(i)
	}
	return a
}()

func (b *sqlBuf) alias() string {
	n := b.n
	b.n++
	if n < len(aliasNames) {
		return aliasNames[n]
	}
	return "t" + strconv.Itoa(n)
}

func (b *sqlBuf) s(x string) { b.buf = append(b.buf, x...) }

// ident writes a quoted identifier.
func (b *sqlBuf) ident(x string) {
	b.buf = append(b.buf, '"')
	if strings.IndexByte(x, '"') >= 0 {
		x = strings.ReplaceAll(x, `"`, `""`)
	}
	b.buf = append(b.buf, x...)
	b.buf = append(b.buf, '"')
}

// lit writes a string literal (only for names known at plan time: keys, type names).
func (b *sqlBuf) lit(x string) {
	b.buf = append(b.buf, '\'')
	if strings.IndexByte(x, '\'') >= 0 {
		x = strings.ReplaceAll(x, `'`, `''`)
	}
	b.buf = append(b.buf, x...)
	b.buf = append(b.buf, '\'')
}

func (b *sqlBuf) table(q ir.QualifiedName) {
	if q.Schema != "" && q.Schema != "public" {
		b.ident(q.Schema)
		b.buf = append(b.buf, '.')
	}
	b.ident(q.Name)
}

// col writes alias."column".
func (b *sqlBuf) col(alias, column string) {
	b.buf = append(b.buf, alias...)
	b.buf = append(b.buf, '.')
	b.ident(column)
}

// arg binds v and writes its placeholder.
func (b *sqlBuf) arg(v any) {
	b.args = append(b.args, v)
	b.buf = append(b.buf, '$')
	b.buf = strconv.AppendInt(b.buf, int64(len(b.args)), 10)
}

// corr writes the join condition child.Target = parent.Self for every column pair.
func (b *sqlBuf) corr(child, parent string, pairs []ir.ColumnPair) {
	for i, c := range pairs {
		if i > 0 {
			b.s(" AND ")
		}
		b.col(child, c.Target)
		b.s(" = ")
		b.col(parent, c.Self)
	}
}
