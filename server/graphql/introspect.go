package graphql

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// Introspect resolves an introspection root field (__schema, __type or __typename) and returns
// its JSON value, with object fields in selection order.
func Introspect(schema *ast.Schema, op *Operation, f *Field) json.RawMessage {
	in := introspector{schema: schema}
	in.buf = make([]byte, 0, 256)
	switch f.Kind {
	case FieldTypename:
		name := ""
		if op.RootType != nil {
			name = op.RootType.Name
		} else if f.ParentType != nil {
			name = f.ParentType.Name
		}
		in.str(name)
	case FieldSchema:
		in.schemaObj(f.Selections)
	case FieldType:
		name, _ := f.Arguments["name"].(string)
		def := schema.Types[name]
		if def == nil {
			// Exograph answers an unknown type with an object whose fields are all null.
			in.nullObj(f.Selections)
		} else {
			in.typeObj(typeRef{def: def}, f.Selections)
		}
	default:
		in.null()
	}
	return in.buf
}

type introspector struct {
	schema *ast.Schema
	buf    []byte
}

// typeRef is a __Type: either a wrapper (non-null or list around t) or a named definition.
type typeRef struct {
	t   *ast.Type
	def *ast.Definition
}

func (in *introspector) null()          { in.buf = append(in.buf, "null"...) }
func (in *introspector) str(s string)   { in.buf = appendJSONString(in.buf, s) }
func (in *introspector) boolean(b bool) { in.buf = appendBool(in.buf, b) }

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

func (in *introspector) optStr(s string) {
	if s == "" {
		in.null()
		return
	}
	in.str(s)
}

func (in *introspector) key(i int, f *Field) {
	if i > 0 {
		in.buf = append(in.buf, ',')
	}
	in.buf = appendJSONString(in.buf, f.Alias)
	in.buf = append(in.buf, ':')
}

func (in *introspector) nullObj(sel []*Field) {
	in.buf = append(in.buf, '{')
	for i, f := range sel {
		in.key(i, f)
		in.null()
	}
	in.buf = append(in.buf, '}')
}

// sortedTypes lists the schema's types by name, root operation types last (Exograph's order).
func sortedTypes(schema *ast.Schema) []*ast.Definition {
	out := make([]*ast.Definition, 0, len(schema.Types))
	for _, d := range schema.Types {
		if d != schema.Query && d != schema.Mutation && d != schema.Subscription {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b *ast.Definition) int { return strings.Compare(a.Name, b.Name) })
	for _, d := range []*ast.Definition{schema.Query, schema.Mutation, schema.Subscription} {
		if d != nil {
			out = append(out, d)
		}
	}
	return out
}

func (in *introspector) schemaObj(sel []*Field) {
	in.buf = append(in.buf, '{')
	for i, f := range sel {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__Schema")
		case "description":
			in.optStr(in.schema.Description)
		case "types":
			in.buf = append(in.buf, '[')
			for j, d := range sortedTypes(in.schema) {
				if j > 0 {
					in.buf = append(in.buf, ',')
				}
				in.typeObj(typeRef{def: d}, f.Selections)
			}
			in.buf = append(in.buf, ']')
		case "queryType":
			in.optType(in.schema.Query, f.Selections)
		case "mutationType":
			in.optType(in.schema.Mutation, f.Selections)
		case "subscriptionType":
			in.optType(in.schema.Subscription, f.Selections)
		case "directives":
			names := make([]string, 0, len(in.schema.Directives))
			for n := range in.schema.Directives {
				names = append(names, n)
			}
			slices.Sort(names)
			in.buf = append(in.buf, '[')
			for j, n := range names {
				if j > 0 {
					in.buf = append(in.buf, ',')
				}
				in.directiveObj(in.schema.Directives[n], f.Selections)
			}
			in.buf = append(in.buf, ']')
		default:
			in.null()
		}
	}
	in.buf = append(in.buf, '}')
}

func (in *introspector) optType(d *ast.Definition, sel []*Field) {
	if d == nil {
		in.null()
		return
	}
	in.typeObj(typeRef{def: d}, sel)
}

func (in *introspector) typeOf(t *ast.Type) typeRef {
	if t.NonNull || t.Elem != nil {
		return typeRef{t: t}
	}
	d := in.schema.Types[t.NamedType]
	if d == nil {
		d = &ast.Definition{Kind: ast.Scalar, Name: t.NamedType}
	}
	return typeRef{def: d}
}

