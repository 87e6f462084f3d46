package graphql

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Default selection depth limits (EXO_MAX_SELECTION_DEPTH defaults to 5; introspection is 15).
const (
	DefaultMaxDepth           = 5
	DefaultIntrospectionDepth = 15
)

// Limits bounds the selection depth; zero values mean the defaults.
type Limits struct {
	MaxDepth           int
	IntrospectionDepth int
}

// Parser guards: the parser is recursive, so bracket nesting is bounded before parsing.
const (
	maxNesting = 512
	maxTokens  = 1 << 20
)

// tooDeeplyNested reports the location of the first bracket nested deeper than max, skipping
// strings and comments.
func tooDeeplyNested(src string, max int) (Location, bool) {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '#':
			for i < len(src) && src[i] != '\n' && src[i] != '\r' {
				i++
			}
		case '"':
			if strings.HasPrefix(src[i:], `"""`) {
				end := strings.Index(src[i+3:], `"""`)
				for end >= 0 && src[i+3+end-1] == '\\' {
					next := strings.Index(src[i+3+end+3:], `"""`)
					if next < 0 {
						end = -1
						break
					}
					end += 3 + next
				}
				if end < 0 {
					return Location{}, false
				}
				i += 3 + end + 2
				continue
			}
			for i++; i < len(src) && src[i] != '"' && src[i] != '\n'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '{', '[', '(':
			if depth++; depth > max {
				return locationOf(src, i), true
			}
		case '}', ']', ')':
			depth--
		}
	}
	return Location{}, false
}

// Request is a decoded GraphQL request body.
type Request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// Prepare parses and validates req against schema and returns the selected operation.
func Prepare(schema *ast.Schema, req *Request, limits Limits) (*Operation, *Error) {
	if l, ok := tooDeeplyNested(req.Query, maxNesting); ok {
		return nil, errAt("Query is too deeply nested", l)
	}
	doc, perr := parser.ParseQueryWithTokenLimit(&ast.Source{Input: req.Query}, maxTokens)
	if perr != nil {
		// Exograph accepts an empty variable list (`mutation () { ... }`),
		// which the GraphQL grammar does not: blank it out and try again.
		q, ok := blankEmptyVariableLists(req.Query)
		if !ok {
			return nil, syntaxError(req.Query, perr)
		}
		if doc, perr = parser.ParseQueryWithTokenLimit(&ast.Source{Input: q}, maxTokens); perr != nil {
			return nil, syntaxError(req.Query, perr)
		}
	}
	return PrepareDocument(schema, doc, req.OperationName, req.Variables, limits)
}

// PrepareDocument validates an already parsed document (e.g. a cached trusted document).
func PrepareDocument(schema *ast.Schema, doc *ast.QueryDocument, operationName string, variables map[string]any, limits Limits) (*Operation, *Error) {
	if limits.MaxDepth <= 0 {
		limits.MaxDepth = DefaultMaxDepth
	}
	if limits.IntrospectionDepth <= 0 {
		limits.IntrospectionDepth = DefaultIntrospectionDepth
	}
	// Duplicate fragment definitions are reported before anything else.
	for i, f := range doc.Fragments {
		for _, g := range doc.Fragments[:i] {
			if g.Name == f.Name {
				return nil, errAt("Fragment "+f.Name+" duplicated", loc(g.Position), loc(f.Position))
			}
		}
	}
	var od *ast.OperationDefinition
	switch {
	case operationName != "":
		for _, o := range doc.Operations {
			if o.Name == operationName {
				od = o
				break
			}
		}
		if od == nil {
			return nil, NewError("Operation '" + operationName + "' not found")
		}
	case len(doc.Operations) == 1:
		od = doc.Operations[0]
	case len(doc.Operations) == 0:
		return nil, NewError("No operation found")
	default:
		return nil, NewError("Must provide operation name if query contains multiple operations")
	}

	v := validator{schema: schema, doc: doc, op: od, vars: variables, limits: limits}
	if od.Position != nil && od.Position.Src != nil {
		v.src = od.Position.Src.Input
	}
	op := &Operation{Name: od.Name, Variables: variables}
	rootName := "Query"
	switch od.Operation {
	case ast.Mutation:
		op.Type, op.RootType, rootName = Mutation, schema.Mutation, "Mutation"
	case ast.Subscription:
		op.Type, op.RootType, rootName = Subscription, schema.Subscription, "Subscription"
	default:
		op.Type, op.RootType = Query, schema.Query
	}
	root := op.RootType
	if root == nil {
		root = &ast.Definition{Kind: ast.Object, Name: rootName}
	}
	v.root = root
	fields, err := v.selectionSet(od.SelectionSet, root, 1, 0)
	if err != nil {
		return nil, err
	}
	op.Fields = fields
	return op, nil
}

