package graphql

import (
	"fmt"

	"github.com/exo-dev/exo/ir"
	"github.com/vektah/gqlparser/v2/ast"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// moduleType returns the module type a TypeRef of KindModuleType refers to, or nil.
func (b *schemaBuilder) moduleType(t ir.TypeRef) *ir.ModuleType {
	if t.Module < 0 || t.Module >= len(b.sys.Modules) {
		return nil
	}
	m := &b.sys.Modules[t.Module]
	if t.Index < 0 || t.Index >= len(m.Types) {
		return nil
	}
	return &m.Types[t.Index]
}

// moduleInputName is the input type name of a module type: its own name when the type is used
// only as an input, <T>Input when it is also returned.
func (b *schemaBuilder) moduleInputName(t ir.TypeRef) string {
	if mt := b.moduleType(t); mt != nil && mt.Output {
		return t.Name + "Input"
	}
	return t.Name
}

// module registers the types, queries and mutations of a @deno or @wasm module. Operations
// without an @access rule (or with a literal false one) are not exposed; injected arguments are
// hidden.
func (b *schemaBuilder) module(mi int) {
	m := &b.sys.Modules[mi]
	for ti := range m.Types {
		mt := &m.Types[ti]
		ref := ir.TypeRef{Kind: ir.KindModuleType, Module: mi, Index: ti, Name: mt.Name}
		if mt.Output || !mt.Input {
			d := object(mt.Name)
			d.Description = mt.Doc
			for _, f := range mt.Fields {
				d.Fields = append(d.Fields, describedField(f.Doc, f.Name, b.gqlType(f.Type, !f.Optional, false)))
			}
			b.add(d)
		}
		if mt.Input {
			d := input(b.moduleInputName(ref))
			d.Description = mt.Doc
			for _, f := range mt.Fields {
				d.Fields = append(d.Fields, describedField(f.Doc, f.Name, b.gqlType(f.Type, !f.Optional, true)))
			}
			b.add(d)
		}
	}
	for _, op := range m.Queries {
		if fd := b.moduleOperation(&op); fd != nil {
			b.queries = append(b.queries, fd)
		}
	}
	for _, op := range m.Mutations {
		if fd := b.moduleOperation(&op); fd != nil {
			b.mutations = append(b.mutations, fd)
		}
	}
}

func (b *schemaBuilder) moduleOperation(op *ir.Operation) *ast.FieldDefinition {
	if isLiteralFalse(op.Access) {
		return nil
	}
	fd := describedField(op.Doc, op.Name, b.gqlType(op.Return, !op.ReturnOptional, false))
	for _, a := range op.Args {
		if a.Injected || a.Type.Kind == ir.KindContext || a.Type.Kind == ir.KindInjected {
			continue
		}
		fd.Arguments = append(fd.Arguments, arg(a.Name, b.gqlType(a.Type, !a.Optional, true)))
	}
	return fd
}
