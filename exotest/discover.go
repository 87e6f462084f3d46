package exotest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/exo-dev/exo/internal/wildcard"
)

// TestCase is one discovered .exotest file.
type TestCase struct {
	// Name is the test name: the slash path relative to the run root with
	// the "<project>/tests/" segment reduced to "<project>/" and the
	// .exotest extension dropped (e.g. "todo/graphql/create-todo-admin").
	Name string
	// Path is the file path (under the run root, symlinks not resolved).
	Path string
	// Project is the project the test belongs to.
	Project *Project
	// Inits are the init*.gql / init*.sql files that run before the test, in
	// order: parent directories first, each directory sorted by file name.
	Inits []string
}

// Suite is the result of discovery.
type Suite struct {
	Root     string
	Projects []*Project
	Tests    []*TestCase // sorted by Name
}

// Discover finds the projects under root and their tests whose name matches
// pattern ("" matches all). root is one project if it holds src/index.exo and
// a tests/ directory; otherwise its sub-directories are searched recursively
// (following symlinks) for projects.
func Discover(root, pattern string) (*Suite, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory", root)
	}
	s := &Suite{Root: abs}
	if err := s.findProjects(abs, map[string]bool{}); err != nil {
		return nil, err
	}
	for _, p := range s.Projects {
		if err := s.walkProject(p, p.Dir, nil, map[string]bool{}); err != nil {
			return nil, err
		}
	}
	if pattern != "" {
		kept := s.Tests[:0]
		for _, t := range s.Tests {
			if Match(pattern, t.Name) {
				kept = append(kept, t)
			}
		}
		s.Tests = kept
	}
	sort.Slice(s.Tests, func(i, j int) bool { return s.Tests[i].Name < s.Tests[j].Name })
	return s, nil
}

func isProject(dir string) bool {
	if st, err := os.Stat(filepath.Join(dir, "src", "index.exo")); err != nil || st.IsDir() {
		return false
	}
	st, err := os.Stat(filepath.Join(dir, "tests"))
	return err == nil && st.IsDir()
}

// skipDir reports directories never searched: VCS and tool directories.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == "node_modules" || name == "target"
}

// enter guards against symlink cycles: it reports false when dir (resolved)
// is already on the current walk path.
func enter(dir string, onPath map[string]bool) (string, bool) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", false
	}
	if onPath[real] {
		return "", false
	}
	return real, true
}

func (s *Suite) findProjects(dir string, onPath map[string]bool) error {
	real, ok := enter(dir, onPath)
	if !ok {
		return nil
	}
	onPath[real] = true
	defer delete(onPath, real)
	if isProject(dir) {
		s.Projects = append(s.Projects, &Project{Dir: dir, Name: s.rel(dir)})
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if skipDir(e.Name()) {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		if st, err := os.Stat(sub); err == nil && st.IsDir() {
			if err := s.findProjects(sub, onPath); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Suite) rel(path string) string {
	r, err := filepath.Rel(s.Root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

// IsInitFile reports whether a file name is an init file: it starts with
// "init" and ends with ".gql" or ".sql".
func IsInitFile(name string) bool {
	return strings.HasPrefix(name, "init") && (strings.HasSuffix(name, ".gql") || strings.HasSuffix(name, ".sql"))
}

func (s *Suite) walkProject(p *Project, dir string, inherited []string, onPath map[string]bool) error {
	real, ok := enter(dir, onPath)
	if !ok {
		return nil
	}
	onPath[real] = true
	defer delete(onPath, real)
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return err
	}
	inits := append([]string(nil), inherited...)
	var tests, subdirs []string
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		st, err := os.Stat(path) // follows symlinks
		if err != nil {
			continue
		}
		switch {
		case st.IsDir():
			if !skipDir(e.Name()) && !(dir != p.Dir && isProject(path)) {
				subdirs = append(subdirs, path)
			}
		case strings.HasSuffix(e.Name(), ".exotest"):
			tests = append(tests, path)
		case IsInitFile(e.Name()):
			inits = append(inits, path)
		}
	}
	for _, t := range tests {
		s.Tests = append(s.Tests, &TestCase{Name: s.testName(p, t), Path: t, Project: p, Inits: inits})
	}
	for _, d := range subdirs {
		if err := s.walkProject(p, d, inits, onPath); err != nil {
			return err
		}
	}
	return nil
}

func (s *Suite) testName(p *Project, path string) string {
	name := strings.TrimSuffix(s.rel(path), ".exotest")
	prefix := "tests/"
	if p.Name != "." {
		prefix = p.Name + "/tests/"
	}
	if rest, ok := strings.CutPrefix(name, prefix); ok {
		if p.Name == "." {
			return rest
		}
		return p.Name + "/" + rest
	}
	return name
}

// Match reports whether name matches the wildcard pattern: '*' matches any
// run of characters (including '/'), '?' any single character, everything
// else itself.
func Match(pattern, name string) bool { return wildcard.Match(pattern, name) }
