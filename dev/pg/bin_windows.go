//go:build windows

package pg

import (
	"io/fs"
	"os"
)

const installHint = `looked on PATH, in %ProgramFiles%\PostgreSQL\*\bin, %USERPROFILE%\scoop\apps\postgresql\current\bin ` +
	"and `pg_config --bindir`; install PostgreSQL (the installer from https://www.postgresql.org/download/windows/, " +
	"or `scoop install postgresql`) or put its bin directory on PATH"

// exeSuffix ends the file names of programs.
const exeSuffix = ".exe"

// executable reports whether a file can run: on Windows the .exe suffix
// decides, and the mode has no execute bits.
func executable(fs.FileInfo) bool { return true }

// binDirCandidates lists where FindBinDir looks, in order.
func binDirCandidates() []string {
	candidates := pathCandidates()
	candidates = append(candidates, windowsBinDirs(os.Getenv, readDirNames)...)
	if dir := pgConfigBinDir(); dir != "" {
		candidates = append(candidates, dir)
	}
	return candidates
}

// readDirNames returns the names of the subdirectories of dir.
func readDirNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
