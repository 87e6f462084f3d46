package schema

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// CanonicalType maps a DDL type as Exograph writes it ("INT", "SERIAL",
// "NUMERIC(20, 2)", "VARCHAR(20)", "TIMESTAMP WITH TIME ZONE", "Vector(1536)",
// "TEXT[]", `"non_public"."priority"`) to the form PostgreSQL's format_type()
// prints with search_path = public ("integer", "integer", "numeric(20,2)",
// "character varying(20)", "timestamp with time zone", "vector(1536)",
// "text[]", "non_public.priority"). serial reports SERIAL-like types, whose
// canonical type is the underlying integer type. Unknown types are returned
// lowercased with whitespace collapsed.
func CanonicalType(ddl string) (typ string, serial bool) {
	s := strings.TrimSpace(ddl)
	dims := 0
	for strings.HasSuffix(s, "[]") {
		s = strings.TrimSpace(strings.TrimSuffix(s, "[]"))
		dims++
	}
	base, serial := canonicalBase(s)
	if dims > 0 {
		// PostgreSQL does not track the number of dimensions: format_type
		// prints one "[]".
		base += "[]"
	}
	return base, serial
}

var (
	reTypeArgs = regexp.MustCompile(`^([a-z][a-z ]*?)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*(.*)$`)
	reSpaces   = regexp.MustCompile(`\s+`)
)

func canonicalBase(s string) (string, bool) {
	if strings.HasPrefix(s, `"`) || strings.Contains(s, `".`) {
		// A (possibly qualified) quoted type name: an enum.
		return canonicalQualified(s), false
	}
	l := reSpaces.ReplaceAllString(strings.ToLower(s), " ")
	switch l {
	case "serial", "serial4":
		return "integer", true
	case "bigserial", "serial8":
		return "bigint", true
	case "smallserial", "serial2":
		return "smallint", true
	case "int", "integer", "int4":
		return "integer", false
	case "smallint", "int2":
		return "smallint", false
	case "bigint", "int8":
		return "bigint", false
	case "real", "float4":
		return "real", false
	case "double precision", "float8", "float":
		return "double precision", false
	case "numeric", "decimal":
		return "numeric", false
	case "text":
		return "text", false
	case "varchar", "character varying":
		return "character varying", false
	case "char", "character", "bpchar":
		return "character(1)", false
	case "bool", "boolean":
		return "boolean", false
	case "uuid":
		return "uuid", false
	case "date":
		return "date", false
	case "time", "time without time zone":
		return "time without time zone", false
	case "timetz", "time with time zone":
		return "time with time zone", false
	case "timestamp", "timestamp without time zone":
		return "timestamp without time zone", false
	case "timestamptz", "timestamp with time zone":
		return "timestamp with time zone", false
	case "json":
		return "json", false
	case "jsonb":
		return "jsonb", false
	case "bytea":
		return "bytea", false
	case "vector":
		return "vector", false
	}
	if m := reTypeArgs.FindStringSubmatch(l); m != nil {
		name, a, b, rest := m[1], m[2], m[3], strings.TrimSpace(m[4])
		switch name {
		case "numeric", "decimal":
			if b == "" {
				b = "0"
			}
			return "numeric(" + a + "," + b + ")", false
		case "varchar", "character varying":
			return "character varying(" + a + ")", false
		case "char", "character", "bpchar":
			return "character(" + a + ")", false
		case "vector":
			return "vector(" + a + ")", false
		case "time", "timestamp":
			zone := "without time zone"
			switch rest {
			case "with time zone":
				zone = rest
			case "", "without time zone":
			default:
				return l, false
			}
			return name + "(" + a + ") " + zone, false
		case "timestamptz":
			return "timestamp(" + a + ") with time zone", false
		case "timetz":
			return "time(" + a + ") with time zone", false
		}
	}
	if isPlainIdent(l) || strings.Contains(l, ".") {
		return canonicalQualified(s), false
	}
	return l, false
}

// canonicalQualified turns `"s"."name"`, `s.name`, `"name"` into the
// format_type() form: unqualified in public, identifiers quoted only when
// needed.
func canonicalQualified(s string) string {
	parts := splitQualified(s)
	if len(parts) == 2 && (parts[0] == "public" || parts[0] == "") {
		parts = parts[1:]
	}
	for i, p := range parts {
		parts[i] = quoteIdentIfNeeded(p)
	}
	return strings.Join(parts, ".")
}

