package schema

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ChangeKind is the kind of a schema change. The constants are in the order
// in which a migration applies them; Compare returns changes sorted so.
type ChangeKind uint8

const (
	CreateSchema ChangeKind = iota + 1
	CreateExtension
	CreateEnum
	AlterEnum // values differ (Enum: desired, OldEnum: live)
	CreateSequence
	DropTrigger // before columns it may reference change
	DropForeignKey
	DropUnique
	DropIndex
	AlterPrimaryKey // PrimaryKey: desired, OldPrimaryKey: live (either may be empty)
	CreateTable
	AddColumn
	AlterColumnType
	AlterColumnNullability
	AlterColumnDefault // includes serial <-> plain
	AddForeignKey
	AddUnique
	CreateIndex
	CreateTrigger
	DropColumn
	DropTable
	DropSequence
	DropEnum
	DropExtension
	DropSchema
)

var changeKindNames = [...]string{"", "CreateSchema", "CreateExtension", "CreateEnum", "AlterEnum",
	"CreateSequence", "DropTrigger", "DropForeignKey", "DropUnique", "DropIndex", "AlterPrimaryKey",
	"CreateTable", "AddColumn", "AlterColumnType", "AlterColumnNullability", "AlterColumnDefault",
	"AddForeignKey", "AddUnique", "CreateIndex", "CreateTrigger", "DropColumn", "DropTable",
	"DropSequence", "DropEnum", "DropExtension", "DropSchema"}

func (k ChangeKind) String() string {
	if int(k) < len(changeKindNames) {
		return changeKindNames[k]
	}
	return fmt.Sprintf("ChangeKind(%d)", k)
}

// Change is one difference between a desired and a live schema, expressed
// as what must happen to the live database. Which fields are set depends on
// Kind; desired-side values are in the plain fields, live-side ones in the
// Old* fields.
type Change struct {
	Kind ChangeKind
	// Name is the object changed: the schema (Name.Name) for
	// Create/DropSchema, the extension (Name.Name), enum, sequence, or the
	// table for every table-level change.
	Name Name
	// Table is the desired table for CreateTable (and table-level changes),
	// the live table for DropTable.
	Table *Table

	Column    *Column // AddColumn, AlterColumn*: desired
	OldColumn *Column // DropColumn, AlterColumn*: live

	Enum    *Enum // CreateEnum, AlterEnum: desired
	OldEnum *Enum // DropEnum, AlterEnum: live

	PrimaryKey, OldPrimaryKey []string

	ForeignKey *ForeignKey // Add/DropForeignKey
	Unique     *Unique     // Add/DropUnique
	Index      *Index      // Create/DropIndex
	Trigger    *Trigger    // Create/DropTrigger
}

// Destructive reports whether applying the change may lose data: drops of
// schemas, extensions, enums (or enum values), sequences, tables and
// columns, and column type changes.
func (c Change) Destructive() bool {
	switch c.Kind {
	case DropSchema, DropExtension, DropEnum, DropSequence, DropTable, DropColumn, AlterColumnType:
		return true
	case AlterEnum:
		if c.Enum == nil || c.OldEnum == nil {
			return true
		}
		for _, v := range c.OldEnum.Values {
			if !slices.Contains(c.Enum.Values, v) {
				return true
			}
		}
	}
	return false
}

