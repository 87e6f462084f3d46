package pg

import "syscall"

// sysProcAttr starts the child in a new process group, which ignores the
// console's Ctrl-C: the keypress reaches only exo, whose handler stops the
// cluster (as Setpgid does on Unix). There is no user switch on Windows (see
// unprivilegedUser), and no PDEATHSIG: see watchdog_windows.go.
func sysProcAttr(*credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
