package jsrt

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/dop251/goja"
)

// Unicode property escapes.
//
// goja's regular expressions do not implement \p{...} and \P{...} with the
// u flag the way JavaScript does: patterns its RE2 translation accepts read
// "\p" as a plain "p", and its regexp2 fallback rejects many properties
// (ID_Start, ID_Continue, Alphabetic, Script=..., General_Category=...), so
// packages such as prettier fail at load time. Before a pattern with the u
// flag reaches goja, the RegExp constructor (wrapped by installRegExp)
// replaces every property escape it can resolve with the equivalent
// explicit character class, computed from Go's unicode tables.
// (jsbundle turns regular expression literals with the u flag into
// new RegExp calls, so literals go through the constructor too.)

const regexpJS = `(function (g, rewrite) {
  "use strict";
  const R = g.RegExp;
  const slice = Array.prototype.slice;
  function fix(args) {
    const p = args[0], f = args[1];
    if (typeof p === "string" && typeof f === "string" && f.indexOf("u") >= 0 &&
        (p.indexOf("\\p{") >= 0 || p.indexOf("\\P{") >= 0)) {
      const s = rewrite(p);
      if (s !== null) { args = slice.call(args); args[0] = s; }
    }
    return args;
  }
  // A function rather than a Proxy, so that instanceof, subclasses and
  // the statics (through the prototype chain) keep working; instances keep
  // the native constructor (goja's fast paths compare with it).
  function RegExp(pattern, flags) {
    const args = fix(arguments);
    return new.target ? Reflect.construct(R, args, new.target) : R.apply(undefined, args);
  }
  RegExp.prototype = R.prototype;
  Object.setPrototypeOf(RegExp, R);
  g.RegExp = RegExp;
})`

var (
	regexpOnce sync.Once
	regexpPrg  *goja.Program
	regexpErr  error
)

// installRegExp wraps the global RegExp constructor (see above).
func (v *vmState) installRegExp() error {
	regexpOnce.Do(func() {
		regexpPrg, regexpErr = goja.Compile("exo:regexp", regexpJS, true)
	})
	if regexpErr != nil {
		return regexpErr
	}
	vm := v.vm
	fnv, err := vm.RunProgram(regexpPrg)
	if err != nil {
		return err
	}
	install, ok := goja.AssertFunction(fnv)
	if !ok {
		return errors.New("regexp prelude is not a function")
	}
	rewrite := func(fc goja.FunctionCall) goja.Value {
		s, ok := rewriteUnicodeProperties(fc.Argument(0).String())
		if !ok {
			return goja.Null()
		}
		return vm.ToValue(s)
	}
	_, err = install(goja.Undefined(), vm.GlobalObject(), vm.ToValue(rewrite))
	return err
}

// rewriteUnicodeProperties replaces the Unicode property escapes of a
// JavaScript pattern (with the u flag) by explicit character classes. It
// reports false when there was nothing it could replace; escapes of
// unknown properties are left as they are.
func rewriteUnicodeProperties(pattern string) (string, bool) {
	var b strings.Builder
	changed := false
	inClass := false
	for i := 0; i < len(pattern); {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			if n := pattern[i+1]; (n == 'p' || n == 'P') && i+2 < len(pattern) && pattern[i+2] == '{' {
				if j := strings.IndexByte(pattern[i+3:], '}'); j >= 0 {
					if cls, ok := propertyClass(pattern[i+3:i+3+j], n == 'P', inClass); ok {
						if !changed {
							b.Grow(len(pattern) + len(cls))
							b.WriteString(pattern[:i])
							changed = true
						}
						b.WriteString(cls)
						i += 3 + j + 1
						continue
					}
				}
			}
			if changed {
				b.WriteString(pattern[i : i+2])
			}
			i += 2
			continue
		case c == '[' && !inClass:
			inClass = true
		case c == ']' && inClass:
			inClass = false
		}
		if changed {
			b.WriteByte(c)
		}
		i++
	}
	if !changed {
		return pattern, false
	}
	return b.String(), true
}