// String describes the change for people.
func (c Change) String() string {
	t := c.Name.String()
	switch c.Kind {
	case CreateSchema:
		return fmt.Sprintf("schema %q is missing", c.Name.Name)
	case DropSchema:
		return fmt.Sprintf("schema %q is not in the model", c.Name.Name)
	case CreateExtension:
		return fmt.Sprintf("extension %q is missing", c.Name.Name)
	case DropExtension:
		return fmt.Sprintf("extension %q is not in the model", c.Name.Name)
	case CreateEnum:
		return fmt.Sprintf("enum %s is missing", t)
	case DropEnum:
		return fmt.Sprintf("enum %s is not in the model", t)
	case AlterEnum:
		return fmt.Sprintf("enum %s has values %v, the model has %v", t, c.OldEnum.Values, c.Enum.Values)
	case CreateSequence:
		return fmt.Sprintf("sequence %s is missing", t)
	case DropSequence:
		return fmt.Sprintf("sequence %s is not in the model", t)
	case CreateTable:
		return fmt.Sprintf("table %s is missing", t)
	case DropTable:
		return fmt.Sprintf("table %s is not in the model", t)
	case AddColumn:
		return fmt.Sprintf("column %s.%s is missing", t, c.Column.Name)
	case DropColumn:
		return fmt.Sprintf("column %s.%s is not in the model", t, c.OldColumn.Name)
	case AlterColumnType:
		return fmt.Sprintf("column %s.%s has type %s, the model has %s", t, c.Column.Name, c.OldColumn.Type, c.Column.Type)
	case AlterColumnNullability:
		return fmt.Sprintf("column %s.%s is %s, the model has it %s", t, c.Column.Name, nullability(c.OldColumn.Nullable), nullability(c.Column.Nullable))
	case AlterColumnDefault:
		return fmt.Sprintf("column %s.%s has default %s, the model has %s", t, c.Column.Name, describeDefault(c.OldColumn), describeDefault(c.Column))
	case AlterPrimaryKey:
		return fmt.Sprintf("table %s has primary key (%s), the model has (%s)", t, strings.Join(c.OldPrimaryKey, ", "), strings.Join(c.PrimaryKey, ", "))
	case AddForeignKey:
		return fmt.Sprintf("foreign key %s on %s is missing: %s", c.ForeignKey.Name, t, describeFK(c.ForeignKey))
	case DropForeignKey:
		return fmt.Sprintf("foreign key %s on %s is not in the model: %s", c.ForeignKey.Name, t, describeFK(c.ForeignKey))
	case AddUnique:
		return fmt.Sprintf("unique constraint %s on %s (%s) is missing", c.Unique.Name, t, strings.Join(c.Unique.Columns, ", "))
	case DropUnique:
		return fmt.Sprintf("unique constraint %s on %s (%s) is not in the model", c.Unique.Name, t, strings.Join(c.Unique.Columns, ", "))
	case CreateIndex:
		return fmt.Sprintf("index %s on %s is missing: %s", c.Index.Name, t, describeIndex(c.Index))
	case DropIndex:
		return fmt.Sprintf("index %s on %s is not in the model: %s", c.Index.Name, t, describeIndex(c.Index))
	case CreateTrigger:
		return fmt.Sprintf("trigger %s on %s is missing: %s", c.Trigger.Name, t, describeTrigger(c.Trigger))
	case DropTrigger:
		return fmt.Sprintf("trigger %s on %s is not in the model: %s", c.Trigger.Name, t, describeTrigger(c.Trigger))
	}
	return c.Kind.String() + " " + t
}

func nullability(nullable bool) string {
	if nullable {
		return "nullable"
	}
	return "NOT NULL"
}

func describeDefault(c *Column) string {
	switch {
	case c.Serial:
		return "serial"
	case c.Default == "":
		return "none"
	}
	return c.Default
}

func describeFK(fk *ForeignKey) string {
	return fmt.Sprintf("(%s) references %s (%s)", strings.Join(fk.Columns, ", "), fk.RefTable, strings.Join(fk.RefColumns, ", "))
}

func describeIndex(ix *Index) string {
	s := ix.Method + " (" + strings.Join(ix.Columns, ", ") + ")"
	if ix.OpClass != "" {
		s += " " + ix.OpClass
	}
	if ix.Unique {
		s = "unique " + s
	}
	if ix.Predicate != "" {
		s += " where " + ix.Predicate
	}
	return s
}

func describeTrigger(tr *Trigger) string {
	var as []string
	for _, a := range tr.Assignments {
		as = append(as, "NEW."+a.Column+" = "+a.Expr)
	}
	body := strings.Join(as, "; ")
	if tr.Assignments == nil && tr.Body != "" {
		body = strings.TrimSpace(tr.Body)
	}
	return fmt.Sprintf("%s calls %s() {%s}", tr.Timing, tr.Function, body)
}

