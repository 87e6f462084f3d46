package postgres

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestFlatRowsSameAsJSON runs eligible collection queries in the flat-rows
// shape and in the JSON shape and requires byte-identical JSON (after
// removing json_agg's whitespace), including PostgreSQL's string escapes;
// ineligible ones must keep the JSON shape.
func TestFlatRowsSameAsJSON(t *testing.T) {
	v := newEnv(t, Options{})
	// Strings that need escaping, a second concert at Arena, an empty list.
	for _, name := range []string{"say \"hi\" \\ back\\slash", "line\nbreak\ttab\r\b\f", "ctrl \x01\x1f end", "é ü 😀 / </script>"} {
		if _, err := v.conn.Exec(v.ctx, `INSERT INTO venues (name, published) VALUES ($1, true)`, name); err != nil {
			t.Fatal(err)
		}
	}
	// Floats whose text is not a plain decimal.
	if _, err := v.conn.Exec(v.ctx, `UPDATE venues SET latitude = (ARRAY['NaN', 'Infinity', '-Infinity', '1e20', '1.5e-7', '-0.1'])[id]::real WHERE id <= 6`); err != nil {
		t.Fatal(err)
	}
	if _, err := v.conn.Exec(v.ctx, `INSERT INTO concerts (title, venueid, published, price) VALUES ('Opera "Night"', 2, true, 99.99), ('Folk', 5, false, 0)`); err != nil {
		t.Fatal(err)
	}
	// Physical order unlike the keys' (an update moves the row): lists
	// without ordering come in physical order in both shapes.
	if _, err := v.conn.Exec(v.ctx, `UPDATE concerts SET published = published WHERE id = 1; UPDATE venues SET name = name WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	byID := obj{"id": "ASC"}
	for _, c := range []struct {
		name string
		root *Field
		flat bool
	}{
		{"list of scalars", fa("venues", obj{"orderBy": byID}, f("id"), f("name"), f("published")), true},
		{"list, to-one", fa("concerts", obj{"orderBy": byID}, f("id"), f("title"), f("price"), f("published"), f("rank"), f("code"), f("venue", f("name"), f("published"))), true},
		{"list, list, to-one", fa("venues", obj{"orderBy": byID}, f("name"),
			fa("concerts", obj{"orderBy": list{obj{"title": "DESC"}}}, f("title"), f("price"), f("venue", f("id")))), true},
		{"list in the middle", fa("venues", obj{"orderBy": byID}, f("id"),
			fa("concerts", obj{"where": obj{"published": obj{"eq": true}}, "orderBy": byID}, f("id"), f("title")), f("name"), f("published")), true},
		{"list first", fa("venues", obj{"orderBy": byID}, fa("concerts", obj{"orderBy": byID}, f("title")), f("name")), true},
		{"unordered nested list", fa("venues", obj{"orderBy": byID, "where": obj{"id": obj{"lt": int64(3)}}}, f("name"), fa("concerts", nil, f("title"))), true},
		{"unordered lists", fa("venues", nil, f("name"), fa("concerts", nil, f("id"), f("title"))), true},
		{"ties in physical order", fa("concerts", obj{"orderBy": list{obj{"published": "ASC"}}}, f("id")), true},
		{"limit offset alias", fa("concerts", obj{"orderBy": list{obj{"price": "DESC"}}, "limit": int64(2), "offset": int64(1)},
			&Field{Name: "title", Alias: "t"}, &Field{Name: "venue", Alias: "v", Selections: []*Field{{Name: "name", Alias: "n"}}}), true},
		{"nested limit", fa("venues", obj{"orderBy": byID}, f("name"), fa("concerts", obj{"orderBy": byID, "limit": int64(1)}, f("title"))), true},
		{"to-one chain with nulls", fa("employees", obj{"orderBy": byID}, f("name"), f("manager", f("name"), f("manager", f("name")))), true},
		{"composite keys", fa("people", obj{"orderBy": list{obj{"email": "ASC"}}}, f("email"),
			fa("addresses", obj{"orderBy": list{obj{"street": "DESC"}}}, f("street"), f("person", f("lastName")))), true},
		{"filter through relation", fa("concerts", obj{"where": obj{"venue": obj{"name": obj{"eq": "Hall"}}}, "orderBy": byID}, f("title")), true},
		{"order through relation", fa("concerts", obj{"orderBy": list{obj{"venue": list{obj{"name": "DESC"}}}, obj{"id": "DESC"}}}, f("title"),
			f("venue", f("name"))), true},
		{"nested slice descending", fa("venues", obj{"orderBy": list{obj{"name": "DESC"}}}, f("name"),
			fa("concerts", obj{"orderBy": list{obj{"price": "DESC"}}, "limit": int64(2), "offset": int64(1)}, f("title"))), true},
		{"empty result", fa("venues", obj{"where": obj{"name": obj{"eq": "nowhere"}}}, f("name"), fa("concerts", nil, f("title"))), true},

		{"__typename", fa("venues", obj{"orderBy": byID}, f("__typename"), f("name")), false},
		{"float", fa("venues", obj{"orderBy": byID}, f("id"), f("latitude"), fa("concerts", nil, f("venue", f("latitude")))), true},
		{"aggregate", fa("venues", obj{"orderBy": byID}, f("name"), fa("concertsAgg", nil, f("id", f("count")))), false},
		{"dates", fa("concerts", obj{"orderBy": byID}, f("id"), f("startsAt"), f("day"), f("venue", f("name"))), true},
		{"list under to-one", fa("concerts", obj{"orderBy": byID}, f("title"), f("venue", fa("concerts", obj{"orderBy": byID}, f("title")))), false},
		{"two lists", fa("venues", obj{"orderBy": byID}, fa("concerts", nil, f("id")), &Field{Name: "concerts", Alias: "again", Selections: []*Field{f("title")}}), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql, _, err := v.e.Plan(v.ctx, c.root)
			if err != nil {
				t.Fatal(err)
			}
			if got := !strings.HasPrefix(sql, "SELECT COALESCE(json_agg("); got != c.flat {
				t.Fatalf("flat rows used: %v, want %v\n%s", got, c.flat, sql)
			}
			flat, err := v.e.ResolveOn(v.ctx, v.conn, c.root)
			if err != nil {
				t.Fatal(err)
			}
			useFlatRows = false
			plain, err := v.e.ResolveOn(v.ctx, v.conn, c.root)
			useFlatRows = true
			if err != nil {
				t.Fatal(err)
			}
			var want, got bytes.Buffer
			if err := json.Compact(&want, plain); err != nil {
				t.Fatalf("JSON shape: %v: %s", err, plain)
			}
			if err := json.Compact(&got, flat); err != nil {
				t.Fatalf("flat rows: invalid JSON %v: %s", err, flat)
			}
			if got.String() != want.String() {
				t.Fatalf("flat rows:\n%s\nJSON shape:\n%s", got.String(), want.String())
			}
			if !c.flat {
				return
			}
			if c.name == "dates" && !strings.Contains(got.String(), `"startsAt":"2021-07-07T03:08:47.1235+00:00","day":"1851-10-18"`) {
				t.Fatalf("the dates case lacks the first concert's dates: %s", got.String())
			}
			if c.name == "float" {
				for _, s := range []string{`"latitude":"NaN"`, `"latitude":"-Infinity"`, `"latitude":1e+20`, `"latitude":-0.1`} {
					if !strings.Contains(got.String(), s) {
						t.Fatalf("the float case lacks %s: %s", s, got.String())
					}
				}
			}
			if n := strings.Count(want.String(), "{"); n < 1 && c.name != "empty result" {
				t.Fatalf("the query selects nothing: %s", want.String())
			}
		})
	}
}

// TestFlatRowsGroupsTies checks that elements stay whole when the ordering
// has ties: every nested row belongs to its element, and none is lost.
func TestFlatRowsGroupsTies(t *testing.T) {
	v := newEnv(t, Options{})
	if _, err := v.conn.Exec(v.ctx, `INSERT INTO concerts (title, venueid, published, price)
		SELECT 'c' || g, 1 + g % 3, g % 2 = 0, g FROM generate_series(1, 30) g`); err != nil {
		t.Fatal(err)
	}
	root := fa("venues", obj{"orderBy": list{obj{"published": "ASC"}}}, f("id"),
		fa("concerts", obj{"orderBy": list{obj{"published": "DESC"}}}, f("id"), f("venue", f("id"))))
	if sql, _, _ := v.e.Plan(v.ctx, root); strings.HasPrefix(sql, "SELECT COALESCE(json_agg(") {
		t.Fatalf("not planned as flat rows: %s", sql)
	}
	got, err := v.resolve(root)
	if err != nil {
		t.Fatal(err)
	}
	venues := got.([]any)
	concerts := 0
	for _, x := range venues {
		ven := x.(map[string]any)
		for _, c := range ven["concerts"].([]any) {
			concerts++
			if vid := c.(map[string]any)["venue"].(map[string]any)["id"]; vid != ven["id"] {
				t.Errorf("venue %v lists a concert of venue %v", ven["id"], vid)
			}
		}
	}
	if len(venues) != 3 || concerts != 33 {
		t.Errorf("%d venues with %d concerts, want 3 with 33", len(venues), concerts)
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"":             `""`,
		"plain":        `"plain"`,
		"a\"b\\c":      `"a\"b\\c"`,
		"\n\r\t\b\f":   `"\n\r\t\b\f"`,
		"\x00\x01\x1f": `"\u0000\u0001\u001f"`,
		"é😀/<":         `"é😀/<"`,
	} {
		if got := string(appendJSONString(nil, in)); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
}
