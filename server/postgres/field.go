package postgres

// Field is a selected GraphQL field as the front-end hands it over: schema name, response key,
// resolved argument values (map[string]any, []any, string, int64, float64, bool, json.Number,
// nil) and the merged sub-selection with fragments inlined. It mirrors graphql.Field's fields
// of the same names.
type Field struct {
	Name       string
	Alias      string
	Arguments  map[string]any
	Selections []*Field
}

func (f *Field) key() string {
	if f.Alias != "" {
		return f.Alias
	}
	return f.Name
}