// classCache holds rendered classes by "name\x00neg\x00inClass".
var classCache sync.Map

// propertyClass renders \p{name} (\P{name} when neg) as a character class,
// or as class contents when inClass.
func propertyClass(name string, neg, inClass bool) (string, bool) {
	key := fmt.Sprintf("%s\x00%t\x00%t", name, neg, inClass)
	if s, ok := classCache.Load(key); ok {
		return s.(string), true
	}
	set := propertySet(name)
	if set == nil {
		return "", false
	}
	var b strings.Builder
	switch {
	case !inClass && neg:
		b.WriteString("[^")
	case !inClass:
		b.WriteByte('[')
	}
	set.render(&b, inClass && neg)
	if !inClass {
		b.WriteByte(']')
	}
	s := b.String()
	classCache.Store(key, s)
	return s, true
}

// runeSet is a set of code points (a bit set over 0..unicode.MaxRune).
type runeSet []uint64

func newRuneSet(tables ...*unicode.RangeTable) runeSet {
	s := make(runeSet, (unicode.MaxRune+64)/64)
	for _, t := range tables {
		s.addTable(t, true)
	}
	return s
}

func (s runeSet) has(r rune) bool { return s[r>>6]&(1<<(uint(r)&63)) != 0 }

func (s runeSet) set(r rune, on bool) {
	if on {
		s[r>>6] |= 1 << (uint(r) & 63)
	} else {
		s[r>>6] &^= 1 << (uint(r) & 63)
	}
}

func (s runeSet) addTable(t *unicode.RangeTable, on bool) {
	if t == nil {
		return
	}
	for _, r := range t.R16 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			s.set(c, on)
		}
	}
	for _, r := range t.R32 {
		for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
			s.set(c, on)
		}
	}
}

func (s runeSet) add(tables ...*unicode.RangeTable) runeSet {
	for _, t := range tables {
		s.addTable(t, true)
	}
	return s
}

func (s runeSet) remove(tables ...*unicode.RangeTable) runeSet {
	for _, t := range tables {
		s.addTable(t, false)
	}
	return s
}

func (s runeSet) subtract(o runeSet) runeSet {
	for i := range s {
		s[i] &^= o[i]
	}
	return s
}

func (s runeSet) complement() runeSet {
	for i := range s {
		s[i] = ^s[i]
	}
	return s
}

// render writes the ranges of s (of its complement when neg) as class
// contents.
func (s runeSet) render(b *strings.Builder, neg bool) {
	esc := func(r rune) {
		if r <= 0xFFFF {
			fmt.Fprintf(b, `\u%04X`, r)
		} else {
			fmt.Fprintf(b, `\u{%X}`, r)
		}
	}
	for r := rune(0); r <= unicode.MaxRune; {
		if s.has(r) == neg {
			r++
			continue
		}
		lo := r
		for r <= unicode.MaxRune && s.has(r) != neg {
			r++
		}
		esc(lo)
		if r-1 > lo {
			b.WriteByte('-')
			esc(r - 1)
		}
	}
}

// binaryAliases maps ECMAScript's short names of binary properties to the
// names of Go's unicode.Properties.
var binaryAliases = map[string]string{
	"AHex": "ASCII_Hex_Digit", "Bidi_C": "Bidi_Control", "Bidi_M": "Bidi_Mirrored",
	"Dep": "Deprecated", "Dia": "Diacritic", "Ext": "Extender", "Hex": "Hex_Digit",
	"IDSB": "IDS_Binary_Operator", "IDST": "IDS_Trinary_Operator", "Ideo": "Ideographic",
	"Join_C": "Join_Control", "LOE": "Logical_Order_Exception", "NChar": "Noncharacter_Code_Point",
	"Pat_Syn": "Pattern_Syntax", "Pat_WS": "Pattern_White_Space", "QMark": "Quotation_Mark",
	"RI": "Regional_Indicator", "SD": "Soft_Dotted", "STerm": "Sentence_Terminal",
	"Term": "Terminal_Punctuation", "UIdeo": "Unified_Ideograph", "VS": "Variation_Selector",
	"WSpace": "White_Space", "space": "White_Space", "PCM": "Prepended_Concatenation_Mark",
}