func includeDeprecated(f *Field) bool {
	b, _ := f.Arguments["includeDeprecated"].(bool)
	return b
}

func deprecation(dirs ast.DirectiveList) (bool, string) {
	d := dirs.ForName("deprecated")
	if d == nil {
		return false, ""
	}
	reason := "No longer supported"
	if a := d.Arguments.ForName("reason"); a != nil && a.Value != nil {
		reason = a.Value.Raw
	}
	return true, reason
}

func (in *introspector) typeObj(tr typeRef, sel []*Field) {
	in.buf = append(in.buf, '{')
	for i, f := range sel {
		in.key(i, f)
		if tr.t != nil {
			// wrapper type
			switch f.Name {
			case "__typename":
				in.str("__Type")
			case "kind":
				if tr.t.NonNull {
					in.str("NON_NULL")
				} else {
					in.str("LIST")
				}
			case "ofType":
				var inner *ast.Type
				if tr.t.NonNull {
					c := *tr.t
					c.NonNull = false
					inner = &c
				} else {
					inner = tr.t.Elem
				}
				in.typeObj(in.typeOf(inner), f.Selections)
			default:
				in.null()
			}
			continue
		}
		d := tr.def
		switch f.Name {
		case "__typename":
			in.str("__Type")
		case "kind":
			in.str(string(d.Kind))
		case "name":
			in.str(d.Name)
		case "description":
			in.optStr(d.Description)
		case "specifiedByURL":
			url := ""
			if sd := d.Directives.ForName("specifiedBy"); sd != nil {
				if a := sd.Arguments.ForName("url"); a != nil && a.Value != nil {
					url = a.Value.Raw
				}
			}
			in.optStr(url)
		case "isOneOf":
			if d.Kind == ast.InputObject {
				in.boolean(d.Directives.ForName("oneOf") != nil)
			} else {
				in.null()
			}
		case "fields":
			if d.Kind != ast.Object && d.Kind != ast.Interface {
				in.null()
				break
			}
			all := includeDeprecated(f)
			in.buf = append(in.buf, '[')
			n := 0
			for _, fd := range d.Fields {
				if strings.HasPrefix(fd.Name, "__") {
					continue
				}
				if dep, _ := deprecation(fd.Directives); dep && !all {
					continue
				}
				if n > 0 {
					in.buf = append(in.buf, ',')
				}
				n++
				in.fieldObj(fd, f.Selections)
			}
			in.buf = append(in.buf, ']')
		case "interfaces":
			if d.Kind != ast.Object && d.Kind != ast.Interface {
				in.null()
				break
			}
			in.buf = append(in.buf, '[')
			for j, name := range d.Interfaces {
				if j > 0 {
					in.buf = append(in.buf, ',')
				}
				in.typeObj(in.typeOf(ast.NamedType(name, nil)), f.Selections)
			}
			in.buf = append(in.buf, ']')
		case "possibleTypes":
			if d.Kind != ast.Interface && d.Kind != ast.Union {
				in.null()
				break
			}
			in.buf = append(in.buf, '[')
			for j, pt := range in.schema.GetPossibleTypes(d) {
				if j > 0 {
					in.buf = append(in.buf, ',')
				}
				in.typeObj(typeRef{def: pt}, f.Selections)
			}
			in.buf = append(in.buf, ']')
		case "enumValues":
			if d.Kind != ast.Enum {
				in.null()
				break
			}
			all := includeDeprecated(f)
			in.buf = append(in.buf, '[')
			n := 0
			for _, ev := range d.EnumValues {
				dep, reason := deprecation(ev.Directives)
				if dep && !all {
					continue
				}
				if n > 0 {
					in.buf = append(in.buf, ',')
				}
				n++
				in.enumValueObj(ev, dep, reason, f.Selections)
			}
			in.buf = append(in.buf, ']')
		case "inputFields":
			if d.Kind != ast.InputObject {
				in.null()
				break
			}
			all := includeDeprecated(f)
			in.buf = append(in.buf, '[')
			n := 0
			for _, fd := range d.Fields {
				dep, reason := deprecation(fd.Directives)
				if dep && !all {
					continue
				}
				if n > 0 {
					in.buf = append(in.buf, ',')
				}
				n++
				in.inputValueObj(fd.Name, fd.Description, fd.Type, fd.DefaultValue, dep, reason, f.Selections)
			}
			in.buf = append(in.buf, ']')
		default:
			in.null()
		}
	}
	in.buf = append(in.buf, '}')
}

