package schema

import (
	"slices"
	"sort"
	"strings"

	"github.com/exo-dev/exo/ir"
)

// FromIR computes the desired schema of a compiled system: every managed
// table entity with its columns, primary key, foreign keys (owning side of
// relations), unique constraints, indexes and @update trigger, plus the
// enums, custom sequences, extensions and non-public schemas they need.
// Unmanaged entities and @json types produce nothing.
func FromIR(sys *ir.System) *Schema {
	s := &Schema{}
	if sys == nil {
		return s
	}
	schemas := map[string]bool{}
	addSchema := func(n string) {
		if n != "" && n != "public" {
			schemas[n] = true
		}
	}
	for i := range sys.Entities {
		e := &sys.Entities[i]
		if e.Kind != ir.EntityTable || !e.Managed {
			continue
		}
		t := tableFromEntity(sys, e)
		addSchema(t.Name.Schema)
		for _, fk := range t.ForeignKeys {
			addSchema(fk.RefTable.Schema)
		}
		s.Tables = append(s.Tables, t)
	}
	for _, en := range sys.Enums {
		n := Name{Schema: normSchema(en.DBName.Schema), Name: en.DBName.Name}
		addSchema(n.Schema)
		s.Enums = append(s.Enums, Enum{Name: n, Values: slices.Clone(en.Values)})
	}
	for _, q := range sys.Sequences {
		n := Name{Schema: normSchema(q.Schema), Name: q.Name}
		addSchema(n.Schema)
		s.Sequences = append(s.Sequences, n)
	}
	s.Extensions = slices.Clone(sys.Extensions)
	sort.Strings(s.Extensions)
	for n := range schemas {
		s.Schemas = append(s.Schemas, n)
	}
	sort.Strings(s.Schemas)
	return s
}

func normSchema(s string) string {
	if s == "public" {
		return ""
	}
	return s
}

