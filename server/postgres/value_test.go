package postgres

import "testing"

// @range bounds show as Exograph shows the parsed number.
func TestRangeText(t *testing.T) {
	for _, c := range []struct {
		text string
		v    float64
		want string
	}{
		{`"-1.0"`, -1, "-1"},
		{`"3.0"`, 3, "3"},
		{`"12345.0"`, 12345, "12345"},
		{`"2.5"`, 2.5, "2.5"},
		{"0", 0, "0"},
		{"9007199254740993", 9007199254740992, "9007199254740993"},
		{"", 10, "10"},
	} {
		if got := rangeText(c.text, c.v); got != c.want {
			t.Errorf("rangeText(%q, %v) = %q, want %q", c.text, c.v, got, c.want)
		}
	}
}