// derivedAliases maps the short names of the derived properties.
var derivedAliases = map[string]string{
	"Alpha": "Alphabetic", "Lower": "Lowercase", "Upper": "Uppercase", "CI": "Case_Ignorable",
	"DI": "Default_Ignorable_Code_Point", "Gr_Base": "Grapheme_Base", "Gr_Ext": "Grapheme_Extend",
	"IDS": "ID_Start", "IDC": "ID_Continue", "XIDS": "XID_Start", "XIDC": "XID_Continue",
}

// scriptAliases maps common ISO 15924 codes to Go's script names.
var scriptAliases = map[string]string{
	"Arab": "Arabic", "Armn": "Armenian", "Beng": "Bengali", "Cyrl": "Cyrillic", "Deva": "Devanagari",
	"Geor": "Georgian", "Grek": "Greek", "Gujr": "Gujarati", "Guru": "Gurmukhi", "Hang": "Hangul",
	"Hani": "Han", "Hebr": "Hebrew", "Hira": "Hiragana", "Kana": "Katakana", "Khmr": "Khmer",
	"Knda": "Kannada", "Laoo": "Lao", "Latn": "Latin", "Mlym": "Malayalam", "Mong": "Mongolian",
	"Mymr": "Myanmar", "Orya": "Oriya", "Sinh": "Sinhala", "Taml": "Tamil", "Telu": "Telugu",
	"Thaa": "Thaana", "Thai": "Thai", "Tibt": "Tibetan", "Zinh": "Inherited", "Zyyy": "Common",
	"Qaai": "Inherited",
}

// propertySet resolves a property name as ECMAScript's \p{...} takes it
// (General_Category values, Script=/sc=/Script_Extensions=/scx= values,
// binary properties), or returns nil. Script_Extensions is approximated by
// Script.
func propertySet(name string) runeSet {
	if k, v, ok := strings.Cut(name, "="); ok {
		switch k {
		case "General_Category", "gc":
			return categorySet(v)
		case "Script", "sc", "Script_Extensions", "scx":
			if a, ok := scriptAliases[v]; ok {
				v = a
			}
			if t := unicode.Scripts[v]; t != nil {
				return newRuneSet(t)
			}
		}
		return nil
	}
	if s := categorySet(name); s != nil {
		return s
	}
	if a, ok := binaryAliases[name]; ok {
		name = a
	}
	if t := unicode.Properties[name]; t != nil {
		return newRuneSet(t)
	}
	if a, ok := derivedAliases[name]; ok {
		name = a
	}
	if s := derivedSet(name); s != nil {
		return s
	}
	// Lenient, like goja's regexp2: bare script names.
	if t := unicode.Scripts[name]; t != nil {
		return newRuneSet(t)
	}
	return nil
}

func cat(n string) *unicode.RangeTable { return unicode.Categories[n] }

func categorySet(v string) runeSet {
	if a, ok := unicode.CategoryAliases[v]; ok {
		v = a
	}
	switch v {
	case "Cn", "Unassigned":
		return assigned().complement()
	case "C", "Other":
		// Cn belongs to C in ECMAScript.
		return assigned().complement().add(cat("C"))
	case "LC":
		return newRuneSet(cat("Lu"), cat("Ll"), cat("Lt"))
	}
	if t := cat(v); t != nil {
		return newRuneSet(t)
	}
	return nil
}

func assigned() runeSet {
	return newRuneSet(cat("L"), cat("M"), cat("N"), cat("P"), cat("S"), cat("Z"), cat("Cc"), cat("Cf"), cat("Co"), cat("Cs"))
}

func prop(n string) *unicode.RangeTable { return unicode.Properties[n] }

func runes(rs ...rune) *unicode.RangeTable {
	t := &unicode.RangeTable{}
	for _, r := range rs {
		t.R32 = append(t.R32, unicode.Range32{Lo: uint32(r), Hi: uint32(r), Stride: 1})
	}
	return t
}

