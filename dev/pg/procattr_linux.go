package pg

import "syscall"

// sysProcAttr puts the child in its own process group (so a terminal's
// Ctrl-C reaches only us, and we can kill the group), kills it if our thread
// dies (PDEATHSIG; Go applies it after the credential switch, so it holds),
// and switches to runAs when set.
func sysProcAttr(runAs *credential) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if runAs != nil {
		a.Credential = &syscall.Credential{Uid: runAs.uid, Gid: runAs.gid, Groups: []uint32{}}
	}
	return a
}
