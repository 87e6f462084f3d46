// Package naming holds Exograph's naming rules: word casing (as the Rust
// heck crate does it), English pluralisation (as the Rust pluralizer crate,
// itself a port of the JavaScript pluralize library, does it), and the
// names derived from them: tables, columns, constraints, indexes and the
// generated GraphQL operations and input types.
//
// Every function is pure and deterministic; the compiler's lower phase is
// the only caller that matters, but the rules live apart so that the schema
// importer (database -> .exo) can use the inverse direction consistently.
package naming

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// words splits s into words the way heck does: first on every
// non-alphanumeric character, then inside each piece at a lowercase to
// uppercase transition ("contentVector" -> content, Vector) and before the
// last capital of an uppercase run followed by a lowercase letter
// ("HTTPServer" -> HTTP, Server). Digits do not change the mode, so
// "modificationIdV7" -> modification, Id, V7.
func words(s string) []string {
	var out []string
	const (
		boundary = iota
		lower
		upper
	)
	for _, piece := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		init := 0
		mode := boundary
		for i, c := range piece {
			size := utf8.RuneLen(c)
			if i+size >= len(piece) {
				out = append(out, piece[init:])
				break
			}
			next, _ := utf8.DecodeRuneInString(piece[i+size:])
			nextMode := mode
			if unicode.IsLower(c) {
				nextMode = lower
			} else if unicode.IsUpper(c) {
				nextMode = upper
			}
			switch {
			case nextMode == lower && unicode.IsUpper(next):
				out = append(out, piece[init:i+size])
				init = i + size
				mode = boundary
			case mode == upper && unicode.IsUpper(c) && unicode.IsLower(next):
				out = append(out, piece[init:i])
				init = i
				mode = boundary
			default:
				mode = nextMode
			}
		}
	}
	return out
}

func capitalize(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	if r == utf8.RuneError && n == 0 {
		return w
	}
	return string(unicode.ToUpper(r)) + strings.ToLower(w[n:])
}

// SnakeCase converts s to snake_case ("ticketPrice" -> "ticket_price",
// "AuthUsers" -> "auth_users").
func SnakeCase(s string) string {
	ws := words(s)
	for i, w := range ws {
		ws[i] = strings.ToLower(w)
	}
	return strings.Join(ws, "_")
}

// LowerCamel converts s to lowerCamelCase ("AuthUser" -> "authUser",
// "get_users" -> "getUsers").
func LowerCamel(s string) string {
	ws := words(s)
	for i, w := range ws {
		if i == 0 {
			ws[i] = strings.ToLower(w)
		} else {
			ws[i] = capitalize(w)
		}
	}
	return strings.Join(ws, "")
}

// UpperCamel converts s to UpperCamelCase ("email_event" -> "EmailEvent").
func UpperCamel(s string) string {
	ws := words(s)
	for i, w := range ws {
		ws[i] = capitalize(w)
	}
	return strings.Join(ws, "")
}