// splitQualified splits a possibly quoted dotted name into its parts,
// unquoting quoted parts and lowercasing unquoted ones.
func splitQualified(s string) []string {
	var parts []string
	var b strings.Builder
	quoted, wasQuoted := false, false
	flush := func() {
		p := b.String()
		if !wasQuoted {
			p = strings.ToLower(strings.TrimSpace(p))
		}
		parts = append(parts, p)
		b.Reset()
		wasQuoted = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '"' && i+1 < len(s) && s[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
			wasQuoted = true
		case !quoted && c == '.':
			flush()
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return parts
}

func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case (c >= '0' && c <= '9') || c == '$':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// quoteIdentIfNeeded quotes like PostgreSQL's quote_ident (keywords aside).
func quoteIdentIfNeeded(s string) string {
	if isPlainIdent(s) {
		return s
	}
	return QuoteIdent(s)
}

var (
	reNumber      = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$`)
	reTrailingCst = regexp.MustCompile(`^[A-Za-z_"][\w\s".$]*(\(\s*\d+(\s*,\s*\d+)?\s*\))?(\s*with(out)? time zone)?(\[\])*$`)
)

// NormalizeDefault brings a default expression to a comparable form:
// surrounding parentheses and whitespace are dropped, trailing type casts
// (`'USER'::text`, `'MEDIUM'::non_public.priority`, `'x'::regclass` inside
// nextval) are removed, quoted numbers are unquoted, `public.` qualification
// inside nextval is dropped, and everything outside string literals is
// lowercased.
func NormalizeDefault(expr string) string {
	s := strings.TrimSpace(expr)
	for {
		prev := s
		s = stripParens(s)
		s = stripTrailingCast(s)
		if s == prev {
			break
		}
	}
	s = lowerOutsideQuotes(s)
	// nextval('seq'::regclass) -> nextval('seq'); drop public.
	if strings.HasPrefix(s, "nextval(") && strings.HasSuffix(s, ")") {
		inner := strings.TrimSpace(s[len("nextval(") : len(s)-1])
		inner = stripTrailingCast(inner)
		if uq, ok := unquoteLiteral(inner); ok {
			name := canonicalQualified(uq)
			s = "nextval(" + quoteLiteral(name) + ")"
		}
		return s
	}
	if uq, ok := unquoteLiteral(s); ok && reNumber.MatchString(uq) {
		s = uq
	}
	if reNumber.MatchString(s) {
		s = strings.TrimPrefix(s, "+")
	}
	return s
}

func stripParens(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '(' || s[len(s)-1] != ')' {
		return s
	}
	depth, inQ := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inQ = !inQ
		case inQ:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 && i != len(s)-1 {
				return s // the first paren closes early: not enclosing
			}
		}
	}
	return strings.TrimSpace(s[1 : len(s)-1])
}

// stripTrailingCast removes a top-level `::type` suffix.
func stripTrailingCast(s string) string {
	inQ, depth, last := false, 0, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inQ = !inQ
		case inQ:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ':' && depth == 0 && i+1 < len(s) && s[i+1] == ':':
			last = i
			i++
		}
	}
	if last < 0 {
		return s
	}
	if !reTrailingCst.MatchString(strings.TrimSpace(strings.ToLower(s[last+2:]))) {
		return s
	}
	return strings.TrimSpace(s[:last])
}

func lowerOutsideQuotes(s string) string {
	var b strings.Builder
	inQ := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' {
			inQ = !inQ
		}
		if !inQ && c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// unquoteLiteral returns the content of a single-quoted literal.
func unquoteLiteral(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return "", false
	}
	inner := s[1 : len(s)-1]
	// a lone quote inside means it is not one literal
	if strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
		return "", false
	}
	return strings.ReplaceAll(inner, "''", "'"), true
}

// SameDefault reports whether two default expressions of a column of
// canonical type typ are equivalent: equal after NormalizeDefault, or
// string literals denoting the same value of the column's type (PostgreSQL
// rewrites '2024-01-01T14:30:00' as '2024-01-01 14:30:00', reformats jsonb
// and lowercases uuids).
func SameDefault(a, b, typ string) bool {
	na, nb := NormalizeDefault(a), NormalizeDefault(b)
	if na == nb {
		return true
	}
	la, okA := unquoteLiteral(na)
	lb, okB := unquoteLiteral(nb)
	if !okA || !okB {
		return false
	}
	base := strings.TrimSuffix(typ, "[]")
	switch {
	case base == "uuid":
		return strings.EqualFold(la, lb)
	case base == "json" || base == "jsonb":
		var va, vb any
		if json.Unmarshal([]byte(la), &va) != nil || json.Unmarshal([]byte(lb), &vb) != nil {
			return false
		}
		ja, _ := json.Marshal(va)
		jb, _ := json.Marshal(vb)
		return string(ja) == string(jb)
	case base == "date" || strings.HasPrefix(base, "time"):
		ta, okA := parseTimeLiteral(la)
		tb, okB := parseTimeLiteral(lb)
		if !okA || !okB {
			return false
		}
		if strings.Contains(base, "with time zone") {
			return ta.Equal(tb)
		}
		// naive values: compare the wall clock, ignoring any offset
		return ta.Format("2006-01-02 15:04:05.999999999") == tb.Format("2006-01-02 15:04:05.999999999")
	}
	return false
}

var timeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
	"15:04:05.999999999Z07:00",
	"15:04:05.999999999Z07",
	"15:04:05.999999999",
	"15:04",
}

func parseTimeLiteral(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
