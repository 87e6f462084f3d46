package lower

import (
	"math"
	"strconv"
	"strings"

	"github.com/exo-dev/exo/ir"
)

// TypeHints are the column-type annotations of a field, already validated
// by the checker (which rejects hints that do not apply to the type).
type TypeHints struct {
	DBType        string // @dbtype, verbatim
	MaxLength     int    // @maxLength; 0 = none
	Bits          int    // @bits16/32/64; 0 = none
	Range         *ir.Range
	Single        bool // @singlePrecision
	Double        bool // @doublePrecision
	Precision     int  // @precision; 0 = none
	Scale         int  // @scale; -1 = none
	HasScale      bool
	Size          int  // @size (Vector); 0 = default 1536
	AutoIncrement bool // autoIncrement() default
}

// DefaultVectorSize is the dimension of a Vector without @size.
const DefaultVectorSize = 1536

// IntBits returns the integer width chosen for an Int field: explicit bits,
// else the smallest of 16/32/64 that holds the @range, else 32.
func IntBits(h TypeHints) int {
	if h.DBType != "" {
		switch normalizeDBType(h.DBType) {
		case "SMALLINT", "INT2", "SMALLSERIAL":
			return 16
		case "BIGINT", "INT8", "BIGSERIAL":
			return 64
		}
		return 32
	}
	if h.Bits != 0 {
		return h.Bits
	}
	if r := h.Range; r != nil && r.HasMin && r.HasMax {
		switch {
		case r.Min >= math.MinInt16 && r.Max <= math.MaxInt16:
			return 16
		case r.Min >= math.MinInt32 && r.Max <= math.MaxInt32:
			return 32
		}
		return 64
	}
	return 32
}

func normalizeDBType(s string) string {
	return strings.Join(strings.Fields(strings.ToUpper(s)), " ")
}

// ScalarDBType returns the column type of a scalar field exactly as Exograph
// spells it in DDL.
func ScalarDBType(s ir.Scalar, h TypeHints) string {
	if h.DBType != "" {
		t := normalizeDBType(h.DBType)
		if s == ir.Int && h.AutoIncrement {
			switch t {
			case "SMALLINT", "INT2":
				return "SMALLSERIAL"
			case "INT", "INTEGER", "INT4":
				return "SERIAL"
			case "BIGINT", "INT8":
				return "BIGSERIAL"
			}
		}
		return t
	}
	switch s {
	case ir.Int:
		bits := IntBits(h)
		if h.AutoIncrement {
			switch bits {
			case 16:
				return "SMALLSERIAL"
			case 64:
				return "BIGSERIAL"
			}
			return "SERIAL"
		}
		switch bits {
		case 16:
			return "SMALLINT"
		case 64:
			return "BIGINT"
		}
		return "INT"
	case ir.Float:
		switch {
		case h.Double:
			return "DOUBLE PRECISION"
		case h.Single:
			return "REAL"
		case h.Range != nil:
			// A Float hint without an explicit precision means double.
			return "DOUBLE PRECISION"
		}
		return "REAL"
	case ir.Decimal:
		switch {
		case h.Precision > 0 && h.HasScale:
			return "NUMERIC(" + strconv.Itoa(h.Precision) + ", " + strconv.Itoa(h.Scale) + ")"
		case h.Precision > 0:
			return "NUMERIC(" + strconv.Itoa(h.Precision) + ")"
		}
		return "NUMERIC"
	case ir.String:
		if h.MaxLength > 0 {
			return "VARCHAR(" + strconv.Itoa(h.MaxLength) + ")"
		}
		return "TEXT"
	case ir.Boolean:
		return "BOOLEAN"
	case ir.Uuid:
		return "uuid"
	case ir.LocalDate:
		return "DATE"
	case ir.LocalTime:
		return "TIME" + precision(h)
	case ir.LocalDateTime:
		return "TIMESTAMP" + precision(h)
	case ir.Instant:
		return "TIMESTAMP" + precision(h) + " WITH TIME ZONE"
	case ir.Json:
		return "JSONB"
	case ir.Blob:
		return "BYTEA"
	case ir.Vector:
		n := h.Size
		if n == 0 {
			n = DefaultVectorSize
		}
		return "Vector(" + strconv.Itoa(n) + ")"
	}
	return "TEXT"
}

func precision(h TypeHints) string {
	if h.Precision > 0 {
		return "(" + strconv.Itoa(h.Precision) + ")"
	}
	return ""
}

// ReferenceDBType is the type of a foreign key column referencing a column
// of type t: serial types become their integer types.
func ReferenceDBType(t string) string {
	switch t {
	case "SERIAL":
		return "INT"
	case "SMALLSERIAL":
		return "SMALLINT"
	case "BIGSERIAL":
		return "BIGINT"
	}
	return t
}

// EnumDBType is the column type of an enum: the quoted, schema-qualified
// type name (`"priority"`, `"non_public"."priority"`).
func EnumDBType(q ir.QualifiedName) string {
	if q.Schema == "" || q.Schema == "public" {
		return `"` + q.Name + `"`
	}
	return `"` + q.Schema + `"."` + q.Name + `"`
}
