// Package wildcard matches names against Exograph's wildcard patterns
// (Rust's WildMatch): '*' matches any run of characters, '?' any single
// character, everything else itself. Test-name filters, interceptor
// selections and MCP profiles all use it.
package wildcard

// Match reports whether s matches pattern.
func Match(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	// Iterative matching, backtracking to the last '*'.
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
