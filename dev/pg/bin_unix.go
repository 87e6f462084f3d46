//go:build unix

package pg

import "io/fs"

const installHint = "looked on PATH, in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, `pg_config --bindir`, " +
	"/opt/homebrew/opt/postgresql@*/bin and /usr/local/opt/postgresql@*/bin; install PostgreSQL " +
	"(Debian/Ubuntu: `sudo apt-get install postgresql`; macOS: `brew install postgresql@16`) " +
	"or put its bin directory on PATH"

// exeSuffix ends the file names of programs.
const exeSuffix = ""

// executable reports whether a file's mode lets it run.
func executable(fi fs.FileInfo) bool { return fi.Mode()&0o111 != 0 }

// binDirCandidates lists where FindBinDir looks, in order.
func binDirCandidates() []string {
	candidates := pathCandidates()
	candidates = append(candidates, globVersions("/usr/lib/postgresql/*/bin")...)
	candidates = append(candidates, globVersions("/usr/pgsql-*/bin")...)
	if dir := pgConfigBinDir(); dir != "" {
		candidates = append(candidates, dir)
	}
	candidates = append(candidates, globVersions("/opt/homebrew/opt/postgresql@*/bin")...)
	candidates = append(candidates, globVersions("/usr/local/opt/postgresql@*/bin")...)
	candidates = append(candidates, "/opt/homebrew/opt/postgresql/bin", "/usr/local/opt/postgresql/bin")
	return candidates
}
