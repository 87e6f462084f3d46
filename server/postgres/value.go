package postgres

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/exo-dev/exo/ir"
)

// typeLabel is the type name used in Exograph's conversion error.
func typeLabel(f *ir.Field, sc ir.Scalar) string {
	if sc == ir.Int {
		switch f.Bits {
		case 16:
			return "16-bit integer"
		case 64:
			return "64-bit integer"
		}
		return "32-bit integer"
	}
	if sc == ir.Float {
		if strings.Contains(f.DBType, "DOUBLE") {
			return "64-bit float"
		}
		return "32-bit float"
	}
	return sc.String()
}

func (r *run) convErr(f *ir.Field) error {
	sc := ir.ScalarInvalid
	if f.Type.Kind == ir.KindScalar {
		sc = f.Type.Scalar
	} else if f.Type.Kind == ir.KindArray {
		sc = elemScalar(f.Type)
	}
	label := f.Type.Name
	if sc != ir.ScalarInvalid {
		label = typeLabel(f, sc)
	}
	return &Error{Message: "Unable to convert input to the expected type: trying to convert the '" + f.Name + "' field to the '" + label + "' type"}
}

// convert turns an input value for field f into a bind argument pgx can encode for the column.
// nil stays nil (SQL NULL).
func (r *run) convert(f *ir.Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch f.Kind {
	case ir.FieldJSON:
		s, err := jsonText(v)
		if err != nil {
			return nil, r.convErr(f)
		}
		return s, nil
	}
	switch f.Type.Kind {
	case ir.KindScalar:
		return r.convertScalar(f, f.Type.Scalar, v)
	case ir.KindEnum:
		s, ok := v.(string)
		if !ok {
			return nil, r.convErr(f)
		}
		return s, nil
	case ir.KindArray:
		list, ok := v.([]any)
		if !ok {
			return nil, r.convErr(f)
		}
		var sb strings.Builder
		if err := r.arrayLiteral(&sb, f, *f.Type.Elem, list); err != nil {
			return nil, err
		}
		return sb.String(), nil
	}
	return nil, r.convErr(f)
}

// convertElem converts a single element value for an array field.
func (r *run) convertElem(f *ir.Field, v any) (any, error) {
	t := f.Type
	for t.Kind == ir.KindArray && t.Elem != nil {
		t = *t.Elem
	}
	if t.Kind == ir.KindEnum {
		if s, ok := v.(string); ok {
			return s, nil
		}
		return nil, r.convErr(f)
	}
	x, err := r.convertScalar(f, t.Scalar, v)
	if err != nil {
		return nil, err
	}
	return textOf(x), nil
}

func textOf(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		if v {
			return "true"
		}
		return "false"
	case []byte:
		return `\x` + hexString(v)
	}
	return ""
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i] = digits[c>>4]
		out[2*i+1] = digits[c&15]
	}
	return string(out)
}

// arrayLiteral writes a PostgreSQL array literal ({"a","b"}) for list.
func (r *run) arrayLiteral(sb *strings.Builder, f *ir.Field, elem ir.TypeRef, list []any) error {
	sb.WriteByte('{')
	for i, v := range list {
		if i > 0 {
			sb.WriteByte(',')
		}
		if v == nil {
			sb.WriteString("NULL")
			continue
		}
		if elem.Kind == ir.KindArray {
			sub, ok := v.([]any)
			if !ok {
				return r.convErr(f)
			}
			if err := r.arrayLiteral(sb, f, *elem.Elem, sub); err != nil {
				return err
			}
			continue
		}
		var s string
		if elem.Kind == ir.KindEnum {
			x, ok := v.(string)
			if !ok {
				return r.convErr(f)
			}
			s = x
		} else {
			x, err := r.convertScalar(f, elem.Scalar, v)
			if err != nil {
				return err
			}
			s = textOf(x)
		}
		sb.WriteByte('"')
		for j := 0; j < len(s); j++ {
			if s[j] == '"' || s[j] == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteByte(s[j])
		}
		sb.WriteByte('"')
	}
	sb.WriteByte('}')
	return nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case float32:
		return float64(x), true
	case int32:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

func (r *run) convertScalar(f *ir.Field, sc ir.Scalar, v any) (any, error) {
	switch sc {
	case ir.Int:
		var n int64
		switch x := v.(type) {
		case int64:
			n = x
		case int:
			n = int64(x)
		case int32:
			n = int64(x)
		case json.Number:
			i, err := x.Int64()
			if err != nil {
				return nil, r.convErr(f)
			}
			n = i
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<63 {
				return nil, r.convErr(f)
			}
			n = int64(x)
		default:
			return nil, r.convErr(f)
		}
		switch f.Bits {
		case 16:
			if n < math.MinInt16 || n > math.MaxInt16 {
				return nil, r.convErr(f)
			}
		case 64:
		default:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return nil, r.convErr(f)
			}
		}
		if err := checkRange(f, float64(n), strconv.FormatInt(n, 10)); err != nil {
			return nil, err
		}
		return n, nil
	case ir.Float:
		x, ok := toFloat(v)
		if !ok {
			return nil, r.convErr(f)
		}
		if err := checkRange(f, x, strconv.FormatFloat(x, 'f', -1, 64)); err != nil {
			return nil, err
		}
		return x, nil
	case ir.Decimal:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case json.Number:
			s = x.String()
		case int64:
			s = strconv.FormatInt(x, 10)
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			return nil, r.convErr(f)
		}
		if !isDecimal(s) {
			return nil, r.convErr(f)
		}
		return s, nil
	case ir.String:
		s, ok := v.(string)
		if !ok {
			return nil, r.convErr(f)
		}
		return s, nil
	case ir.Boolean:
		b, ok := v.(bool)
		if !ok {
			return nil, r.convErr(f)
		}
		return b, nil
	case ir.Uuid:
		s, ok := v.(string)
		if !ok || !isUUID(s) {
			return nil, r.convErr(f)
		}
		return s, nil
	case ir.LocalDate, ir.LocalTime, ir.LocalDateTime, ir.Instant:
		s, ok := v.(string)
		if !ok {
			return nil, r.convErr(f)
		}
		out, ok := dateTimeText(sc, s)
		if !ok {
			return nil, r.convErr(f)
		}
		return out, nil
	case ir.Json:
		s, err := jsonText(v)
		if err != nil {
			return nil, r.convErr(f)
		}
		return s, nil
	case ir.Blob:
		s, ok := v.(string)
		if !ok {
			return nil, r.convErr(f)
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, r.convErr(f)
		}
		return b, nil
	case ir.Vector:
		return r.vectorValue(f, v)
	}
	return nil, r.convErr(f)
}

