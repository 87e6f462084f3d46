package lsp

import (
	"regexp"
	"sort"
	"strings"

	"github.com/exo-dev/exo/compiler/syntax"
)

// Completion looks at the text before the cursor (which is usually not
// parsable yet) to decide what is being typed, and at the last analysis'
// index to know what names exist.

var (
	annRe     = regexp.MustCompile(`@([A-Za-z0-9_]*)$`)
	pathRe    = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*\.\s*([A-Za-z0-9_]*)$`)
	typeRe    = regexp.MustCompile(`(?:^|[\s(,{;])[A-Za-z_][A-Za-z0-9_]*\??\s*:\s*(?:[A-Za-z_][A-Za-z0-9_]*\s*<\s*)*([A-Za-z0-9_]*)$`)
	defaultRe = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*:\s*[^=:]*=\s*([A-Za-z0-9_]*)$`)
)

var builtinTypes = []string{"Int", "Float", "Decimal", "String", "Boolean", "Uuid", "LocalDate", "LocalTime", "LocalDateTime", "Instant", "Json", "Blob", "Vector"}

func (s *Server) completion(p TextDocumentPositionParams) (any, error) {
	snap, df, off, err := s.at(p)
	if err != nil {
		return nil, err
	}
	list := CompletionList{Items: []CompletionItem{}}
	if df == nil {
		return list, nil
	}
	src := df.ast.Source.Src
	lineStart := strings.LastIndexByte(string(src[:off]), '\n') + 1
	before := string(src[lineStart:off])
	sc := scopeAt(df, off)

	if inComment(df, off) {
		return list, nil
	}
	if m := annRe.FindStringSubmatch(before); m != nil {
		list.Items = annotationItems(sc.annotationTargets())
		return list, nil
	}
	if m := pathRe.FindStringSubmatch(before); m != nil {
		list.Items = snap.pathItems(df, off, sc, m[1])
		return list, nil
	}
	if m := defaultRe.FindStringSubmatch(before); m != nil && (sc.bodyKind == "type" || sc.bodyKind == "fragment" || sc.bodyKind == "context") {
		list.Items = snap.defaultItems(sc, m[1])
		return list, nil
	}
	if m := typeRe.FindStringSubmatch(before); m != nil && (sc.bodyKind != "" || sc.inParams) {
		list.Items = snap.typeItems(sc)
		return list, nil
	}
	if sc.annotation != "" {
		list.Items = snap.exprItems(sc)
		return list, nil
	}
	list.Items = keywordItems(sc)
	return list, nil
}

func inComment(df *docFile, off int) bool {
	for _, c := range df.ast.Comments {
		if int(c.Pos()) < off && off <= int(c.End()) {
			return true
		}
	}
	return false
}

// scope describes where the cursor is.
type scope struct {
	moduleName string // enclosing module ("" at top level)
	inModule   bool
	typeName   string // the type whose body or annotations hold the cursor
	bodyKind   string // innermost braces: "type", "fragment", "context", "enum" or ""
	inParams   bool   // inside the parameter list of a method or interceptor
	annotation string // name of the annotation whose arguments hold the cursor
}

// scopeAt finds the declarations around the cursor. The text before the
// cursor is usually incomplete, so braces and parentheses are matched on
// the raw text (skipping comments and strings) rather than taken from the
// parse tree; the parse tree only supplies the declarations.
func scopeAt(df *docFile, off int) scope {
	var sc scope
	src := df.ast.Source.Src[:off]
	type frame struct {
		kind string // "type", "fragment", "context", "module", "enum", "{" or "("
		name string
		at   int // offset of the opening character
	}
	var stack []frame
	header := func(i int) (kind, name string) {
		// The two words before the brace: `type Name {`.
		words := strings.Fields(lastStatement(src[:i]))
		if len(words) >= 2 {
			switch k := words[len(words)-2]; k {
			case "type", "fragment", "context", "module", "enum":
				return k, words[len(words)-1]
			}
		}
		return "{", ""
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			} else if i+1 < len(src) && src[i+1] == '*' {
				i += 2
				for i+1 < len(src) && !(src[i] == '*' && src[i+1] == '/') {
					i++
				}
				i++
			}
		case '"':
			for i++; i < len(src) && src[i] != '"' && src[i] != '\n'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '{':
			k, n := header(i)
			stack = append(stack, frame{k, n, i})
		case '(':
			stack = append(stack, frame{"(", "", i})
		case '}', ')':
			open := byte('{')
			if c == ')' {
				open = '('
			}
			// Pop up to the matching opener (tolerating unbalanced input).
			for j := len(stack) - 1; j >= 0; j-- {
				if (stack[j].kind == "(") == (open == '(') {
					stack = stack[:j]
					break
				}
			}
		}
	}
	var typeName, moduleName string
	parens := 0
	for _, f := range stack {
		switch f.kind {
		case "module":
			moduleName = f.name
		case "type", "fragment":
			typeName = f.name
		case "(":
			parens++
		}
	}
	if len(stack) > 0 {
		switch top := stack[len(stack)-1]; top.kind {
		case "type", "fragment", "context", "enum":
			sc.bodyKind = top.kind
		}
		if parens > 0 {
			// Inside parentheses: an annotation's arguments or a parameter list.
			for j := len(stack) - 1; j >= 0; j-- {
				if stack[j].kind != "(" {
					continue
				}
				pre := strings.TrimRight(string(src[:stack[j].at]), " \t")
				if m := annBeforeParen.FindStringSubmatch(pre); m != nil {
					sc.annotation = m[1]
				} else {
					sc.inParams = true
				}
				break
			}
		}
	}
	sc.inModule = moduleName != ""
	// Outside a type body, annotations being typed belong to the next type.
	if typeName == "" && sc.inModule {
		rest := string(df.ast.Source.Src[off:])
		if m := nextTypeRe.FindStringSubmatch(rest); m != nil {
			typeName = m[1]
		}
	}
	sc.typeName, sc.moduleName = typeName, moduleName
	return sc
}

