package lower

import (
	"testing"

	"github.com/exo-dev/exo/ir"
)

func TestScalarDBType(t *testing.T) {
	for _, c := range []struct {
		s    ir.Scalar
		h    TypeHints
		want string
	}{
		{ir.Int, TypeHints{AutoIncrement: true}, "SERIAL"},
		{ir.Int, TypeHints{DBType: "BIGINT", AutoIncrement: true}, "BIGSERIAL"},
		{ir.Int, TypeHints{}, "INT"},
		{ir.Int, TypeHints{Bits: 16}, "SMALLINT"},
		{ir.Int, TypeHints{Range: &ir.Range{HasMin: true, HasMax: true, Max: 9999999999}}, "BIGINT"},
		{ir.Int, TypeHints{Range: &ir.Range{HasMin: true, HasMax: true, Max: 100}}, "SMALLINT"},
		{ir.Float, TypeHints{}, "REAL"},
		{ir.Float, TypeHints{Double: true}, "DOUBLE PRECISION"},
		{ir.Float, TypeHints{Range: &ir.Range{}}, "DOUBLE PRECISION"},
		{ir.Decimal, TypeHints{Precision: 20, Scale: 2, HasScale: true}, "NUMERIC(20, 2)"},
		{ir.Decimal, TypeHints{}, "NUMERIC"},
		{ir.String, TypeHints{}, "TEXT"},
		{ir.String, TypeHints{MaxLength: 30}, "VARCHAR(30)"},
		{ir.Uuid, TypeHints{}, "uuid"},
		{ir.Instant, TypeHints{}, "TIMESTAMP WITH TIME ZONE"},
		{ir.Instant, TypeHints{Precision: 4}, "TIMESTAMP(4) WITH TIME ZONE"},
		{ir.LocalDateTime, TypeHints{}, "TIMESTAMP"},
		{ir.Vector, TypeHints{Size: 3}, "Vector(3)"},
		{ir.Vector, TypeHints{}, "Vector(1536)"},
		{ir.Boolean, TypeHints{}, "BOOLEAN"},
		{ir.Json, TypeHints{}, "JSONB"},
		{ir.Blob, TypeHints{}, "BYTEA"},
	} {
		if got := ScalarDBType(c.s, c.h); got != c.want {
			t.Errorf("ScalarDBType(%v, %+v) = %q, want %q", c.s, c.h, got, c.want)
		}
	}
	if got := EnumDBType(ir.QualifiedName{Schema: "non_public", Name: "priority"}); got != `"non_public"."priority"` {
		t.Errorf("EnumDBType = %s", got)
	}
}
