package rpc

import (
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
)

// selection builds the GraphQL selection of projection name of entity ent: built-ins "pk"
// (primary key fields) and "basic" (scalar fields plus to-one relations as their primary
// keys) unless the entity redefines them, and @projection sets, whose elements are fields,
// "/proj" (another projection of the same type, merged in) and "rel/proj" (a relation
// selected with the target's projection). Relation fields listed bare select the target's
// primary key.
func selection(sys *ir.System, ent int, name string, depth int) []*graphql.Field {
	return selectionSeen(sys, ent, name, depth, map[projKey]bool{})
}

type projKey struct {
	ent  int
	name string
}

func userProjection(e *ir.Entity, name string) *ir.Projection {
	for i := range e.Projections {
		if e.Projections[i].Name == name {
			return &e.Projections[i]
		}
	}
	return nil
}

func selectionSeen(sys *ir.System, ent int, name string, depth int, seen map[projKey]bool) []*graphql.Field {
	k := projKey{ent, name}
	if seen[k] || depth > 64 {
		return nil
	}
	seen[k] = true
	defer delete(seen, k)
	e := &sys.Entities[ent]
	var out []*graphql.Field
	if p := userProjection(e, name); p != nil {
		for _, el := range p.Elements {
			switch {
			case el.Field == "":
				out = merge(out, selectionSeen(sys, ent, el.Projection, depth, seen))
			default:
				f, _ := e.FieldByName(el.Field)
				if f == nil {
					continue
				}
				sub := el.Projection
				if sub == "" {
					sub = "pk"
				}
				out = merge(out, []*graphql.Field{fieldSel(sys, f, sub, depth, seen)})
			}
		}
		if out == nil {
			out = []*graphql.Field{}
		}
		return out
	}
	switch name {
	case "pk":
		for _, fi := range e.PK {
			out = append(out, fieldSel(sys, &e.Fields[fi], "pk", depth, seen))
		}
	case "basic":
		for i := range e.Fields {
			f := &e.Fields[i]
			if f.Kind == ir.FieldRelation && f.Relation.Kind != ir.ManyToOne && f.Relation.Kind != ir.OneToOneOwner {
				continue
			}
			out = append(out, fieldSel(sys, f, "pk", depth, seen))
		}
	}
	if out == nil {
		out = []*graphql.Field{}
	}
	return out
}

// fieldSel selects field f; relations get the target's projection sub.
func fieldSel(sys *ir.System, f *ir.Field, sub string, depth int, seen map[projKey]bool) *graphql.Field {
	g := &graphql.Field{Name: f.Name, Alias: f.Name, Depth: depth}
	if f.Kind == ir.FieldRelation {
		g.Selections = selectionSeen(sys, f.Relation.Target, sub, depth+1, seen)
		g.HasSelectionSet = true
	}
	return g
}

// merge adds the fields of add to sel, merging the sub-selections of fields selected twice.
func merge(sel, add []*graphql.Field) []*graphql.Field {
	for _, a := range add {
		found := false
		for i, s := range sel {
			if s.Name == a.Name {
				found = true
				if a.HasSelectionSet {
					c := *s
					c.Selections = merge(append([]*graphql.Field(nil), s.Selections...), a.Selections)
					c.HasSelectionSet = true
					sel[i] = &c
				}
				break
			}
		}
		if !found {
			sel = append(sel, a)
		}
	}
	return sel
}