func (in *introspector) fieldObj(fd *ast.FieldDefinition, sel []*Field) {
	dep, reason := deprecation(fd.Directives)
	in.buf = append(in.buf, '{')
	for i, f := range sel {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__Field")
		case "name":
			in.str(fd.Name)
		case "description":
			in.optStr(fd.Description)
		case "args":
			in.args(fd.Arguments, includeDeprecated(f), f.Selections)
		case "type":
			in.typeObj(in.typeOf(fd.Type), f.Selections)
		case "isDeprecated":
			in.boolean(dep)
		case "deprecationReason":
			in.optStr(reason)
		default:
			in.null()
		}
	}
	in.buf = append(in.buf, '}')
}

func (in *introspector) args(list ast.ArgumentDefinitionList, all bool, sel []*Field) {
	in.buf = append(in.buf, '[')
	n := 0
	for _, a := range list {
		dep, reason := deprecation(a.Directives)
		if dep && !all {
			continue
		}
		if n > 0 {
			in.buf = append(in.buf, ',')
		}
		n++
		in.inputValueObj(a.Name, a.Description, a.Type, a.DefaultValue, dep, reason, sel)
	}
	in.buf = append(in.buf, ']')
}

func (in *introspector) inputValueObj(name, desc string, t *ast.Type, def *ast.Value, dep bool, reason string, sel []*Field) {
	in.buf = append(in.buf, '{')
	for i, f := range sel {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__InputValue")
		case "name":
			in.str(name)
		case "description":
			in.optStr(desc)
		case "type":
			in.typeObj(in.typeOf(t), f.Selections)
		case "defaultValue":
			if def == nil {
				in.null()
			} else {
				in.str(printValue(def))
			}
		case "isDeprecated":
			in.boolean(dep)
		case "deprecationReason":
			in.optStr(reason)
		default:
			in.null()
		}
	}
	in.buf = append(in.buf, '}')
}

func (in *introspector) enumValueObj(ev *ast.EnumValueDefinition, dep bool, reason string, sel []*Field) {
	in.buf = append(in.buf, '{')
	for i, f := range sel {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__EnumValue")
		case "name":
			in.str(ev.Name)
		case "description":
			in.optStr(ev.Description)
		case "isDeprecated":
			in.boolean(dep)
		case "deprecationReason":
			in.optStr(reason)
		default:
			in.null()
		}
	}
	in.buf = append(in.buf, '}')
}

func (in *introspector) directiveObj(d *ast.DirectiveDefinition, sel []*Field) {
	in.buf = append(in.buf, '{')
	for i, f := range sel {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__Directive")
		case "name":
			in.str(d.Name)
		case "description":
			in.optStr(d.Description)
		case "isRepeatable":
			in.boolean(d.IsRepeatable)
		case "locations":
			in.buf = append(in.buf, '[')
			for j, l := range d.Locations {
				if j > 0 {
					in.buf = append(in.buf, ',')
				}
				in.str(string(l))
			}
			in.buf = append(in.buf, ']')
		case "args":
			in.args(d.Arguments, includeDeprecated(f), f.Selections)
		default:
			in.null()
		}
	}
	in.buf = append(in.buf, '}')
}

// printValue prints a literal in GraphQL syntax (graphql-js print style: `{a: 1, b: [X, Y]}`).
func printValue(v *ast.Value) string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v *ast.Value) {
	switch v.Kind {
	case ast.Variable:
		b.WriteString("$" + v.Raw)
	case ast.StringValue, ast.BlockValue:
		b.Write(appendJSONString(nil, v.Raw))
	case ast.ListValue:
		b.WriteByte('[')
		for i, c := range v.Children {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, c.Value)
		}
		b.WriteByte(']')
	case ast.ObjectValue:
		b.WriteByte('{')
		for i, c := range v.Children {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.Name + ": ")
			writeValue(b, c.Value)
		}
		b.WriteByte('}')
	default:
		b.WriteString(v.Raw)
	}
}
