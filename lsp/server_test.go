package lsp

import (
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler/syntax"
)

const indexExo = `import "users"

context AuthContext {
  @jwt("sub") id: Int
  @jwt role: String
}

@postgres
module ConcertModule {
  @access(query = true, mutation = AuthContext.role == "admin")
  type Concert {
    @pk id: Int = autoIncrement()
    /// The title shown on posters
    title: String
    venue: Venue
    status: Status = SCHEDULED
  }

  @access(self.published || AuthContext.role == "admin")
  type Venue {
    @pk id: Int = autoIncrement()
    name: String
    published: Boolean
    concerts: Set<Concert>?
  }

  enum Status {
    SCHEDULED
    CANCELLED
  }
}
`

// users.exo has non-ASCII text before names on the same line, so UTF-16
// columns differ from byte and code point columns.
const usersExo = `@postgres
module UserModule {
  /* ünïcödé 😀 */ @access(self.id == AuthContext.id && self.favourite.venue.published)
  type User {
    @pk id: Int = autoIncrement()
    /* 😀😀 */ nickname: String
    @manyToOne favourite: Concert?
  }
}
`

func multiFile(t *testing.T) *client {
	t.Helper()
	return newClient(t, map[string]string{"src/index.exo": indexExo, "src/users.exo": usersExo})
}

func hoverText(t *testing.T, c *client, name string, pos Position) string {
	t.Helper()
	var h *Hover
	c.call("textDocument/hover", c.tdpp(name, pos), &h)
	if h == nil {
		t.Fatalf("no hover at %s %+v", name, pos)
	}
	return h.Contents.Value
}

func TestHover(t *testing.T) {
	c := multiFile(t)
	c.open("src/index.exo")
	c.open("src/users.exo")
	cases := []struct {
		name, file, needle string
		n, delta           int
		want               []string
	}{
		{"type ref across files", "src/users.exo", "Concert?", 0, 2, []string{"type Concert", "Table: `concerts`"}},
		{"field with doc and column", "src/index.exo", "title: String", 0, 1, []string{"Concert.title: String", "The title shown on posters", "Column: `concerts.title` (`TEXT`)"}},
		{"relation field column", "src/index.exo", "venue: Venue", 0, 0, []string{"Concert.venue: Venue", "Column: `venue_id`", "referencing `Venue`"}},
		{"context field source", "src/index.exo", "AuthContext.role", 0, 13, []string{"AuthContext.role: String", "Source: `@jwt`", "JWT claim `role`"}},
		{"self path through relation", "src/users.exo", "published)", 0, 1, []string{"Venue.published: Boolean", "Column: `venues.published`"}},
		{"field after non-ASCII", "src/users.exo", "nickname", 0, 3, []string{"User.nickname: String", "Column: `users.nickname`"}},
		{"enum", "src/index.exo", "Status = ", 0, 0, []string{"enum Status { SCHEDULED CANCELLED }"}},
		{"enum value default", "src/index.exo", "= SCHEDULED", 0, 3, []string{"Status.SCHEDULED"}},
		{"context", "src/users.exo", "AuthContext.id", 0, 2, []string{"context AuthContext", `@jwt("sub") id: Int`}},
		{"annotation", "src/index.exo", "@pk", 0, 1, []string{"@pk", "primary key"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := indexExo
			if tc.file == "src/users.exo" {
				text = usersExo
			}
			got := hoverText(t, c, tc.file, posOf(t, text, tc.needle, tc.n, tc.delta))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("hover missing %q:\n%s", w, got)
				}
			}
		})
	}
}

func labels(items []CompletionItem) map[string]CompletionItem {
	m := map[string]CompletionItem{}
	for _, it := range items {
		m[it.Label] = it
	}
	return m
}

