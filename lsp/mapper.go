package lsp

import (
	"unicode/utf8"

	"github.com/exo-dev/exo/diag"
)

// This file is the only place that knows about UTF-16. Everything else in
// exo speaks byte offsets ([diag.Span]); LSP positions are zero-based lines
// and UTF-16 code units within the line. Lines end at '\n'; a '\r' before
// it belongs to the terminator, so a position past the end of a line's text
// clamps to the end of its text (as gopls's Mapper does).

// lineText returns [start, end) of the text of the zero-based line (without
// its terminator) and whether the line exists.
func lineBounds(f *diag.File, line int) (start, end int, ok bool) {
	if line < 0 || line >= f.LineCount() {
		return 0, 0, false
	}
	start = f.LineStart(line + 1)
	if line+1 < f.LineCount() {
		end = f.LineStart(line+2) - 1 // the '\n'
	} else {
		end = len(f.Src)
	}
	if end > start && f.Src[end-1] == '\r' {
		end--
	}
	return start, end, true
}

// utf16Len returns the number of UTF-16 code units of b (invalid bytes
// count as one unit each, as U+FFFD).
func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
		b = b[size:]
	}
	return n
}

// offsetPosition converts a byte offset of f into an LSP position.
// Offsets are clamped to the file; an offset inside a multi-byte character
// maps to the start of that character.
func offsetPosition(f *diag.File, off int) Position {
	if off < 0 {
		off = 0
	}
	if off > len(f.Src) {
		off = len(f.Src)
	}
	line := f.Line(off) // 1-based
	start, end, _ := lineBounds(f, line-1)
	if off > end {
		off = end // inside "\r\n"
	}
	for off > start && off < len(f.Src) && !utf8.RuneStart(f.Src[off]) {
		off--
	}
	return Position{Line: uint32(line - 1), Character: uint32(utf16Len(f.Src[start:off]))}
}

// positionOffset converts an LSP position into a byte offset of f. A
// character past the end of the line clamps to the end of the line's text;
// a line past the end of the file clamps to the end of the file. A
// character in the middle of a surrogate pair maps to the start of the
// character.
func positionOffset(f *diag.File, p Position) int {
	start, end, ok := lineBounds(f, int(p.Line))
	if !ok {
		return len(f.Src)
	}
	want := int(p.Character)
	off, units := start, 0
	for off < end {
		r, size := utf8.DecodeRune(f.Src[off:end])
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if units+w > want {
			break
		}
		units += w
		off += size
	}
	return off
}

// spanRange converts a byte span into an LSP range.
func spanRange(s diag.Span) Range {
	return Range{Start: offsetPosition(s.File, int(s.Start)), End: offsetPosition(s.File, int(s.End))}
}

// offsetsRange converts [start, end) of f into an LSP range.
func offsetsRange(f *diag.File, start, end int) Range {
	return Range{Start: offsetPosition(f, start), End: offsetPosition(f, end)}
}