func rangeTable(lo, hi rune) *unicode.RangeTable {
	return &unicode.RangeTable{R32: []unicode.Range32{{Lo: uint32(lo), Hi: uint32(hi), Stride: 1}}}
}

// derivedSet computes the derived core properties (DerivedCoreProperties.txt)
// from the tables Go has.
func derivedSet(name string) runeSet {
	switch name {
	case "Any":
		return newRuneSet(rangeTable(0, unicode.MaxRune))
	case "ASCII":
		return newRuneSet(rangeTable(0, 0x7F))
	case "Assigned":
		return assigned()
	case "Alphabetic":
		return newRuneSet(cat("Lu"), cat("Ll"), cat("Lt"), cat("Lm"), cat("Lo"), cat("Nl"), prop("Other_Alphabetic"))
	case "Lowercase":
		return newRuneSet(cat("Ll"), prop("Other_Lowercase"))
	case "Uppercase":
		return newRuneSet(cat("Lu"), prop("Other_Uppercase"))
	case "Cased":
		return newRuneSet(cat("Ll"), prop("Other_Lowercase"), cat("Lu"), prop("Other_Uppercase"), cat("Lt"))
	case "Case_Ignorable":
		// Word_Break=MidLetter, MidNumLet and Single_Quote are listed.
		return newRuneSet(cat("Mn"), cat("Me"), cat("Cf"), cat("Lm"), cat("Sk"),
			runes(0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2027, 0xFE13, 0xFE55, 0xFF1A,
				0x2E, 0x2018, 0x2019, 0x2024, 0xFE52, 0xFF07, 0xFF0E, 0x27))
	case "Default_Ignorable_Code_Point":
		return newRuneSet(prop("Other_Default_Ignorable_Code_Point"), cat("Cf"), prop("Variation_Selector")).
			remove(prop("White_Space"), rangeTable(0xFFF9, 0xFFFB), rangeTable(0x13430, 0x1343F), prop("Prepended_Concatenation_Mark"))
	case "Grapheme_Extend":
		return newRuneSet(cat("Me"), cat("Mn"), prop("Other_Grapheme_Extend"))
	case "Grapheme_Base":
		return assigned().remove(cat("Cc"), cat("Cf"), cat("Cs"), cat("Co"), cat("Zl"), cat("Zp")).
			subtract(newRuneSet(cat("Me"), cat("Mn"), prop("Other_Grapheme_Extend")))
	case "ID_Start":
		return idStart()
	case "ID_Continue":
		return idContinue()
	case "XID_Start":
		// Characters whose NFKC form is not an identifier start.
		return idStart().remove(runes(0x37A, 0xE33, 0xEB3, 0x309B, 0x309C, 0xFDFA, 0xFDFB,
			0xFE70, 0xFE72, 0xFE74, 0xFE76, 0xFE78, 0xFE7A, 0xFE7C, 0xFE7E, 0xFF9E, 0xFF9F), rangeTable(0xFC5E, 0xFC63))
	case "XID_Continue":
		return idContinue().remove(runes(0x37A, 0x309B, 0x309C, 0xFDFA, 0xFDFB,
			0xFE70, 0xFE72, 0xFE74, 0xFE76, 0xFE78, 0xFE7A, 0xFE7C, 0xFE7E), rangeTable(0xFC5E, 0xFC63))
	}
	return nil
}

func idStart() runeSet {
	return newRuneSet(cat("L"), cat("Nl"), prop("Other_ID_Start")).
		remove(prop("Pattern_Syntax"), prop("Pattern_White_Space"))
}

func idContinue() runeSet {
	// Other_ID_Continue of Unicode 15.1 (Go's tables may be older).
	return idStart().add(cat("Mn"), cat("Mc"), cat("Nd"), cat("Pc"), prop("Other_ID_Continue"), runes(0x200C, 0x200D, 0x30FB, 0xFF65)).
		remove(prop("Pattern_Syntax"), prop("Pattern_White_Space"))
}
