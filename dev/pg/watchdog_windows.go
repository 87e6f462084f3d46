package pg

// On Windows there is no watchdog process and no PDEATHSIG: a cluster is
// stopped by Stop, which exo calls when it exits normally and on Ctrl-C,
// Ctrl-Break or a closed console window (SIGINT and SIGTERM in Go; with
// Options.NoSignalHandler the caller handles those, as exo's commands do).
// If exo is killed without running Stop (Task Manager, taskkill /F, a
// crash), the postmaster keeps running and its directory under %TEMP%
// (exo-pg-*) stays; end the postgres.exe processes whose command line names
// that directory and delete it by hand. (Putting the postmaster in a job
// object that is killed when the job's last handle closes would cover this;
// exo does not do it yet.)
type watchdog struct{}

func startWatchdog(string) (*watchdog, error) { return &watchdog{}, nil }

func (*watchdog) setPID(int) {}

func (*watchdog) retire(bool) {}