func checkRange(f *ir.Field, x float64, text string) error {
	rg := f.Range
	if rg == nil {
		return nil
	}
	if rg.HasMin && x < rg.Min {
		return &Error{Message: "Invalid value for 'range': min = " + rangeText(rg.MinText, rg.Min) + ", provided value = " + text, inputArg: true}
	}
	if rg.HasMax && x > rg.Max {
		return &Error{Message: "Invalid value for 'range': max = " + rangeText(rg.MaxText, rg.Max) + ", provided value = " + text, inputArg: true}
	}
	return nil
}

// rangeText shows a @range bound as Exograph does (Rust's Display of the parsed number): an
// integer literal verbatim, a float bound as its shortest form ("-1.0" shows as -1).
func rangeText(text string, v float64) string {
	t := strings.Trim(text, `"`)
	if _, err := strconv.ParseInt(t, 10, 64); err == nil {
		return t
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func isDecimal(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case c == 'e' || c == 'E':
			if digits == 0 {
				return false
			}
			_, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
			return err == nil
		default:
			return s == "NaN"
		}
	}
	return digits > 0
}

func isUUID(s string) bool {
	switch len(s) {
	case 36:
		for i := 0; i < 36; i++ {
			c := s[i]
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if c != '-' {
					return false
				}
				continue
			}
			if !isHex(c) {
				return false
			}
		}
		return true
	case 32:
		for i := 0; i < 32; i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		return true
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

var (
	dateLayouts     = []string{"2006-01-02"}
	timeLayouts     = []string{"15:04:05.999999999", "15:04"}
	dateTimeLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04"}
	instantLayouts  = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z0700"}
)

func parseAny(layouts []string, s string) (time.Time, bool) {
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dateTimeText validates a date/time input and returns the text PostgreSQL parses. LocalDate
// and LocalDateTime accept timestamps with a zone (the zone is dropped); Instant accepts naive
// timestamps (UTC, the session time zone).
func dateTimeText(sc ir.Scalar, s string) (string, bool) {
	switch sc {
	case ir.LocalDate:
		if _, ok := parseAny(dateLayouts, s); ok {
			return s, true
		}
		if t, ok := parseAny(instantLayouts, s); ok {
			return t.Format("2006-01-02"), true
		}
		if t, ok := parseAny(dateTimeLayouts, s); ok {
			return t.Format("2006-01-02"), true
		}
	case ir.LocalTime:
		if _, ok := parseAny(timeLayouts, s); ok {
			return s, true
		}
	case ir.LocalDateTime:
		if _, ok := parseAny(dateTimeLayouts, s); ok {
			return s, true
		}
		if t, ok := parseAny(instantLayouts, s); ok {
			return t.Format("2006-01-02T15:04:05.999999999"), true
		}
	case ir.Instant:
		if _, ok := parseAny(instantLayouts, s); ok {
			return s, true
		}
		if _, ok := parseAny(dateTimeLayouts, s); ok {
			return s, true
		}
	}
	return "", false
}

// jsonText returns the JSON text of an input value (strings in a Json field are JSON strings).
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func stringList(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, errBadValue
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, errBadValue
}

var errBadValue = &Error{Message: "Invalid argument"}

// vectorValue converts [Float] to pgvector's text form "[1,2,3]".
func (r *run) vectorValue(f *ir.Field, v any) (string, error) {
	list, ok := v.([]any)
	if !ok {
		return "", r.convErr(f)
	}
	buf := make([]byte, 0, 8*len(list)+2)
	buf = append(buf, '[')
	for i, e := range list {
		x, ok := toFloat(e)
		if !ok {
			return "", r.convErr(f)
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendFloat(buf, x, 'g', -1, 32)
	}
	buf = append(buf, ']')
	return string(buf), nil
}
