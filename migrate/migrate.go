package migrate

import (
	"context"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
)

// Model is the database side of a compiled system.
type Model struct {
	// Desired is schema.FromIR of the system.
	Desired *schema.Schema
	// Unmanaged are the tables of unmanaged types: never migrated, never
	// verified, left out of inspection.
	Unmanaged []schema.Name
}

// ModelOf computes the desired schema of sys and its unmanaged tables.
func ModelOf(sys *ir.System) Model {
	m := Model{Desired: schema.FromIR(sys)}
	if sys != nil {
		for _, e := range sys.Entities {
			if e.Kind == ir.EntityTable && !e.Managed && e.Table.Name != "" {
				s := e.Table.Schema
				if s == "public" {
					s = ""
				}
				m.Unmanaged = append(m.Unmanaged, schema.Name{Schema: s, Name: e.Table.Name})
			}
		}
	}
	return m
}

// Options are the inputs of Migrate beyond the model and database.
type Options struct {
	// Scope limits the migration; nil means the model's schemas.
	Scope *Scope
	// Interactions answer rename questions up front.
	Interactions *Interactions
	// Ask is consulted for table renames the interactions do not settle;
	// nil means non-interactive (tables are dropped and created).
	Ask Prompter
}

// Migrate inspects the database inside the scope and plans the migration
// to the model.
func Migrate(ctx context.Context, q schema.Querier, m Model, opts Options) (*Plan, error) {
	desired, live, err := load(ctx, q, m, opts.Scope)
	if err != nil {
		return nil, err
	}
	renames, err := Renames(desired, live.Schema, opts.Interactions, opts.Ask)
	if err != nil {
		return nil, err
	}
	return NewPlan(desired, live, renames), nil
}

// VerifyDatabase inspects the database inside the scope and lists the
// model's incompatibilities with it.
func VerifyDatabase(ctx context.Context, q schema.Querier, m Model, sc *Scope) ([]Issue, error) {
	desired, live, err := load(ctx, q, m, sc)
	if err != nil {
		return nil, err
	}
	return Verify(desired, live.Schema), nil
}

func load(ctx context.Context, q schema.Querier, m Model, sc *Scope) (*schema.Schema, *Live, error) {
	scope := ModelScope(m.Desired)
	if sc != nil {
		scope = *sc
	}
	live, err := Inspect(ctx, q, scope, m.Unmanaged)
	if err != nil {
		return nil, nil, err
	}
	return scope.Filter(m.Desired), live, nil
}
