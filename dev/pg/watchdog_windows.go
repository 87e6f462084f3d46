package pg

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows the watchdog is a job object: the postmaster is assigned to a
// job that Windows kills when its last handle closes, and exo holds the only
// handle. If exo ends without running Stop (Task Manager, taskkill /F, a
// crash), Windows closes the handle and the postmaster dies with it; its
// backends notice the postmaster's death and exit. What a job object cannot
// do is delete the cluster's directory under %TEMP% (exo-pg-*): that one
// stays behind after such a kill. Stop, run when exo exits normally and on
// Ctrl-C, Ctrl-Break or a closed console window, removes both.
//
// The postmaster is assigned right after it starts, so the processes it
// started before that are outside the job; they exit when it dies.
type watchdog struct {
	mu  sync.Mutex
	job windows.Handle
}

func startWatchdog(string) (*watchdog, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, err
	}
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return nil, err
	}
	return &watchdog{job: job}, nil
}

// setPID puts the postmaster into the job. A failure (say, exo runs in a job
// that forbids nesting on an old Windows) leaves the cluster to Stop alone,
// as without a watchdog.
func (w *watchdog) setPID(pid int) {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return
	}
	defer windows.CloseHandle(h)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.job != 0 {
		windows.AssignProcessToJobObject(w.job, h)
	}
}

// retire closes the job, which ends whatever of the cluster still runs.
func (w *watchdog) retire(bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.job != 0 {
		windows.CloseHandle(w.job)
		w.job = 0
	}
}
