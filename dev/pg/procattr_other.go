//go:build unix && !linux

package pg

import "syscall"

// sysProcAttr puts the child in its own process group and switches to runAs
// when set. There is no PDEATHSIG here; the watchdog covers a dying parent.
func sysProcAttr(runAs *credential) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if runAs != nil {
		a.Credential = &syscall.Credential{Uid: runAs.uid, Gid: runAs.gid, Groups: []uint32{}}
	}
	return a
}
