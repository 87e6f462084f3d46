package migrate

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/exo-dev/exo/compiler/naming"
	"github.com/exo-dev/exo/schema"
)

// View is a database view (or materialized view), imported as an unmanaged
// type.
type View struct {
	Name    schema.Name
	Columns []schema.Column
}

// InspectViews lists the views inside the scope with their columns.
func InspectViews(ctx context.Context, q schema.Querier, sc Scope) ([]View, error) {
	rows, err := q.Query(ctx, `
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('v', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = c.oid AND dep.deptype = 'e')
ORDER BY n.nspname, c.relname, a.attnum`)
	if err != nil {
		return nil, fmt.Errorf("inspect views: %w", err)
	}
	defer rows.Close()
	var out []View
	for rows.Next() {
		var ns, rel, col, typ string
		var notNull bool
		if err := rows.Scan(&ns, &rel, &col, &typ, &notNull); err != nil {
			return nil, fmt.Errorf("inspect views: %w", err)
		}
		if ns == "public" {
			ns = ""
		}
		n := schema.Name{Schema: ns, Name: rel}
		if !sc.MatchesTable(n) {
			continue
		}
		if len(out) == 0 || key(out[len(out)-1].Name) != key(n) {
			out = append(out, View{Name: n})
		}
		v := &out[len(out)-1]
		v.Columns = append(v.Columns, schema.Column{Name: col, Type: typ, Nullable: !notNull})
	}
	return out, rows.Err()
}

// ImportOptions control Import.
type ImportOptions struct {
	// QueryAccess and MutationAccess are the access rules of every type
	// (Exograph's default: false for both).
	QueryAccess, MutationAccess bool
	// Fragments generates fragments instead of types, for a database exo
	// does not manage: a fragment <Type>Fragment per table and view with its
	// columns and many-to-one relations (the inverse sides, which have no
	// column, are left to the types), enums as in a model, and no access
	// rules. Relation fields refer to the types named <Type>.
	Fragments bool
}

// Import writes an .exo model for a database: one @postgres module per
// schema, a type per table (columns, types, primary keys, defaults,
// relations in both directions, unique constraints, indexes, @update
// triggers), enums, and views as unmanaged types. Access is set from opts
// with a comment asking to review it. Things the language cannot express
// (foreign keys or uniques with non-default names, partial indexes ...) are
// noted in comments.
func Import(s *schema.Schema, views []View, opts ImportOptions) string {
	im := newImporter(s, views)
	return im.render(opts)
}

type importer struct {
	s        *schema.Schema
	views    []View
	typeName map[string]string // table or view key -> type name
	enumName map[string]string // canonical enum type -> enum name
	fields   map[string][]*ifield
}

type ifield struct {
	name, typ   string
	annotations []string
	def         string
	comment     string
	inverse     bool // the column-less side of a relation
}

func newImporter(s *schema.Schema, views []View) *importer {
	im := &importer{s: s, views: views, typeName: map[string]string{}, enumName: map[string]string{}, fields: map[string][]*ifield{}}
	used := map[string]bool{}
	unique := func(base string, n schema.Name) string {
		name := base
		if used[name] && !n.IsPublic() {
			name = naming.UpperCamel(n.Schema) + base
		}
		for i := 2; used[name]; i++ {
			name = base + strconv.Itoa(i)
		}
		used[name] = true
		return name
	}
	for _, e := range s.Enums {
		t, _ := schema.CanonicalType(e.Name.SQL())
		im.enumName[t] = unique(identUpper(e.Name.Name), e.Name)
	}
	for _, t := range s.Tables {
		im.typeName[key(t.Name)] = unique(singularType(t.Name.Name), t.Name)
	}
	for _, v := range views {
		im.typeName[key(v.Name)] = unique(singularType(v.Name.Name), v.Name)
	}
	return im
}

var reIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func identUpper(s string) string {
	u := naming.UpperCamel(s)
	if !reIdent.MatchString(u) || u == "" {
		u = "T" + strings.Map(func(r rune) rune {
			if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return r
			}
			return '_'
		}, s)
	}
	return u
}

