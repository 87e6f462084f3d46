package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewProject(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "todo-app")
	var out, errb bytes.Buffer
	if code := Run([]string{"new", dir}, IO{Out: &out, Err: &errb}); code != ExitOK {
		t.Fatalf("exo new: exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, f := range []string{"src/index.exo", "tests/init.gql", "tests/basic-query.exotest", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	model, _ := os.ReadFile(filepath.Join(dir, "src", "index.exo"))
	if !strings.Contains(string(model), "module TodoDatabase") || !strings.Contains(string(model), "type Todo") {
		t.Errorf("unexpected model:\n%s", model)
	}
	gi, _ := os.ReadFile(filepath.Join(dir, ".gitignore"))
	for _, want := range []string{"target/", "generated/", ".env"} {
		if !strings.Contains(string(gi), want) {
			t.Errorf(".gitignore lacks %s", want)
		}
	}
	if _, err := exec.LookPath("git"); err == nil {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
			t.Errorf("git init did not run: %v", err)
		}
		// Inside a repository, no nested repository.
		sub := filepath.Join(dir, "nested")
		if code := Run([]string{"new", sub}, IO{Out: &out, Err: &errb}); code != ExitOK {
			t.Fatalf("exo new nested: exit %d\n%s", code, errb.String())
		}
		if _, err := os.Stat(filepath.Join(sub, ".git")); err == nil {
			t.Error("git init ran inside a repository")
		}
		os.RemoveAll(sub)
	}

	// The path exists now.
	errb.Reset()
	if code := Run([]string{"new", dir}, IO{Out: &out, Err: &errb}); code == ExitOK || !strings.Contains(errb.String(), "already exists") {
		t.Errorf("exo new on an existing path: exit %d, %q", code, errb.String())
	}

	// The project's own test passes.
	out.Reset()
	errb.Reset()
	if code := Run([]string{"test", dir}, IO{Out: &out, Err: &errb}); code != ExitOK {
		t.Fatalf("exo test on the new project: exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "1 passed, 0 failed") {
		t.Errorf("exo test output:\n%s", out.String())
	}
}
