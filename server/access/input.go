package access

import (
	"strings"

	"github.com/exo-dev/exo/ir"
)

// Input is the data of a create or update mutation for one entity, keyed by field name as in
// the GraphQL input: scalars as JSON-like Go values, many-to-one / one-to-one-owner relations as
// references ({"id": 5}), nested one-to-many creations as lists of objects.
type Input struct {
	Entity int // index into System.Entities
	Data   map[string]any
	// Update selects update semantics: a field absent from Data is unchanged, so a comparison
	// that reads it does not constrain the input (the existing row is checked by the residual of
	// [Solve] in the UPDATE's WHERE). For creates, an absent field takes its literal or context
	// default, else null; database-generated defaults (autoIncrement, now(), uuids) do not
	// constrain.
	Update bool
}

// InputSolution is the result of [SolveInput].
type InputSolution struct {
	Outcome Outcome
	// Residual (Outcome == Residual) mentions only self paths that go through a relation the
	// input references by primary key, plus literals; it must hold for the referenced rows
	// (Exograph's precheck: a SELECT that must return true).
	Residual *ir.Expr
	// Refs maps the dotted relation-field prefix of every residual path ("assignee",
	// "project.owner" for references nested in nested creations) to the reference given in the
	// input (primary-key field name -> value).
	Refs map[string]map[string]any
}

type inputScope struct {
	in   Input
	refs map[string]map[string]any
}

// SolveInput evaluates e against the request's contexts and a mutation's input values. A nil e
// is the literal false.
func SolveInput(e *ir.Expr, rc *RequestContext, in Input) (InputSolution, error) {
	if e == nil {
		return InputSolution{Outcome: False}, nil
	}
	ev := &evaluator{rc: rc, in: &inputScope{in: in, refs: map[string]map[string]any{}}}
	t, err := ev.eval(e)
	if err != nil {
		return InputSolution{}, err
	}
	s := ev.solution(t)
	out := InputSolution{Outcome: s.Outcome, Residual: s.Residual}
	if s.Outcome == Residual {
		out.Refs = map[string]map[string]any{}
		walkPaths(s.Residual, func(p *ir.Path) {
			if p.Root != ir.RootSelf {
				return
			}
			for k, v := range ev.in.refs {
				if hasPrefix(p, k) {
					out.Refs[k] = v
				}
			}
		})
	}
	return out, nil
}

func hasPrefix(p *ir.Path, dotted string) bool {
	parts := strings.Split(dotted, ".")
	if len(parts) > len(p.Steps) {
		return false
	}
	for i, n := range parts {
		if p.Steps[i].Name != n {
			return false
		}
	}
	return true
}

func walkPaths(e *ir.Expr, f func(*ir.Path)) {
	if e == nil {
		return
	}
	if e.Kind == ir.ExprPath && e.Path != nil {
		f(e.Path)
	}
	walkPaths(e.Left, f)
	walkPaths(e.Right, f)
	for i := range e.Items {
		walkPaths(&e.Items[i], f)
	}
}

// path evaluates a path expression.
func (ev *evaluator) path(e *ir.Expr) (term, error) {
	p := e.Path
	if p == nil {
		return termFalse, nil
	}
	switch p.Root {
	case ir.RootContext:
		if len(p.Steps) == 0 {
			return termFalse, nil
		}
		v, err := ev.rc.Value(p.Context, p.Steps[0].Field)
		if err != nil {
			return term{}, err
		}
		for _, s := range p.Steps[1:] { // into Json values
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = normalizeJSON(m[s.Name])
		}
		return term{k: tVal, v: v, missing: v == nil}, nil
	case ir.RootParam:
		if b, ok := ev.params[p.Param]; ok {
			return ev.resolve(e, b.entity, b.v, p.Steps, false, "")
		}
		return term{k: tRes, e: e}, nil
	case ir.RootSelf:
		if ev.in == nil {
			return term{k: tRes, e: e}, nil
		}
		return ev.resolve(e, ev.in.in.Entity, ev.in.in.Data, p.Steps, ev.in.in.Update, ".")
	}
	return termFalse, nil
}

