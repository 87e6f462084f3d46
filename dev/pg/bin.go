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

// serverBinaries are the programs a bin directory must hold (with exeSuffix).
var serverBinaries = []string{"initdb", "postgres"}

// FindBinDir returns the directory holding the initdb and postgres binaries.
//
// On Unix it searches, in order: PATH (also the symlink target's directory),
// the highest version under /usr/lib/postgresql/*/bin and /usr/pgsql-*/bin,
// `pg_config --bindir`, then the Homebrew locations
// /opt/homebrew/opt/postgresql@*/bin and /usr/local/opt/postgresql@*/bin
// (highest version first).
//
// On Windows (initdb.exe and postgres.exe) it searches PATH, then the
// installers' directories (see windowsBinDirs: <Program Files>\PostgreSQL\<version>\bin,
// highest version first, and Scoop's), then `pg_config --bindir`.
//
// The error wraps ErrNotFound.
func FindBinDir() (string, error) {
	return pickBinDir(binDirCandidates(), hasServerBinaries)
}

// pickBinDir returns the first candidate that has the server binaries.
func pickBinDir(candidates []string, has func(dir string) bool) (string, error) {
	for _, dir := range candidates {
		if dir != "" && has(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("%w: %s", ErrNotFound, installHint)
}

// pathCandidates returns the directory of initdb on PATH and, when it is a
// symlink, its target's directory.
func pathCandidates() []string {
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
	return candidates
}

// pgConfigBinDir returns `pg_config --bindir`, or "" without pg_config.
func pgConfigBinDir() string {
	out, err := exec.Command("pg_config", "--bindir").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func hasServerBinaries(dir string) bool {
	for _, name := range serverBinaries {
		fi, err := os.Stat(filepath.Join(dir, name+exeSuffix))
		if err != nil || fi.IsDir() || !executable(fi) {
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
		return parseVersion(rest)
	}
	sort.SliceStable(matches, func(a, b int) bool {
		return newerVersion(version(matches[a]), version(matches[b]))
	})
	return matches
}

// parseVersion splits a version like 9.6 or 16 into its numbers; a part
// that is not a number counts as -1.
func parseVersion(s string) []int {
	var v []int
	for _, part := range strings.Split(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			n = -1
		}
		v = append(v, n)
	}
	return v
}

// newerVersion reports whether version a sorts before b, highest first.
func newerVersion(a, b []int) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] > b[k]
		}
	}
	return len(a) > len(b)
}
