package lsp

import "strings"

// annotationTarget is where an annotation may appear.
type annotationTarget uint8

const (
	onModule annotationTarget = 1 << iota
	onType
	onField
	onContextField
	onMethod
	onInterceptor
	onParam
)

// annotationInfo documents one annotation for completion and hover.
type annotationInfo struct {
	name    string
	args    string // argument list as shown, without parentheses ("" = none)
	snippet string // LSP snippet inserted after '@'
	targets annotationTarget
	doc     string
}

func (a annotationInfo) signature() string {
	if a.args == "" {
		return "@" + a.name
	}
	return "@" + a.name + "(" + a.args + ")"
}

// annotations is the catalogue of annotations that the compiler accepts.
var annotations = []annotationInfo{
	{"postgres", "schema: String, managed: Boolean", "postgres", onModule, "Declares a module whose types are PostgreSQL tables. `schema` sets the default schema; `managed = false` leaves migrations to you."},
	{"deno", "path: String", `deno("${1:src/module.ts}")`, onModule, "Declares a module implemented in TypeScript/JavaScript; `path` is the source file relative to the declaring .exo file."},
	{"wasm", "path: String", `wasm("${1:module.wasm}")`, onModule, "Declares a module implemented in WebAssembly."},

	{"access", "value | query, mutation, create, update, delete", `access(${1:true})`, onType | onField | onMethod, "Access control rule: a boolean expression over `self` and context fields. Named rules (`query`, `mutation`, `create`, `update`, `delete`) override the positional one. Default: deny."},
	{"table", "name: String, schema: String, managed: Boolean", `table("${1:name}")`, onType, "Maps the type to a table (default: the pluralised snake_case type name)."},
	{"plural", "name: String", `plural("${1:name}")`, onType, "Sets the plural used in generated query names."},
	{"json", "", "json", onType, "Makes the type a JSON type stored in a `jsonb` column of the types that use it."},
	{"projection", "name = [fields]", `projection(${1:name} = [${2:id}])`, onType, "Declares a named projection (a set of fields) of the type."},

	{"pk", "", "pk", onField, "Marks the primary key field."},
	{"column", "name: String | mapping: {field: String}", `column("${1:name}")`, onField, "Sets the column name (or, for relations, the column names per referenced primary key field)."},
	{"unique", "names: String...", "unique", onField, "Adds a unique constraint; fields sharing a name form one composite constraint."},
	{"index", "names: String...", "index", onField, "Adds an index; fields sharing a name form one composite index."},
	{"relation", "name: String", `relation("${1:field}")`, onField, "Names the field of the other type that this relation pairs with."},
	{"manyToOne", "", "manyToOne", onField, "Makes a relation many-to-one explicitly."},
	{"oneToOne", "", "oneToOne", onField, "Makes a relation one-to-one."},
	{"dbtype", "type: String", `dbtype("${1:TEXT}")`, onField, "Sets the column type verbatim."},
	{"maxLength", "length: Int", `maxLength(${1:255})`, onField, "String columns: `VARCHAR(length)`."},
	{"bits16", "", "bits16", onField, "Int columns: `SMALLINT`."},
	{"bits32", "", "bits32", onField, "Int columns: `INT`."},
	{"bits64", "", "bits64", onField, "Int columns: `BIGINT`."},
	{"range", "min: Number, max: Number", `range(min = ${1:0}, max = ${2:100})`, onField, "Int or Float: the smallest column type that holds the range."},
	{"singlePrecision", "", "singlePrecision", onField, "Float columns: `REAL`."},
	{"doublePrecision", "", "doublePrecision", onField, "Float columns: `DOUBLE PRECISION`."},
	{"precision", "digits: Int", `precision(${1:10})`, onField, "Decimal: `NUMERIC(precision, scale)`; time types: fractional seconds precision."},
	{"scale", "digits: Int", `scale(${1:2})`, onField, "Decimal: the scale of `NUMERIC(precision, scale)`; needs @precision."},
	{"size", "dimensions: Int", `size(${1:1536})`, onField, "Vector columns: the number of dimensions."},
	{"distanceFunction", "name: String", `distanceFunction("${1|cosine,l2,ip|}")`, onField, "Vector columns: the distance used for ordering and the index (`cosine`, `l2` or `ip`)."},
	{"readonly", "", "readonly", onField, "The field is set by the database and absent from mutation inputs."},
	{"update", "", "update", onField, "The field is set on every update (for example `= now()`); implies @readonly."},

	{"jwt", "claim: String", `jwt("${1:sub}")`, onContextField, "Reads the context field from a claim of the verified JWT (default: the field name)."},
	{"header", "name: String", `header("${1:X-Header}")`, onContextField, "Reads the context field from an HTTP request header."},
	{"cookie", "name: String", `cookie("${1:name}")`, onContextField, "Reads the context field from a request cookie."},
	{"env", "name: String", `env("${1:NAME}")`, onContextField, "Reads the context field from an environment variable of the server."},
	{"clientIp", "", "clientIp", onContextField, "The client's IP address."},
	{"query", "query: String", `query("${1:query}")`, onContextField, "Runs a GraphQL query and uses its result."},

	{"before", "pattern: String", `before("${1:query *}")`, onInterceptor, "Runs the interceptor before the matching operations."},
	{"after", "pattern: String", `after("${1:mutation *}")`, onInterceptor, "Runs the interceptor after the matching operations."},
	{"around", "pattern: String", `around("${1:query *}")`, onInterceptor, "Runs the interceptor around the matching operations (it calls `proceed`)."},
	{"inject", "", "inject", onParam, "Injects a context or `Exograph` into a module function instead of taking it from the GraphQL arguments."},
}

var annotationByName = func() map[string]annotationInfo {
	m := map[string]annotationInfo{}
	for _, a := range annotations {
		m[a.name] = a
	}
	return m
}()

// annotationDoc returns the Markdown documentation of an annotation.
func annotationDoc(a annotationInfo) string {
	var b strings.Builder
	b.WriteString("```exo\n" + a.signature() + "\n```\n\n" + a.doc)
	return b.String()
}