var (
	annBeforeParen = regexp.MustCompile(`@([A-Za-z_][A-Za-z0-9_]*)$`)
	nextTypeRe     = regexp.MustCompile(`^(?s)[^{}]*?\btype\s+([A-Za-z_][A-Za-z0-9_]*)`)
)

// lastStatement returns the text after the last '}' , '{' or ';' of b.
func lastStatement(b []byte) string {
	i := len(b) - 1
	for ; i >= 0; i-- {
		if b[i] == '}' || b[i] == '{' || b[i] == ';' {
			break
		}
	}
	return string(b[i+1:])
}

func (sc scope) annotationTargets() annotationTarget {
	switch {
	case sc.inParams:
		return onParam
	case sc.bodyKind == "context":
		return onContextField
	case sc.bodyKind == "enum":
		return 0
	case sc.bodyKind != "":
		return onField
	case sc.inModule:
		return onType | onMethod | onInterceptor
	}
	return onModule
}

func annotationItems(targets annotationTarget) []CompletionItem {
	var items []CompletionItem
	for _, a := range annotations {
		if a.targets&targets == 0 {
			continue
		}
		items = append(items, CompletionItem{
			Label: a.name, Kind: CompletionKindFunction, Detail: a.signature(),
			Documentation: &MarkupContent{Kind: "markdown", Value: annotationDoc(a)},
			InsertText:    a.snippet, InsertTextFormat: InsertTextSnippet,
		})
	}
	return items
}

// selfType returns the symbol of the type that `self` denotes at the cursor.
func (snap *snapshot) selfType(sc scope) *symbol {
	if sc.typeName == "" {
		return nil
	}
	if mod := snap.ix.modules[sc.moduleName]; mod != nil {
		if t := mod.member(sc.typeName); t != nil {
			return t
		}
	}
	return snap.ix.lookupType("", sc.typeName, nil)
}

