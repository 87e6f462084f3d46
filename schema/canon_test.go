package schema

import "testing"

func TestCanonicalType(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		serial   bool
	}{
		{"INT", "integer", false},
		{"SERIAL", "integer", true},
		{"BIGSERIAL", "bigint", true},
		{"SMALLINT", "smallint", false},
		{"BIGINT", "bigint", false},
		{"REAL", "real", false},
		{"DOUBLE PRECISION", "double precision", false},
		{"NUMERIC(20, 2)", "numeric(20,2)", false},
		{"NUMERIC(20)", "numeric(20,0)", false},
		{"NUMERIC", "numeric", false},
		{"TEXT", "text", false},
		{"VARCHAR(20)", "character varying(20)", false},
		{"BOOLEAN", "boolean", false},
		{"uuid", "uuid", false},
		{"DATE", "date", false},
		{"TIME", "time without time zone", false},
		{"TIME(4)", "time(4) without time zone", false},
		{"TIMESTAMP", "timestamp without time zone", false},
		{"TIMESTAMP WITH TIME ZONE", "timestamp with time zone", false},
		{"TIMESTAMP(4) WITH TIME ZONE", "timestamp(4) with time zone", false},
		{"JSONB", "jsonb", false},
		{"BYTEA", "bytea", false},
		{"Vector(1536)", "vector(1536)", false},
		{"TEXT[]", "text[]", false},
		{"INT[][]", "integer[]", false},
		{`"priority"`, "priority", false},
		{`"public"."priority"`, "priority", false},
		{`"non_public"."priority"`, "non_public.priority", false},
		{`"Mixed"`, `"Mixed"`, false},
		{`"s"."e"[]`, "s.e[]", false},
		// already canonical forms map to themselves
		{"integer", "integer", false},
		{"character varying(20)", "character varying(20)", false},
		{"numeric(20,2)", "numeric(20,2)", false},
		{"timestamp(4) with time zone", "timestamp(4) with time zone", false},
		{"non_public.priority", "non_public.priority", false},
	} {
		got, serial := CanonicalType(tc.in)
		if got != tc.want || serial != tc.serial {
			t.Errorf("CanonicalType(%q) = %q, %v; want %q, %v", tc.in, got, serial, tc.want, tc.serial)
		}
	}
}

func TestNormalizeDefault(t *testing.T) {
	same := [][2]string{
		{"'USER'::text", "'USER'::text"},
		{"'MEDIUM'", "'MEDIUM'::priority"},
		{"'MEDIUM'", "'MEDIUM'::non_public.priority"},
		{"'MEDIUM'", `'MEDIUM'::"non_public"."priority"`},
		{"now()", "now()"},
		{"NOW()", "now()"},
		{"true", "true"},
		{"'10.00'", "10.00"},
		{"10.0", "10.0"},
		{"nextval('my_sequence')", "nextval('my_sequence'::regclass)"},
		{"nextval('public.my_sequence')", "nextval('my_sequence'::regclass)"},
		{"nextval('s.my_seq')", "nextval('s.my_seq'::regclass)"},
		{"'2024-01-01'", "'2024-01-01'::date"},
		{"'{}'", "'{}'::jsonb"},
		{"(0)", "0"},
		{"'a::b'::text", "'a::b'"},
		{"'x'::character varying", "'x'"},
		{"'2024-01-01 10:00'::timestamp with time zone", "'2024-01-01 10:00'"},
	}
	for _, p := range same {
		if a, b := NormalizeDefault(p[0]), NormalizeDefault(p[1]); a != b {
			t.Errorf("NormalizeDefault(%q) = %q, NormalizeDefault(%q) = %q; want equal", p[0], a, p[1], b)
		}
	}
	differ := [][2]string{
		{"true", "false"},
		{"'USER'", "'user'"},
		{"now()", "gen_random_uuid()"},
		{"nextval('a')", "nextval('b')"},
		{"", "0"},
		{"1", "10"},
	}
	for _, p := range differ {
		if a, b := NormalizeDefault(p[0]), NormalizeDefault(p[1]); a == b {
			t.Errorf("NormalizeDefault(%q) == NormalizeDefault(%q) == %q; want different", p[0], p[1], a)
		}
	}
}

func TestParseUpdateFunctionBody(t *testing.T) {
	as, ok := ParseUpdateFunctionBody(" BEGIN NEW.updated_at = now(); NEW.\"Odd\" := 'a;b'; RETURN NEW; END; ")
	if !ok || len(as) != 2 || as[0] != (Assignment{"updated_at", "now()"}) || as[1] != (Assignment{"Odd", "'a;b'"}) {
		t.Errorf("parse: %v %#v", ok, as)
	}
	if _, ok := ParseUpdateFunctionBody("BEGIN PERFORM x(); RETURN NEW; END;"); ok {
		t.Errorf("non-assignment body parsed")
	}
	if _, ok := ParseUpdateFunctionBody("select 1"); ok {
		t.Errorf("non-plpgsql body parsed")
	}
}

func TestSameDefault(t *testing.T) {
	for _, tc := range []struct {
		a, b, typ string
		want      bool
	}{
		{"'2024-01-01T14:30:00'::timestamp without time zone", "'2024-01-01 14:30:00'::timestamp without time zone", "timestamp without time zone", true},
		{"'2024-01-01T14:30:00'", "'2024-01-01 14:31:00'", "timestamp without time zone", false},
		{"'2024-01-01T14:30:00Z'", "'2024-01-01 16:30:00+02'::timestamp with time zone", "timestamp with time zone", true},
		{"'14:30'", "'14:30:00'::time without time zone", "time without time zone", true},
		{"'2024-01-01'", "'2024-01-02'::date", "date", false},
		{`'{"b": 1, "a": [1, 2]}'::jsonb`, `'{"a":[1,2],"b":1}'`, "jsonb", true},
		{`'{"a": 1}'`, `'{"a": 2}'`, "jsonb", false},
		{"'550E8400-E29B-41D4-A716-446655440000'", "'550e8400-e29b-41d4-a716-446655440000'::uuid", "uuid", true},
		{"'ABC'", "'abc'", "text", false},
		{"now()", "'2024-01-01'", "date", false},
	} {
		if got := SameDefault(tc.a, tc.b, tc.typ); got != tc.want {
			t.Errorf("SameDefault(%q, %q, %q) = %v, want %v", tc.a, tc.b, tc.typ, got, tc.want)
		}
	}
}
