package lsp

import (
	"sort"

	"github.com/exo-dev/exo/compiler/syntax"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

// Semantic token legend (indices are what the encoding refers to).
var tokenTypes = []string{
	"namespace", "type", "struct", "enum", "enumMember", "property", "decorator",
	"keyword", "string", "number", "comment", "parameter", "variable", "method", "function",
}

var tokenModifiers = []string{"declaration", "documentation", "defaultLibrary"}

const (
	tokNamespace = iota
	tokType
	tokStruct
	tokEnum
	tokEnumMember
	tokProperty
	tokDecorator
	tokKeyword
	tokString
	tokNumber
	tokComment
	tokParameter
	tokVariable
	tokMethod
	tokFunction
)

const (
	modDeclaration = 1 << iota
	modDocumentation
	modDefaultLibrary
)

type token struct {
	start, end int
	typ        int
	mods       int
}

func symToken(k symKind) int {
	switch k {
	case symType, symFragment:
		return tokType
	case symContext:
		return tokStruct
	case symEnum:
		return tokEnum
	case symEnumValue:
		return tokEnumMember
	case symModule:
		return tokNamespace
	case symField, symContextField:
		return tokProperty
	case symMethod:
		return tokMethod
	case symInterceptor:
		return tokFunction
	}
	return tokVariable
}

func (s *Server) semanticTokens(uri string) (any, error) {
	_, df, err := s.snapshotFor(uri)
	if err != nil || df == nil {
		return SemanticTokens{Data: []uint32{}}, err
	}
	return SemanticTokens{Data: encodeTokens(df.ast.Source, collectTokens(df))}, nil
}

// collectTokens classifies the tokens of a file, sorted and without
// overlaps.
func collectTokens(df *docFile) []token {
	var toks []token
	add := func(start, end syntax.Pos, typ, mods int) {
		if start.IsValid() && end > start {
			toks = append(toks, token{int(start), int(end), typ, mods})
		}
	}
	kw := func(p syntax.Pos, word string) { add(p, p+syntax.Pos(len(word)), tokKeyword, 0) }
	for _, c := range df.ast.Comments {
		mods := 0
		if c.Kind == syntax.DocComment || c.Kind == syntax.SchemaDocComment {
			mods = modDocumentation
		}
		add(c.Pos(), c.End(), tokComment, mods)
	}
	for _, r := range df.refs {
		mods := 0
		if r.decl {
			mods = modDeclaration
		}
		add(syntax.Pos(r.start), syntax.Pos(r.end), symToken(r.sym.kind), mods)
	}
	syntax.Inspect(df.ast, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.ImportDecl:
			kw(n.Import, "import")
		case *syntax.ContextDecl:
			kw(n.Context, "context")
		case *syntax.ModuleDecl:
			kw(n.Module, "module")
		case *syntax.TypeDecl:
			if n.Fragment {
				kw(n.Keyword, "fragment")
			} else {
				kw(n.Keyword, "type")
			}
		case *syntax.EnumDecl:
			kw(n.Enum, "enum")
		case *syntax.MethodDecl:
			if n.Export.IsValid() {
				kw(n.Export, "export")
			}
			if n.KindPos.IsValid() {
				kw(n.KindPos, n.Kind.String())
			}
		case *syntax.InterceptorDecl:
			kw(n.Interceptor, "interceptor")
		case *syntax.Spread:
			add(n.Ellipsis, n.Ellipsis+3, tokKeyword, 0)
		case *syntax.Annotation:
			if n.Name != nil {
				add(n.At, n.Name.End(), tokDecorator, 0)
			}
			for _, a := range n.Args {
				if a.Name != nil {
					add(a.Name.Pos(), a.Name.End(), tokParameter, 0)
				}
			}
			for _, a := range n.Args {
				syntax.Inspect(a.Value, exprTokens(add))
			}
			return false
		case *syntax.NamedType:
			if n.Name != nil && (ir.ScalarByName(n.Name.Name) != ir.ScalarInvalid || n.Name.Name == "Set" || n.Name.Name == "Array") {
				add(n.Name.Pos(), n.Name.End(), tokType, modDefaultLibrary)
			}
		case *syntax.FieldDecl:
			if n.Default != nil {
				syntax.Inspect(n.Default, exprTokens(add))
			}
		case *syntax.Param:
			if n.Name != nil {
				add(n.Name.Pos(), n.Name.End(), tokParameter, modDeclaration)
			}
		}
		return true
	})
	sort.SliceStable(toks, func(i, j int) bool { return toks[i].start < toks[j].start })
	out := toks[:0]
	last := -1
	for _, t := range toks {
		if t.start < last {
			continue // overlaps an earlier token (refs win: they were added first)
		}
		out = append(out, t)
		last = t.end
	}
	return out
}

// exprTokens classifies literals, self, lambda parameters and called
// functions inside expressions.
func exprTokens(add func(start, end syntax.Pos, typ, mods int)) func(syntax.Node) bool {
	return func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.BasicLit:
			switch n.Kind {
			case syntax.StringLit:
				add(n.Pos(), n.End(), tokString, 0)
			case syntax.IntLit, syntax.FloatLit:
				add(n.Pos(), n.End(), tokNumber, 0)
			default:
				add(n.Pos(), n.End(), tokKeyword, 0)
			}
		case *syntax.Ident:
			if n.Name == "self" {
				add(n.Pos(), n.End(), tokVariable, modDefaultLibrary)
			}
		case *syntax.LambdaExpr:
			for _, p := range n.Params {
				add(p.Pos(), p.End(), tokParameter, modDeclaration)
			}
		case *syntax.CallExpr:
			switch f := n.Fun.(type) {
			case *syntax.Ident:
				add(f.Pos(), f.End(), tokFunction, modDefaultLibrary)
			case *syntax.SelectorExpr:
				if f.Sel != nil {
					add(f.Sel.Pos(), f.Sel.End(), tokMethod, modDefaultLibrary)
				}
			}
		}
		return true
	}
}

// encodeTokens produces the LSP relative encoding. Tokens spanning lines
// (block comments) are split into one token per line.
func encodeTokens(f *diag.File, toks []token) []uint32 {
	data := []uint32{}
	var prevLine, prevChar uint32
	emit := func(start, end, typ, mods int) {
		if end <= start {
			return
		}
		s, e := offsetPosition(f, start), offsetPosition(f, end)
		length := e.Character - s.Character
		if length == 0 {
			return
		}
		dl := s.Line - prevLine
		dc := s.Character
		if dl == 0 {
			dc = s.Character - prevChar
		}
		data = append(data, dl, dc, length, uint32(typ), uint32(mods))
		prevLine, prevChar = s.Line, s.Character
	}
	for _, t := range toks {
		start := t.start
		for i := t.start; i < t.end; i++ {
			if f.Src[i] == '\n' {
				end := i
				if end > start && f.Src[end-1] == '\r' {
					end--
				}
				emit(start, end, t.typ, t.mods)
				start = i + 1
			}
		}
		emit(start, t.end, t.typ, t.mods)
	}
	return data
}
