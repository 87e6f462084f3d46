package compiler

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/exo-dev/exo/ir"
)

var (
	createTableRe = regexp.MustCompile(`^CREATE TABLE (?:"([^"]+)"\.)?"([^"]+)" \(`)
	columnRe      = regexp.MustCompile(`^\s+"([^"]+)" (.+?)((?: PRIMARY KEY| NOT NULL| DEFAULT .*)*),?$`)
	defaultRe     = regexp.MustCompile(` DEFAULT (.*?),?$`)
	constraintRe  = regexp.MustCompile(`ADD CONSTRAINT "([^"]+)"`)
	indexRe       = regexp.MustCompile(`^CREATE INDEX "([^"]+)"`)
)

// schemaFacts extracts comparable facts from Exograph's schema SQL.
func schemaFacts(sql string) []string {
	var facts []string
	table := ""
	for _, line := range strings.Split(sql, "\n") {
		if m := createTableRe.FindStringSubmatch(line); m != nil {
			table = m[2]
			if m[1] != "" {
				table = m[1] + "." + m[2]
			}
			facts = append(facts, "table "+table)
			continue
		}
		if strings.HasPrefix(line, ");") {
			table = ""
			continue
		}
		if table != "" {
			if strings.Contains(line, "PRIMARY KEY (") {
				continue
			}
			if m := columnRe.FindStringSubmatch(line); m != nil {
				facts = append(facts, "column "+table+"."+m[1]+" "+m[2])
				if d := defaultRe.FindStringSubmatch(line); d != nil {
					facts = append(facts, "default "+table+"."+m[1]+" "+d[1])
				}
			}
			continue
		}
		if m := constraintRe.FindStringSubmatch(line); m != nil {
			facts = append(facts, "constraint "+m[1])
		}
		if m := indexRe.FindStringSubmatch(line); m != nil {
			facts = append(facts, "index "+m[1])
		}
	}
	sort.Strings(facts)
	return facts
}

// irFacts derives the same facts from a compiled system.
func irFacts(sys *ir.System) []string {
	var facts []string
	for _, e := range sys.Entities {
		if e.Kind != ir.EntityTable || !e.Managed {
			continue
		}
		table := e.Table.Name
		if e.Table.Schema != "" {
			table = e.Table.Schema + "." + table
		}
		facts = append(facts, "table "+table)
		seen := map[string]bool{}
		addCol := func(name, typ string) {
			if !seen[name] {
				seen[name] = true
				facts = append(facts, "column "+table+"."+name+" "+typ)
			}
		}
		for _, f := range e.Fields {
			switch f.Kind {
			case ir.FieldScalar, ir.FieldJSON:
				addCol(f.Column, f.DBType)
				if f.Default != nil && f.Default.DBDefault != "" {
					facts = append(facts, "default "+table+"."+f.Column+" "+f.Default.DBDefault)
				}
			case ir.FieldRelation:
				if f.Relation.Kind == ir.ManyToOne || f.Relation.Kind == ir.OneToOneOwner {
					for _, c := range f.Relation.Columns {
						addCol(c.Self, c.DBType)
					}
					facts = append(facts, "constraint "+f.Relation.FKName)
				}
			}
		}
		for _, u := range e.Uniques {
			facts = append(facts, "constraint "+u.DBName)
		}
		for _, ix := range e.Indexes {
			facts = append(facts, "index "+ix.DBName)
		}
	}
	sort.Strings(facts)
	return facts
}

// TestMigrationSchemas compares tables, columns, column types, defaults,
// constraint and index names of each migration-test model with the schema
// SQL Exograph generated for it.
func TestMigrationSchemas(t *testing.T) {
	root := conformance(t, "migration-tests")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		for _, v := range []string{"old", "new"} {
			sqlPath := filepath.Join(root, ent.Name(), "scope-all-schemas", v+".sql")
			sql, err := os.ReadFile(sqlPath)
			if err != nil {
				continue
			}
			t.Run(ent.Name()+"/"+v, func(t *testing.T) {
				dir := filepath.Join(root, ent.Name(), v)
				if _, err := os.Stat(filepath.Join(dir, "src", "index.exo")); err != nil {
					t.Skip("no model")
				}
				sys, diags := Compile(Options{Root: dir})
				if sys == nil {
					t.Fatalf("compile failed:\n%s", render(diags))
				}
				want, got := schemaFacts(string(sql)), irFacts(sys)
				if strings.Join(want, "\n") != strings.Join(got, "\n") {
					t.Errorf("schema facts differ\nwant:\n%s\n\ngot:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
				}
			})
		}
	}
}
