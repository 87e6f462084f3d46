package rpc

import (
	"sort"
	"strings"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
)

// spec is a resolved projection of an entity: the selected fields (declaration order) and,
// for relation fields, the projections of the target to select. A relation selected bare, by
// the built-ins or through /basic, gets the target's "pk" weakly: an explicit rel/proj
// replaces it.
type spec struct {
	fields []int
	rels   map[int]*relSel
}

type relSel struct {
	names []string
	weak  bool
}

func (s *spec) add(fi int, rel *relSel) {
	found := false
	for _, x := range s.fields {
		if x == fi {
			found = true
			break
		}
	}
	if !found {
		s.fields = append(s.fields, fi)
	}
	if rel == nil {
		return
	}
	if s.rels == nil {
		s.rels = map[int]*relSel{}
	}
	cur, ok := s.rels[fi]
	switch {
	case !ok:
		s.rels[fi] = &relSel{names: append([]string(nil), rel.names...), weak: rel.weak}
	case rel.weak:
		// a weak pk adds nothing to what is there
	case cur.weak:
		s.rels[fi] = &relSel{names: append([]string(nil), rel.names...)}
	default:
		for _, n := range rel.names {
			if !containsStr(cur.names, n) {
				cur.names = append(cur.names, n)
			}
		}
	}
}

func (s *spec) merge(o *spec) {
	for _, fi := range o.fields {
		s.add(fi, o.rels[fi])
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var weakPK = &relSel{names: []string{"pk"}, weak: true}

func userProjection(e *ir.Entity, name string) *ir.Projection {
	for i := range e.Projections {
		if e.Projections[i].Name == name {
			return &e.Projections[i]
		}
	}
	return nil
}

// resolveSpec resolves projection name of entity ent: built-ins "pk" (primary key fields) and
// "basic" (scalar and @json fields plus to-one relations owning their foreign key) unless the
// entity redefines them, and @projection sets with fields, "/proj" and "rel/proj" elements.
func resolveSpec(sys *ir.System, ent int, name string, seen map[string]bool) *spec {
	s := &spec{}
	if seen[name] {
		return s
	}
	seen[name] = true
	defer delete(seen, name)
	e := &sys.Entities[ent]
	relOf := func(f *ir.Field) *relSel {
		if f.Kind == ir.FieldRelation {
			return weakPK
		}
		return nil
	}
	if p := userProjection(e, name); p != nil {
		for _, el := range p.Elements {
			if el.Field == "" {
				s.merge(resolveSpec(sys, ent, el.Projection, seen))
				continue
			}
			f, fi := e.FieldByName(el.Field)
			if f == nil {
				continue
			}
			if el.Projection != "" && f.Kind == ir.FieldRelation {
				s.add(fi, &relSel{names: []string{el.Projection}})
			} else {
				s.add(fi, relOf(f))
			}
		}
	} else {
		switch name {
		case "pk":
			for _, fi := range e.PK {
				s.add(fi, relOf(&e.Fields[fi]))
			}
		case "basic":
			for i := range e.Fields {
				f := &e.Fields[i]
				if f.Kind == ir.FieldRelation && f.Relation.Kind != ir.ManyToOne && f.Relation.Kind != ir.OneToOneOwner {
					continue
				}
				s.add(i, relOf(f))
			}
		}
	}
	sort.Ints(s.fields)
	return s
}

// resolveNames merges several projections of ent.
func resolveNames(sys *ir.System, ent int, names []string) *spec {
	s := &spec{}
	for _, n := range names {
		s.merge(resolveSpec(sys, ent, n, map[string]bool{}))
	}
	sort.Ints(s.fields)
	return s
}

// selection builds the GraphQL selection of projection name of entity ent.
func selection(sys *ir.System, ent int, name string, depth int) []*graphql.Field {
	return specSelection(sys, ent, resolveNames(sys, ent, []string{name}), depth)
}

func specSelection(sys *ir.System, ent int, s *spec, depth int) []*graphql.Field {
	e := &sys.Entities[ent]
	out := make([]*graphql.Field, 0, len(s.fields))
	for _, fi := range s.fields {
		f := &e.Fields[fi]
		g := &graphql.Field{Name: f.Name, Alias: f.Name, Depth: depth}
		if f.Kind == ir.FieldRelation && depth < 64 {
			rs := s.rels[fi]
			names := []string{"pk"}
			if rs != nil {
				names = rs.names
			}
			g.Selections = specSelection(sys, f.Relation.Target, resolveNames(sys, f.Relation.Target, names), depth+1)
			g.HasSelectionSet = true
		}
		out = append(out, g)
	}
	return out
}

// schemaName is the OpenRPC component name of a combination of projections of an entity:
// "ConcertPK", "Concert" (basic), "ConcertWithVenue", "VenueLocationOnlyNameOnly".
func schemaName(e *ir.Entity, names []string) string {
	if len(names) == 1 && names[0] == "pk" {
		return e.Name + "PK"
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	var b strings.Builder
	b.WriteString(e.Name)
	for _, n := range sorted {
		switch n {
		case "basic":
		case "pk":
			b.WriteString("PK")
		default:
			b.WriteString(capitalize(n))
		}
	}
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
