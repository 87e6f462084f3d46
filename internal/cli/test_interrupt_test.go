package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExoTestInterruptLeavesNothing runs `exo test` in a child process,
// interrupts it (Ctrl-C) while a test is running, and checks that the
// throw-away PostgreSQL cluster is gone: no process left, no directory.
func TestExoTestInterruptLeavesNothing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process checks use /proc")
	}
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster")
	}
	dir := writeProject(t, `@postgres
module M {
  @access(true)
  type Note {
    @pk id: Int = autoIncrement()
    text: String
  }
}
`)
	if err := os.MkdirAll(filepath.Join(dir, "tests"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The expectation spins for a while, so the run is busy when interrupted.
	slow := "operation: |\n  query { notes { id } }\nresponse: |\n  (r) => { const t = Date.now(); while (Date.now() - t < 20000) {} return true }\n"
	if err := os.WriteFile(filepath.Join(dir, "tests", "slow.exotest"), []byte(slow), 0o644); err != nil {
		t.Fatal(err)
	}
	before := clusterDirs()
	cmd := exec.Command(os.Args[0], "test", dir)
	cmd.Env = append(os.Environ(), "EXO_CLI_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the cluster to exist.
	var created []string
	deadline := time.Now().Add(30 * time.Second)
	for len(created) == 0 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("no cluster directory appeared within 30 s")
		}
		time.Sleep(50 * time.Millisecond)
		for _, d := range clusterDirs() {
			// Other tests (and other packages) start clusters at the same
			// time: keep only the one whose postmaster is our child's.
			if !slices.Contains(before, d) && parentOfPostmaster(d) == cmd.Process.Pid {
				created = append(created, d)
			}
		}
	}
	time.Sleep(1500 * time.Millisecond) // the slow test is now running
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("exo test did not stop within 15 s of Ctrl-C")
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		var left []string
		for _, d := range created {
			if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
				left = append(left, d)
			}
			left = append(left, processesIn(d)...)
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("left behind after Ctrl-C: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// clusterDirs lists the directories ephemeral clusters live in.
func clusterDirs() []string {
	var out []string
	for _, root := range []string{"/dev/shm", os.TempDir(), "/tmp"} {
		m, _ := filepath.Glob(filepath.Join(root, "exo-pg-*"))
		out = append(out, m...)
	}
	return out
}

// processesIn lists live processes whose working directory is inside dir.
func processesIn(dir string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil {
			continue
		}
		cwd = strings.TrimSuffix(cwd, " (deleted)")
		if cwd == dir || strings.HasPrefix(cwd, dir+"/") {
			stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if s := string(stat); strings.Contains(s[strings.LastIndexByte(s, ')')+1:], " Z ") {
				continue // a zombie waiting to be reaped holds nothing
			}
			out = append(out, "process "+e.Name()+" in "+cwd)
		}
	}
	return out
}

// parentOfPostmaster returns the parent process id of the postmaster of the
// cluster in dir, or 0 when it cannot tell (not started yet, already gone).
func parentOfPostmaster(dir string) int {
	pidFile, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _, _ := strings.Cut(string(pidFile), "\n")
	stat, err := os.ReadFile(filepath.Join("/proc", strings.TrimSpace(pid), "stat"))
	if err != nil {
		return 0
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}
