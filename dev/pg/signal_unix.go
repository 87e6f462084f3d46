//go:build unix

package pg

import (
	"os"
	"syscall"
	"time"
)

// reraise sends s, whose default action was restored, to this process, and
// exits with the shell's status for it in case it does not end the process.
func reraise(s os.Signal) {
	syscall.Kill(os.Getpid(), s.(syscall.Signal))
	time.Sleep(time.Second)
	os.Exit(128 + int(s.(syscall.Signal)))
}
