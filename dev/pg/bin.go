package pg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNotFound is returned (wrapped, with install instructions) when no
// PostgreSQL server binaries are found.
var ErrNotFound = errors.New("PostgreSQL server binaries (initdb, postgres) not found")

const installHint = "looked on PATH, in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, `pg_config --bindir`, " +
	"/opt/homebrew/opt/postgresql@*/bin and /usr/local/opt/postgresql@*/bin; install PostgreSQL " +
	"(Debian/Ubuntu: `sudo apt-get install postgresql`; macOS: `brew install postgresql@16`) " +
	"or put its bin directory on PATH"

// FindBinDir returns the directory holding the initdb and postgres binaries,
// searching in order: PATH (also the symlink target's directory), the
// highest version under /usr/lib/postgresql/*/bin and /usr/pgsql-*/bin,
// `pg_config --bindir`, then the Homebrew locations
// /opt/homebrew/opt/postgresql@*/bin and /usr/local/opt/postgresql@*/bin
// (highest version first). The error wraps ErrNotFound.
func FindBinDir() (string, error) {
	var candidates []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		candidates = append(candidates, filepath.Dir(p))
		if real, err := filepath.EvalSymlinks(p); err == nil {
			candidates = append(candidates, filepath.Dir(real))
		}
	}
	candidates = append(candidates, globVersions("/usr/lib/postgresql/*/bin")...)
	candidates = append(candidates, globVersions("/usr/pgsql-*/bin")...)
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	candidates = append(candidates, globVersions("/opt/homebrew/opt/postgresql@*/bin")...)
	candidates = append(candidates, globVersions("/usr/local/opt/postgresql@*/bin")...)
	candidates = append(candidates, "/opt/homebrew/opt/postgresql/bin", "/usr/local/opt/postgresql/bin")
	for _, dir := range candidates {
		if dir != "" && hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNotFound, installHint)
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// globVersions expands a pattern with one * standing for a version and
// returns the matches, highest version first.
func globVersions(pattern string) []string {
	matches, _ := filepath.Glob(pattern)
	i := strings.IndexByte(pattern, '*')
	version := func(m string) []int {
		rest := m[i:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			rest = rest[:j]
		}
		var v []int
		for _, part := range strings.Split(rest, ".") {
			n, err := strconv.Atoi(part)
			if err != nil {
				n = -1
			}
			v = append(v, n)
		}
		return v
	}
	sort.SliceStable(matches, func(a, b int) bool {
		va, vb := version(matches[a]), version(matches[b])
		for k := 0; k < len(va) && k < len(vb); k++ {
			if va[k] != vb[k] {
				return va[k] > vb[k]
			}
		}
		return len(va) > len(vb)
	})
	return matches
}
