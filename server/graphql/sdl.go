package graphql

import (
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// PrintSchema prints the user-defined part of schema as SDL in the style of graphql-js printSchema
// (block-string descriptions, blank line before described fields) with types ordered as in
// Exograph's introspection.expected.graphql files: by name, root operation types last.
func PrintSchema(schema *ast.Schema) string {
	var parts []string
	if s := printSchemaDefinition(schema); s != "" {
		parts = append(parts, s)
	}
	dnames := make([]string, 0, len(schema.Directives))
	for n, d := range schema.Directives {
		if !isBuiltinDirective(d) {
			dnames = append(dnames, n)
		}
	}
	slices.Sort(dnames)
	for _, n := range dnames {
		parts = append(parts, printDirectiveDef(schema.Directives[n]))
	}
	for _, d := range sortedTypes(schema) {
		if isBuiltinType(d) {
			continue
		}
		parts = append(parts, printType(d))
	}
	return strings.Join(parts, "\n\n")
}

func isBuiltinType(d *ast.Definition) bool {
	if d.BuiltIn || strings.HasPrefix(d.Name, "__") {
		return true
	}
	switch d.Name {
	case "Int", "Float", "String", "Boolean", "ID":
		return d.Kind == ast.Scalar
	}
	return false
}

func isBuiltinDirective(d *ast.DirectiveDefinition) bool {
	if d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn {
		return true
	}
	switch d.Name {
	case "include", "skip", "deprecated", "specifiedBy", "oneOf", "defer":
		return true
	}
	return false
}

func printSchemaDefinition(schema *ast.Schema) string {
	standard := (schema.Query == nil || schema.Query.Name == "Query") &&
		(schema.Mutation == nil || schema.Mutation.Name == "Mutation") &&
		(schema.Subscription == nil || schema.Subscription.Name == "Subscription")
	if standard && schema.Description == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(printDescription(schema.Description, "", true))
	b.WriteString("schema {\n")
	if schema.Query != nil {
		b.WriteString("  query: " + schema.Query.Name + "\n")
	}
	if schema.Mutation != nil {
		b.WriteString("  mutation: " + schema.Mutation.Name + "\n")
	}
	if schema.Subscription != nil {
		b.WriteString("  subscription: " + schema.Subscription.Name + "\n")
	}
	b.WriteString("}")
	return b.String()
}

func printDirectiveDef(d *ast.DirectiveDefinition) string {
	var b strings.Builder
	b.WriteString(printDescription(d.Description, "", true))
	b.WriteString("directive @" + d.Name)
	b.WriteString(printArgs(d.Arguments, ""))
	if d.IsRepeatable {
		b.WriteString(" repeatable")
	}
	b.WriteString(" on ")
	for i, l := range d.Locations {
		if i > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(string(l))
	}
	return b.String()
}

func printType(d *ast.Definition) string {
	var b strings.Builder
	b.WriteString(printDescription(d.Description, "", true))
	switch d.Kind {
	case ast.Scalar:
		b.WriteString("scalar " + d.Name)
		if sd := d.Directives.ForName("specifiedBy"); sd != nil {
			if a := sd.Arguments.ForName("url"); a != nil && a.Value != nil {
				b.WriteString(" @specifiedBy(url: " + string(appendJSONString(nil, a.Value.Raw)) + ")")
			}
		}
	case ast.Object, ast.Interface:
		if d.Kind == ast.Object {
			b.WriteString("type " + d.Name)
		} else {
			b.WriteString("interface " + d.Name)
		}
		if len(d.Interfaces) > 0 {
			b.WriteString(" implements " + strings.Join(d.Interfaces, " & "))
		}
		var items []string
		for _, f := range d.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			items = append(items, printDescription(f.Description, "  ", len(items) == 0)+"  "+f.Name+
				printArgs(f.Arguments, "  ")+": "+f.Type.String()+printDeprecated(f.Directives))
		}
		b.WriteString(printBlock(items))
	case ast.Union:
		b.WriteString("union " + d.Name)
		if len(d.Types) > 0 {
			b.WriteString(" = " + strings.Join(d.Types, " | "))
		}
	case ast.Enum:
		b.WriteString("enum " + d.Name)
		items := make([]string, 0, len(d.EnumValues))
		for i, v := range d.EnumValues {
			items = append(items, printDescription(v.Description, "  ", i == 0)+"  "+v.Name+printDeprecated(v.Directives))
		}
		b.WriteString(printBlock(items))
	case ast.InputObject:
		b.WriteString("input " + d.Name)
		if d.Directives.ForName("oneOf") != nil {
			b.WriteString(" @oneOf")
		}
		items := make([]string, 0, len(d.Fields))
		for i, f := range d.Fields {
			items = append(items, printDescription(f.Description, "  ", i == 0)+"  "+
				printInputValue(f.Name, f.Type, f.DefaultValue, f.Directives))
		}
		b.WriteString(printBlock(items))
	}
	return b.String()
}