func identLower(s string) string {
	l := naming.LowerCamel(s)
	if !reIdent.MatchString(l) || l == "" {
		l = "f" + identUpper(s)
	}
	return l
}

// singularType guesses the type name of a table: the candidate whose
// default table name (snake_case of its plural) is the table.
func singularType(table string) string {
	var cands []string
	switch {
	case strings.HasSuffix(table, "ies"):
		cands = append(cands, strings.TrimSuffix(table, "ies")+"y")
	case strings.HasSuffix(table, "people"):
		cands = append(cands, strings.TrimSuffix(table, "people")+"person")
	}
	if strings.HasSuffix(table, "es") {
		cands = append(cands, strings.TrimSuffix(table, "es"))
	}
	if strings.HasSuffix(table, "s") {
		cands = append(cands, strings.TrimSuffix(table, "s"))
	}
	for _, c := range cands {
		u := identUpper(c)
		if naming.TableName(naming.Plural(u)) == table {
			return u
		}
	}
	if len(cands) > 0 {
		return identUpper(cands[len(cands)-1])
	}
	return identUpper(table)
}

// scalarOf maps a canonical column type to an exo type and its hints.
func (im *importer) scalarOf(c schema.Column) (typ string, hints []string, note string) {
	t := c.Type
	if strings.HasSuffix(t, "[]") {
		inner, h, n := im.scalarOf(schema.Column{Type: strings.TrimSuffix(t, "[]")})
		return "Array<" + inner + ">", h, n
	}
	if e, ok := im.enumName[t]; ok {
		return e, nil, ""
	}
	switch t {
	case "integer":
		return "Int", nil, ""
	case "smallint":
		return "Int", []string{"@bits16"}, ""
	case "bigint":
		return "Int", []string{"@bits64"}, ""
	case "real":
		return "Float", nil, ""
	case "double precision":
		return "Float", []string{"@doublePrecision"}, ""
	case "numeric":
		return "Decimal", nil, ""
	case "text":
		return "String", nil, ""
	case "boolean":
		return "Boolean", nil, ""
	case "uuid":
		return "Uuid", nil, ""
	case "date":
		return "LocalDate", nil, ""
	case "time without time zone":
		return "LocalTime", nil, ""
	case "timestamp without time zone":
		return "LocalDateTime", nil, ""
	case "timestamp with time zone":
		return "Instant", nil, ""
	case "jsonb":
		return "Json", nil, ""
	case "bytea":
		return "Blob", nil, ""
	}
	if n, ok := typeLen(t, "character varying("); ok {
		return "String", []string{"@maxLength(" + strconv.Itoa(n) + ")"}, ""
	}
	if p, s, ok := numericArgs(t); ok {
		return "Decimal", []string{"@precision(" + strconv.Itoa(p) + ")", "@scale(" + strconv.Itoa(s) + ")"}, ""
	}
	if n, ok := typeLen(t, "vector("); ok {
		return "Vector", []string{"@size(" + strconv.Itoa(n) + ")"}, ""
	}
	for _, p := range []struct{ prefix, scalar string }{
		{"timestamp(", "LocalDateTime"}, {"time(", "LocalTime"},
	} {
		if strings.HasPrefix(t, p.prefix) {
			num := strings.TrimPrefix(t, p.prefix)
			i := strings.IndexByte(num, ')')
			if i < 0 {
				break
			}
			scalar := p.scalar
			if strings.HasSuffix(t, "with time zone") {
				if p.scalar != "LocalDateTime" {
					break
				}
				scalar = "Instant"
			}
			return scalar, []string{"@precision(" + num[:i] + ")"}, ""
		}
	}
	// json, character(n), varchar without length, other types: keep the
	// database type.
	switch {
	case t == "json":
		return "Json", []string{`@dbtype("JSON")`}, ""
	case strings.HasPrefix(t, "character"):
		return "String", []string{"@dbtype(" + strconv.Quote(strings.ToUpper(t)) + ")"}, ""
	}
	return "String", []string{"@dbtype(" + strconv.Quote(t) + ")"}, "type " + t + " is not an exo scalar; check this field"
}

