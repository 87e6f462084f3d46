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
	if m := defaultRe.FindStringSubmatch(before); m != nil && sc.body != nil {
		list.Items = snap.defaultItems(sc, m[1])
		return list, nil
	}
	if m := typeRe.FindStringSubmatch(before); m != nil && (sc.body != nil || sc.inParams) {
		list.Items = snap.typeItems(sc)
		return list, nil
	}
	if sc.inAnnotation != nil {
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
	module       *syntax.ModuleDecl
	typ          *syntax.TypeDecl    // the type whose body or annotations hold the cursor
	context      *syntax.ContextDecl // the context whose body holds the cursor
	body         syntax.Node         // type or context whose braces hold the cursor
	inParams     bool                // inside the parameter list of a method or interceptor
	inAnnotation *syntax.Annotation  // inside the argument list of an annotation
	method       syntax.Decl
}

func within(off int, lo, hi syntax.Pos) bool {
	return lo.IsValid() && int(lo) < off && (!hi.IsValid() || off <= int(hi))
}

func scopeAt(df *docFile, off int) scope {
	var sc scope
	annIn := func(anns []*syntax.Annotation) {
		for _, a := range anns {
			if within(off, a.Lparen, a.Rparen) {
				sc.inAnnotation = a
			}
		}
	}
	for _, d := range df.ast.Decls {
		if int(d.Pos()) > off {
			break
		}
		switch d := d.(type) {
		case *syntax.ContextDecl:
			if within(off, d.Lbrace, d.Rbrace) {
				sc.context, sc.body = d, d
				for _, f := range d.Fields {
					annIn(f.Annotations)
				}
			}
		case *syntax.ModuleDecl:
			if !within(off, d.Lbrace, d.Rbrace) {
				annIn(d.Annotations)
				continue
			}
			sc.module = d
			var next *syntax.TypeDecl
			for _, md := range d.Decls {
				if int(md.Pos()) > off {
					if t, ok := md.(*syntax.TypeDecl); ok && next == nil {
						next = t
					}
					continue
				}
				switch md := md.(type) {
				case *syntax.TypeDecl:
					annIn(md.Annotations)
					if within(off, md.Lbrace, md.Rbrace) {
						sc.typ, sc.body = md, md
						for _, m := range md.Members {
							if f, ok := m.(*syntax.FieldDecl); ok {
								annIn(f.Annotations)
							}
						}
					} else if int(md.Pos()) <= off && off <= int(md.Keyword) {
						sc.typ = md
					}
				case *syntax.MethodDecl:
					annIn(md.Annotations)
					if within(off, md.Lparen, md.Rparen) {
						sc.inParams, sc.method = true, md
					}
				case *syntax.InterceptorDecl:
					annIn(md.Annotations)
					if within(off, md.Lparen, md.Rparen) {
						sc.inParams, sc.method = true, md
					}
				}
			}
			// Annotations being typed before a type belong to it.
			if sc.typ == nil && sc.body == nil && next != nil {
				sc.typ = next
			}
		}
	}
	return sc
}

func (sc scope) annotationTargets() annotationTarget {
	switch {
	case sc.inParams:
		return onParam
	case sc.context != nil:
		return onContextField
	case sc.body != nil:
		return onField
	case sc.module != nil:
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
	if sc.typ == nil || sc.typ.Name == nil {
		return nil
	}
	for _, s := range snap.ix.all {
		if s.node == syntax.Node(sc.typ) {
			return s
		}
	}
	return nil
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
		if sc.inAnnotation != nil {
			from = int(sc.inAnnotation.Pos())
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
	if sc.module != nil {
		mod = snap.ix.modules[identName(sc.module.Name)]
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
	if sc.typ != nil {
		items = append(items, CompletionItem{Label: "self", Kind: CompletionKindVariable, Detail: identName(sc.typ.Name)})
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
	if a := sc.inAnnotation; a != nil && a.Name != nil && a.Name.Name == "access" {
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
	case sc.body != nil:
		return []CompletionItem{}
	case sc.module != nil:
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