// complete replaces the text of file with text, the cursor at the end of
// the marker <CURSOR> (removed), and returns the proposals.
func complete(t *testing.T, c *client, file string, version int32, text string) map[string]CompletionItem {
	t.Helper()
	i := strings.Index(text, "<CURSOR>")
	if i < 0 {
		t.Fatal("no cursor marker")
	}
	text = text[:i] + text[i+len("<CURSOR>"):]
	c.change(file, version, TextDocumentContentChangeEvent{Text: text})
	var list CompletionList
	c.call("textDocument/completion", c.tdpp(file, posAt(text, i)), &list)
	return labels(list.Items)
}

func TestCompletion(t *testing.T) {
	c := multiFile(t)
	c.open("src/index.exo")
	c.open("src/users.exo")
	want := func(t *testing.T, got map[string]CompletionItem, yes []string, no []string) {
		t.Helper()
		for _, w := range yes {
			if _, ok := got[w]; !ok {
				t.Errorf("missing completion %q (got %d items)", w, len(got))
			}
		}
		for _, w := range no {
			if _, ok := got[w]; ok {
				t.Errorf("unexpected completion %q", w)
			}
		}
	}
	t.Run("self path in access", func(t *testing.T) {
		got := complete(t, c, "src/users.exo", 2, strings.Replace(usersExo, "self.favourite.venue.published)", "self.favourite.venue.<CURSOR>)", 1))
		want(t, got, []string{"id", "name", "published", "concerts"}, []string{"title", "nickname"})
	})
	t.Run("self fields", func(t *testing.T) {
		got := complete(t, c, "src/users.exo", 3, strings.Replace(usersExo, "self.id ==", "self.<CURSOR>id ==", 1))
		want(t, got, []string{"id", "nickname", "favourite"}, []string{"title"})
		if got["favourite"].Detail != "Concert?" {
			t.Errorf("favourite detail = %q, want Concert?", got["favourite"].Detail)
		}
	})
	t.Run("context fields", func(t *testing.T) {
		got := complete(t, c, "src/users.exo", 4, strings.Replace(usersExo, "AuthContext.id &&", "AuthContext.<CURSOR> &&", 1))
		want(t, got, []string{"id", "role"}, []string{"nickname"})
	})
	t.Run("lambda parameter", func(t *testing.T) {
		got := complete(t, c, "src/index.exo", 2, strings.Replace(indexExo, "@access(self.published ||", "@access(self.concerts.some(c => c.<CURSOR>) ||", 1))
		want(t, got, []string{"title", "venue", "status"}, []string{"published"})
	})
	t.Run("access roots", func(t *testing.T) {
		got := complete(t, c, "src/index.exo", 3, strings.Replace(indexExo, "@access(self.published ||", "@access(<CURSOR>self.published ||", 1))
		want(t, got, []string{"self", "AuthContext", "query", "mutation", "true"}, nil)
	})
	t.Run("field annotations", func(t *testing.T) {
		got := complete(t, c, "src/index.exo", 4, strings.Replace(indexExo, "    name: String", "    @<CURSOR>\n    name: String", 1))
		want(t, got, []string{"pk", "column", "unique", "maxLength", "relation", "access"}, []string{"jwt", "postgres", "table"})
		if !strings.Contains(got["maxLength"].InsertText, "maxLength(") {
			t.Errorf("maxLength snippet = %q", got["maxLength"].InsertText)
		}
	})
	t.Run("type annotations", func(t *testing.T) {
		got := complete(t, c, "src/index.exo", 5, strings.Replace(indexExo, "  type Venue {", "  @<CURSOR>\n  type Venue {", 1))
		want(t, got, []string{"access", "table", "plural", "json"}, []string{"pk", "jwt"})
	})
	t.Run("context annotations", func(t *testing.T) {
		got := complete(t, c, "src/index.exo", 6, strings.Replace(indexExo, "  @jwt role: String", "  @<CURSOR>\n  @jwt role: String", 1))
		want(t, got, []string{"jwt", "header", "cookie", "env", "clientIp"}, []string{"pk"})
	})
	t.Run("types", func(t *testing.T) {
		got := complete(t, c, "src/index.exo", 7, strings.Replace(indexExo, "    name: String", "    name: <CURSOR>", 1))
		want(t, got, []string{"Int", "String", "Concert", "Venue", "Status", "User", "Set"}, []string{"AuthContext"})
	})
	t.Run("enum default", func(t *testing.T) {
		got := complete(t, c, "src/index.exo", 8, strings.Replace(indexExo, "status: Status = SCHEDULED", "status: Status = <CURSOR>", 1))
		want(t, got, []string{"SCHEDULED", "CANCELLED"}, []string{"now()"})
	})
}