var (
	reNextval = regexp.MustCompile(`^nextval\('(.*)'(?:::regclass)?\)$`)
	reNumLit  = regexp.MustCompile(`^-?\d+(\.\d+)?$`)
)

// defaultOf converts a column default into an exo default ("" when none or
// not expressible; then note says why).
func (im *importer) defaultOf(c schema.Column, typ string) (def, note string) {
	if c.Serial {
		return "autoIncrement()", ""
	}
	if c.Default == "" {
		return "", ""
	}
	n := schema.NormalizeDefault(c.Default)
	switch n {
	case "now()", "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime":
		return "now()", ""
	case "gen_random_uuid()":
		return "generate_uuid()", ""
	case "uuid_generate_v4()":
		return "uuidGenerateV4()", ""
	case "uuidv7()":
		return "uuidGenerateV7()", ""
	case "true", "false":
		return n, ""
	}
	if m := reNextval.FindStringSubmatch(n); m != nil {
		return "autoIncrement(" + strconv.Quote(m[1]) + ")", ""
	}
	if reNumLit.MatchString(n) {
		return n, ""
	}
	if len(n) >= 2 && n[0] == '\'' && n[len(n)-1] == '\'' {
		v := strings.ReplaceAll(n[1:len(n)-1], "''", "'")
		if _, isEnum := im.enumName[c.Type]; isEnum {
			return v, ""
		}
		switch typ {
		case "String", "LocalDate", "LocalTime", "LocalDateTime", "Instant", "Uuid", "Json", "Decimal":
			return strconv.Quote(v), ""
		case "Int", "Float":
			if reNumLit.MatchString(v) {
				return v, ""
			}
		}
	}
	return "", "the database default " + c.Default + " is not expressible in exo"
}

func (im *importer) render(opts ImportOptions) string {
	// group tables, views and enums by schema
	schemas := map[string]bool{"": true}
	for _, t := range im.s.Tables {
		schemas[t.Name.Schema] = true
	}
	for _, v := range im.views {
		schemas[v.Name.Schema] = true
	}
	for _, e := range im.s.Enums {
		schemas[e.Name.Schema] = true
	}
	var order []string
	for n := range schemas {
		order = append(order, n)
	}
	sort.Strings(order)
	im.buildFields()

	var b strings.Builder
	if opts.Fragments {
		b.WriteString(fragmentsHeader + "\n")
	}
	access := fmt.Sprintf("@access(query=%t, mutation=%t)", opts.QueryAccess, opts.MutationAccess)
	if opts.QueryAccess == opts.MutationAccess {
		access = fmt.Sprintf("@access(%t)", opts.QueryAccess)
	}
	first := true
	for _, sn := range order {
		var body strings.Builder
		for _, e := range im.s.Enums {
			if e.Name.Schema != sn {
				continue
			}
			t, _ := schema.CanonicalType(e.Name.SQL())
			name := im.enumName[t]
			if naming.EnumDBName(name) != e.Name.Name {
				fmt.Fprintf(&body, "  // the database enum is %q; exo will name it %q\n", e.Name.Name, naming.EnumDBName(name))
			}
			fmt.Fprintf(&body, "  enum %s {\n", name)
			for _, v := range e.Values {
				fmt.Fprintf(&body, "    %s\n", v)
			}
			body.WriteString("  }\n\n")
		}
		for _, t := range im.s.Tables {
			if t.Name.Schema == sn {
				im.writeType(&body, t.Name, nil, access, opts.Fragments)
			}
		}
		for i := range im.views {
			if v := &im.views[i]; v.Name.Schema == sn {
				im.writeType(&body, v.Name, v, access, opts.Fragments)
			}
		}
		if body.Len() == 0 {
			continue
		}
		if !first {
			b.WriteString("\n")
		}
		first = false
		if sn == "" {
			b.WriteString("@postgres\nmodule Database {\n")
		} else {
			fmt.Fprintf(&b, "@postgres(schema=%s)\nmodule %sDatabase {\n", strconv.Quote(sn), identUpper(sn))
		}
		b.WriteString(strings.TrimSuffix(body.String(), "\n"))
		b.WriteString("}\n")
	}
	return b.String()
}

