package naming

import "strings"

// TableName is the default table of a type: snake_case of its plural
// (@plural verbatim when given): "AuthUser" -> "auth_users".
func TableName(plural string) string { return SnakeCase(plural) }

// ColumnName is the default column of a scalar field: snake_case(field).
func ColumnName(field string) string { return SnakeCase(field) }

// FKColumnName is the default foreign key column of a relation field to a
// type with a single primary key: "<snake(field)>_id".
func FKColumnName(field string) string { return SnakeCase(field) + "_id" }

// CompositeFKColumnName is the default foreign key column for one primary
// key column of a type with a composite key: "<snake(field)>_<pkColumn>".
func CompositeFKColumnName(field, pkColumn string) string {
	return SnakeCase(field) + "_" + pkColumn
}

// FKName is the foreign key constraint name "<schema>_<table>_<field>_fk",
// where the schema part is omitted for the public schema
// ("concerts_venue_fk", "c_concerts_venue_fk").
func FKName(schema, table, field string) string {
	prefix := table
	if schema != "" && schema != "public" {
		prefix = schema + "_" + table
	}
	return prefix + "_" + SnakeCase(field) + "_fk"
}

// IndexName is the default name of a single-field @index:
// "<lower(type)>_<lower(field)>_idx" ("document_contentvector_idx").
func IndexName(typeName, field string) string {
	return strings.ToLower(typeName) + "_" + strings.ToLower(field) + "_idx"
}

// UniqueName is the database name of a unique constraint:
// "unique_constraint_<lower(type)>_<name>" where name is the @unique name
// or the field name ("unique_constraint_rsvp_email_event_id").
func UniqueName(typeName, name string) string {
	return "unique_constraint_" + strings.ToLower(typeName) + "_" + name
}

// EnumDBName is the PostgreSQL type of an enum: snake_case(name).
func EnumDBName(name string) string { return SnakeCase(name) }

// UpdateFunction and UpdateTrigger name the plpgsql function and trigger
// that maintain @update fields of table.
func UpdateFunction(table string) string { return "exograph_update_" + table }

// UpdateTrigger names the trigger calling [UpdateFunction].
func UpdateTrigger(table string) string { return "exograph_on_update_" + table }

// Ops are the generated GraphQL names of a Postgres type's API.
type Ops struct {
	PKQuery, Collection, Aggregate             string
	Create, CreateMany, Update, UpdateMany     string
	Delete, DeleteMany                         string
	Filter, Ordering, AggType                  string
	CreationInput, UpdateInput, ReferenceInput string
}

// OpsFor computes the operation and input type names of type name with the
// given plural (EXOGRAPH-NOTES §5.3): queries are lowerCamel-cased, the
// plural is used verbatim after create/update/delete.
func OpsFor(name, plural string) Ops {
	coll := LowerCamel(plural)
	return Ops{
		PKQuery:        LowerCamel(name),
		Collection:     coll,
		Aggregate:      coll + "Agg",
		Create:         "create" + name,
		CreateMany:     "create" + plural,
		Update:         "update" + name,
		UpdateMany:     "update" + plural,
		Delete:         "delete" + name,
		DeleteMany:     "delete" + plural,
		Filter:         name + "Filter",
		Ordering:       name + "Ordering",
		AggType:        name + "Agg",
		CreationInput:  name + "CreationInput",
		UpdateInput:    name + "UpdateInput",
		ReferenceInput: name + "ReferenceInput",
	}
}

// UniqueQuery is the query of a unique constraint: pk query + "By" +
// UpperCamel(constraint name) ("userByEmail").
func UniqueQuery(name, constraint string) string {
	return LowerCamel(name) + "By" + UpperCamel(constraint)
}
