package schema

import (
	"slices"
	"testing"
)

func baseSchema() *Schema {
	return &Schema{
		Extensions: []string{"vector"},
		Enums:      []Enum{{Name: Name{Name: "priority"}, Values: []string{"LOW", "HIGH"}}},
		Tables: []*Table{{
			Name: Name{Name: "docs"},
			Columns: []Column{
				{Name: "id", Type: "integer", Serial: true},
				{Name: "embedding", Type: "vector(3)", Nullable: true},
				{Name: "a", Type: "text"},
				{Name: "b", Type: "integer", Default: "0"},
				{Name: "p", Type: "priority", Default: "'LOW'"},
				{Name: "at", Type: "timestamp with time zone", Default: "now()"},
			},
			PrimaryKey:  []string{"id"},
			ForeignKeys: []ForeignKey{{Name: "fk", Columns: []string{"a", "b"}, RefTable: Name{Name: "r"}, RefColumns: []string{"x", "y"}}},
			Uniques:     []Unique{{Name: "u", Columns: []string{"a", "b"}}},
			Indexes:     []Index{{Name: "ix", Columns: []string{"embedding"}, Method: "hnsw", OpClass: "vector_cosine_ops"}},
			Triggers: []Trigger{{Name: "exograph_on_update_docs", Function: Name{Name: "exograph_update_docs"},
				Timing: "BEFORE UPDATE", Assignments: []Assignment{{"at", "now()"}}}},
		}},
	}
}

func kinds(cs []Change) []ChangeKind {
	var ks []ChangeKind
	for _, c := range cs {
		ks = append(ks, c.Kind)
	}
	return ks
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name        string
		edit        func(live *Schema)
		want        []ChangeKind
		destructive bool
	}{
		{"identical", func(*Schema) {}, nil, false},
		{"equivalent spellings", func(l *Schema) {
			tb := l.Tables[0]
			tb.Name.Schema = "public"
			tb.Columns[4].Default = "'LOW'::priority"
			tb.Columns = append(tb.Columns[3:], tb.Columns[:3]...) // column order is not significant
			tb.ForeignKeys[0] = ForeignKey{Name: "fk", Columns: []string{"b", "a"}, RefTable: Name{"public", "r"}, RefColumns: []string{"y", "x"}}
			tb.Uniques[0].Columns = []string{"b", "a"}
			tb.Triggers[0].Function.Schema = "public"
			tb.Triggers[0].Assignments[0].Expr = "NOW()"
		}, nil, false},
		{"vector dimension", func(l *Schema) { l.Tables[0].Columns[1].Type = "vector(4)" }, []ChangeKind{AlterColumnType}, true},
		{"enum value added", func(l *Schema) { l.Enums[0].Values = []string{"LOW"} }, []ChangeKind{AlterEnum}, false},
		{"enum value removed", func(l *Schema) { l.Enums[0].Values = []string{"LOW", "HIGH", "MID"} }, []ChangeKind{AlterEnum}, true},
		{"default", func(l *Schema) { l.Tables[0].Columns[3].Default = "1" }, []ChangeKind{AlterColumnDefault}, false},
		{"serial", func(l *Schema) { l.Tables[0].Columns[0].Serial = false }, []ChangeKind{AlterColumnDefault}, false},
		{"pk order", func(l *Schema) { l.Tables[0].PrimaryKey = []string{"id", "a"} }, []ChangeKind{AlterPrimaryKey}, false},
		{"fk target", func(l *Schema) { l.Tables[0].ForeignKeys[0].RefTable = Name{"auth", "r"} }, []ChangeKind{DropForeignKey, AddForeignKey}, false},
		{"fk pairing", func(l *Schema) { l.Tables[0].ForeignKeys[0].RefColumns = []string{"y", "x"} }, []ChangeKind{DropForeignKey, AddForeignKey}, false},
		{"unique renamed", func(l *Schema) { l.Tables[0].Uniques[0].Name = "v" }, []ChangeKind{DropUnique, AddUnique}, false},
		{"opclass", func(l *Schema) { l.Tables[0].Indexes[0].OpClass = "vector_l2_ops" }, []ChangeKind{DropIndex, CreateIndex}, false},
		{"trigger body", func(l *Schema) { l.Tables[0].Triggers[0].Assignments[0].Expr = "clock_timestamp()" }, []ChangeKind{DropTrigger, CreateTrigger}, false},
		{"trigger missing", func(l *Schema) { l.Tables[0].Triggers = nil }, []ChangeKind{CreateTrigger}, false},
		{"column missing", func(l *Schema) { l.Tables[0].Columns = l.Tables[0].Columns[:5] }, []ChangeKind{AddColumn}, false},
		{"extra column", func(l *Schema) {
			l.Tables[0].Columns = append(l.Tables[0].Columns, Column{Name: "z", Type: "text"})
		}, []ChangeKind{DropColumn}, true},
		{"extra table and schema", func(l *Schema) {
			l.Schemas = []string{"x"}
			l.Tables = append(l.Tables, &Table{Name: Name{"x", "t"}})
		}, []ChangeKind{DropTable, DropSchema}, true},
		{"missing everything", func(l *Schema) { *l = Schema{} }, []ChangeKind{CreateExtension, CreateEnum, CreateTable, AddForeignKey, AddUnique, CreateIndex, CreateTrigger}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			desired, live := baseSchema(), baseSchema()
			tc.edit(live)
			got := Compare(desired, live)
			if !slices.Equal(kinds(got), tc.want) {
				t.Fatalf("changes:\n%s\nwant kinds %v", describe(got), tc.want)
			}
			destructive := false
			for _, c := range got {
				destructive = destructive || c.Destructive()
				if c.String() == "" {
					t.Errorf("%v: empty description", c.Kind)
				}
			}
			if destructive != tc.destructive {
				t.Errorf("destructive = %v, want %v", destructive, tc.destructive)
			}
		})
	}
}
