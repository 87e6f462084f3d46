//go:build unix

package pg

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// installHintMentions are install commands the not-found error must show.
var installHintMentions = []string{"sudo apt-get install postgresql", "brew install postgresql@16"}

// checkRunning checks, on Linux, that the cluster has its postmaster and
// workers and, as root, that postgres does not run as root.
func checkRunning(t *testing.T, pid int, dir string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	if procs := clusterProcs(pid, dir); len(procs) < 2 {
		t.Errorf("expected the postmaster and its workers, found %v", procs)
	}
	if os.Geteuid() == 0 {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(status), "\nUid:\t0\t") {
			t.Errorf("postgres runs as root")
		}
	}
}

// clusterProcs lists the live processes in process group pgid or whose
// working directory is dir or below (every postgres process chdirs to its
// data directory). Zombies do not count: once our process is dead they are
// init's to reap, and they hold no resources. Linux only.
func clusterProcs(pgid int, dir string) []string {
	ents, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may contain spaces.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		cwd, _ := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		cwd = strings.TrimSuffix(cwd, " (deleted)")
		if len(fields) > 0 && fields[0] == "Z" {
			continue
		}
		if (len(fields) > 2 && fields[2] == strconv.Itoa(pgid)) || cwd == dir || strings.HasPrefix(cwd, dir+"/") {
			found = append(found, fmt.Sprintf("pid %d state %s cwd %s", pid, fields[0], cwd))
		}
	}
	return found
}

// expectGone waits until no process of the cluster is left and dir is gone.
func expectGone(t *testing.T, pgid int, dir string, within time.Duration) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("process checks use /proc")
	}
	deadline := time.Now().Add(within)
	for {
		procs := clusterProcs(pgid, dir)
		_, statErr := os.Stat(dir)
		if len(procs) == 0 && errors.Is(statErr, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: processes left %v; directory %s stat: %v", within, procs, dir, statErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSignals runs a child process (this test binary) that starts a cluster,
// kills it with a signal and checks that no process and no directory is
// left. With SIGINT and SIGTERM the child's handler cleans up and re-raises;
// with SIGKILL, PDEATHSIG and the watchdog do. As root it also runs the child
// as the unprivileged postgres user (where no uid switch happens).
func TestSignals(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process checks use /proc")
	}
	type runner struct {
		name string
		cred *credential
	}
	runners := []runner{{name: fmt.Sprintf("uid%d", os.Geteuid())}}
	if os.Geteuid() == 0 {
		if u, err := unprivilegedUser(); err == nil {
			runners = append(runners, runner{name: u.name, cred: u})
		}
	}
	for _, r := range runners {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
			t.Run(r.name+"/"+sig.String(), func(t *testing.T) {
				t.Parallel()
				runSignalChild(t, r.cred, sig)
			})
		}
	}
}

func runSignalChild(t *testing.T, cred *credential, sig syscall.Signal) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its parent is private (0700), and the child may run as
	// another user.
	home, err := os.MkdirTemp("", "exo-pg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	if cred != nil {
		// The go build directory is private to root: run a copy from a
		// directory the user owns.
		if err := os.Chmod(home, 0o755); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		exe = filepath.Join(home, "pg.test")
		if err := os.WriteFile(exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chown(home, int(cred.uid), int(cred.gid))
		cmd = exec.Command(exe)
		cmd.Dir = home
		cmd.Env = append(os.Environ(), childEnv+"=1", "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: cred.uid, Gid: cred.gid, Groups: []uint32{}}}
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child: %v %q; stderr: %s", err, line, stderr.String())
	}
	var pid int
	var dir string
	if _, err := fmt.Sscanf(line, "READY %d %s", &pid, &dir); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child said %q (%v); stderr: %s", line, err, stderr.String())
	}
	// Remember the System V segment to check that it is removed too.
	var shmid string
	if pidFile, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
		if lines := strings.Split(string(pidFile), "\n"); len(lines) > 6 {
			if f := strings.Fields(lines[6]); len(f) == 2 {
				shmid = f[1]
			}
		}
	}
	if procs := clusterProcs(pid, dir); len(procs) == 0 {
		t.Fatalf("child's cluster (pid %d, %s) is not running", pid, dir)
	}
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("child exit: %v", err)
	}
	if ws := ee.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != sig {
		t.Errorf("child ended with %v, want death by %v (the handler must re-raise); stderr: %s", ws, sig, stderr.String())
	}
	t0 := time.Now()
	expectGone(t, pid, dir, 10*time.Second)
	t.Logf("cleaned up %v after the child exited", time.Since(t0).Round(time.Millisecond))
	if shmid != "" {
		if segs, err := os.ReadFile("/proc/sysvipc/shm"); err == nil {
			for _, l := range strings.Split(string(segs), "\n")[1:] {
				if f := strings.Fields(l); len(f) > 1 && f[1] == shmid {
					t.Errorf("System V shared memory segment %s left behind", shmid)
				}
			}
		}
	}
}
