// Package lower turns a checked [check.Model] into the [ir.System] that the
// server and the schema tools read. It adds everything derived by naming
// rules: plurals, table, column, constraint and index names, GraphQL
// operation and input type names, column types and database defaults, and
// the column pairs of every relation. Checking has already rejected
// invalid programs; lower reports only problems that need the derived
// names (for example a relation to a type without a primary key).
package lower

import (
	"path"
	"sort"
	"strings"

	"github.com/exo-dev/exo/compiler/check"
	"github.com/exo-dev/exo/compiler/naming"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

type lowerer struct {
	m     *check.Model
	sys   *ir.System
	diags diag.List
	// keyCols memoizes the primary key columns (name and type) of entities.
	keyCols  map[*check.Type][]col
	visiting map[*check.Type]bool
	ext      map[string]bool
	seqs     map[ir.QualifiedName]bool
}

type col struct{ name, dbType string }

// Lower lowers a checked model.
func Lower(m *check.Model) (*ir.System, diag.List) {
	l := &lowerer{m: m, sys: &ir.System{Doc: m.Doc}, keyCols: map[*check.Type][]col{},
		visiting: map[*check.Type]bool{}, ext: map[string]bool{}, seqs: map[ir.QualifiedName]bool{}}
	for _, c := range m.Contexts {
		l.sys.Contexts = append(l.sys.Contexts, ir.Context{Name: c.Name, Doc: c.Doc, Fields: c.Fields})
	}
	for _, e := range m.Enums {
		l.sys.Enums = append(l.sys.Enums, ir.Enum{Name: e.Name, Doc: e.Doc, Values: e.Values,
			DBName: ir.QualifiedName{Schema: publicAsEmpty(e.Schema), Name: naming.EnumDBName(e.Name)}})
	}
	l.sys.Entities = make([]ir.Entity, len(m.Entities))
	for i, t := range m.Entities {
		l.sys.Entities[i] = l.entityShell(t)
	}
	for i, t := range m.Entities {
		l.fields(&l.sys.Entities[i], t)
	}
	for _, mod := range m.Modules {
		l.sys.Modules = append(l.sys.Modules, ir.Module{Kind: mod.Kind, Name: mod.Name, Doc: mod.Doc,
			Path: mod.Path, SourcePath: path.Join(mod.Dir, mod.Path), Types: mod.Types,
			Queries: mod.Queries, Mutations: mod.Mutations})
	}
	l.sys.Interceptors = m.Interceptors
	for e := range l.ext {
		l.sys.Extensions = append(l.sys.Extensions, e)
	}
	sort.Strings(l.sys.Extensions)
	l.sys.Index()
	return l.sys, l.diags
}

func publicAsEmpty(s string) string {
	if s == "public" {
		return ""
	}
	return s
}

func plural(t *check.Type) string {
	if t.Plural != "" {
		return t.Plural
	}
	return naming.Plural(t.Name)
}

func tableOf(t *check.Type) ir.QualifiedName {
	name := t.TableName
	if name == "" {
		name = naming.TableName(plural(t))
	}
	return ir.QualifiedName{Schema: publicAsEmpty(t.Schema), Name: name}
}

func (l *lowerer) entityShell(t *check.Type) ir.Entity {
	e := ir.Entity{Kind: ir.EntityTable, Name: t.Name, Plural: plural(t), Doc: t.Doc, Module: t.Module,
		Managed: t.Managed, Access: t.Access, Projections: t.Projections}
	if t.JSON {
		e.Kind = ir.EntityJSON
		e.Managed = false
		tr := &ir.Expr{Kind: ir.ExprLiteral, Lit: &ir.Literal{Kind: ir.LitBool, Bool: true},
			Type: ir.TypeRef{Kind: ir.KindScalar, Scalar: ir.Boolean, Name: "Boolean"}}
		e.Access = ir.Access{Query: tr, Create: tr, Update: tr, Delete: tr}
	} else {
		e.Table = tableOf(t)
	}
	ops := naming.OpsFor(t.Name, e.Plural)
	e.Names = ir.Names{PKQuery: ops.PKQuery, Collection: ops.Collection, Aggregate: ops.Aggregate,
		Create: ops.Create, CreateMany: ops.CreateMany, Update: ops.Update, UpdateMany: ops.UpdateMany,
		Delete: ops.Delete, DeleteMany: ops.DeleteMany, Filter: ops.Filter, Ordering: ops.Ordering,
		AggType: ops.AggType, CreationInput: ops.CreationInput, UpdateInput: ops.UpdateInput,
		ReferenceInput: ops.ReferenceInput}
	return e
}

func hintsOf(f *check.Field) TypeHints {
	h := f.Hints
	th := TypeHints{DBType: h.DBType, MaxLength: h.MaxLength, Bits: h.Bits, Range: h.Range,
		Single: h.Single, Double: h.Double, Precision: h.Precision, Scale: h.Scale, HasScale: h.HasScale,
		Size: h.Size}
	if f.Default != nil && f.Default.Kind == ir.DefaultAutoIncrement && f.Default.Sequence == nil {
		th.AutoIncrement = true
	}
	return th
}

// scalarColumnType is the column type of a non-relation field.
func (l *lowerer) scalarColumnType(f *check.Field) string {
	return l.valueType(f.Type, hintsOf(f))
}

func (l *lowerer) valueType(t ir.TypeRef, h TypeHints) string {
	switch t.Kind {
	case ir.KindScalar:
		if t.Scalar == ir.Vector {
			l.ext["vector"] = true
		}
		return ScalarDBType(t.Scalar, h)
	case ir.KindEnum:
		return EnumDBType(l.sys.Enums[t.Index].DBName)
	case ir.KindArray:
		if t.Elem != nil {
			h.AutoIncrement = false
			return l.valueType(*t.Elem, h) + "[]"
		}
	case ir.KindEntity:
		return "JSONB"
	}
	return "TEXT"
}

func columnOf(f *check.Field) string {
	if f.Column != "" {
		return f.Column
	}
	return naming.ColumnName(f.Name)
}

// pkColumns returns the primary key columns of t, resolving @pk relations
// to their foreign key columns.
func (l *lowerer) pkColumns(t *check.Type) []col {
	if cs, ok := l.keyCols[t]; ok {
		return cs
	}
	if l.visiting[t] {
		return nil
	}
	l.visiting[t] = true
	var cs []col
	for _, f := range t.PKFields() {
		if f.Rel != nil {
			cs = append(cs, l.fkColumns(f)...)
			continue
		}
		cs = append(cs, col{columnOf(f), ReferenceDBType(l.scalarColumnType(f))})
	}
	delete(l.visiting, t)
	l.keyCols[t] = cs
	return cs
}

// fkColumns returns the foreign key columns of an owning relation field
// (this table's columns), typed like the referenced key columns.
func (l *lowerer) fkColumns(f *check.Field) []col {
	target := l.pkColumns(f.Rel.Target)
	pks := f.Rel.Target.PKFields()
	if len(target) == 1 {
		name := f.Column
		if name == "" {
			name = naming.FKColumnName(f.Name)
		}
		return []col{{name, target[0].dbType}}
	}
	out := make([]col, len(target))
	for i, tc := range target {
		name := naming.CompositeFKColumnName(f.Name, tc.name)
		// A mapping is keyed by the target's primary key field name.
		if len(pks) == len(target) {
			if m, ok := f.Mapping[pks[i].Name]; ok {
				name = m
			}
		}
		out[i] = col{name, tc.dbType}
	}
	return out
}

func owning(k ir.RelationKind) bool { return k == ir.ManyToOne || k == ir.OneToOneOwner }

func (l *lowerer) fields(e *ir.Entity, t *check.Type) {
	for _, f := range t.Fields {
		fld := ir.Field{Name: f.Name, Doc: f.Doc, Type: f.Type, Optional: f.Optional, PK: f.PK,
			ReadOnly: f.ReadOnly, UpdateSync: f.Update, Access: f.Access, Range: f.Hints.Range}
		switch {
		case f.Rel != nil:
			fld.Kind = ir.FieldRelation
			fld.Relation = l.relation(e, t, f)
			if fld.Relation != nil && len(fld.Relation.Columns) == 1 && owning(fld.Relation.Kind) {
				fld.Column = fld.Relation.Columns[0].Self
				fld.DBType = fld.Relation.Columns[0].DBType
			}
		case f.Type.Kind == ir.KindEntity:
			fld.Kind = ir.FieldJSON
			fld.Column = columnOf(f)
			fld.DBType = "JSONB"
		default:
			fld.Kind = ir.FieldScalar
			fld.Column = columnOf(f)
			fld.DBType = l.scalarColumnType(f)
			base := f.Type
			if base.Kind == ir.KindArray && base.Elem != nil {
				base = *base.Elem
			}
			if base.Kind == ir.KindScalar {
				switch base.Scalar {
				case ir.Int:
					fld.Bits = IntBits(hintsOf(f))
				case ir.Vector:
					fld.VectorSize = f.Hints.Size
					if fld.VectorSize == 0 {
						fld.VectorSize = DefaultVectorSize
					}
					fld.VectorDistance = f.Hints.Distance
					if fld.VectorDistance == "" {
						fld.VectorDistance = "cosine"
					}
				}
			}
		}
		if f.Default != nil {
			d := *f.Default
			fld.Default = &d
			l.dbDefault(&fld, &d)
		}
		if f.PK {
			e.PK = append(e.PK, f.Index)
		}
		if f.Update {
			e.UpdateFields = append(e.UpdateFields, f.Index)
		}
		e.Fields = append(e.Fields, fld)
	}
	l.constraints(e, t)
}

func (l *lowerer) relation(e *ir.Entity, t *check.Type, f *check.Field) *ir.Relation {
	rel := &ir.Relation{Kind: f.Rel.Kind, Target: f.Rel.Target.Index, Name: f.Rel.Target.Name, Inverse: -1}
	if f.Rel.Inverse != nil {
		rel.Inverse = f.Rel.Inverse.Index
	}
	if rel.Kind == 0 {
		return rel // reported by check
	}
	if len(f.Rel.Target.PKFields()) == 0 && owning(rel.Kind) {
		l.diags.Errorf(diag.Span{}, "lower/relation-no-pk", "Type %s has no primary key, so field %s.%s cannot refer to it",
			f.Rel.Target.Name, t.Name, f.Name)
		return rel
	}
	if owning(rel.Kind) {
		fk := l.fkColumns(f)
		tk := l.pkColumns(f.Rel.Target)
		for i := range fk {
			cp := ir.ColumnPair{Self: fk[i].name, DBType: fk[i].dbType}
			if i < len(tk) {
				cp.Target = tk[i].name
			}
			rel.Columns = append(rel.Columns, cp)
		}
		rel.FKName = naming.FKName(e.Table.Schema, e.Table.Name, f.Name)
		return rel
	}
	inv := f.Rel.Inverse
	if inv == nil {
		return rel
	}
	fk := l.fkColumns(inv)
	pk := l.pkColumns(t)
	for i := range fk {
		cp := ir.ColumnPair{Target: fk[i].name}
		if i < len(pk) {
			cp.Self = pk[i].name
			cp.DBType = pk[i].dbType
		}
		rel.Columns = append(rel.Columns, cp)
	}
	return rel
}

// dbDefault fills the database default of a field and records the
// sequences and extensions it needs.
func (l *lowerer) dbDefault(f *ir.Field, d *ir.Default) {
	switch d.Kind {
	case ir.DefaultAutoIncrement:
		f.AutoIncrement = true
		if d.Sequence != nil {
			q := *d.Sequence
			if !l.seqs[q] {
				l.seqs[q] = true
				l.sys.Sequences = append(l.sys.Sequences, q)
			}
			name := q.Name
			if q.Schema != "" {
				name = q.Schema + "." + q.Name
			}
			d.DBDefault = "nextval('" + name + "')"
		}
	case ir.DefaultNow:
		d.DBDefault = "now()"
	case ir.DefaultGenerateUUID:
		d.DBDefault = "gen_random_uuid()"
	case ir.DefaultUUIDv4:
		d.DBDefault = "uuid_generate_v4()"
		l.ext["uuid-ossp"] = true
	case ir.DefaultUUIDv7:
		d.DBDefault = "uuidv7()"
	case ir.DefaultLiteral:
		d.DBDefault = literalDefault(d.Literal, f.DBType, f.Type)
	}
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// literalDefault spells a literal default the way PostgreSQL reports it.
func literalDefault(lit *ir.Literal, dbType string, t ir.TypeRef) string {
	if lit == nil {
		return ""
	}
	switch lit.Kind {
	case ir.LitNull:
		return "NULL"
	case ir.LitBool:
		if lit.Bool {
			return "true"
		}
		return "false"
	case ir.LitInt, ir.LitFloat:
		return lit.Str
	case ir.LitEnum:
		return quote(lit.Str)
	case ir.LitString:
		if t.Kind == ir.KindEnum {
			return quote(lit.Str)
		}
		return quote(lit.Str) + "::" + castName(dbType)
	}
	return ""
}

// castName is PostgreSQL's canonical name of a column type in a cast.
func castName(dbType string) string {
	u := strings.ToUpper(dbType)
	switch {
	case u == "TEXT":
		return "text"
	case strings.HasPrefix(u, "VARCHAR"):
		return "character varying"
	case strings.HasPrefix(u, "NUMERIC"):
		return "numeric"
	case u == "UUID":
		return "uuid"
	case u == "DATE":
		return "date"
	case strings.HasPrefix(u, "TIMESTAMP") && strings.HasSuffix(u, "WITH TIME ZONE"):
		return "timestamp with time zone"
	case strings.HasPrefix(u, "TIMESTAMP"):
		return "timestamp without time zone"
	case strings.HasPrefix(u, "TIME"):
		return "time without time zone"
	case u == "JSONB":
		return "jsonb"
	case u == "BYTEA":
		return "bytea"
	}
	return strings.ToLower(dbType)
}

var opClasses = map[string]string{"cosine": "vector_cosine_ops", "l2": "vector_l2_ops", "ip": "vector_ip_ops"}

// constraints builds the unique constraints and indexes of an entity.
func (l *lowerer) constraints(e *ir.Entity, t *check.Type) {
	if t.JSON {
		return
	}
	uniq := map[string]int{}
	for _, f := range t.Fields {
		for _, n := range f.Unique {
			name := n
			if name == "" {
				name = f.Name
			}
			i, ok := uniq[name]
			if !ok {
				i = len(e.Uniques)
				uniq[name] = i
				e.Uniques = append(e.Uniques, ir.Unique{Name: name, DBName: naming.UniqueName(t.Name, name),
					Query: naming.UniqueQuery(t.Name, name)})
			}
			e.Uniques[i].Fields = append(e.Uniques[i].Fields, f.Index)
		}
		// Exograph treats the owning side of a one-to-one relation as an implicit
		// unique constraint (a DB constraint and a <type>By<Field> query).
		if rel := e.Fields[f.Index].Relation; rel != nil && rel.Kind == ir.OneToOneOwner && len(f.Unique) == 0 {
			if _, ok := uniq[f.Name]; !ok {
				uniq[f.Name] = len(e.Uniques)
				e.Uniques = append(e.Uniques, ir.Unique{Name: f.Name, DBName: naming.UniqueName(t.Name, f.Name),
					Query: naming.UniqueQuery(t.Name, f.Name), Fields: []int{f.Index}})
			}
		}
	}
	idx := map[string]int{}
	for _, f := range t.Fields {
		cols := l.fieldColumns(e, f)
		for _, n := range f.Indexes {
			name := n
			if name == "" {
				name = naming.IndexName(t.Name, f.Name)
			}
			i, ok := idx[name]
			if !ok {
				i = len(e.Indexes)
				idx[name] = i
				e.Indexes = append(e.Indexes, ir.Index{DBName: name})
			}
			ix := &e.Indexes[i]
			ix.Columns = append(ix.Columns, cols...)
			if f.Type.Kind == ir.KindScalar && f.Type.Scalar == ir.Vector {
				ix.Kind = ir.IndexHNSW
				ix.OpClass = opClasses[e.Fields[f.Index].VectorDistance]
			}
		}
	}
}

// fieldColumns returns the columns of a field in its own table.
func (l *lowerer) fieldColumns(e *ir.Entity, f *check.Field) []string {
	fld := &e.Fields[f.Index]
	if fld.Kind != ir.FieldRelation {
		return []string{fld.Column}
	}
	if fld.Relation == nil || !owning(fld.Relation.Kind) {
		return nil
	}
	var out []string
	for _, c := range fld.Relation.Columns {
		out = append(out, c.Self)
	}
	return out
}
