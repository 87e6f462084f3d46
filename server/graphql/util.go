package graphql

import "unicode/utf8"

func decodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }

// offsetOf returns the byte offset of a 1-based line and (rune) column in src, or -1.
func offsetOf(src string, l Location) int {
	line, i := 1, 0
	for line < l.Line {
		j := -1
		for k := i; k < len(src); k++ {
			if src[k] == '\n' {
				j = k
				break
			}
		}
		if j < 0 {
			return -1
		}
		i = j + 1
		line++
	}
	for col := 1; col < l.Column; col++ {
		if i >= len(src) || src[i] == '\n' {
			return -1
		}
		_, size := utf8.DecodeRuneInString(src[i:])
		i += size
	}
	return i
}

// locationOf is the inverse of offsetOf.
func locationOf(src string, off int) Location {
	l := Location{Line: 1, Column: 1}
	for i, r := range src {
		if i >= off {
			break
		}
		if r == '\n' {
			l.Line++
			l.Column = 1
		} else {
			l.Column++
		}
	}
	return l
}

func isIgnored(c byte) bool { return c == ' ' || c == '\t' || c == ',' || c == '\n' || c == '\r' }

// backTo moves from l backwards over ignored characters to the token tok that precedes it
// (e.g. the "..." of a fragment spread); it returns l unchanged when tok is not found.
func backTo(src string, l Location, tok string) Location {
	off := offsetOf(src, l)
	if off < 0 {
		return l
	}
	i := off
	for i > 0 && isIgnored(src[i-1]) {
		i--
	}
	if i >= len(tok) && src[i-len(tok):i] == tok {
		return locationOf(src, i-len(tok))
	}
	return l
}

// forwardTo moves from l forwards over ignored characters and "(" to the byte c.
func forwardTo(src string, l Location, c byte) Location {
	off := offsetOf(src, l)
	if off < 0 {
		return l
	}
	i := off
	for i < len(src) && (isIgnored(src[i]) || src[i] == '(') {
		i++
	}
	if i < len(src) && src[i] == c {
		return locationOf(src, i)
	}
	return l
}