type validator struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	op     *ast.OperationDefinition
	root   *ast.Definition
	src    string
	vars   map[string]any
	limits Limits
	// fragment expansion stack, for cycle detection
	stack []string
	// budget bounds the number of fields produced by fragment expansion (fragments spread several
	// times at the same depth would otherwise grow exponentially).
	budget int
}

// maxExpandedFields bounds the fields of one operation after fragment expansion.
const maxExpandedFields = 1 << 16

func loc(p *ast.Position) Location {
	if p == nil {
		return Location{}
	}
	return Location{Line: p.Line, Column: p.Column}
}

// varNameLoc is the location of a variable definition's name (after the "$"), which is where
// Exograph reports missing variables.
func varNameLoc(src string, p *ast.Position) Location {
	l := forwardTo(src, loc(p), '$')
	if l != loc(p) || (p != nil && offsetOf(src, l) >= 0 && src[offsetOf(src, l)] == '$') {
		l.Column++
	}
	return l
}

// spreadLoc is the location of the "..." before a fragment spread or inline fragment (gqlparser
// records the name or type condition).
func (v *validator) spreadLoc(p *ast.Position) Location {
	return backTo(v.src, loc(p), "...")
}

// selectionSet collects, validates and merges the fields of set selected on parent.
func (v *validator) selectionSet(set ast.SelectionSet, parent *ast.Definition, depth, limit int) ([]*Field, *Error) {
	fields := make([]*Field, 0, len(set))
	fields, err := v.collect(fields, set, parent, depth, limit)
	if err != nil {
		return nil, err
	}
	return mergeFields(fields)
}

func (v *validator) collect(out []*Field, set ast.SelectionSet, parent *ast.Definition, depth, limit int) ([]*Field, *Error) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if v.budget++; v.budget > maxExpandedFields {
				return nil, errAt("Selection set too large", loc(s.Position))
			}
			f, err := v.field(s, parent, depth, limit)
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		case *ast.FragmentSpread:
			frag := v.doc.Fragments.ForName(s.Name)
			if frag == nil {
				return nil, errAt("Fragment definition '"+s.Name+"' not found", v.spreadLoc(s.Position))
			}
			if slices.Contains(v.stack, s.Name) {
				return nil, errAt("Fragment cycle detected: "+s.Name, v.spreadLoc(s.Position))
			}
			v.stack = append(v.stack, s.Name)
			var err *Error
			out, err = v.collect(out, frag.SelectionSet, parent, depth, limit)
			v.stack = v.stack[:len(v.stack)-1]
			if err != nil {
				return nil, err
			}
		case *ast.InlineFragment:
			return nil, errAt("Inline fragments are not supported", v.spreadLoc(s.Position))
		}
	}
	return out, nil
}

var (
	typenameDef = &ast.FieldDefinition{Name: "__typename", Type: ast.NonNullNamedType("String", nil)}
	schemaDef   = &ast.FieldDefinition{Name: "__schema", Type: ast.NonNullNamedType("__Schema", nil)}
	typeDef     = &ast.FieldDefinition{Name: "__type", Type: ast.NamedType("__Type", nil),
		Arguments: ast.ArgumentDefinitionList{{Name: "name", Type: ast.NonNullNamedType("String", nil)}}}
)

