package check

import (
	"sort"
	"strings"

	"github.com/exo-dev/exo/ir"
)

// matchRelations determines the cardinality and the inverse field of every
// relation field.
func (c *checker) matchRelations() {
	for _, t := range c.model.Entities {
		for _, f := range t.Fields {
			if f.Rel != nil && f.Mapping != nil {
				c.checkMapping(f)
			}
		}
	}
	for _, t := range c.model.Entities {
		if t.JSON {
			continue
		}
		for _, f := range t.Fields {
			if f.Rel == nil {
				continue
			}
			c.matchRelation(t, f)
		}
	}
}

func (c *checker) checkMapping(f *Field) {
	target := f.Rel.Target
	keys := make([]string, 0, len(f.Mapping))
	for k := range f.Mapping {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	bad := false
	for _, k := range keys {
		if target.FieldByName(k) == nil {
			c.errorf(f.src, fieldNode{f.decl}, "check/column-mapping",
				"Field '%s' specified in column mapping does not exist in type '%s'", k, target.Name)
			bad = true
		}
	}
	if !bad {
		for _, pk := range target.PKFields() {
			if _, ok := f.Mapping[pk.Name]; !ok {
				c.errorf(f.src, fieldNode{f.decl}, "check/column-mapping",
					"Primary key field '%s' from type '%s' is missing in the column mapping", pk.Name, target.Name)
				bad = true
			}
		}
	}
	f.poisoned = f.poisoned || bad
}

// candidates returns the fields of f's target type that can be f's inverse.
func candidates(t *Type, f *Field) []*Field {
	var out []*Field
	for _, g := range f.Rel.Target.Fields {
		if g == f || g.Rel == nil || g.Rel.Target != t {
			continue
		}
		if f.relationName != "" {
			if g.Name == f.relationName {
				out = append(out, g)
			}
			continue
		}
		if g.relationName != "" && g.relationName != f.Name {
			continue
		}
		out = append(out, g)
	}
	return out
}

func (c *checker) matchRelation(t *Type, f *Field) {
	isSet := f.Type.Kind == ir.KindSet
	cands := candidates(t, f)
	if f.manyToOne || f.oneToOne {
		if isSet {
			c.errorf(f.src, fieldNode{f.decl}, "check/relation-cardinality", "@manyToOne and @oneToOne cannot be used on a Set field")
			return
		}
		f.Rel.Kind = ir.ManyToOne
		if f.oneToOne {
			f.Rel.Kind = ir.OneToOneOwner
		}
		if len(cands) == 1 {
			f.Rel.Inverse = cands[0]
		}
		return
	}
	switch {
	case len(cands) > 1:
		names := make([]string, len(cands))
		for i, g := range cands {
			names[i] = "'" + g.Name + "'"
		}
		c.errorf(f.src, fieldNode{f.decl}, "check/relation-ambiguous",
			"Found multiple matching fields (%s) of the '%s' type when determining the matching column for '%s'. Consider using the `@relation` annotation to resolve this ambiguity.",
			strings.Join(names, ", "), t.Name, f.Name)
		return
	case len(cands) == 0:
		if f.poisoned {
			return
		}
		if isSet {
			c.errorf(f.src, fieldNode{f.decl}, "check/relation-unmatched",
				"Could not find the matching field of the '%s' type '%s'. Ensure that there is only one field of that type or the '@relation' annotation specifies the matching field name.",
				t.Name, f.Name)
		} else {
			c.errorf(f.src, fieldNode{f.decl}, "check/relation-cardinality",
				"Cannot determine cardinality of field. Either specify @oneToOne or @manyToOne on the field, or add a matching field to the other type.")
		}
		return
	}
	g := cands[0]
	f.Rel.Inverse = g
	gSet := g.Type.Kind == ir.KindSet
	switch {
	case isSet && gSet:
		c.errorf(f.src, fieldNode{f.decl}, "check/relation-many-to-many",
			"Many-to-many relations are not supported; introduce a type for the join table (fields '%s' and '%s.%s')", f.Name, g.Rel.Target.Name, g.Name)
	case isSet:
		f.Rel.Kind = ir.OneToMany
	case gSet:
		f.Rel.Kind = ir.ManyToOne
	default:
		// One-to-one: the required side (or the @pk side) holds the foreign key.
		switch {
		case g.oneToOne || g.manyToOne:
			f.Rel.Kind = ir.OneToOneReferenced
		case f.Optional && !g.Optional:
			f.Rel.Kind = ir.OneToOneReferenced
		case !f.Optional && g.Optional:
			f.Rel.Kind = ir.OneToOneOwner
		case f.PK && !g.PK:
			f.Rel.Kind = ir.OneToOneOwner
		case g.PK && !f.PK:
			f.Rel.Kind = ir.OneToOneReferenced
		default:
			if f.poisoned {
				return
			}
			c.errorf(f.src, fieldNode{f.decl}, "check/relation-cardinality",
				"Cannot determine which side of the one-to-one relation between '%s' and '%s' holds the foreign key: make exactly one of '%s' and '%s' optional",
				t.Name, g.Rel.Target.Name, f.Name, g.Name)
		}
	}
}