func TestDefinitionReferencesRename(t *testing.T) {
	c := multiFile(t)
	c.open("src/index.exo")
	c.open("src/users.exo")

	// Definition of Concert from users.exo lands on its declaration in index.exo.
	var locs []Location
	c.call("textDocument/definition", c.tdpp("src/users.exo", posOf(t, usersExo, "Concert?", 0, 0)), &locs)
	wantDecl := Location{URI: c.uri("src/index.exo"), Range: Range{posOf(t, indexExo, "Concert {", 0, 0), posOf(t, indexExo, "Concert {", 0, len("Concert"))}}
	if len(locs) != 1 || locs[0] != wantDecl {
		t.Errorf("definition = %+v, want %+v", locs, wantDecl)
	}

	// Definition of a field reached through self.favourite.venue.published.
	c.call("textDocument/definition", c.tdpp("src/users.exo", posOf(t, usersExo, "published)", 0, 0)), &locs)
	if len(locs) != 1 || locs[0].URI != c.uri("src/index.exo") || locs[0].Range.Start != posOf(t, indexExo, "published: Boolean", 0, 0) {
		t.Errorf("definition of published = %+v", locs)
	}

	// Definition of an import.
	c.call("textDocument/definition", c.tdpp("src/index.exo", posOf(t, indexExo, `"users"`, 0, 2)), &locs)
	if len(locs) != 1 || locs[0].URI != c.uri("src/users.exo") {
		t.Errorf("definition of import = %+v", locs)
	}

	// Definition of a context from an expression.
	c.call("textDocument/definition", c.tdpp("src/users.exo", posOf(t, usersExo, "AuthContext", 0, 3)), &locs)
	if len(locs) != 1 || locs[0].Range.Start != posOf(t, indexExo, "AuthContext {", 0, 0) {
		t.Errorf("definition of context = %+v", locs)
	}

	// References of Concert: declaration, Set<Concert> and users.exo.
	var refs []Location
	c.call("textDocument/references", ReferenceParams{TextDocumentPositionParams: c.tdpp("src/index.exo", posOf(t, indexExo, "Concert {", 0, 1)),
		Context: struct {
			IncludeDeclaration bool `json:"includeDeclaration"`
		}{true}}, &refs)
	perFile := map[string]int{}
	for _, r := range refs {
		perFile[r.URI]++
	}
	if perFile[c.uri("src/index.exo")] != 2 || perFile[c.uri("src/users.exo")] != 1 {
		t.Errorf("references of Concert = %+v", refs)
	}

	// References of the field venue (declaration, self.favourite.venue).
	c.call("textDocument/references", ReferenceParams{TextDocumentPositionParams: c.tdpp("src/index.exo", posOf(t, indexExo, "venue: Venue", 0, 0))}, &refs)
	if len(refs) != 1 || refs[0].URI != c.uri("src/users.exo") || refs[0].Range.Start != posOf(t, usersExo, "venue.published", 0, 0) {
		t.Errorf("references of venue (without declaration) = %+v", refs)
	}

	// Rename the type Venue across files.
	var prep *PrepareRenameResult
	c.call("textDocument/prepareRename", c.tdpp("src/index.exo", posOf(t, indexExo, "Venue {", 0, 2)), &prep)
	if prep == nil || prep.Placeholder != "Venue" {
		t.Errorf("prepareRename = %+v", prep)
	}
	var edit WorkspaceEdit
	c.call("textDocument/rename", RenameParams{TextDocumentPositionParams: c.tdpp("src/index.exo", posOf(t, indexExo, "Venue {", 0, 2)), NewName: "Place"}, &edit)
	gotIndex := applyEdits(indexExo, edit.Changes[c.uri("src/index.exo")])
	if strings.Contains(gotIndex, "Venue") || strings.Count(gotIndex, "Place") != 2 {
		t.Errorf("rename Venue -> Place in index.exo:\n%s", gotIndex)
	}

	// Rename a field used in another file, after non-ASCII text.
	c.call("textDocument/rename", RenameParams{TextDocumentPositionParams: c.tdpp("src/index.exo", posOf(t, indexExo, "published: Boolean", 0, 0)), NewName: "isPublic"}, &edit)
	gotIndex = applyEdits(indexExo, edit.Changes[c.uri("src/index.exo")])
	gotUsers := applyEdits(usersExo, edit.Changes[c.uri("src/users.exo")])
	if !strings.Contains(gotIndex, "@access(self.isPublic ||") || !strings.Contains(gotIndex, "isPublic: Boolean") {
		t.Errorf("rename published in index.exo:\n%s", gotIndex)
	}
	if !strings.Contains(gotUsers, "self.favourite.venue.isPublic)") {
		t.Errorf("rename published in users.exo:\n%s", gotUsers)
	}

	// A rename that would clash is refused.
	err := c.conn.Call(t.Context(), "textDocument/rename", RenameParams{TextDocumentPositionParams: c.tdpp("src/index.exo", posOf(t, indexExo, "Venue {", 0, 0)), NewName: "Concert"}, &edit)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("rename Venue -> Concert: err = %v, want a conflict", err)
	}
}