// resolvePath resolves a dotted path (`self.venue`, `AuthContext`,
// `c` bound by a lambda) to the symbol of its type.
func (snap *snapshot) resolvePath(df *docFile, off int, sc scope, path string, depth int) *symbol {
	parts := strings.Split(path, ".")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	var cur *symbol
	head := parts[0]
	switch {
	case head == "self":
		cur = snap.selfType(sc)
	case snap.ix.global[head] != nil && snap.ix.global[head].kind == symContext:
		cur = snap.ix.global[head]
	case snap.ix.modules[head] != nil && len(parts) == 1:
		return snap.ix.modules[head]
	case depth < 4:
		// A lambda parameter: `xs.some(head => ...` earlier in the text.
		from := 0
		if i := strings.LastIndex(string(df.ast.Source.Src[:off]), "@"+sc.annotation+"("); sc.annotation != "" && i >= 0 {
			from = i
		}
		text := string(df.ast.Source.Src[from:off])
		re := regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.]*)\s*\.\s*[A-Za-z_]+\s*\(\s*\(?\s*` + regexp.QuoteMeta(head) + `\s*\)?\s*=>`)
		if ms := re.FindAllStringSubmatch(text, -1); len(ms) > 0 {
			cur = snap.resolvePath(df, off, sc, ms[len(ms)-1][1], depth+1)
		}
	}
	for _, p := range parts[1:] {
		if cur == nil {
			return nil
		}
		cur = snap.ix.typeOf(snap.ix.field(cur, p))
	}
	return cur
}

func (snap *snapshot) pathItems(df *docFile, off int, sc scope, path string) []CompletionItem {
	t := snap.resolvePath(df, off, sc, path, 0)
	items := []CompletionItem{}
	if t == nil {
		return items
	}
	if t.kind == symModule {
		for _, m := range t.members {
			if m.kind == symType || m.kind == symEnum {
				items = append(items, CompletionItem{Label: m.name, Kind: CompletionKindClass, Detail: m.kind.String()})
			}
		}
		return items
	}
	for _, f := range snap.ix.fields(t) {
		detail := ""
		if fd, ok := f.node.(*syntax.FieldDecl); ok && fd.Type != nil {
			detail = srcText(f.file, fd.Type)
		}
		it := CompletionItem{Label: f.name, Kind: CompletionKindField, Detail: detail}
		if f.doc != "" {
			it.Documentation = &MarkupContent{Kind: "markdown", Value: f.doc}
		}
		items = append(items, it)
	}
	return items
}

func (snap *snapshot) typeItems(sc scope) []CompletionItem {
	var items []CompletionItem
	for _, t := range builtinTypes {
		items = append(items, CompletionItem{Label: t, Kind: CompletionKindClass, Detail: "built-in type", SortText: "1" + t})
	}
	items = append(items,
		CompletionItem{Label: "Set", Kind: CompletionKindClass, Detail: "Set<T>: a one-to-many relation or a list", InsertText: "Set<${1}>", InsertTextFormat: InsertTextSnippet, SortText: "1Set"},
		CompletionItem{Label: "Array", Kind: CompletionKindClass, Detail: "Array<T>: an array column", InsertText: "Array<${1}>", InsertTextFormat: InsertTextSnippet, SortText: "1Array"},
	)
	var mod *symbol
	if sc.inModule {
		mod = snap.ix.modules[sc.moduleName]
	}
	seen := map[string]bool{}
	for _, s := range snap.ix.all {
		ok := false
		switch s.kind {
		case symEnum:
			ok = true
		case symType:
			ok = s.moduleKind() == "postgres" || s.parent == mod
		case symContext:
			ok = sc.inParams
		}
		if !ok || seen[s.name] {
			continue
		}
		seen[s.name] = true
		kind := CompletionKindClass
		if s.kind == symEnum {
			kind = CompletionKindEnum
		} else if s.kind == symContext {
			kind = CompletionKindStruct
		}
		it := CompletionItem{Label: s.name, Kind: kind, Detail: s.kind.String(), SortText: "0" + s.name}
		if s.doc != "" {
			it.Documentation = &MarkupContent{Kind: "markdown", Value: s.doc}
		}
		items = append(items, it)
	}
	if sc.inParams {
		items = append(items, CompletionItem{Label: "Exograph", Kind: CompletionKindStruct, Detail: "injected: runs GraphQL operations", SortText: "1Exograph"})
	}
	return items
}

// defaultItems proposes the values of `field: Type = |`: enum values,
// generator functions and context fields.
func (snap *snapshot) defaultItems(sc scope, fieldName string) []CompletionItem {
	items := []CompletionItem{}
	var fsym *symbol
	if self := snap.selfType(sc); self != nil {
		fsym = self.member(fieldName)
	}
	if t := snap.ix.typeOf(fsym); t != nil && t.kind == symEnum {
		for _, v := range t.members {
			items = append(items, CompletionItem{Label: v.name, Kind: CompletionKindEnumMember, Detail: t.name})
		}
		return items
	}
	for _, fn := range []struct{ name, detail string }{
		{"autoIncrement()", "Int: a sequence (SERIAL)"},
		{"now()", "the current time"},
		{"generate_uuid()", "Uuid: gen_random_uuid()"},
	} {
		items = append(items, CompletionItem{Label: fn.name, Kind: CompletionKindFunction, Detail: fn.detail})
	}
	for _, s := range snap.ix.all {
		if s.kind == symContext {
			items = append(items, CompletionItem{Label: s.name, Kind: CompletionKindStruct, Detail: "context"})
		}
	}
	items = append(items, CompletionItem{Label: "true", Kind: CompletionKindKeyword}, CompletionItem{Label: "false", Kind: CompletionKindKeyword}, CompletionItem{Label: "null", Kind: CompletionKindKeyword})
	return items
}

// exprItems proposes the roots of access expressions.
func (snap *snapshot) exprItems(sc scope) []CompletionItem {
	items := []CompletionItem{}
	if sc.typeName != "" {
		items = append(items, CompletionItem{Label: "self", Kind: CompletionKindVariable, Detail: sc.typeName})
	}
	var names []string
	ctx := map[string]*symbol{}
	for _, s := range snap.ix.all {
		if s.kind == symContext {
			if _, dup := ctx[s.name]; !dup {
				names = append(names, s.name)
			}
			ctx[s.name] = s
		}
	}
	sort.Strings(names)
	for _, n := range names {
		items = append(items, CompletionItem{Label: n, Kind: CompletionKindStruct, Detail: "context"})
	}
	if sc.annotation == "access" {
		for _, n := range []string{"query", "mutation", "create", "update", "delete"} {
			items = append(items, CompletionItem{Label: n, Kind: CompletionKindProperty, Detail: "named rule", InsertText: n + " = ", SortText: "z" + n})
		}
	}
	items = append(items, CompletionItem{Label: "true", Kind: CompletionKindKeyword}, CompletionItem{Label: "false", Kind: CompletionKindKeyword})
	return items
}

func keywordItems(sc scope) []CompletionItem {
	var words []string
	switch {
	case sc.bodyKind != "":
		return []CompletionItem{}
	case sc.inModule:
		words = []string{"type", "enum", "fragment", "query", "mutation", "export", "interceptor"}
	default:
		words = []string{"module", "context", "import"}
	}
	items := []CompletionItem{}
	for _, w := range words {
		items = append(items, CompletionItem{Label: w, Kind: CompletionKindKeyword})
	}
	return items
}
