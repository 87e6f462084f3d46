package syntax

import (
	"fmt"
	"reflect"
	"strings"
)

// Dump returns an indented, position-free textual form of the AST rooted
// at n, for tests and golden files (`-- want/ast --`). Two trees that differ
// only in positions and layout have the same dump. Comments are shown by
// content only; File.Comments and File.Source are omitted.
func Dump(n Node) string {
	var b strings.Builder
	d := dumper{b: &b, indent: true}
	d.value(reflect.ValueOf(n), 0)
	b.WriteByte('\n')
	return b.String()
}

// dumpCompact is Dump without indentation, linear in the tree size even for
// deeply nested trees (used by the fuzzer to compare trees).
func dumpCompact(n Node) string {
	var b strings.Builder
	d := dumper{b: &b}
	d.value(reflect.ValueOf(n), 0)
	return b.String()
}

type dumper struct {
	b      *strings.Builder
	indent bool
}

var (
	posType     = reflect.TypeOf(Pos(0))
	commentType = reflect.TypeOf((*Comment)(nil))
)

func (d *dumper) value(v reflect.Value, depth int) {
	b := d.b
	dumpValue := func(_ *strings.Builder, v reflect.Value, depth int) { d.value(v, depth) }
	indent := func(n int) {
		if d.indent {
			b.WriteString(strings.Repeat("  ", n))
		}
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		dumpValue(b, v.Elem(), depth)
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		if v.Type() == commentType {
			fmt.Fprintf(b, "%q", strings.TrimRight(v.Interface().(*Comment).Text, trailingBlanks))
			return
		}
		dumpValue(b, v.Elem(), depth)
	case reflect.Struct:
		t := v.Type()
		if t == reflect.TypeOf(Ident{}) {
			fmt.Fprintf(b, "Ident(%s)", v.Interface().(Ident).Name)
			return
		}
		b.WriteString(t.Name() + " {")
		wrote := false
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			fv := v.Field(i)
			if f.Type == posType || !f.IsExported() {
				continue
			}
			if t.Name() == "File" && (f.Name == "Comments" || f.Name == "Source") {
				continue
			}
			if fv.IsZero() {
				continue
			}
			b.WriteByte('\n')
			indent(depth + 1)
			b.WriteString(f.Name + ": ")
			dumpValue(b, fv, depth+1)
			wrote = true
		}
		if wrote {
			b.WriteByte('\n')
			indent(depth)
		}
		b.WriteString("}")
	case reflect.Slice:
		if v.Len() == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			b.WriteByte('\n')
			indent(depth + 1)
			dumpValue(b, v.Index(i), depth+1)
		}
		b.WriteByte('\n')
		indent(depth)
		b.WriteString("]")
	case reflect.String:
		fmt.Fprintf(b, "%q", v.String())
	default:
		if s, ok := v.Interface().(fmt.Stringer); ok {
			b.WriteString(s.String())
			return
		}
		fmt.Fprintf(b, "%v", v.Interface())
	}
}
