// Package migrate turns the typed differences of package schema into
// migrations: an ordered list of SQL statements (reusing schema's DDL
// renderers) that brings a live database to the desired model, with
// destructive statements gated (commented out unless allowed), table
// renames decided through interactions (an --interactions TOML file or a
// prompt), application in one transaction, verification messages, and the
// reverse direction: importing an existing database as an .exo model.
package migrate

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/exo-dev/exo/schema"
)

// Scope is a migration scope: which schemas and tables a command looks at
// (Exograph's --scope, "<schema-wildcard>[.<table-wildcard>]" items, comma
// separated; the table part defaults to "*"). The zero Scope matches
// nothing; use ModelScope or ParseScope.
type Scope struct {
	items []scopeItem
}

type scopeItem struct{ schema, table string }

// ParseScope parses a --scope value such as "public,concerts.*" or
// "*.concert*".
func ParseScope(s string) (Scope, error) {
	var sc Scope
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		it := scopeItem{schema: part, table: "*"}
		if i := strings.IndexByte(part, '.'); i >= 0 {
			it = scopeItem{schema: part[:i], table: part[i+1:]}
		}
		if it.schema == "" || it.table == "" {
			return Scope{}, fmt.Errorf("invalid scope %q: expected <schema>[.<table>]", part)
		}
		for _, p := range []string{it.schema, it.table} {
			if _, err := path.Match(p, ""); err != nil {
				return Scope{}, fmt.Errorf("invalid scope %q: %v", part, err)
			}
		}
		sc.items = append(sc.items, it)
	}
	if len(sc.items) == 0 {
		return Scope{}, fmt.Errorf("invalid scope %q: empty", s)
	}
	return sc, nil
}

// ModelScope is the default scope: every table of the schemas the model
// uses ("public" always included).
func ModelScope(desired *schema.Schema) Scope {
	var sc Scope
	for _, n := range desired.Scope() {
		sc.items = append(sc.items, scopeItem{schema: n, table: "*"})
	}
	return sc
}

// AllSchemas is the scope "*": every user schema and table.
func AllSchemas() Scope { return Scope{items: []scopeItem{{"*", "*"}}} }

// String renders the scope in --scope syntax.
func (sc Scope) String() string {
	var parts []string
	for _, it := range sc.items {
		parts = append(parts, it.schema+"."+it.table)
	}
	return strings.Join(parts, ",")
}

func match(pattern, s string) bool {
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}

// MatchesSchema reports whether any table of schema name may be in scope.
func (sc Scope) MatchesSchema(name string) bool {
	if name == "" {
		name = "public"
	}
	for _, it := range sc.items {
		if match(it.schema, name) {
			return true
		}
	}
	return false
}

// MatchesTable reports whether table n is in scope.
func (sc Scope) MatchesTable(n schema.Name) bool {
	for _, it := range sc.items {
		if match(it.schema, n.SchemaName()) && match(it.table, n.Name) {
			return true
		}
	}
	return false
}

// Filter returns the part of s inside the scope: tables matching it, and
// the schemas, enums and sequences of matching schemas. Extensions are
// database-wide and kept. s is not modified.
func (sc Scope) Filter(s *schema.Schema) *schema.Schema {
	out := &schema.Schema{Extensions: s.Extensions}
	for _, n := range s.Schemas {
		if sc.MatchesSchema(n) {
			out.Schemas = append(out.Schemas, n)
		}
	}
	for _, e := range s.Enums {
		if sc.MatchesSchema(e.Name.Schema) {
			out.Enums = append(out.Enums, e)
		}
	}
	for _, q := range s.Sequences {
		if sc.MatchesSchema(q.Schema) {
			out.Sequences = append(out.Sequences, q)
		}
	}
	for _, t := range s.Tables {
		if sc.MatchesTable(t.Name) {
			out.Tables = append(out.Tables, t)
		}
	}
	return out
}

// userSchemas lists the schemas of the database (system ones excluded).
const userSchemas = `
SELECT nspname FROM pg_namespace
WHERE nspname NOT IN ('pg_catalog', 'information_schema')
  AND nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'
ORDER BY nspname`

// Live is an inspected database with what migrations need beyond
// schema.Schema.
type Live struct {
	*schema.Schema
	// PrimaryKeyNames maps "schema.table" to the name of its primary key
	// constraint (which does not follow the table after a rename).
	PrimaryKeyNames map[string]string
}

func key(n schema.Name) string { return n.SchemaName() + "." + n.Name }

// Inspect reads the part of the database inside the scope. exclude lists
// tables to leave out (the model's unmanaged tables).
func Inspect(ctx context.Context, q schema.Querier, sc Scope, exclude []schema.Name) (*Live, error) {
	rows, err := q.Query(ctx, userSchemas)
	if err != nil {
		return nil, fmt.Errorf("list schemas: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list schemas: %w", err)
		}
		if sc.MatchesSchema(n) {
			names = append(names, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list schemas: %w", err)
	}
	if names == nil {
		names = []string{}
	}
	s, err := schema.Inspect(ctx, q, schema.InspectOptions{Schemas: names, ExcludeTables: exclude})
	if err != nil {
		return nil, err
	}
	live := &Live{Schema: sc.Filter(s), PrimaryKeyNames: map[string]string{}}
	rows, err = q.Query(ctx, `
SELECT n.nspname, c.relname, con.conname
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype = 'p' AND n.nspname = ANY($1)`, names)
	if err != nil {
		return nil, fmt.Errorf("inspect primary keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ns, t, c string
		if err := rows.Scan(&ns, &t, &c); err != nil {
			return nil, fmt.Errorf("inspect primary keys: %w", err)
		}
		live.PrimaryKeyNames[ns+"."+t] = c
	}
	return live, rows.Err()
}
