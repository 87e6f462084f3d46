package pg

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// installHintMentions are install instructions the not-found error must show.
var installHintMentions = []string{"https://www.postgresql.org/download/windows/", "scoop install postgresql"}

// stillActive is the exit code of a running process (STILL_ACTIVE).
const stillActive = 259

func processAlive(pid uint32) bool {
	h, err := syscall.OpenProcess(syscall.PROCESS_QUERY_INFORMATION, false, pid)
	if err != nil {
		return false
	}
	defer syscall.CloseHandle(h)
	var code uint32
	return syscall.GetExitCodeProcess(h, &code) == nil && code == stillActive
}

// checkRunning checks that the postmaster runs and has started workers.
func checkRunning(t *testing.T, pid int, _ string) {
	t.Helper()
	if !processAlive(uint32(pid)) {
		t.Errorf("postmaster (pid %d) is not running", pid)
	}
	if children := childProcesses(uint32(pid), "postgres.exe"); len(children) == 0 {
		t.Errorf("postmaster (pid %d) has no postgres.exe workers", pid)
	}
}

// expectGone waits until the postmaster and its workers are gone and dir
// is gone.
func expectGone(t *testing.T, pid int, dir string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		alive := processAlive(uint32(pid))
		children := childProcesses(uint32(pid), "postgres.exe")
		_, statErr := os.Stat(dir)
		if !alive && len(children) == 0 && errors.Is(statErr, os.ErrNotExist) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: postmaster alive %v, workers %v; directory %s stat: %v", within, alive, children, dir, statErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