// fragmentsHeader starts the output of Import with Fragments.
const fragmentsHeader = `// Fragments of the database tables, generated by exo schema import --fragments.
// Splice each <Name>Fragment into a type <Name> of your model (...<Name>Fragment),
// for example in a @postgres(managed=false) module so that exo does not manage
// the database, and give the types their access rules. Relation fields refer
// to those types; add the other sides of relations (Set<...>) as needed.
`

func (im *importer) writeType(b *strings.Builder, n schema.Name, view *View, access string, fragment bool) {
	name := im.typeName[key(n)]
	if fragment {
		var notes []string
		if naming.TableName(naming.Plural(name)) != n.Name {
			notes = append(notes, fmt.Sprintf("@table(name=%q)", n.Name))
		}
		if view != nil || (im.s.Table(n) != nil && len(im.s.Table(n).PrimaryKey) == 0) {
			notes = append(notes, "@table(managed=false) (a view or a table without primary key)")
		}
		if len(notes) > 0 {
			fmt.Fprintf(b, "  // for %s: the type needs %s\n", n, strings.Join(notes, " and "))
		}
		fmt.Fprintf(b, "  fragment %sFragment {\n", name)
	} else {
		if view != nil {
			fmt.Fprintf(b, "  // the view %s: read-only, not managed by exo\n", n)
		}
		fmt.Fprintf(b, "  %s // review the access rules: imported types default to no access\n", access)
		var args []string
		if naming.TableName(naming.Plural(name)) != n.Name {
			args = append(args, "name="+strconv.Quote(n.Name))
		}
		if view != nil || (im.s.Table(n) != nil && len(im.s.Table(n).PrimaryKey) == 0) {
			args = append(args, "managed=false")
			if view == nil {
				fmt.Fprintf(b, "  // the table %s has no primary key: exo cannot manage it\n", n)
			}
		}
		if len(args) > 0 {
			fmt.Fprintf(b, "  @table(%s)\n", strings.Join(args, ", "))
		}
		fmt.Fprintf(b, "  type %s {\n", name)
	}
	for _, f := range im.fields[key(n)] {
		if fragment && f.inverse {
			continue
		}
		if f.comment != "" {
			fmt.Fprintf(b, "    // %s\n", f.comment)
		}
		b.WriteString("    ")
		for _, a := range f.annotations {
			b.WriteString(a)
			b.WriteByte(' ')
		}
		b.WriteString(f.name)
		b.WriteString(": ")
		b.WriteString(f.typ)
		if f.def != "" {
			b.WriteString(" = ")
			b.WriteString(f.def)
		}
		b.WriteByte('\n')
	}
	b.WriteString("  }\n\n")
}

