package lsp

import (
	"testing"

	"github.com/exo-dev/exo/diag"
)

func TestMapper(t *testing.T) {
	// Line 0: "aé😀b" = a(1B,1U) é(2B,1U) 😀(4B,2U) b(1B,1U); CRLF; line 1: "x"; "\n"; line 2 empty.
	src := "aé😀b\r\nx\n"
	f := diag.NewFile("t.exo", []byte(src))
	cases := []struct {
		off  int
		want Position
	}{
		{0, Position{0, 0}},
		{1, Position{0, 1}},  // before é
		{3, Position{0, 2}},  // before 😀
		{7, Position{0, 4}},  // before b
		{8, Position{0, 5}},  // end of line text (before \r)
		{9, Position{0, 5}},  // between \r and \n clamps to end of text
		{10, Position{1, 0}}, // x
		{12, Position{2, 0}}, // EOF on the empty last line
		{99, Position{2, 0}}, // past EOF clamps
		{5, Position{0, 2}},  // inside 😀 maps to its start
	}
	for _, c := range cases {
		if got := offsetPosition(f, c.off); got != c.want {
			t.Errorf("offsetPosition(%d) = %+v, want %+v", c.off, got, c.want)
		}
	}
	back := []struct {
		pos  Position
		want int
	}{
		{Position{0, 0}, 0},
		{Position{0, 2}, 3},
		{Position{0, 3}, 3}, // middle of the surrogate pair: start of 😀
		{Position{0, 4}, 7},
		{Position{0, 5}, 8},
		{Position{0, 50}, 8}, // past the end of the line: end of its text
		{Position{1, 1}, 11},
		{Position{7, 0}, len(src)}, // past the last line
	}
	for _, c := range back {
		if got := positionOffset(f, c.pos); got != c.want {
			t.Errorf("positionOffset(%+v) = %d, want %d", c.pos, got, c.want)
		}
	}
}
