//go:build unix

package pg

import (
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
)

// watchdogScript runs in its own process group with INT/TERM/HUP ignored. It
// reads commands on stdin: "pid N" names the postmaster (also the process
// group), "ok" means the cluster was cleaned up normally. When stdin reaches
// EOF without "ok" (our process died, however), it kills the server's
// process group with SIGKILL, removes the System V shared memory segment
// recorded in postmaster.pid, and removes the directory. (It does not wait
// for the killed processes to be reaped: they are init's children by then,
// and some inits reap only every second or so.)
const watchdogScript = `trap '' INT TERM HUP
dir=$1
pid=
while read -r cmd arg; do
	case $cmd in
	pid) pid=$arg ;;
	ok) exit 0 ;;
	esac
done
if [ -n "$pid" ]; then
	kill -s KILL -- "-$pid" 2>/dev/null
fi
if [ -f "$dir/data/postmaster.pid" ]; then
	set -- $(sed -n 7p "$dir/data/postmaster.pid")
	if [ -n "$2" ]; then ipcrm -m "$2" 2>/dev/null; fi
fi
# A process killed in the middle of a system call may still create a file;
# retry until the directory is gone.
i=0
while [ -e "$dir" ] && [ "$i" -lt 100 ]; do
	rm -rf "$dir" 2>/dev/null || sleep 0.05
	i=$((i+1))
done
`

// watchdog is the /bin/sh process that cleans up a cluster if this process
// dies without calling Stop.
type watchdog struct {
	mu    sync.Mutex
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func startWatchdog(dir string) (*watchdog, error) {
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, "exo-pg-watchdog", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start cluster watchdog: %w", err)
	}
	return &watchdog{cmd: cmd, stdin: stdin}, nil
}

func (w *watchdog) setPID(pid int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.stdin, "pid %d\n", pid)
}

// retire ends the watchdog: with cleaned, it just exits; otherwise it does
// its clean-up now. It waits for the watchdog to exit.
func (w *watchdog) retire(cleaned bool) {
	w.mu.Lock()
	if cleaned {
		io.WriteString(w.stdin, "ok\n")
	}
	w.stdin.Close()
	w.mu.Unlock()
	w.cmd.Wait()
}
