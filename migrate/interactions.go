package migrate

import (
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"

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

// ParseInteractions reads an --interactions file (TOML):
//
//	[[rename-table]]
//	old-table = "todos"
//	new-table = "t_todos"
//
// Only [[rename-table]] tables with both keys are accepted; anything else is
// an error naming where it is.
func ParseInteractions(src string) (*Interactions, error) {
	var raw struct {
		RenameTable []struct {
			Old string `toml:"old-table"`
			New string `toml:"new-table"`
		} `toml:"rename-table"`
	}
	md, err := toml.Decode(src, &raw)
	if err != nil {
		return nil, err
	}
	if undec := md.Undecoded(); len(undec) > 0 {
		k := undec[0]
		return nil, fmt.Errorf("line %d: unsupported key %q (only [[rename-table]] with old-table and new-table is supported)",
			lineOf(src, k[len(k)-1]), k.String())
	}
	in := &Interactions{}
	for i, r := range raw.RenameTable {
		if r.Old == "" || r.New == "" {
			return nil, fmt.Errorf("[[rename-table]] number %d needs both old-table and new-table", i+1)
		}
		in.RenameTables = append(in.RenameTables, TableRename{Old: r.Old, New: r.New})
	}
	return in, nil
}

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

// lineOf returns the 1-based number of the first line mentioning name (the
// TOML decoder does not report where an unknown key is).
func lineOf(src, name string) int {
	for i, line := range strings.Split(src, "\n") {
		if strings.Contains(line, name) {
			return i + 1
		}
	}
	return 1
}
