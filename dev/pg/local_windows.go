//go:build windows

package pg

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// unixSockets: on Windows a cluster listens on a free 127.0.0.1 port only
// (Options.TCP is implied) and URL returns TCPURL.
const unixSockets = false

// dynamicSharedMemoryType: mmap is not available on Windows; "windows" keeps
// dynamic shared memory in named file mappings, which the system frees when
// the last process using them ends.
const dynamicSharedMemoryType = "windows"

// credential is never set on Windows (see unprivilegedUser), so copyTree
// never chowns.
type credential struct{ uid, gid uint32 }

// unprivilegedUser returns nil: on Windows the cluster runs as the current
// user. PostgreSQL refuses to run with Administrator rights: initdb drops
// them itself (it re-runs under a restricted token), but postgres.exe, which
// exo starts directly, exits with "Execution of PostgreSQL by a user with
// administrative permissions is not permitted", and Start's error shows that
// message (from the server log or postgres' output). Run exo from a prompt
// that is not elevated.
func unprivilegedUser() (*credential, error) { return nil, nil }

// makeBaseDir creates the cluster's directory under os.TempDir().
func makeBaseDir(*credential) (string, error) {
	dir, err := os.MkdirTemp(os.TempDir(), "exo-pg-")
	if err != nil {
		return "", fmt.Errorf("create cluster directory: %w", err)
	}
	return dir, nil
}

// removeAll removes the cluster's directory. Windows refuses to delete a
// file some process still has open, and after a forced kill the cluster's
// last processes may take a moment to go (or a virus scanner or indexer may
// be looking), so it retries for up to 5 s.
func removeAll(dir string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := os.RemoveAll(dir)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pgSIGQUIT is SIGQUIT in PostgreSQL's Windows port (src/include/port/win32_port.h).
const pgSIGQUIT = 3

// quit asks the postmaster for an immediate shutdown (what pg_ctl stop -m
// immediate does): PostgreSQL on Windows receives signals through the named
// pipe \\.\pipe\pgsignal_<pid>, as one byte that it echoes back. When the
// pipe cannot be used (the server is still starting or already gone), it
// kills the cluster instead.
func (p *process) quit() {
	if err := pgSignal(p.cmd.Process.Pid, pgSIGQUIT); err != nil {
		p.kill()
	}
}

// pgSignal sends sig to the PostgreSQL process pid like PostgreSQL's own
// pgkill (src/port/kill.c): one byte written to the process's signal pipe,
// answered with the same byte, within a second.
func pgSignal(pid int, sig byte) error {
	done := make(chan error, 1)
	go func() {
		f, err := os.OpenFile(`\\.\pipe\pgsignal_`+strconv.Itoa(pid), os.O_RDWR, 0)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		if _, err := f.Write([]byte{sig}); err != nil {
			done <- err
			return
		}
		var ack [1]byte
		if n, err := f.Read(ack[:]); err != nil || n != 1 || ack[0] != sig {
			done <- errors.New("postgres did not acknowledge the signal")
			return
		}
		done <- nil
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Second):
		// The goroutine ends when the pipe breaks, at the latest when the
		// postmaster is killed.
		return errors.New("timed out signalling postgres")
	}
}

// kill terminates the postmaster and the postgres.exe processes it started,
// the equivalent of SIGKILL to the process group on Unix. (The backends
// would also exit by themselves once they notice the postmaster is gone.)
func (p *process) kill() {
	children := childProcesses(uint32(p.cmd.Process.Pid), "postgres.exe")
	p.cmd.Process.Kill()
	for _, pid := range children {
		if h, err := syscall.OpenProcess(syscall.PROCESS_TERMINATE, false, pid); err == nil {
			syscall.TerminateProcess(h, 1)
			syscall.CloseHandle(h)
		}
	}
}

// childProcesses lists the running processes whose parent is parent and
// whose program is named exe.
func childProcesses(parent uint32, exe string) []uint32 {
	snap, err := syscall.CreateToolhelp32Snapshot(syscall.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		return nil
	}
	defer syscall.CloseHandle(snap)
	var e syscall.ProcessEntry32
	e.Size = uint32(unsafe.Sizeof(e))
	var pids []uint32
	for err := syscall.Process32First(snap, &e); err == nil; err = syscall.Process32Next(snap, &e) {
		if e.ParentProcessID == parent && strings.EqualFold(syscall.UTF16ToString(e.ExeFile[:]), exe) {
			pids = append(pids, e.ProcessID)
		}
	}
	return pids
}