func printBlock(items []string) string {
	if len(items) == 0 {
		return ""
	}
	return " {\n" + strings.Join(items, "\n") + "\n}"
}

func printInputValue(name string, t *ast.Type, def *ast.Value, dirs ast.DirectiveList) string {
	s := name + ": " + t.String()
	if def != nil {
		s += " = " + printValue(def)
	}
	return s + printDeprecated(dirs)
}

func printArgs(args ast.ArgumentDefinitionList, indent string) string {
	if len(args) == 0 {
		return ""
	}
	described := false
	for _, a := range args {
		if a.Description != "" {
			described = true
			break
		}
	}
	if !described {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = printInputValue(a.Name, a.Type, a.DefaultValue, a.Directives)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = printDescription(a.Description, "  "+indent, i == 0) + "  " + indent +
			printInputValue(a.Name, a.Type, a.DefaultValue, a.Directives)
	}
	return "(\n" + strings.Join(parts, "\n") + "\n" + indent + ")"
}

func printDeprecated(dirs ast.DirectiveList) string {
	dep, reason := deprecation(dirs)
	if !dep {
		return ""
	}
	if reason == "No longer supported" {
		return " @deprecated"
	}
	return " @deprecated(reason: " + string(appendJSONString(nil, reason)) + ")"
}

func printDescription(desc, indent string, first bool) string {
	if desc == "" {
		return ""
	}
	block := printBlockString(desc)
	prefix := indent
	if indent != "" && !first {
		prefix = "\n" + indent
	}
	return prefix + strings.ReplaceAll(block, "\n", "\n"+indent) + "\n"
}

func isWhiteSpace(c byte) bool { return c == ' ' || c == '\t' }

// printBlockString is graphql-js printBlockString (v16).
func printBlockString(value string) string {
	escaped := strings.ReplaceAll(value, `"""`, `\"""`)
	lines := splitLines(escaped)
	single := len(lines) == 1
	forceLeadingNewLine := len(lines) > 1
	if forceLeadingNewLine {
		for _, l := range lines[1:] {
			if len(l) != 0 && !isWhiteSpace(l[0]) {
				forceLeadingNewLine = false
				break
			}
		}
	}
	hasTrailingTripleQuotes := strings.HasSuffix(escaped, `\"""`)
	hasTrailingQuote := strings.HasSuffix(value, `"`) && !hasTrailingTripleQuotes
	hasTrailingSlash := strings.HasSuffix(value, `\`)
	forceTrailingNewline := hasTrailingQuote || hasTrailingSlash
	multi := !single || len(value) > 70 || forceTrailingNewline || forceLeadingNewLine || hasTrailingTripleQuotes
	var b strings.Builder
	b.WriteString(`"""`)
	skipLeadingNewLine := single && len(value) > 0 && isWhiteSpace(value[0])
	if (multi && !skipLeadingNewLine) || forceLeadingNewLine {
		b.WriteByte('\n')
	}
	b.WriteString(escaped)
	if multi || forceTrailingNewline {
		b.WriteByte('\n')
	}
	b.WriteString(`"""`)
	return b.String()
}

func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}
