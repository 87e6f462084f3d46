package jsrt

import (
	"strings"
	"testing"
	"unicode"
)

func TestRewriteUnicodeProperties(t *testing.T) {
	if _, ok := rewriteUnicodeProperties(`a\\p{L}[\p]`); ok {
		t.Error("escaped backslash or \\p without braces rewritten")
	}
	if _, ok := rewriteUnicodeProperties(`\p{No_Such_Property}`); ok {
		t.Error("unknown property rewritten")
	}
	got, ok := rewriteUnicodeProperties(`^\p{ASCII_Hex_Digit}+[x\P{ASCII}]\P{ASCII}$`)
	if !ok {
		t.Fatal("not rewritten")
	}
	want := `^[\u0030-\u0039\u0041-\u0046\u0061-\u0066]+[x\u0080-\u{10FFFF}][^\u0000-\u007F]$`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestPropertySets(t *testing.T) {
	cases := []struct {
		name    string
		in, out []rune
	}{
		{"ID_Start", []rune{'a', 'Z', 'é', '℮', 'ↈ', 0x1D400}, []rune{'0', '_', '$', ' ', 'ⸯ'}},
		{"ID_Continue", []rune{'a', '0', '_', 0x300, 0x200D}, []rune{'$', '-', ' ', 'ⸯ'}},
		{"XID_Start", []rune{'a'}, []rune{0x37A, 0xFF9E}},
		{"Alphabetic", []rune{'a', 'Ⅻ', 0x345}, []rune{'1', '_'}},
		{"Lowercase", []rune{'a', 'ª'}, []rune{'A'}},
		{"Uppercase", []rune{'A', 'Ⓐ'}, []rune{'a'}},
		{"Script=Greek", []rune{'α', 'Ω'}, []rune{'a'}},
		{"sc=Latn", []rune{'a'}, []rune{'α'}},
		{"General_Category=Decimal_Number", []rune{'5', '٣'}, []rune{'a'}},
		{"Lu", []rune{'A'}, []rune{'a'}},
		{"Letter", []rune{'a', 'A'}, []rune{'1'}},
		{"Cn", []rune{0x378}, []rune{'a'}},
		{"Any", []rune{0, unicode.MaxRune}, nil},
		{"WSpace", []rune{' ', 0x3000}, []rune{'a'}},
	}
	for _, c := range cases {
		s := propertySet(c.name)
		if s == nil {
			t.Errorf("%s: unknown", c.name)
			continue
		}
		for _, r := range c.in {
			if !s.has(r) {
				t.Errorf("%s: %U missing", c.name, r)
			}
		}
		for _, r := range c.out {
			if s.has(r) {
				t.Errorf("%s: %U present", c.name, r)
			}
		}
	}
}

func TestRegExpPropertyEscapes(t *testing.T) {
	m := module(t, `
function run() {
  const id = new RegExp("^[$_\\p{ID_Start}][$_\\u200C\\u200D\\p{ID_Continue}]*$", "u");
  const lu = new RegExp("^\\p{Lu}+$", "u");
  const notL = RegExp("^\\P{L}$", "u");
  const greek = new RegExp("(?=.)\\p{Script=Greek}", "u");
  const astral = new RegExp("^\\p{Alphabetic}$", "u");
  const plain = new RegExp("\\p{L}");
  class Sub extends RegExp {}
  const sub = new Sub("^\\p{IDS}$", "u");
  return [
    id.test("déjà_vu1"), id.test("1abc"), id.test("a-b"),
    lu.test("ABC"), lu.test("AbC"),
    notL.test("1"), notL.test("x"),
    greek.test("xλ"), greek.test("abc"),
    astral.test("\u{1D400}"),
    plain.test("p{L}"),
    sub instanceof Sub, sub instanceof RegExp, sub.test("é"),
    /a/ instanceof RegExp, typeof RegExp.prototype.exec,
  ];
}`, "run")
	got := mustCall(t, m, "run")
	want := `[true,false,false,true,false,true,false,true,false,true,true,true,true,true,true,"function"]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func BenchmarkPropertyClass(b *testing.B) {
	for b.Loop() {
		classCache.Clear()
		if s, _ := propertyClass("ID_Continue", false, true); !strings.Contains(s, "-") {
			b.Fatal(s)
		}
	}
}
