package rpc

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/exo-dev/exo/ir"
)

// validate checks params against the method's parameters the way Exograph's RPC layer does
// before resolving: unknown parameters, missing required ones, scalar types of key parameters,
// limit/offset, the projection enum, and field names in where and orderBy.
func (h *Handler) validate(m *method, params map[string]any) error {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := m.param(k); !ok {
			return invalidParams("Unknown parameter: " + k)
		}
	}
	for _, p := range m.params {
		if _, ok := params[p.name]; !ok && p.required {
			return invalidParams("Missing required parameter: " + p.name)
		}
	}
	ent := &h.sys.Entities[m.entity]
	for _, p := range m.params {
		v, ok := params[p.name]
		if !ok {
			continue
		}
		switch {
		case p.field != nil:
			if err := checkKey(h.sys, p.field, p.name, v); err != nil {
				return err
			}
		case p.name == "limit" || p.name == "offset":
			if v == nil {
				continue
			}
			if !isInt(v) {
				return mismatch(p.name, "Int", v)
			}
		case p.name == "projection":
			if v == nil {
				continue
			}
			s, ok := v.(string)
			names := projectionNames(ent)
			if !ok {
				return mismatch(p.name, "String", v)
			}
			found := false
			for _, n := range names {
				if n == s {
					found = true
				}
			}
			if !found {
				quoted, _ := json.Marshal(names)
				return invalidParams(fmt.Sprintf("Invalid enum value '%s' at 'projection': allowed values are %s",
					s, strings.ReplaceAll(string(quoted), `","`, `", "`)))
			}
		case p.name == "where":
			if v == nil {
				continue
			}
			if err := h.checkWhere(m.entity, v, "where"); err != nil {
				return err
			}
		case p.name == "orderBy":
			if v == nil {
				continue
			}
			list, ok := v.([]any)
			if !ok {
				list = []any{v}
			}
			for i, item := range list {
				if err := h.checkOrder(m.entity, item, fmt.Sprintf("orderBy[%d]", i)); err != nil {
					return err
				}
			}
		case p.name == "data":
			if m.kind == mCreateMany {
				if _, ok := v.([]any); !ok {
					if _, ok := v.(map[string]any); !ok {
						return mismatch(p.name, "Array", v)
					}
				}
			} else if _, ok := v.(map[string]any); !ok {
				return mismatch(p.name, "Object", v)
			}
		}
	}
	return nil
}

func mismatch(path, want string, got any) error {
	return invalidParams(fmt.Sprintf("Type mismatch at '%s': expected %s, got %s", path, want, jsonType(got)))
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		if isInt(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func isInt(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, err := n.Int64()
	return err == nil
}

// checkKey checks the value of a key (pk or unique) parameter.
func checkKey(sys *ir.System, f *ir.Field, path string, v any) error {
	if f.Kind == ir.FieldRelation {
		m, ok := v.(map[string]any)
		if !ok {
			return mismatch(path, f.Type.Name, v)
		}
		target := &sys.Entities[f.Relation.Target]
		for _, pk := range target.PK {
			tf := &target.Fields[pk]
			x, ok := m[tf.Name]
			if !ok {
				return invalidParams("Missing required parameter: " + path + "." + tf.Name)
			}
			if err := checkKey(sys, tf, path+"."+tf.Name, x); err != nil {
				return err
			}
		}
		return nil
	}
	if f.Type.Kind == ir.KindEnum {
		if _, ok := v.(string); !ok {
			return mismatch(path, f.Type.Name, v)
		}
		return nil
	}
	if f.Type.Kind != ir.KindScalar {
		return nil
	}
	ok := true
	switch f.Type.Scalar {
	case ir.Int:
		ok = isInt(v)
	case ir.Float:
		_, ok = v.(json.Number)
	case ir.Boolean:
		_, ok = v.(bool)
	case ir.String, ir.Uuid, ir.LocalDate, ir.LocalTime, ir.LocalDateTime, ir.Instant, ir.Blob:
		_, ok = v.(string)
	case ir.Decimal:
		switch v.(type) {
		case string, json.Number:
		default:
			ok = false
		}
	}
	if !ok {
		return mismatch(path, f.Type.Scalar.String(), v)
	}
	return nil
}

// checkWhere checks the field names of a filter of entity ent.
func (h *Handler) checkWhere(ent int, v any, path string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return nil // the engine reports malformed filters
	}
	e := &h.sys.Entities[ent]
	for _, k := range sortedKeys(m) {
		switch k {
		case "and", "or":
			if list, ok := m[k].([]any); ok {
				for i, x := range list {
					if err := h.checkWhere(ent, x, fmt.Sprintf("%s.%s[%d]", path, k, i)); err != nil {
						return err
					}
				}
			}
			continue
		case "not":
			if err := h.checkWhere(ent, m[k], path+".not"); err != nil {
				return err
			}
			continue
		}
		f, _ := e.FieldByName(k)
		if f == nil {
			return invalidParams(fmt.Sprintf("Unknown field in %s: %s", path, k))
		}
		if f.Kind == ir.FieldRelation {
			if err := h.checkWhere(f.Relation.Target, m[k], path+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkOrder checks one ordering object of entity ent.
func (h *Handler) checkOrder(ent int, v any, path string) error {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	e := &h.sys.Entities[ent]
	for _, k := range sortedKeys(m) {
		f, _ := e.FieldByName(k)
		if f == nil {
			return invalidParams(fmt.Sprintf("Unknown field in %s: %s", path, k))
		}
		x := m[k]
		if x == nil {
			continue
		}
		if f.Kind == ir.FieldRelation {
			if err := h.checkOrder(f.Relation.Target, x, path+"."+k); err != nil {
				return err
			}
			continue
		}
		if f.Type.Kind == ir.KindScalar && f.Type.Scalar == ir.Vector {
			continue
		}
		s, ok := x.(string)
		if !ok || (s != "ASC" && s != "DESC") {
			shown := s
			if !ok {
				b, _ := json.Marshal(x)
				shown = string(b)
			}
			return invalidParams(fmt.Sprintf(`Invalid enum value '%s' at '%s.%s': allowed values are ["ASC", "DESC"]`, shown, path, k))
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
