// Package postgres resolves the generated Postgres API of an exo system: it turns a root GraphQL
// field (pk, unique, collection and aggregate queries; create, update and delete mutations, single
// and bulk) into SQL and runs it through pgx.
//
// # Queries: one statement, JSON built by PostgreSQL
//
// Every query root field becomes exactly one statement whose single text column is the field's
// JSON value. Objects are built as rows whose column aliases are the response keys, aggregated
// with json_agg(row) / row_to_json(row) (measured 17% faster than Exograph's json_build_object
// form on the nested-list benchmark, and PERFORMANCE-NOTES found the same); the
// json_build_object form is kept for selections whose keys do not fit an identifier:
//
//	SELECT COALESCE(json_agg(t1), '[]'::json)::text FROM (
//	    SELECT t0."id" AS "id", (SELECT row_to_json(t3) FROM (SELECT t2."name" AS "name"
//	        FROM "venues" AS t2 WHERE t2."id" = t0."venueid") AS t3) AS "venue"
//	    FROM "concerts" AS t0 WHERE (t0."title" = $1) ORDER BY t0."title" DESC LIMIT $2) AS t1
//
// Relations in either direction are correlated sub-selects; nested collections have their own
// json_agg with their own where/order/limit; aggregates are json_build_object over COUNT/SUM/...
// Values only ever travel as bind parameters, and the SQL text depends only on the shape of the
// operation (which fields, which filter keys, whether limit is present, never on values), so
// pgx's per-connection statement cache prepares each shape once. Table aliases are t0, t1, ... in
// the order they are introduced, so self-relations need no special care. Scalars are formatted
// by PostgreSQL (the session TimeZone must be UTC); Decimal is cast to text, Blob is base64,
// Vector goes through its text form.
//
// Filters, orderings and object keys are visited in the entity's field declaration order, never
// in Go map order, which keeps the SQL text deterministic.
//
// # Mutations: transaction scripts
//
// A mutation is a short script run on the request's transaction: INSERT ... RETURNING the key
// (and the columns nested children refer to), then the nested inserts/updates/deletes with the
// parent's key bound, then one JSON select of the affected rows using the query planner. Updates
// and deletes without nested operations are one statement each (a data-modifying CTE feeding the
// JSON select). All root fields of a request share one transaction ([Engine.RunInTx]); it
// commits only if every field succeeded.
//
// # Access control
//
// Entity rules are partially evaluated per request by a [Solver] (server/access). A literal
// false fails with "Not authorized" before any SQL runs; a residual expression over self paths
// is compiled into a predicate ANDed into every WHERE that reads the entity (root and nested
// collections, aggregates, pk lookups, update and delete targets). Create rules are checked
// against the input values (a precheck SELECT evaluates the residual with the input bound in
// place of the row's columns, following references to existing rows).
//
// # Errors
//
// User-visible errors carry Exograph's exact messages ("Operation failed" for database errors
// such as constraint violations, "Unable to convert input to the expected type: ...",
// "Invalid value for 'range': ...", "Not authorized"); everything else is an internal error.
package postgres