func TestFormattingSymbolsTokens(t *testing.T) {
	ugly := "@postgres module M {\ntype  T {\n@pk id:Int=autoIncrement()\n      name : String // 😀 note\n}\n}\n"
	c := newClient(t, map[string]string{"src/index.exo": ugly})
	c.open("src/index.exo")

	var edits []TextEdit
	c.call("textDocument/formatting", DocumentFormattingParams{TextDocument: TextDocumentIdentifier{URI: c.uri("src/index.exo")}}, &edits)
	want, diags := syntax.FormatSource("index.exo", []byte(ugly))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if got := applyEdits(ugly, edits); got != string(want) || got == ugly {
		t.Errorf("formatting gave\n%s\nwant\n%s", got, want)
	}

	var syms []DocumentSymbol
	c.call("textDocument/documentSymbol", DocumentFormattingParams{TextDocument: TextDocumentIdentifier{URI: c.uri("src/index.exo")}}, &syms)
	if len(syms) != 1 || syms[0].Name != "M" || len(syms[0].Children) != 1 || syms[0].Children[0].Name != "T" || len(syms[0].Children[0].Children) != 2 {
		t.Fatalf("document symbols = %+v", syms)
	}
	if f := syms[0].Children[0].Children[1]; f.Name != "name" || f.Detail != "String" || f.SelectionRange.Start != posOf(t, ugly, "name", 0, 0) {
		t.Errorf("field symbol = %+v", f)
	}

	var toks SemanticTokens
	c.call("textDocument/semanticTokens/full", DocumentFormattingParams{TextDocument: TextDocumentIdentifier{URI: c.uri("src/index.exo")}}, &toks)
	if len(toks.Data)%5 != 0 || len(toks.Data) == 0 {
		t.Fatalf("semantic tokens: %d numbers", len(toks.Data))
	}
	// Decode and look for a few tokens.
	type tok struct {
		pos    Position
		length uint32
		typ    string
	}
	var got []tok
	var line, char uint32
	for i := 0; i < len(toks.Data); i += 5 {
		if toks.Data[i] > 0 {
			line += toks.Data[i]
			char = toks.Data[i+1]
		} else {
			char += toks.Data[i+1]
		}
		got = append(got, tok{Position{line, char}, toks.Data[i+2], tokenTypes[toks.Data[i+3]]})
	}
	expect := []tok{
		{posOf(t, ugly, "@postgres", 0, 0), 9, "decorator"},
		{posOf(t, ugly, "module", 0, 0), 6, "keyword"},
		{posOf(t, ugly, "T {", 0, 0), 1, "type"},
		{posOf(t, ugly, "name", 0, 0), 4, "property"},
		{posOf(t, ugly, "String", 0, 0), 6, "type"},
		{posOf(t, ugly, "// 😀", 0, 0), 10, "comment"}, // "// " + 2 units + " note"
	}
	for _, e := range expect {
		found := false
		for _, g := range got {
			if g == e {
				found = true
			}
		}
		if !found {
			t.Errorf("missing semantic token %+v in %+v", e, got)
		}
	}
}

