package access

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/exo-dev/exo/ir"
)

// coerce converts a raw context value (a JSON claim, a header string ...) to the declared
// type. nil stays nil (missing values are null, whatever the declared optionality).
func coerce(sys *ir.System, v any, t ir.TypeRef) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t.Kind {
	case ir.KindScalar:
		return coerceScalar(v, t.Scalar)
	case ir.KindEnum:
		s, ok := v.(string)
		if !ok {
			return nil, errTypeMismatch(t.Name, v)
		}
		if t.Index >= 0 && t.Index < len(sys.Enums) {
			for _, ev := range sys.Enums[t.Index].Values {
				if ev == s {
					return s, nil
				}
			}
			return nil, errTypeMismatch(t.Name, v)
		}
		return s, nil
	case ir.KindArray, ir.KindSet:
		list, ok := v.([]any)
		if !ok {
			return nil, errTypeMismatch(typeName(t), v)
		}
		out := make([]any, len(list))
		for i, e := range list {
			if t.Elem == nil {
				out[i] = normalizeJSON(e)
				continue
			}
			c, err := coerce(sys, e, *t.Elem)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return normalizeJSON(v), nil
}

func typeName(t ir.TypeRef) string {
	switch t.Kind {
	case ir.KindScalar:
		return t.Scalar.String()
	case ir.KindArray, ir.KindSet:
		kind := "Array"
		if t.Kind == ir.KindSet {
			kind = "Set"
		}
		if t.Elem != nil {
			return kind + "<" + typeName(*t.Elem) + ">"
		}
		return kind
	}
	return t.Name
}

func coerceScalar(v any, s ir.Scalar) (any, error) {
	v = normalizeJSON(v)
	switch s {
	case ir.Int:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
		}
	case ir.Float:
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, nil
			}
		}
	case ir.Decimal:
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case string:
			if _, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return strings.TrimSpace(x), nil
			}
		}
	case ir.Boolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			switch strings.TrimSpace(x) {
			case "true":
				return true, nil
			case "false":
				return false, nil
			}
		}
	case ir.String:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	case ir.Uuid:
		if x, ok := v.(string); ok && isUUID(x) {
			return strings.ToLower(x), nil
		}
	case ir.LocalDate, ir.LocalTime, ir.LocalDateTime, ir.Instant, ir.Blob, ir.Vector:
		if x, ok := v.(string); ok {
			return x, nil
		}
		if s == ir.Vector {
			if list, ok := v.([]any); ok {
				return list, nil
			}
		}
	case ir.Json:
		if x, ok := v.(string); ok {
			var j any
			if err := json.Unmarshal([]byte(x), &j); err == nil {
				return normalizeJSON(j), nil
			}
			return x, nil
		}
		return v, nil
	default:
		return v, nil
	}
	return nil, errTypeMismatch(s.String(), v)
}

func isUUID(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// normalizeJSON turns json.Number and Go numeric types into int64 / float64, recursively.
func normalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return string(x)
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x)
		}
		return float64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return float64(x)
	case float32:
		return float64(x)
	case []any:
		var out []any
		for i, e := range x {
			n := normalizeJSON(e)
			if out == nil && !sameScalar(n, e) {
				out = make([]any, len(x))
				copy(out, x[:i])
			}
			if out != nil {
				out[i] = n
			}
		}
		if out == nil {
			return x
		}
		return out
	case map[string]any:
		var out map[string]any
		for k, e := range x {
			n := normalizeJSON(e)
			if !sameScalar(n, e) {
				if out == nil {
					out = make(map[string]any, len(x))
					for k2, e2 := range x {
						out[k2] = e2
					}
				}
				out[k] = n
			}
		}
		if out == nil {
			return x
		}
		return out
	}
	return v
}

// sameScalar reports whether normalisation left e unchanged (cheap check: composite values are
// always treated as changed when they are new slices/maps).
func sameScalar(n, e any) bool {
	switch e.(type) {
	case json.Number, int, int8, int16, int32, uint, uint8, uint16, uint32, uint64, float32:
		return false
	case []any, map[string]any:
		return false
	}
	return true
}
