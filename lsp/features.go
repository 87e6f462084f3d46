package lsp

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/ir"
)

// location returns the location of a symbol's declaring name.
func (snap *snapshot) location(sym *symbol) Location {
	return Location{URI: snap.p.uri(sym.file.path), Range: offsetsRange(sym.file.ast.Source, int(sym.id.Pos()), int(sym.id.End()))}
}

// at resolves the position of a request into the file and byte offset.
func (s *Server) at(p TextDocumentPositionParams) (*snapshot, *docFile, int, error) {
	snap, df, err := s.snapshotFor(p.TextDocument.URI)
	if err != nil {
		return nil, nil, 0, err
	}
	if df == nil {
		return snap, nil, 0, nil
	}
	return snap, df, positionOffset(df.ast.Source, p.Position), nil
}

// ---------------------------------------------------------------------------
// Definition and references

func (s *Server) definition(p TextDocumentPositionParams) (any, error) {
	snap, df, off, err := s.at(p)
	if err != nil || df == nil {
		return nil, err
	}
	if l, ok := df.importAt(off); ok {
		if _, known := snap.ix.byPath[l.target]; known {
			return []Location{{URI: snap.p.uri(l.target)}}, nil
		}
		return nil, nil
	}
	r, ok := df.refAt(off)
	if !ok {
		return nil, nil
	}
	return []Location{snap.location(r.sym)}, nil
}

func (s *Server) references(p ReferenceParams) (any, error) {
	snap, df, off, err := s.at(p.TextDocumentPositionParams)
	if err != nil || df == nil {
		return nil, err
	}
	var locs []Location
	if l, ok := df.importAt(off); ok {
		// References of a file: the imports that include it.
		for _, f := range snap.ix.files {
			for _, il := range f.imports {
				if il.target == l.target {
					locs = append(locs, Location{URI: snap.p.uri(f.path), Range: offsetsRange(f.ast.Source, int(il.decl.Path.Pos()), int(il.decl.Path.End()))})
				}
			}
		}
		return locs, nil
	}
	r, ok := df.refAt(off)
	if !ok {
		return []Location{}, nil
	}
	for _, f := range snap.ix.files {
		for _, x := range f.refs {
			if x.sym != r.sym || x.decl && !p.Context.IncludeDeclaration {
				continue
			}
			locs = append(locs, Location{URI: snap.p.uri(f.path), Range: offsetsRange(f.ast.Source, x.start, x.end)})
		}
	}
	return locs, nil
}

// ---------------------------------------------------------------------------
// Rename

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func renamable(sym *symbol) bool {
	switch sym.kind {
	case symType, symFragment, symEnum, symEnumValue, symContext, symField, symContextField:
		return true
	}
	return false
}

func (s *Server) prepareRename(p TextDocumentPositionParams) (any, error) {
	_, df, off, err := s.at(p)
	if err != nil || df == nil {
		return nil, err
	}
	r, ok := df.refAt(off)
	if !ok || !renamable(r.sym) {
		return nil, nil
	}
	return PrepareRenameResult{Range: offsetsRange(df.ast.Source, r.start, r.end), Placeholder: r.sym.name}, nil
}

func (s *Server) rename(p RenameParams) (any, error) {
	snap, df, off, err := s.at(p.TextDocumentPositionParams)
	if err != nil {
		return nil, err
	}
	if df == nil {
		return nil, errNoFile
	}
	r, ok := df.refAt(off)
	if !ok || !renamable(r.sym) {
		return nil, &RPCError{Code: codeInvalidRequest, Message: "nothing to rename here"}
	}
	if !identRe.MatchString(p.NewName) {
		return nil, &RPCError{Code: codeInvalidParams, Message: fmt.Sprintf("%q is not a valid name", p.NewName)}
	}
	if p.NewName == "self" {
		return nil, &RPCError{Code: codeInvalidParams, Message: `"self" is reserved`}
	}
	if conflict := snap.renameConflict(r.sym, p.NewName); conflict != "" {
		return nil, &RPCError{Code: codeInvalidParams, Message: conflict}
	}
	edit := WorkspaceEdit{Changes: map[string][]TextEdit{}}
	for f, refs := range snap.ix.refsTo(r.sym) {
		uri := snap.p.uri(f.path)
		for _, x := range refs {
			edit.Changes[uri] = append(edit.Changes[uri], TextEdit{Range: offsetsRange(f.ast.Source, x.start, x.end), NewText: p.NewName})
		}
	}
	return edit, nil
}

