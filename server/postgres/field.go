package postgres

import "github.com/exo-dev/exo/server/graphql"

// Field is a selected GraphQL field as the front-end hands it over: schema name, response key
// (Alias; the name when there is no alias), resolved argument values (map[string]any, []any,
// string, int64, float64, bool, json.Number, nil) and the merged sub-selection with fragments
// inlined.
type Field = graphql.Field

func key(f *Field) string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}