// resolve follows steps through input data. bindPrefix is "." for self paths (whose unresolved
// relation hops become prechecks) and "" for parameter paths (which cannot be prechecked:
// unresolved hops deny).
func (ev *evaluator) resolve(e *ir.Expr, entity int, cur any, steps []ir.PathStep, update bool, bindPrefix string) (term, error) {
	sys := ev.rc.x.sys
	data, _ := cur.(map[string]any)
	isRef := false // data is a reference (pk fields only) rather than creation data
	var prefix []string
	for i, s := range steps {
		if data == nil { // navigating through null (or a non-object)
			return term{k: tVal, v: nil}, nil
		}
		f := fieldOf(sys, entity, s)
		if f == nil { // JSON navigation or unknown field: plain map lookup
			v := normalizeJSON(data[s.Name])
			if i == len(steps)-1 {
				return term{k: tVal, v: v}, nil
			}
			data, _ = v.(map[string]any)
			entity = -1
			continue
		}
		prefix = append(prefix, f.Name)
		v, present := data[f.Name]
		if !present {
			switch {
			case isRef:
				if bindPrefix == "" {
					return termFalse, nil
				}
				ev.in.refs[strings.Join(prefix[:len(prefix)-1], ".")] = data
				return term{k: tRes, e: e}, nil
			case update && i == 0:
				return termNA, nil
			}
			var na bool
			var err error
			v, na, err = ev.defaultValue(f)
			if err != nil {
				return term{}, err
			}
			if na {
				return termNA, nil
			}
		}
		v = normalizeJSON(v)
		if f.Kind == ir.FieldRelation && f.Relation != nil && update && i == 0 &&
			(f.Relation.Kind == ir.OneToMany || f.Relation.Kind == ir.OneToOneReferenced) {
			return termNA, nil // nested update operations are not checked here
		}
		if i == len(steps)-1 {
			return term{k: tVal, v: v}, nil
		}
		if f.Kind == ir.FieldRelation && f.Relation != nil {
			entity = f.Relation.Target
			isRef = f.Relation.Kind == ir.ManyToOne || f.Relation.Kind == ir.OneToOneOwner
		} else {
			entity = -1
			isRef = false
		}
		data, _ = v.(map[string]any)
	}
	return term{k: tVal, v: cur}, nil
}

func fieldOf(sys *ir.System, entity int, s ir.PathStep) *ir.Field {
	if entity < 0 || entity >= len(sys.Entities) {
		return nil
	}
	ent := &sys.Entities[entity]
	if s.Field >= 0 && s.Field < len(ent.Fields) && ent.Fields[s.Field].Name == s.Name {
		return &ent.Fields[s.Field]
	}
	f, _ := ent.FieldByName(s.Name)
	return f
}

// defaultValue is the value a create uses for an absent field; na means the database computes
// it (the field does not constrain the input).
func (ev *evaluator) defaultValue(f *ir.Field) (v any, na bool, err error) {
	d := f.Default
	if d == nil {
		return nil, false, nil
	}
	switch d.Kind {
	case ir.DefaultLiteral:
		return literalValue(d.Literal), false, nil
	case ir.DefaultContext:
		cv, err := ev.rc.Value(d.Context, d.ContextField)
		if err != nil {
			return nil, false, err
		}
		if cv != nil && f.Kind == ir.FieldRelation && f.Relation != nil {
			sys := ev.rc.x.sys
			if t := f.Relation.Target; t >= 0 && t < len(sys.Entities) && len(sys.Entities[t].PK) > 0 {
				pk := sys.Entities[t].Fields[sys.Entities[t].PK[0]].Name
				return map[string]any{pk: cv}, false, nil
			}
		}
		return cv, false, nil
	}
	return nil, true, nil
}