// renameConflict reports why sym cannot be renamed to name ("" if it can).
func (snap *snapshot) renameConflict(sym *symbol, name string) string {
	if name == sym.name {
		return ""
	}
	switch sym.kind {
	case symType, symFragment, symEnum, symContext:
		if other := snap.ix.global[name]; other != nil {
			return fmt.Sprintf("a %s named %s already exists", other.kind, name)
		}
		if ir.ScalarByName(name) != ir.ScalarInvalid || name == "Set" || name == "Array" {
			return fmt.Sprintf("%s is a built-in type", name)
		}
	case symField, symContextField, symEnumValue:
		if sym.parent != nil && snap.ix.field(sym.parent, name) != nil || sym.parent != nil && sym.parent.member(name) != nil {
			return fmt.Sprintf("%s already has a member named %s", sym.parent.name, name)
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// Hover

func (s *Server) hover(p TextDocumentPositionParams) (any, error) {
	snap, df, off, err := s.at(p)
	if err != nil || df == nil {
		return nil, err
	}
	if l, ok := df.importAt(off); ok {
		rng := offsetsRange(df.ast.Source, int(l.decl.Path.Pos()), int(l.decl.Path.End()))
		return Hover{Contents: MarkupContent{Kind: "markdown", Value: fmt.Sprintf("Imports `%s`", l.target)}, Range: &rng}, nil
	}
	if r, ok := df.refAt(off); ok {
		rng := offsetsRange(df.ast.Source, r.start, r.end)
		return Hover{Contents: MarkupContent{Kind: "markdown", Value: snap.describe(r.sym)}, Range: &rng}, nil
	}
	// Annotation names.
	var found *syntax.Annotation
	syntax.Inspect(df.ast, func(n syntax.Node) bool {
		if n == nil || off < int(n.Pos()) || off > int(n.End()) {
			return n == df.ast
		}
		if a, ok := n.(*syntax.Annotation); ok && a.Name != nil && off <= int(a.Name.End()) {
			found = a
		}
		return true
	})
	if found != nil {
		if info, ok := annotationByName[found.Name.Name]; ok {
			rng := offsetsRange(df.ast.Source, int(found.At), int(found.Name.End()))
			return Hover{Contents: MarkupContent{Kind: "markdown", Value: "```exo\n" + info.signature() + "\n```\n\n" + info.doc}, Range: &rng}, nil
		}
	}
	return nil, nil
}

func srcText(df *docFile, n syntax.Node) string {
	return string(df.ast.Source.Src[n.Pos():n.End()])
}

// describe renders the hover text of a symbol: its declaration, its
// documentation, and what it maps to (table, column, source).
func (snap *snapshot) describe(sym *symbol) string {
	var b strings.Builder
	code := func(s string) { fmt.Fprintf(&b, "```exo\n%s\n```\n", s) }
	switch sym.kind {
	case symType, symFragment:
		kw := "type"
		if sym.kind == symFragment {
			kw = "fragment"
		}
		code(fmt.Sprintf("%s %s", kw, sym.name))
	case symEnum:
		var vals []string
		for _, v := range sym.members {
			vals = append(vals, v.name)
		}
		code(fmt.Sprintf("enum %s { %s }", sym.name, strings.Join(vals, " ")))
	case symEnumValue:
		code(fmt.Sprintf("%s.%s", sym.parent.name, sym.name))
	case symContext:
		var lines []string
		for _, f := range sym.members {
			lines = append(lines, "  "+srcText(sym.file, f.node))
		}
		code(fmt.Sprintf("context %s {\n%s\n}", sym.name, strings.Join(lines, "\n")))
	case symModule:
		md := sym.node.(*syntax.ModuleDecl)
		var anns []string
		for _, a := range md.Annotations {
			anns = append(anns, srcText(sym.file, a))
		}
		code(strings.TrimSpace(strings.Join(anns, " ") + " module " + sym.name))
	case symField, symContextField:
		f := sym.node.(*syntax.FieldDecl)
		t := ""
		if f.Type != nil {
			t = srcText(sym.file, f.Type)
		}
		code(fmt.Sprintf("%s.%s: %s", sym.parent.name, sym.name, t))
	case symMethod, symInterceptor:
		code(srcText(sym.file, sym.node))
	}
	if sym.doc != "" {
		b.WriteString("\n" + sym.doc + "\n")
	}
	if extra := snap.mapping(sym); extra != "" {
		b.WriteString("\n" + extra + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

var sourceText = map[string]string{
	"jwt":      "the JWT claim",
	"header":   "the HTTP header",
	"cookie":   "the cookie",
	"env":      "the environment variable",
	"query":    "the GraphQL query",
	"clientIp": "the client's IP address",
}

// mapping describes what a symbol maps to in the database or the request.
func (snap *snapshot) mapping(sym *symbol) string {
	sys := snap.sys
	switch sym.kind {
	case symContextField:
		f := sym.node.(*syntax.FieldDecl)
		for _, a := range f.Annotations {
			what, ok := sourceText[a.Name.Name]
			if !ok {
				continue
			}
			key := sym.name
			if len(a.Args) > 0 {
				if lit, ok := a.Args[0].Value.(*syntax.BasicLit); ok {
					key = lit.Value
				}
			}
			if a.Name.Name == "clientIp" {
				return fmt.Sprintf("Source: `%s`: %s", srcText(sym.file, a), what)
			}
			return fmt.Sprintf("Source: `%s`: %s `%s`", srcText(sym.file, a), what, key)
		}
		return "Source: none (add @jwt, @header, @cookie, @env, @clientIp or @query)"
	case symType:
		e := entity(sys, sym.name)
		if e == nil {
			return ""
		}
		if e.Kind != ir.EntityTable {
			return "Stored as JSON in the columns of the types that use it"
		}
		s := "Table: `" + qualified(e.Table) + "`"
		if !e.Managed {
			s += " (not managed by exo)"
		}
		return s
	case symEnum:
		if sys != nil {
			for _, en := range sys.Enums {
				if en.Name == sym.name {
					return "Database enum: `" + qualified(en.DBName) + "`"
				}
			}
		}
	case symField:
		if sym.parent.kind != symType {
			return ""
		}
		e := entity(sys, sym.parent.name)
		if e == nil {
			return ""
		}
		for _, f := range e.Fields {
			if f.Name != sym.name {
				continue
			}
			tbl := qualified(e.Table)
			if f.Relation != nil {
				var cols []string
				for _, c := range f.Relation.Columns {
					cols = append(cols, "`"+c.Self+"`")
				}
				switch f.Relation.Kind {
				case ir.ManyToOne:
					return fmt.Sprintf("Column: %s of `%s`, referencing `%s`", strings.Join(cols, ", "), tbl, f.Relation.Name)
				case ir.OneToMany:
					return fmt.Sprintf("Relation: one-to-many to `%s` (no column in `%s`)", f.Relation.Name, tbl)
				default:
					if len(cols) > 0 {
						return fmt.Sprintf("Column: %s of `%s`, referencing `%s`", strings.Join(cols, ", "), tbl, f.Relation.Name)
					}
					return fmt.Sprintf("Relation: one-to-one with `%s` (no column in `%s`)", f.Relation.Name, tbl)
				}
			}
			if f.Column == "" {
				return ""
			}
			s := fmt.Sprintf("Column: `%s.%s`", tbl, f.Column)
			if f.DBType != "" {
				s += fmt.Sprintf(" (`%s`)", f.DBType)
			}
			return s
		}
	}
	return ""
}

func entity(sys *ir.System, name string) *ir.Entity {
	if sys == nil {
		return nil
	}
	for i := range sys.Entities {
		if sys.Entities[i].Name == name {
			return &sys.Entities[i]
		}
	}
	return nil
}

func qualified(q ir.QualifiedName) string {
	if q.Schema == "" {
		return q.Name
	}
	return q.Schema + "." + q.Name
}

// ---------------------------------------------------------------------------
// Document symbols

func (s *Server) documentSymbols(uri string) (any, error) {
	_, df, err := s.snapshotFor(uri)
	if err != nil || df == nil {
		return []DocumentSymbol{}, err
	}
	src := df.ast.Source
	rng := func(n syntax.Node) Range { return offsetsRange(src, int(n.Pos()), int(n.End())) }
	sel := func(id *syntax.Ident, n syntax.Node) Range {
		if id == nil {
			return rng(n)
		}
		return rng(id)
	}
	fields := func(list []*syntax.FieldDecl) []DocumentSymbol {
		var out []DocumentSymbol
		for _, f := range list {
			if f.Name == nil {
				continue
			}
			detail := ""
			if f.Type != nil {
				detail = string(src.Src[f.Type.Pos():f.Type.End()])
			}
			out = append(out, DocumentSymbol{Name: f.Name.Name, Detail: detail, Kind: SymbolKindField, Range: rng(f), SelectionRange: sel(f.Name, f)})
		}
		return out
	}
	out := []DocumentSymbol{}
	for _, d := range df.ast.Decls {
		switch d := d.(type) {
		case *syntax.ImportDecl:
			if d.Path != nil {
				out = append(out, DocumentSymbol{Name: d.Path.Value, Detail: "import", Kind: SymbolKindFile, Range: rng(d), SelectionRange: rng(d.Path)})
			}
		case *syntax.ContextDecl:
			if d.Name != nil {
				out = append(out, DocumentSymbol{Name: d.Name.Name, Detail: "context", Kind: SymbolKindStruct, Range: rng(d), SelectionRange: sel(d.Name, d), Children: fields(d.Fields)})
			}
		case *syntax.ModuleDecl:
			if d.Name == nil {
				continue
			}
			ms := DocumentSymbol{Name: d.Name.Name, Detail: "module", Kind: SymbolKindModule, Range: rng(d), SelectionRange: sel(d.Name, d)}
			for _, md := range d.Decls {
				switch md := md.(type) {
				case *syntax.TypeDecl:
					if md.Name == nil {
						continue
					}
					detail, kind := "type", SymbolKindClass
					if md.Fragment {
						detail, kind = "fragment", SymbolKindInterface
					}
					ms.Children = append(ms.Children, DocumentSymbol{Name: md.Name.Name, Detail: detail, Kind: kind, Range: rng(md), SelectionRange: sel(md.Name, md), Children: fields(md.Fields())})
				case *syntax.EnumDecl:
					if md.Name == nil {
						continue
					}
					es := DocumentSymbol{Name: md.Name.Name, Detail: "enum", Kind: SymbolKindEnum, Range: rng(md), SelectionRange: sel(md.Name, md)}
					for _, v := range md.Values {
						if v.Name != nil {
							es.Children = append(es.Children, DocumentSymbol{Name: v.Name.Name, Kind: SymbolKindEnumMember, Range: rng(v), SelectionRange: rng(v.Name)})
						}
					}
					ms.Children = append(ms.Children, es)
				case *syntax.MethodDecl:
					if md.Name != nil {
						ms.Children = append(ms.Children, DocumentSymbol{Name: md.Name.Name, Detail: md.Kind.String(), Kind: SymbolKindMethod, Range: rng(md), SelectionRange: sel(md.Name, md)})
					}
				case *syntax.InterceptorDecl:
					if md.Name != nil {
						ms.Children = append(ms.Children, DocumentSymbol{Name: md.Name.Name, Detail: "interceptor", Kind: SymbolKindEvent, Range: rng(md), SelectionRange: sel(md.Name, md)})
					}
				}
			}
			out = append(out, ms)
		}
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Formatting

func (s *Server) formatting(uri string) (any, error) {
	_, df, err := s.snapshotFor(uri)
	if err != nil || df == nil {
		return nil, err
	}
	src := df.ast.Source
	out, diags := syntax.FormatSource(src.Name, src.Src)
	if diags.HasErrors() || string(out) == string(src.Src) {
		return []TextEdit{}, nil
	}
	// One edit replacing the text between the first and the last byte that
	// differ keeps the client's cursor and undo history tidy.
	a, b := src.Src, out
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	// Start the edit at a line boundary so it never splits a UTF-8 or
	// UTF-16 unit.
	for pre > 0 && a[pre-1] != '\n' {
		pre--
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	for suf > 0 && a[len(a)-suf] != '\n' {
		suf--
	}
	return []TextEdit{{Range: offsetsRange(src, pre, len(a)-suf), NewText: string(b[pre : len(b)-suf])}}, nil
}
