// Package graphql is the request front-end of the exo server: it parses and validates GraphQL
// requests against a gqlparser schema with Exograph-compatible error messages, turns the chosen
// operation into an executable tree ([Operation], [Field]) with fragments inlined, fields merged and
// argument values resolved, executes introspection itself, prints schemas as SDL and encodes
// responses (splicing raw JSON produced by resolvers).
//
// The validator is our own (gqlparser is used for parsing only) because Exograph's rules differ from
// the GraphQL specification in several places: a single value is coerced to a list, variable types
// are not checked against their uses, inline fragments are rejected, and messages and locations
// follow Exograph's wording.
package graphql