func (v *validator) field(s *ast.Field, parent *ast.Definition, depth, limit int) (*Field, *Error) {
	pos := loc(s.Position)
	if depth == 1 {
		limit = v.limits.MaxDepth
		if s.Name == "__schema" || s.Name == "__type" {
			limit = v.limits.IntrospectionDepth
		}
	}
	if depth > limit {
		return nil, errAt("Selection set too deep", pos)
	}
	f := &Field{Name: s.Name, Alias: s.Alias, ParentType: parent, Location: pos, Depth: depth}
	if f.Alias == "" {
		f.Alias = s.Name
	}
	var def *ast.FieldDefinition
	switch {
	case s.Name == "__typename":
		f.Kind = FieldTypename
		def = typenameDef
	case s.Name == "__schema" && parent == v.root && v.op.Operation == ast.Query:
		f.Kind = FieldSchema
		def = schemaDef
	case s.Name == "__type" && parent == v.root && v.op.Operation == ast.Query:
		f.Kind = FieldType
		def = typeDef
	default:
		def = parent.Fields.ForName(s.Name)
		if def == nil {
			return nil, errAt("Field '"+s.Name+"' is not valid for type '"+parent.Name+"'", pos)
		}
		f.Definition = def
	}
	if f.Kind != FieldTypename {
		f.Definition = def
		f.Type = v.schema.Types[def.Type.Name()]
	}
	args, argLocs, err := v.arguments(s, def, pos)
	if err != nil {
		return nil, err
	}
	f.Arguments = args
	f.ArgLocations = argLocs
	if len(s.SelectionSet) > 0 {
		f.HasSelectionSet = true
		t := f.Type
		if t == nil {
			t = &ast.Definition{Kind: ast.Scalar, Name: def.Type.Name()}
		}
		f.Selections, err = v.selectionSet(s.SelectionSet, t, depth+1, limit)
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

// arguments resolves and validates the arguments of a field.
func (v *validator) arguments(s *ast.Field, def *ast.FieldDefinition, pos Location) (map[string]any, map[string]Location, *Error) {
	if len(s.Arguments) == 0 && len(def.Arguments) == 0 {
		return nil, nil, nil
	}
	var unknown []string
	for _, a := range s.Arguments {
		if def.Arguments.ForName(a.Name) == nil {
			unknown = append(unknown, a.Name)
		}
	}
	if len(unknown) > 0 {
		return nil, nil, errAt("Argument(s) '"+debugList(unknown)+"' invalid for '"+s.Name+"'", pos)
	}
	args := make(map[string]any, len(def.Arguments))
	var locs map[string]Location
	for _, ad := range def.Arguments {
		a := s.Arguments.ForName(ad.Name)
		c := coercion{v: v, fieldName: s.Name, fieldPos: pos}
		if a == nil || a.Value == nil {
			if ad.DefaultValue != nil {
				raw, err := v.rawValue(ad.DefaultValue)
				if err != nil {
					return nil, nil, err
				}
				c.valuePos = loc(ad.DefaultValue.Position)
				val, err := c.coerce(raw, ad.Type, ad.Name, true)
				if err != nil {
					return nil, nil, err
				}
				args[ad.Name] = val
				continue
			}
			if ad.Type.NonNull {
				return nil, nil, errAt("Required argument '"+ad.Name+"' not found", pos)
			}
			continue
		}
		c.valuePos = loc(a.Value.Position)
		if locs == nil {
			locs = make(map[string]Location, len(s.Arguments))
		}
		locs[ad.Name] = c.valuePos
		raw, err := v.rawValue(a.Value)
		if err != nil {
			return nil, nil, err
		}
		if raw == absent {
			if ad.DefaultValue != nil {
				if raw, err = v.rawValue(ad.DefaultValue); err != nil {
					return nil, nil, err
				}
			} else {
				if ad.Type.NonNull {
					return nil, nil, errAt("Required argument '"+ad.Name+"' not found", c.valuePos)
				}
				continue
			}
		}
		val, err := c.coerce(raw, ad.Type, ad.Name, true)
		if err != nil {
			return nil, nil, err
		}
		args[ad.Name] = val
	}
	return args, locs, nil
}

// debugList formats names like Rust's {:?} of a Vec<String> after quote removal: [a, b].
func debugList(names []string) string {
	return "[" + strings.Join(names, ", ") + "]"
}

type absentT struct{}

// absent marks a variable that was neither supplied nor defaulted (the field is then omitted).
var absent any = absentT{}

// rawValue converts a literal to an untyped JSON-like value, substituting variables.
func (v *validator) rawValue(val *ast.Value) (any, *Error) {
	switch val.Kind {
	case ast.Variable:
		vd := v.op.VariableDefinitions.ForName(val.Raw)
		if vd == nil {
			return nil, errAt("Variable '"+val.Raw+"' not found", loc(val.Position))
		}
		if x, ok := v.vars[val.Raw]; ok {
			return x, nil
		}
		if vd.DefaultValue != nil {
			return v.rawValue(vd.DefaultValue)
		}
		if vd.Type != nil && !vd.Type.NonNull {
			return absent, nil
		}
		return nil, errAt("Variable '"+val.Raw+"' not found", varNameLoc(v.src, vd.Position))
	case ast.IntValue, ast.FloatValue:
		return json.Number(val.Raw), nil
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return val.Raw, nil
	case ast.BooleanValue:
		return val.Raw == "true", nil
	case ast.NullValue:
		return nil, nil
	case ast.ListValue:
		out := make([]any, 0, len(val.Children))
		for _, c := range val.Children {
			x, err := v.rawValue(c.Value)
			if err != nil {
				return nil, err
			}
			if x == absent {
				x = nil
			}
			out = append(out, x)
		}
		return out, nil
	case ast.ObjectValue:
		out := make(map[string]any, len(val.Children))
		for _, c := range val.Children {
			x, err := v.rawValue(c.Value)
			if err != nil {
				return nil, err
			}
			if x == absent {
				continue
			}
			out[c.Name] = x
		}
		return out, nil
	}
	return nil, nil
}

// coercion validates raw values against input types, with Exograph's messages and locations:
// type mismatches are reported at the argument value, missing nested fields at the field.
type coercion struct {
	v         *validator
	fieldName string
	fieldPos  Location
	valuePos  Location
}

func (c *coercion) mismatch(name, expected, got string) *Error {
	return errAt("Argument '"+name+"' is not of a valid type. Expected '"+expected+"', got '"+got+"'", c.valuePos)
}

func (c *coercion) coerce(raw any, t *ast.Type, name string, top bool) (any, *Error) {
	if raw == nil {
		if t.NonNull {
			if top {
				return nil, errAt("Required argument '"+name+"' not found", c.valuePos)
			}
			return nil, errAt("Required argument '"+name+"' not found", c.fieldPos)
		}
		return nil, nil
	}
	if t.Elem != nil {
		if list, ok := raw.([]any); ok {
			out := make([]any, len(list))
			for i, x := range list {
				y, err := c.coerce(x, t.Elem, name, false)
				if err != nil {
					return nil, err
				}
				out[i] = y
			}
			return out, nil
		}
		y, err := c.coerce(raw, t.Elem, name, false)
		if err != nil {
			return nil, err
		}
		return []any{y}, nil
	}
	def := c.v.schema.Types[t.NamedType]
	if def == nil {
		return raw, nil
	}
	if _, ok := raw.([]any); ok && !(def.Kind == ast.Scalar && scalarAcceptsLists(def.Name)) {
		return nil, c.mismatch(name, def.Name, "["+def.Name+"]")
	}
	switch def.Kind {
	case ast.Scalar:
		return c.scalar(raw, def.Name, name)
	case ast.Enum:
		s, ok := raw.(string)
		if !ok || def.EnumValues.ForName(s) == nil {
			return nil, c.mismatch(name, def.Name, kindName(raw))
		}
		return s, nil
	case ast.InputObject:
		switch obj := raw.(type) {
		case map[string]any:
			return c.object(obj, def)
		case string:
			// Exograph's validator lets a string (e.g. an enum literal) through where an input object
			// is expected; resolvers report "Invalid field ..." for it.
			return obj, nil
		}
		return nil, c.mismatch(name, def.Name, kindName(raw))
	}
	return raw, nil
}

func (c *coercion) object(obj map[string]any, def *ast.Definition) (any, *Error) {
	var unknown []string
	for k := range obj {
		// Exograph ignores __typename in input objects (clients such as Apollo echo it back).
		if k != "__typename" && def.Fields.ForName(k) == nil {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, errAt("Argument(s) '"+debugList(unknown)+"' invalid for '"+c.fieldName+"'", c.fieldPos)
	}
	out := make(map[string]any, len(obj))
	for _, fd := range def.Fields {
		x, ok := obj[fd.Name]
		if !ok {
			if fd.DefaultValue != nil {
				raw, err := c.v.rawValue(fd.DefaultValue)
				if err != nil {
					return nil, err
				}
				y, err := c.coerce(raw, fd.Type, fd.Name, false)
				if err != nil {
					return nil, err
				}
				out[fd.Name] = y
				continue
			}
			if fd.Type.NonNull {
				return nil, errAt("Required argument '"+fd.Name+"' not found", c.fieldPos)
			}
			continue
		}
		y, err := c.coerce(x, fd.Type, fd.Name, false)
		if err != nil {
			return nil, err
		}
		out[fd.Name] = y
	}
	return out, nil
}

func scalarAcceptsLists(name string) bool { return name == "Json" || name == "Vector" }

func (c *coercion) scalar(raw any, typeName, name string) (any, *Error) {
	switch typeName {
	case "Int":
		if n, ok := raw.(json.Number); ok {
			if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
				return i, nil
			}
		}
	case "Float":
		if n, ok := raw.(json.Number); ok {
			if f, err := strconv.ParseFloat(string(n), 64); err == nil {
				return f, nil
			}
		}
	case "String":
		if s, ok := raw.(string); ok {
			return s, nil
		}
	case "Boolean":
		if b, ok := raw.(bool); ok {
			return b, nil
		}
	case "ID":
		switch x := raw.(type) {
		case string:
			return x, nil
		case json.Number:
			if _, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return string(x), nil
			}
		}
	case "Json":
		return raw, nil
	case "Vector":
		switch raw.(type) {
		case []any, string:
			return raw, nil
		}
	case "Decimal":
		if s, ok := raw.(string); ok {
			return s, nil
		}
	default:
		switch raw.(type) {
		case string, json.Number, bool:
			return raw, nil
		}
	}
	return nil, c.mismatch(name, typeName, kindName(raw))
}

// kindName names the JSON kind of a value as Exograph does in type mismatch messages.
func kindName(raw any) string {
	switch raw.(type) {
	case json.Number, int64, float64, int:
		return "Number"
	case string:
		return "String"
	case bool:
		return "Boolean"
	case map[string]any:
		return "Object"
	case []any:
		return "List"
	case nil:
		return "Null"
	}
	return "Unknown"
}

// mergeFields merges fields with the same response key (Exograph's field merging rules): same
// name and arguments are required, and sub-selections are merged recursively; a conflict anywhere
// below is reported at the outermost pair.
func mergeFields(fields []*Field) ([]*Field, *Error) {
	if len(fields) < 2 {
		return fields, nil
	}
	out := fields[:0:0]
	out = slices.Grow(out, len(fields))
	var index map[string]*Field
	if len(fields) > 16 {
		index = make(map[string]*Field, len(fields))
	}
	for _, f := range fields {
		var prev *Field
		if index != nil {
			prev = index[f.Alias]
		} else {
			for _, e := range out {
				if e.Alias == f.Alias {
					prev = e
					break
				}
			}
		}
		if prev == nil && index != nil {
			index[f.Alias] = f
		}
		if prev == nil {
			out = append(out, f)
			continue
		}
		if err := mergeInto(prev, f); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func mergeInto(e, f *Field) *Error {
	conflict := func() *Error {
		return errAt("Failed to merge field defined multiple times with different selection or arguments: '"+e.Alias+"'", e.Location, f.Location)
	}
	if e.Name != f.Name || !reflect.DeepEqual(e.Arguments, f.Arguments) {
		return conflict()
	}
	if len(f.Selections) == 0 {
		return nil
	}
	combined := make([]*Field, 0, len(e.Selections)+len(f.Selections))
	combined = append(combined, e.Selections...)
	combined = append(combined, f.Selections...)
	merged, err := mergeFields(combined)
	if err != nil {
		return conflict()
	}
	e.Selections = merged
	e.HasSelectionSet = true
	return nil
}

// syntaxError renders a parse error the way Exograph (pest) does.
func syntaxError(src string, err error) *Error {
	ge, ok := err.(*gqlerror.Error)
	line, col := 1, 1
	msg := err.Error()
	if ok {
		msg = ge.Message
		if len(ge.Locations) > 0 && ge.Locations[0].Line > 0 {
			line, col = ge.Locations[0].Line, ge.Locations[0].Column
		}
	}
	if strings.HasSuffix(msg, "found String") || strings.HasSuffix(msg, "found BlockString") {
		// gqlparser places string tokens after the opening quotes
		l := backTo(src, Location{Line: line, Column: col}, `"""`)
		if l == (Location{Line: line, Column: col}) {
			l = backTo(src, l, `"`)
		}
		line, col = l.Line, l.Column
	}
	return &Error{
		Message:      "Syntax error:\n" + pestFormat(src, line, col, pestMessage(msg)),
		Locations:    []Location{{Line: line, Column: col}},
		keepNewlines: true,
	}
}

// pestMessage translates a gqlparser parse message into pest's "expected <rule>" wording.
func pestMessage(msg string) string {
	if rest, ok := strings.CutPrefix(msg, "Expected "); ok {
		what, _, _ := strings.Cut(rest, ", found")
		switch what {
		case "Name":
			return "expected name"
		case "{":
			return "expected selection_set"
		case "}", ")", "]", ":":
			return "expected name"
		case "$":
			return "expected variable"
		case "String":
			return "expected string"
		}
		return "expected " + strings.ToLower(strings.Trim(what, `"`))
	}
	if rest, ok := strings.CutPrefix(msg, "Unexpected "); ok {
		if rest == "<EOF>" {
			return "expected executable_definition"
		}
		return "expected value"
	}
	if strings.HasPrefix(msg, "expected at least one definition") {
		return "expected selection"
	}
	return strings.TrimSuffix(msg, ".")
}

// pestFormat reproduces pest's error layout:
//
//	 --> 3:1
//	  |
//	3 | }
//	  | ^---
//	  |
//	  = expected name
func pestFormat(src string, line, col int, message string) string {
	ls := strconv.Itoa(line)
	sp := strings.Repeat(" ", len(ls))
	text := sourceLine(src, line)
	var ul strings.Builder
	n := 0
	for _, r := range text {
		if n >= col-1 {
			break
		}
		if r == '\t' {
			ul.WriteByte('\t')
		} else {
			ul.WriteByte(' ')
		}
		n++
	}
	for ; n < col-1; n++ {
		ul.WriteByte(' ')
	}
	ul.WriteString("^---")
	var b strings.Builder
	b.WriteString(sp + "--> " + ls + ":" + strconv.Itoa(col) + "\n")
	b.WriteString(sp + " |\n")
	b.WriteString(ls + " | " + text + "\n")
	b.WriteString(sp + " | " + ul.String() + "\n")
	b.WriteString(sp + " |\n")
	b.WriteString(sp + " = " + message)
	return b.String()
}

func sourceLine(src string, line int) string {
	for i := 1; i < line; i++ {
		j := strings.IndexAny(src, "\r\n")
		if j < 0 {
			return ""
		}
		if src[j] == '\r' && j+1 < len(src) && src[j+1] == '\n' {
			j++
		}
		src = src[j+1:]
	}
	if j := strings.IndexAny(src, "\r\n"); j >= 0 {
		src = src[:j]
	}
	return src
}

var emptyVariableList = regexp.MustCompile(`\b(?:query|mutation|subscription)(?:\s+[_A-Za-z][_0-9A-Za-z]*)?\s*(\(\s*\))`)

// blankEmptyVariableLists replaces the parentheses of empty variable lists
// with spaces (keeping every position in the document) and reports whether
// there were any.
func blankEmptyVariableLists(q string) (string, bool) {
	locs := emptyVariableList.FindAllStringSubmatchIndex(q, -1)
	if len(locs) == 0 {
		return q, false
	}
	b := []byte(q)
	for _, l := range locs {
		for i := l[2]; i < l[3]; i++ {
			if b[i] == '(' || b[i] == ')' {
				b[i] = ' '
			}
		}
	}
	return string(b), true
}