// Compare returns what must change in live to match desired, sorted in
// application order (see ChangeKind). Column order is not significant;
// primary key and index column order are. Unique constraints and foreign
// keys compare their column sets (foreign keys as column pairs). Default
// expressions compare after NormalizeDefault.
func Compare(desired, live *Schema) []Change {
	var out []Change
	add := func(c Change) { out = append(out, c) }

	// schemas and extensions
	for _, n := range missing(desired.Schemas, live.Schemas) {
		add(Change{Kind: CreateSchema, Name: Name{Name: n}})
	}
	for _, n := range missing(live.Schemas, desired.Schemas) {
		add(Change{Kind: DropSchema, Name: Name{Name: n}})
	}
	for _, n := range missing(desired.Extensions, live.Extensions) {
		add(Change{Kind: CreateExtension, Name: Name{Name: n}})
	}
	for _, n := range missing(live.Extensions, desired.Extensions) {
		add(Change{Kind: DropExtension, Name: Name{Name: n}})
	}

	// enums
	liveEnums := map[string]*Enum{}
	for i := range live.Enums {
		liveEnums[live.Enums[i].Name.key()] = &live.Enums[i]
	}
	seen := map[string]bool{}
	for i := range desired.Enums {
		e := &desired.Enums[i]
		seen[e.Name.key()] = true
		l := liveEnums[e.Name.key()]
		switch {
		case l == nil:
			add(Change{Kind: CreateEnum, Name: e.Name, Enum: e})
		case !slices.Equal(e.Values, l.Values):
			add(Change{Kind: AlterEnum, Name: e.Name, Enum: e, OldEnum: l})
		}
	}
	for i := range live.Enums {
		if l := &live.Enums[i]; !seen[l.Name.key()] {
			add(Change{Kind: DropEnum, Name: l.Name, OldEnum: l})
		}
	}

	// sequences
	seqKeys := func(ns []Name) []string {
		var ks []string
		for _, n := range ns {
			ks = append(ks, n.key())
		}
		return ks
	}
	liveSeq := seqKeys(live.Sequences)
	desiredSeq := seqKeys(desired.Sequences)
	for _, n := range desired.Sequences {
		if !slices.Contains(liveSeq, n.key()) {
			add(Change{Kind: CreateSequence, Name: n})
		}
	}
	for _, n := range live.Sequences {
		if !slices.Contains(desiredSeq, n.key()) {
			add(Change{Kind: DropSequence, Name: n})
		}
	}

	// tables
	seen = map[string]bool{}
	for _, t := range desired.Tables {
		seen[t.Name.key()] = true
		l := live.Table(t.Name)
		if l == nil {
			add(Change{Kind: CreateTable, Name: t.Name, Table: t})
			for i := range t.ForeignKeys {
				add(Change{Kind: AddForeignKey, Name: t.Name, Table: t, ForeignKey: &t.ForeignKeys[i]})
			}
			for i := range t.Uniques {
				add(Change{Kind: AddUnique, Name: t.Name, Table: t, Unique: &t.Uniques[i]})
			}
			for i := range t.Indexes {
				add(Change{Kind: CreateIndex, Name: t.Name, Table: t, Index: &t.Indexes[i]})
			}
			for i := range t.Triggers {
				add(Change{Kind: CreateTrigger, Name: t.Name, Table: t, Trigger: &t.Triggers[i]})
			}
			continue
		}
		out = append(out, compareTable(t, l)...)
	}
	for _, l := range live.Tables {
		if !seen[l.Name.key()] {
			add(Change{Kind: DropTable, Name: l.Name, Table: l})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// missing returns the elements of a not in b, in a's order.
func missing(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func compareTable(d, l *Table) []Change {
	var out []Change
	base := Change{Name: d.Name, Table: d}
	with := func(k ChangeKind, f func(*Change)) {
		c := base
		c.Kind = k
		f(&c)
		out = append(out, c)
	}
	for i := range d.Columns {
		dc := &d.Columns[i]
		lc := l.Column(dc.Name)
		if lc == nil {
			with(AddColumn, func(c *Change) { c.Column = dc })
			continue
		}
		if dc.Type != lc.Type {
			with(AlterColumnType, func(c *Change) { c.Column, c.OldColumn = dc, lc })
		}
		if dc.Nullable != lc.Nullable {
			with(AlterColumnNullability, func(c *Change) { c.Column, c.OldColumn = dc, lc })
		}
		if !sameDefault(dc, lc) {
			with(AlterColumnDefault, func(c *Change) { c.Column, c.OldColumn = dc, lc })
		}
	}
	for i := range l.Columns {
		lc := &l.Columns[i]
		if d.Column(lc.Name) == nil {
			with(DropColumn, func(c *Change) { c.OldColumn = lc })
		}
	}
	if !slices.Equal(d.PrimaryKey, l.PrimaryKey) {
		with(AlterPrimaryKey, func(c *Change) { c.PrimaryKey, c.OldPrimaryKey = d.PrimaryKey, l.PrimaryKey })
	}

	// foreign keys by name
	for i := range d.ForeignKeys {
		dfk := &d.ForeignKeys[i]
		lfk := findFK(l.ForeignKeys, dfk.Name)
		if lfk != nil && sameFK(dfk, lfk) {
			continue
		}
		if lfk != nil {
			with(DropForeignKey, func(c *Change) { c.ForeignKey = lfk })
		}
		with(AddForeignKey, func(c *Change) { c.ForeignKey = dfk })
	}
	for i := range l.ForeignKeys {
		if findFK(d.ForeignKeys, l.ForeignKeys[i].Name) == nil {
			with(DropForeignKey, func(c *Change) { c.ForeignKey = &l.ForeignKeys[i] })
		}
	}

	// unique constraints by name
	for i := range d.Uniques {
		du := &d.Uniques[i]
		lu := findUnique(l.Uniques, du.Name)
		if lu != nil && sameSet(du.Columns, lu.Columns) {
			continue
		}
		if lu != nil {
			with(DropUnique, func(c *Change) { c.Unique = lu })
		}
		with(AddUnique, func(c *Change) { c.Unique = du })
	}
	for i := range l.Uniques {
		if findUnique(d.Uniques, l.Uniques[i].Name) == nil {
			with(DropUnique, func(c *Change) { c.Unique = &l.Uniques[i] })
		}
	}

	// indexes by name
	for i := range d.Indexes {
		di := &d.Indexes[i]
		li := findIndex(l.Indexes, di.Name)
		if li != nil && sameIndex(di, li) {
			continue
		}
		if li != nil {
			with(DropIndex, func(c *Change) { c.Index = li })
		}
		with(CreateIndex, func(c *Change) { c.Index = di })
	}
	for i := range l.Indexes {
		if findIndex(d.Indexes, l.Indexes[i].Name) == nil {
			with(DropIndex, func(c *Change) { c.Index = &l.Indexes[i] })
		}
	}

	// triggers by name
	for i := range d.Triggers {
		dt := &d.Triggers[i]
		lt := findTrigger(l.Triggers, dt.Name)
		if lt != nil && sameTrigger(dt, lt) {
			continue
		}
		if lt != nil {
			with(DropTrigger, func(c *Change) { c.Trigger = lt })
		}
		with(CreateTrigger, func(c *Change) { c.Trigger = dt })
	}
	for i := range l.Triggers {
		if findTrigger(d.Triggers, l.Triggers[i].Name) == nil {
			with(DropTrigger, func(c *Change) { c.Trigger = &l.Triggers[i] })
		}
	}
	return out
}

func sameDefault(a, b *Column) bool {
	if a.Serial || b.Serial {
		return a.Serial == b.Serial
	}
	return SameDefault(a.Default, b.Default, a.Type)
}

func findFK(fks []ForeignKey, name string) *ForeignKey {
	for i := range fks {
		if fks[i].Name == name {
			return &fks[i]
		}
	}
	return nil
}

func sameFK(a, b *ForeignKey) bool {
	if a.RefTable.key() != b.RefTable.key() || len(a.Columns) != len(b.Columns) || len(a.RefColumns) != len(b.RefColumns) {
		return false
	}
	pairs := func(fk *ForeignKey) []string {
		var ps []string
		for i, c := range fk.Columns {
			r := ""
			if i < len(fk.RefColumns) {
				r = fk.RefColumns[i]
			}
			ps = append(ps, c+"\x00"+r)
		}
		sort.Strings(ps)
		return ps
	}
	return slices.Equal(pairs(a), pairs(b))
}

func findUnique(us []Unique, name string) *Unique {
	for i := range us {
		if us[i].Name == name {
			return &us[i]
		}
	}
	return nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func findIndex(ix []Index, name string) *Index {
	for i := range ix {
		if ix[i].Name == name {
			return &ix[i]
		}
	}
	return nil
}

func sameIndex(a, b *Index) bool {
	method := func(m string) string {
		if m == "" {
			return "btree"
		}
		return m
	}
	return slices.Equal(a.Columns, b.Columns) && method(a.Method) == method(b.Method) &&
		a.OpClass == b.OpClass && a.Unique == b.Unique && a.Predicate == b.Predicate
}

func findTrigger(ts []Trigger, name string) *Trigger {
	for i := range ts {
		if ts[i].Name == name {
			return &ts[i]
		}
	}
	return nil
}

func sameTrigger(a, b *Trigger) bool {
	if a.Function.key() != b.Function.key() || !strings.EqualFold(a.Timing, b.Timing) {
		return false
	}
	if a.Assignments == nil || b.Assignments == nil {
		// an unparsed body: compare the text
		return a.Assignments == nil && b.Assignments == nil &&
			strings.Join(strings.Fields(a.Body), " ") == strings.Join(strings.Fields(b.Body), " ")
	}
	if len(a.Assignments) != len(b.Assignments) {
		return false
	}
	for i := range a.Assignments {
		if a.Assignments[i].Column != b.Assignments[i].Column ||
			NormalizeDefault(a.Assignments[i].Expr) != NormalizeDefault(b.Assignments[i].Expr) {
			return false
		}
	}
	return true
}
