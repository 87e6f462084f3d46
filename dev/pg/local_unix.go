//go:build unix

package pg

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// unixSockets: a cluster listens on a Unix socket in its directory (and on
// TCP only with Options.TCP).
const unixSockets = true

// dynamicSharedMemoryType keeps dynamic shared memory in files under the
// data directory.
const dynamicSharedMemoryType = "mmap"

// credential is the unprivileged user the cluster runs as when we are root.
type credential struct {
	name     string
	uid, gid uint32
}

// unprivilegedUser returns nil unless we are root; as root, the postgres
// user, else nobody.
func unprivilegedUser() (*credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &credential{name: name, uid: uint32(uid), gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, but initdb refuses to run as root and neither a \"postgres\" nor a \"nobody\" user exists to run PostgreSQL as; create one (useradd -r postgres) or run as a normal user")
}

// makeBaseDir creates the cluster's directory, 0755 and owned by runAs. It
// lives in /dev/shm when that is a roomy tmpfs (a cluster is ~25 MB of small
// files, and on a disk-backed /tmp writing them costs more than initdb
// itself), else in os.TempDir(), else /tmp.
func makeBaseDir(runAs *credential) (string, error) {
	root := os.TempDir()
	// The Unix socket path (dir + "/.s.PGSQL.NNNNN") must fit in sun_path
	// (104 bytes on macOS), and the run-as user must reach the directory.
	if len(root) > 60 || (runAs != nil && !traversable(root)) {
		root = "/tmp"
	}
	if memoryDirUsable(shmDir) && traversable(shmDir) {
		root = shmDir
	}
	dir, err := os.MkdirTemp(root, "exo-pg-")
	if err != nil {
		return "", fmt.Errorf("create cluster directory: %w", err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if runAs != nil {
		if err := os.Chown(dir, int(runAs.uid), int(runAs.gid)); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("chown cluster directory to %s: %w", runAs.name, err)
		}
	}
	return dir, nil
}

// traversable reports whether every directory on path is searchable by
// others.
func traversable(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for p := abs; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// removeAll removes the cluster's directory.
func removeAll(dir string) error { return os.RemoveAll(dir) }

// quit sends SIGQUIT (immediate shutdown) to the postmaster.
func (p *process) quit() { syscall.Kill(p.cmd.Process.Pid, syscall.SIGQUIT) }

// kill sends SIGKILL to the postmaster's process group: the whole cluster.
func (p *process) kill() { syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) }
