package pg

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// fakeWindows is a Windows system seen through windowsBinDirs' parameters:
// environment variables, the subdirectories of some directories and a set
// of files.
type fakeWindows struct {
	env   map[string]string
	dirs  map[string][]string
	files map[string]bool
}

func (f fakeWindows) getenv(k string) string { return f.env[k] }

// listDir looks dir up ignoring case, as Windows does.
func (f fakeWindows) listDir(dir string) ([]string, error) {
	for d, names := range f.dirs {
		if strings.EqualFold(d, dir) {
			return names, nil
		}
	}
	return nil, errors.New("not found")
}

// has is hasServerBinaries on Windows: dir holds initdb.exe and postgres.exe.
func (f fakeWindows) has(dir string) bool {
	for _, name := range serverBinaries {
		if !f.files[dir+`\`+name+".exe"] {
			return false
		}
	}
	return true
}

func TestWindowsBinDirs(t *testing.T) {
	fs := fakeWindows{
		env: map[string]string{
			"ProgramW6432":      `C:\Program Files`,
			"ProgramFiles":      `c:\program files\`, // the same root
			"ProgramFiles(x86)": `C:\Program Files (x86)`,
			"USERPROFILE":       `C:\Users\me`,
		},
		dirs: map[string][]string{
			`C:\Program Files\PostgreSQL`:       {"9.6", "pgAdmin 4", "17", "16"},
			`C:\Program Files (x86)\PostgreSQL`: {"10"},
		},
		files: map[string]bool{
			// 17 is half removed: no postgres.exe.
			`C:\Program Files\PostgreSQL\17\bin\initdb.exe`:    true,
			`C:\Program Files\PostgreSQL\16\bin\initdb.exe`:    true,
			`C:\Program Files\PostgreSQL\16\bin\postgres.exe`:  true,
			`C:\Program Files\PostgreSQL\9.6\bin\initdb.exe`:   true,
			`C:\Program Files\PostgreSQL\9.6\bin\postgres.exe`: true,
		},
	}
	got := windowsBinDirs(fs.getenv, fs.listDir)
	want := []string{
		`C:\Program Files\PostgreSQL\17\bin`,
		`C:\Program Files\PostgreSQL\16\bin`,
		`C:\Program Files\PostgreSQL\9.6\bin`,
		`C:\Program Files\PostgreSQL\pgAdmin 4\bin`,
		`C:\Program Files (x86)\PostgreSQL\10\bin`,
		`C:\Users\me\scoop\apps\postgresql\current\bin`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("candidates:\n got %q\nwant %q", got, want)
	}
	dir, err := pickBinDir(got, fs.has)
	if err != nil || dir != `C:\Program Files\PostgreSQL\16\bin` {
		t.Errorf("picked %q, %v; want the 16 installation (17 lacks postgres.exe)", dir, err)
	}

	// Only Scoop's.
	scoop := fakeWindows{
		env: map[string]string{"SCOOP": `D:\tools\scoop\`, "USERPROFILE": `C:\Users\me`},
		files: map[string]bool{
			`D:\tools\scoop\apps\postgresql\current\bin\initdb.exe`:   true,
			`D:\tools\scoop\apps\postgresql\current\bin\postgres.exe`: true,
		},
	}
	dir, err = pickBinDir(windowsBinDirs(scoop.getenv, scoop.listDir), scoop.has)
	if err != nil || dir != `D:\tools\scoop\apps\postgresql\current\bin` {
		t.Errorf("with Scoop: picked %q, %v", dir, err)
	}

	// No environment: the default Program Files; nothing installed.
	bare := fakeWindows{dirs: map[string][]string{`C:\Program Files\PostgreSQL`: {"15"}}}
	got = windowsBinDirs(bare.getenv, bare.listDir)
	if want := []string{`C:\Program Files\PostgreSQL\15\bin`}; !slices.Equal(got, want) {
		t.Errorf("without environment: %q, want %q", got, want)
	}
	dir, err = pickBinDir(got, bare.has)
	if !errors.Is(err, ErrNotFound) || dir != "" || !strings.Contains(err.Error(), installHint) {
		t.Errorf("nothing installed: %q, %v; want ErrNotFound with the install hint", dir, err)
	}
}