func tableFromEntity(sys *ir.System, e *ir.Entity) *Table {
	t := &Table{Name: Name{Schema: normSchema(e.Table.Schema), Name: e.Table.Name}}
	pk := map[int]bool{}
	for _, i := range e.PK {
		pk[i] = true
	}
	// fieldCols are the columns of each field (relations may have several).
	fieldCols := make([][]string, len(e.Fields))
	add := func(c Column) {
		if t.Column(c.Name) == nil {
			t.Columns = append(t.Columns, c)
		}
	}
	for fi := range e.Fields {
		f := &e.Fields[fi]
		isPK := pk[fi] || f.PK
		switch f.Kind {
		case ir.FieldScalar, ir.FieldJSON:
			if f.Column == "" {
				continue
			}
			typ, serial := CanonicalType(f.DBType)
			c := Column{
				Name:     f.Column,
				Type:     typ,
				DDLType:  f.DBType,
				Nullable: f.Optional && !isPK,
				Serial:   serial,
			}
			if f.Default != nil && !serial {
				c.Default = f.Default.DBDefault
			}
			add(c)
			fieldCols[fi] = []string{f.Column}
		case ir.FieldRelation:
			r := f.Relation
			if r == nil || (r.Kind != ir.ManyToOne && r.Kind != ir.OneToOneOwner) {
				continue
			}
			var target *ir.Entity
			if r.Target >= 0 && r.Target < len(sys.Entities) {
				target = &sys.Entities[r.Target]
			}
			for _, p := range r.Columns {
				ddl := p.DBType
				if ddl == "" {
					ddl = referencedType(sys, target, p.Target, f)
				}
				typ, _ := CanonicalType(ddl)
				add(Column{
					Name:     p.Self,
					Type:     typ,
					DDLType:  ddl,
					Nullable: f.Optional && !isPK,
				})
				fieldCols[fi] = append(fieldCols[fi], p.Self)
			}
			if len(r.Columns) > 0 && target != nil {
				fk := ForeignKey{
					Name:     r.FKName,
					RefTable: Name{Schema: normSchema(target.Table.Schema), Name: target.Table.Name},
				}
				pairs := slices.Clone(r.Columns)
				sort.SliceStable(pairs, func(a, b int) bool { return pairs[a].Self < pairs[b].Self })
				for _, p := range pairs {
					fk.Columns = append(fk.Columns, p.Self)
					fk.RefColumns = append(fk.RefColumns, p.Target)
				}
				t.ForeignKeys = append(t.ForeignKeys, fk)
			}
		}
	}
	for _, i := range e.PK {
		if i >= 0 && i < len(fieldCols) {
			t.PrimaryKey = append(t.PrimaryKey, fieldCols[i]...)
		}
	}
	if len(e.PK) == 0 {
		for fi := range e.Fields {
			if e.Fields[fi].PK {
				t.PrimaryKey = append(t.PrimaryKey, fieldCols[fi]...)
			}
		}
	}
	for _, c := range t.PrimaryKey {
		if col := t.Column(c); col != nil {
			col.Nullable = false
		}
	}
	for _, u := range e.Uniques {
		var cols []string
		for _, fi := range u.Fields {
			if fi >= 0 && fi < len(fieldCols) {
				cols = append(cols, fieldCols[fi]...)
			}
		}
		sort.Strings(cols)
		t.Uniques = append(t.Uniques, Unique{Name: u.DBName, Columns: cols})
	}
	for _, ix := range e.Indexes {
		idx := Index{Name: ix.DBName, Columns: slices.Clone(ix.Columns), Method: "btree"}
		if ix.Kind == ir.IndexHNSW {
			idx.Method = "hnsw"
			idx.OpClass = ix.OpClass
		}
		t.Indexes = append(t.Indexes, idx)
	}
	if len(e.UpdateFields) > 0 {
		tr := Trigger{
			Name:     UpdateTriggerName(t.Name.Name),
			Function: Name{Schema: t.Name.Schema, Name: UpdateFunctionName(t.Name.Name)},
			Timing:   "BEFORE UPDATE",
		}
		for _, fi := range e.UpdateFields {
			if fi < 0 || fi >= len(e.Fields) {
				continue
			}
			f := &e.Fields[fi]
			if f.Column == "" || f.Default == nil || f.Default.DBDefault == "" {
				continue
			}
			tr.Assignments = append(tr.Assignments, Assignment{Column: f.Column, Expr: f.Default.DBDefault})
		}
		if len(tr.Assignments) > 0 {
			t.Triggers = append(t.Triggers, tr)
		}
	}
	return t
}

// referencedType is the DDL type of a foreign key column: the type of the
// referenced column (followed through relation primary keys), with serial
// types replaced by their integer type. It falls back to the relation
// field's own DBType when the target cannot be resolved.
func referencedType(sys *ir.System, target *ir.Entity, column string, f *ir.Field) string {
	ddl := resolveColumnType(sys, target, column, 0)
	if ddl == "" {
		ddl = f.DBType
	}
	switch strings.ToUpper(strings.TrimSpace(ddl)) {
	case "SERIAL", "SERIAL4":
		return "INT"
	case "BIGSERIAL", "SERIAL8":
		return "BIGINT"
	case "SMALLSERIAL", "SERIAL2":
		return "SMALLINT"
	}
	return ddl
}

func resolveColumnType(sys *ir.System, e *ir.Entity, column string, depth int) string {
	if e == nil || depth > 8 {
		return ""
	}
	for i := range e.Fields {
		f := &e.Fields[i]
		if f.Kind != ir.FieldRelation && f.Column == column {
			return f.DBType
		}
	}
	for i := range e.Fields {
		f := &e.Fields[i]
		if f.Kind != ir.FieldRelation || f.Relation == nil {
			continue
		}
		r := f.Relation
		if r.Kind != ir.ManyToOne && r.Kind != ir.OneToOneOwner {
			continue
		}
		for _, p := range r.Columns {
			if p.Self == column && r.Target >= 0 && r.Target < len(sys.Entities) {
				if t := resolveColumnType(sys, &sys.Entities[r.Target], p.Target, depth+1); t != "" {
					return t
				}
			}
		}
	}
	return ""
}
