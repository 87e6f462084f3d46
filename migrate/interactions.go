package migrate

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/exo-dev/exo/schema"
)

// TableRename is one `[[rename-table]]` interaction: the live table Old
// becomes the model's table New. Names are "table" or "schema.table".
type TableRename struct {
	Old, New string
}

// Interactions are the answers a migration would otherwise ask for.
type Interactions struct {
	RenameTables []TableRename
}

// ParseInteractions reads an --interactions file:
//
//	[[rename-table]]
//	old-table = "todos"
//	new-table = "t_todos"
//
// Only this shape is accepted, so a small reader suffices (no TOML
// dependency): comments, blank lines, [[rename-table]] headers and
// basic-string or literal-string key/value pairs. Anything else is an error
// with its line number.
func ParseInteractions(src string) (*Interactions, error) {
	in := &Interactions{}
	var cur *TableRename
	var curLine int
	finish := func() error {
		if cur == nil {
			return nil
		}
		if cur.Old == "" || cur.New == "" {
			return fmt.Errorf("line %d: [[rename-table]] needs both old-table and new-table", curLine)
		}
		in.RenameTables = append(in.RenameTables, *cur)
		cur = nil
		return nil
	}
	for i, line := range strings.Split(src, "\n") {
		ln := i + 1
		line = strings.TrimSpace(stripComment(line))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if err := finish(); err != nil {
				return nil, err
			}
			h := strings.Join(strings.Fields(line), "")
			if h != "[[rename-table]]" {
				return nil, fmt.Errorf("line %d: unsupported section %s (only [[rename-table]] is supported)", ln, line)
			}
			cur, curLine = &TableRename{}, ln
			continue
		}
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			return nil, fmt.Errorf("line %d: expected key = \"value\"", ln)
		}
		k := unquoteKey(strings.TrimSpace(line[:eq]))
		v, err := parseTOMLString(strings.TrimSpace(line[eq+1:]))
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", ln, err)
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: key %q outside a [[rename-table]] section", ln, k)
		}
		switch k {
		case "old-table":
			cur.Old = v
		case "new-table":
			cur.New = v
		default:
			return nil, fmt.Errorf("line %d: unknown key %q in [[rename-table]] (expected old-table or new-table)", ln, k)
		}
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return in, nil
}

// stripComment removes a # comment outside quotes.
func stripComment(s string) string {
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0 && c == '\\' && q == '"':
			i++
		case q != 0 && c == q:
			q = 0
		case q == 0 && (c == '"' || c == '\''):
			q = c
		case q == 0 && c == '#':
			return s[:i]
		}
	}
	return s
}

func unquoteKey(k string) string {
	if v, err := parseTOMLString(k); err == nil {
		return v
	}
	return k
}

func parseTOMLString(v string) (string, error) {
	switch {
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		return v[1 : len(v)-1], nil
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		s, err := strconv.Unquote(v)
		if err != nil {
			return "", fmt.Errorf("invalid string %s", v)
		}
		return s, nil
	}
	return "", fmt.Errorf("expected a quoted string, got %s", v)
}

// parseTableName reads "table" or "schema.table" (public when unqualified).
func parseTableName(s string) schema.Name {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		n := schema.Name{Schema: s[:i], Name: s[i+1:]}
		if n.Schema == "public" {
			n.Schema = ""
		}
		return n
	}
	return schema.Name{Name: s}
}

// RenameChoice is what a Prompter decides for one table that the model no
// longer has: Rename is the index of the created table it became, or -1 to
// drop it.
type Prompter func(dropped schema.Name, created []schema.Name) (rename int, err error)

// Renames decides the table renames of a migration: the interaction file's
// renames that apply (the old table exists in the database but not in the
// model, the new one in the model but not in the database), then, when ask
// is not nil, for every other table that would be dropped while tables are
// created, the prompter's answer.
func Renames(desired *schema.Schema, live *schema.Schema, in *Interactions, ask Prompter) ([]TableRename, error) {
	dropped, created := renameCandidates(desired, live)
	taken := map[string]bool{}
	var out []TableRename
	isIn := func(list []schema.Name, n schema.Name) bool {
		for _, x := range list {
			if key(x) == key(n) {
				return true
			}
		}
		return false
	}
	if in != nil {
		for _, r := range in.RenameTables {
			o, n := parseTableName(r.Old), parseTableName(r.New)
			if !isIn(dropped, o) || !isIn(created, n) || taken[key(o)] || taken[key(n)] {
				continue
			}
			taken[key(o)], taken[key(n)] = true, true
			out = append(out, TableRename{Old: o.String(), New: n.String()})
		}
	}
	if ask == nil {
		return out, nil
	}
	for _, d := range dropped {
		if taken[key(d)] {
			continue
		}
		var avail []schema.Name
		for _, c := range created {
			if !taken[key(c)] {
				avail = append(avail, c)
			}
		}
		if len(avail) == 0 {
			break
		}
		i, err := ask(d, avail)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(avail) {
			continue
		}
		taken[key(d)], taken[key(avail[i])] = true, true
		out = append(out, TableRename{Old: d.String(), New: avail[i].String()})
	}
	return out, nil
}

func renameCandidates(desired, live *schema.Schema) (dropped, created []schema.Name) {
	for _, t := range live.Tables {
		if desired.Table(t.Name) == nil {
			dropped = append(dropped, t.Name)
		}
	}
	for _, t := range desired.Tables {
		if live.Table(t.Name) == nil {
			created = append(created, t.Name)
		}
	}
	return dropped, created
}