// buildFields computes the fields of every type, relations included.
func (im *importer) buildFields() {
	type inverse struct {
		target string // key of the referenced table
		from   *schema.Table
		field  string // the relation field name on from
		unique bool
	}
	var inverses []inverse
	for _, t := range im.s.Tables {
		tk := key(t.Name)
		typeName := im.typeName[tk]
		fkOf := map[string]*schema.ForeignKey{} // column -> fk
		for i := range t.ForeignKeys {
			fk := &t.ForeignKeys[i]
			if im.s.Table(fk.RefTable) == nil {
				continue // outside the import: keep the columns as scalars
			}
			for _, c := range fk.Columns {
				if fkOf[c] == nil {
					fkOf[c] = fk
				}
			}
		}
		used := map[string]bool{}
		fieldName := func(base string) string {
			n := base
			for i := 2; used[n]; i++ {
				n = base + strconv.Itoa(i)
			}
			used[n] = true
			return n
		}
		colField := map[string]string{}
		emitted := map[*schema.ForeignKey]*ifield{}
		var fields []*ifield
		for _, c := range t.Columns {
			if fk := fkOf[c.Name]; fk != nil {
				if f := emitted[fk]; f != nil {
					colField[c.Name] = f.name
					continue
				}
				f := im.relationField(t, fk, fieldName)
				emitted[fk] = f
				colField[c.Name] = f.name
				fields = append(fields, f)
				uniq := false
				for _, u := range t.Uniques {
					if sameSetStr(u.Columns, fk.Columns) {
						uniq = true
					}
				}
				inverses = append(inverses, inverse{target: key(fk.RefTable), from: t, field: f.name, unique: uniq})
				continue
			}
			f := &ifield{name: fieldName(identLower(c.Name))}
			if naming.ColumnName(f.name) != c.Name {
				f.annotations = append(f.annotations, "@column("+strconv.Quote(c.Name)+")")
			}
			typ, hints, note := im.scalarOf(c)
			if c.Serial && c.Type == "bigint" {
				hints = []string{"@bits64"}
			}
			f.annotations = append(f.annotations, hints...)
			f.typ = typ
			def, dnote := im.defaultOf(c, typ)
			f.def = def
			f.comment = strings.Join(nonEmpty(note, dnote), "; ")
			if c.Nullable && !slices.Contains(t.PrimaryKey, c.Name) {
				f.typ += "?"
			}
			colField[c.Name] = f.name
			fields = append(fields, f)
		}
		byName := map[string]*ifield{}
		for _, f := range fields {
			byName[f.name] = f
		}
		// primary key
		for _, c := range t.PrimaryKey {
			if f := byName[colField[c]]; f != nil && !slices.Contains(f.annotations, "@pk") {
				f.annotations = append([]string{"@pk"}, f.annotations...)
			}
		}
		// unique constraints
		for _, u := range t.Uniques {
			prefix := "unique_constraint_" + strings.ToLower(typeName) + "_"
			uname := strings.TrimPrefix(u.Name, prefix)
			note := ""
			if uname == u.Name {
				note = "unique constraint " + u.Name + " will be named " + prefix + u.Name
			}
			var fs []*ifield
			for _, c := range u.Columns {
				if f := byName[colField[c]]; f != nil && !slices.Contains(fs, f) {
					fs = append(fs, f)
				}
			}
			ann := "@unique(" + strconv.Quote(uname) + ")"
			if len(fs) == 1 && fs[0].name == uname {
				ann = "@unique"
			}
			for _, f := range fs {
				f.annotations = append(f.annotations, ann)
				if note != "" {
					f.comment = strings.Join(nonEmpty(f.comment, note), "; ")
				}
			}
		}
		// indexes
		for _, ix := range t.Indexes {
			if ix.Unique || ix.Predicate != "" || (ix.Method != "btree" && ix.Method != "hnsw" && ix.Method != "") {
				if len(fields) > 0 {
					fields[0].comment = strings.Join(nonEmpty(fields[0].comment, "index "+ix.Name+" ("+ix.Method+", unique or partial) is not expressible in exo"), "; ")
				}
				continue
			}
			var fs []*ifield
			for _, c := range ix.Columns {
				if f := byName[colField[c]]; f != nil && !slices.Contains(fs, f) {
					fs = append(fs, f)
				}
			}
			for _, f := range fs {
				ann := "@index(" + strconv.Quote(ix.Name) + ")"
				if len(fs) == 1 && naming.IndexName(typeName, f.name) == ix.Name {
					ann = "@index"
				}
				f.annotations = append(f.annotations, ann)
				if ix.Method == "hnsw" {
					switch ix.OpClass {
					case "vector_l2_ops":
						f.annotations = append(f.annotations, `@distanceFunction("l2")`)
					case "vector_ip_ops":
						f.annotations = append(f.annotations, `@distanceFunction("ip")`)
					}
				}
			}
		}
		// @update triggers
		for _, tr := range t.Triggers {
			if tr.Name != schema.UpdateTriggerName(t.Name.Name) || tr.Assignments == nil {
				if len(fields) > 0 {
					fields[0].comment = strings.Join(nonEmpty(fields[0].comment, "trigger "+tr.Name+" is not expressible in exo"), "; ")
				}
				continue
			}
			for _, a := range tr.Assignments {
				if f := byName[colField[a.Column]]; f != nil {
					f.annotations = append(f.annotations, "@update")
				}
			}
		}
		im.fields[tk] = fields
	}
	// inverse sides
	count := map[string]int{}
	for _, inv := range inverses {
		count[inv.target+"\x00"+key(inv.from.Name)]++
	}
	for _, inv := range inverses {
		target := im.s.Table(parseKey(inv.target))
		if target == nil {
			continue
		}
		fromType := im.typeName[key(inv.from.Name)]
		existing := map[string]bool{}
		for _, f := range im.fields[inv.target] {
			existing[f.name] = true
		}
		base := identLower(naming.Plural(fromType))
		typ := "Set<" + fromType + ">?"
		if inv.unique {
			base = identLower(fromType)
			typ = fromType + "?"
		}
		var ann []string
		if count[inv.target+"\x00"+key(inv.from.Name)] > 1 || inv.target == key(inv.from.Name) {
			base = base + naming.UpperCamel(inv.field)
			ann = append(ann, "@relation("+strconv.Quote(inv.field)+")")
		}
		name := base
		for i := 2; existing[name]; i++ {
			name = base + strconv.Itoa(i)
		}
		im.fields[inv.target] = append(im.fields[inv.target], &ifield{name: name, typ: typ, annotations: ann, inverse: true})
	}
	for i := range im.views {
		v := &im.views[i]
		var fields []*ifield
		for _, c := range v.Columns {
			f := &ifield{name: identLower(c.Name)}
			if naming.ColumnName(f.name) != c.Name {
				f.annotations = append(f.annotations, "@column("+strconv.Quote(c.Name)+")")
			}
			typ, hints, note := im.scalarOf(c)
			f.annotations = append(f.annotations, hints...)
			f.typ = typ + "?"
			f.comment = note
			fields = append(fields, f)
		}
		im.fields[key(v.Name)] = fields
	}
}

