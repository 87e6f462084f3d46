package pg

import (
	"sort"
	"strings"
)

// windowsBinDirs returns where PostgreSQL's Windows installers put the server
// binaries, most preferred first:
//
//   - <root>\PostgreSQL\<version>\bin for each root among %ProgramW6432%,
//     %ProgramFiles% and %ProgramFiles(x86)% (C:\Program Files when none is
//     set), highest version first: the EDB installer's layout, which the
//     Chocolatey and winget packages use too;
//   - Scoop's <%SCOOP%, else %USERPROFILE%\scoop>\apps\postgresql\current\bin.
//
// The versions are the subdirectories listDir finds; the directories are
// not checked otherwise: FindBinDir takes the first one holding initdb.exe
// and postgres.exe. getenv reads an environment
// variable and listDir the names in a directory, so that the logic runs
// (and is tested) on any system; paths are joined with backslashes.
func windowsBinDirs(getenv func(string) string, listDir func(dir string) ([]string, error)) []string {
	var roots []string
	for _, k := range []string{"ProgramW6432", "ProgramFiles", "ProgramFiles(x86)"} {
		root := strings.TrimRight(getenv(k), `\`)
		if root == "" || containsFold(roots, root) {
			continue
		}
		roots = append(roots, root)
	}
	if len(roots) == 0 {
		roots = []string{`C:\Program Files`}
	}
	var dirs []string
	for _, root := range roots {
		base := root + `\PostgreSQL`
		names, err := listDir(base)
		if err != nil {
			continue
		}
		names = append([]string(nil), names...)
		sort.SliceStable(names, func(a, b int) bool {
			return newerVersion(parseVersion(names[a]), parseVersion(names[b]))
		})
		for _, name := range names {
			dirs = append(dirs, base+`\`+name+`\bin`)
		}
	}
	scoop := strings.TrimRight(getenv("SCOOP"), `\`)
	if scoop == "" {
		if home := strings.TrimRight(getenv("USERPROFILE"), `\`); home != "" {
			scoop = home + `\scoop`
		}
	}
	if scoop != "" {
		dirs = append(dirs, scoop+`\apps\postgresql\current\bin`)
	}
	return dirs
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