func TestDiagnosticsAsYouType(t *testing.T) {
	c := multiFile(t)
	text := c.open("src/index.exo")
	empty := func(ds []Diagnostic) bool { return len(ds) == 0 }
	c.waitDiags("src/index.exo", empty)
	c.waitDiags("src/users.exo", empty)

	// An incremental edit introducing a typo, after non-ASCII-free text.
	start := posOf(t, text, "name: String", 0, len("name: "))
	end := posOf(t, text, "name: String", 0, len("name: String"))
	c.change("src/index.exo", 2, TextDocumentContentChangeEvent{Range: &Range{start, end}, Text: "Strin"})
	ds := c.waitDiags("src/index.exo", func(ds []Diagnostic) bool { return len(ds) > 0 })
	if ds[0].Message != "Reference to unknown type: Strin" || ds[0].Code != "check/unknown-type" || ds[0].Range != (Range{start, posOf(t, text, "name: String", 0, len("name: Strin"))}) {
		t.Errorf("diagnostic = %+v", ds[0])
	}

	// Renaming Concert in the open file breaks the (unopened) importing file.
	c.change("src/index.exo", 3, TextDocumentContentChangeEvent{Text: strings.Replace(text, "type Concert {", "type Gig {", 1)})
	c.waitDiags("src/index.exo", func(ds []Diagnostic) bool {
		for _, d := range ds {
			if d.Message == "Reference to unknown type: Concert" && d.Range.Start == posOf(t, text, "Concert>", 0, 0) {
				return true
			}
		}
		return false
	})
	users := c.waitDiags("src/users.exo", func(ds []Diagnostic) bool { return len(ds) > 0 })
	wantStart := posOf(t, usersExo, "Concert?", 0, 0)
	if users[0].Message != "Reference to unknown type: Concert" || users[0].Range.Start != wantStart {
		t.Errorf("users.exo diagnostic = %+v, want at %+v", users[0], wantStart)
	}
	// The non-ASCII comment before the field makes the UTF-16 column differ
	// from the byte column.
	if wantStart.Character == uint32(strings.Index(strings.Split(usersExo, "\n")[6], "Concert?")) {
		t.Logf("note: users.exo line has no non-ASCII prefix")
	}

	// Fixing it clears both files.
	c.change("src/index.exo", 4, TextDocumentContentChangeEvent{Text: text})
	c.waitDiags("src/index.exo", empty)
	c.waitDiags("src/users.exo", empty)
}

func TestDiagnosticsUTF16(t *testing.T) {
	src := "@postgres\nmodule M {\n  type T {\n    /* 😀 é */ @pk id: Int = autoIncrement()\n    /* 😀 */ x: Strin\n  }\n}\n"
	c := newClient(t, map[string]string{"src/index.exo": src})
	c.open("src/index.exo")
	ds := c.waitDiags("src/index.exo", func(ds []Diagnostic) bool { return len(ds) > 0 })
	want := Range{posOf(t, src, "Strin", 0, 0), posOf(t, src, "Strin", 0, 5)}
	if want.Start.Character != 16 { // "    /* " (7) + 😀 (2) + " */ " (4) + "x: " (3)
		t.Fatalf("test helper computed %d", want.Start.Character)
	}
	if ds[0].Range != want {
		t.Errorf("range = %+v, want %+v", ds[0].Range, want)
	}
}