func parseKey(k string) schema.Name {
	i := strings.IndexByte(k, '.')
	n := schema.Name{Schema: k[:i], Name: k[i+1:]}
	if n.Schema == "public" {
		n.Schema = ""
	}
	return n
}

// relationField is the many-to-one (or one-to-one) field of a foreign key.
func (im *importer) relationField(t *schema.Table, fk *schema.ForeignKey, fieldName func(string) string) *ifield {
	target := im.s.Table(fk.RefTable)
	targetType := im.typeName[key(fk.RefTable)]
	// the field name: from the constraint name when it follows Exograph's
	// "<schema>_<table>_<field>_fk", else from the column
	prefix := t.Name.Name + "_"
	if !t.Name.IsPublic() {
		prefix = t.Name.Schema + "_" + prefix
	}
	base := ""
	if strings.HasPrefix(fk.Name, prefix) && strings.HasSuffix(fk.Name, "_fk") && len(fk.Name) > len(prefix)+3 {
		base = identLower(fk.Name[len(prefix) : len(fk.Name)-3])
	} else if len(fk.Columns) == 1 {
		base = identLower(strings.TrimSuffix(fk.Columns[0], "_id"))
	} else {
		base = identLower(targetType)
	}
	f := &ifield{name: fieldName(base), typ: targetType}
	if naming.FKName(t.Name.Schema, t.Name.Name, f.name) != fk.Name {
		f.comment = "the foreign key " + fk.Name + " will be named " + naming.FKName(t.Name.Schema, t.Name.Name, f.name)
	}
	nullable := false
	for _, c := range fk.Columns {
		if col := t.Column(c); col != nil && col.Nullable {
			nullable = true
		}
	}
	if len(fk.Columns) == 1 {
		if naming.FKColumnName(f.name) != fk.Columns[0] {
			f.annotations = append(f.annotations, "@column("+strconv.Quote(fk.Columns[0])+")")
		}
	} else {
		var pairs []string
		same := true
		for i, c := range fk.Columns {
			rc := fk.RefColumns[i]
			fieldOfRef := identLower(rc)
			if target != nil {
				fieldOfRef = identLower(rc)
			}
			pairs = append(pairs, fieldOfRef+": "+strconv.Quote(c))
			if naming.CompositeFKColumnName(f.name, rc) != c {
				same = false
			}
		}
		if !same {
			sort.Strings(pairs)
			f.annotations = append(f.annotations, "@column(mapping={"+strings.Join(pairs, ", ")+"})")
		}
	}
	if nullable {
		f.typ += "?"
	}
	return f
}

func sameSetStr(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
