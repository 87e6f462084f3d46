// Package pg launches throw-away PostgreSQL servers for exo yolo, exo test and
// the test suite, or hands out databases on an existing server.
//
// A local cluster lives in a fresh directory (under /dev/shm when that is a
// roomy tmpfs, else os.TempDir()): initdb (trust auth, user "exo", UTF8, C
// locale, no sync, 1 MB WAL segments), or a copy of a cached initdb result,
// then the postgres binary is started directly (not through pg_ctl) in its
// own process group, so this process owns it (pg_ctl is not needed):
//
//   - it listens on a Unix socket inside the temp directory only; with
//     Options.TCP also on a free 127.0.0.1 port;
//   - the server's default TimeZone is UTC (-c timezone=UTC on the command
//     line), so clients need no extra connection options;
//   - durability is off (fsync, synchronous_commit, full_page_writes);
//   - as root, initdb and postgres run as the "postgres" user (else
//     "nobody"), because initdb refuses to run as root.
//
// Nothing is left behind: Stop kills the server and removes the directory; a
// signal handler does the same on SIGINT/SIGTERM/SIGHUP and re-raises the
// signal; and if this process dies any other way (SIGKILL, a panic, a test
// timeout) the postmaster gets SIGKILL through PDEATHSIG (Linux) and a small
// watchdog shell process, which sees its stdin pipe close, kills the server's
// process group and removes the directory.
//
// On Windows the binaries are initdb.exe and postgres.exe (see FindBinDir
// for where they are looked for), the cluster lives under os.TempDir() and
// listens on a free 127.0.0.1 port only (Options.TCP is implied; URL is
// TCPURL), it runs as the current user (which must not be an elevated
// Administrator: postgres refuses that), and Stop asks for an immediate
// shutdown through PostgreSQL's signal pipe, terminating the processes when
// that does not work.
// The signal handler covers Ctrl-C, Ctrl-Break and closing the console; if
// this process is killed, a job object ends the server, but its directory
// stays (see watchdog_windows.go).
//
// Launch picks the kind of server from the environment, following Exograph:
// EXO_SQL_EPHEMERAL_DATABASE_LAUNCH_PREFERENCE and EXO_SQL_EXISTING_DB_URL.
package pg

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// Server hands out databases. *Cluster (a local throw-away cluster) and
// *Existing (databases on a server someone else runs) implement it.
type Server interface {
	// URL returns a pgx-compatible connection URL for database dbname.
	URL(dbname string) string
	// CreateDatabase creates an empty database.
	CreateDatabase(ctx context.Context, name string) error
	// CreateDatabaseFromTemplate creates a database as a copy of template. No
	// session may be connected to template while it is copied.
	CreateDatabaseFromTemplate(ctx context.Context, name, template string) error
	// DropDatabase drops the database if it exists, terminating its sessions.
	DropDatabase(ctx context.Context, name string) error
	// Stop releases the server: a local cluster is killed and its directory
	// removed; on an existing server the databases created through this value
	// and not yet dropped are dropped. Stop is idempotent.
	Stop() error
}

// Options configure Start and Launch. The zero value is ready to use.
type Options struct {
	// TCP makes a local cluster also listen on a free port on 127.0.0.1
	// (see Cluster.TCPURL). By default it listens on a Unix socket only; on
	// Windows it always listens on TCP only.
	TCP bool
	// BinDir is the directory holding initdb and postgres. Empty means search
	// (see FindBinDir).
	BinDir string
	// Settings are extra server settings (-c name=value), applied after and
	// overriding the defaults.
	Settings map[string]string
	// NoSignalHandler disables the SIGINT/SIGTERM/SIGHUP handler that stops
	// all live clusters and re-raises the signal. Set it when the program
	// handles signals itself and calls Stop; the watchdog still cleans up if
	// the process dies without doing so.
	NoSignalHandler bool
	// NoInitdbCache disables the on-disk cache of a freshly initialised data
	// directory (see Start).
	NoInitdbCache bool
	// Logf, when set, receives progress messages.
	Logf func(format string, args ...any)
	// Getenv reads the launch preference variables in Launch; nil means
	// os.Getenv.
	Getenv func(string) string
}

func (o *Options) logf(format string, args ...any) {
	if o.Logf != nil {
		o.Logf(format, args...)
	}
}

// Environment variables read by Launch (names and values as in Exograph).
const (
	EnvLaunchPreference = "EXO_SQL_EPHEMERAL_DATABASE_LAUNCH_PREFERENCE"
	EnvExistingDBURL    = "EXO_SQL_EXISTING_DB_URL"
)

// Launch preferences, the values of EXO_SQL_EPHEMERAL_DATABASE_LAUNCH_PREFERENCE.
const (
	PreferLocal    = "prefer-local"
	PreferDocker   = "prefer-docker"
	LocalOnly      = "local-only"
	DockerOnly     = "docker-only"
	ExistingDBOnly = "existing-db-only"
)

// ErrDockerUnsupported is returned when the launch preference demands Docker:
// exo does not launch PostgreSQL in Docker containers.
var ErrDockerUnsupported = errors.New("launching PostgreSQL in Docker is not supported by exo; " +
	"install PostgreSQL locally, or run one yourself and set " + EnvLaunchPreference + "=" + ExistingDBOnly +
	" and " + EnvExistingDBURL + "=postgres://user@host:port")

// Launch returns a Server chosen by EXO_SQL_EPHEMERAL_DATABASE_LAUNCH_PREFERENCE:
//
//   - prefer-local (default), local-only: a local cluster (Start). Docker is
//     not supported, so prefer-local fails like local-only, with a hint.
//   - prefer-docker: Docker is not supported, so a local cluster.
//   - docker-only: ErrDockerUnsupported.
//   - existing-db-only: databases on the server at EXO_SQL_EXISTING_DB_URL
//     (default: the libpq defaults, i.e. the local Unix socket and the
//     current OS user); see NewExisting.
func Launch(ctx context.Context, opts Options) (Server, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	pref := strings.TrimSpace(getenv(EnvLaunchPreference))
	switch pref {
	case "", PreferLocal, LocalOnly:
		c, err := Start(ctx, opts)
		if err != nil {
			if pref != LocalOnly && errors.Is(err, ErrNotFound) {
				return nil, fmt.Errorf("%w (the Docker fallback of %s is not supported by exo)", err, PreferLocal)
			}
			return nil, err
		}
		return c, nil
	case PreferDocker:
		opts.logf("launching PostgreSQL in Docker is not supported; using a local cluster")
		c, err := Start(ctx, opts)
		if err != nil {
			return nil, err
		}
		return c, nil
	case DockerOnly:
		return nil, ErrDockerUnsupported
	case ExistingDBOnly:
		e, err := NewExisting(ctx, getenv(EnvExistingDBURL))
		if err != nil {
			return nil, err
		}
		return e, nil
	default:
		return nil, fmt.Errorf("invalid %s %q: want one of %s, %s, %s, %s, %s", EnvLaunchPreference, pref,
			PreferLocal, PreferDocker, LocalOnly, DockerOnly, ExistingDBOnly)
	}
}

// checkName validates a database name used by CreateDatabase and friends.
func checkName(name string) error {
	if name == "" {
		return errors.New("empty database name")
	}
	if len(name) > 63 {
		return fmt.Errorf("database name %q is longer than 63 bytes", name)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("database name %q contains a NUL byte", name)
	}
	return nil
}

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// redact hides the password of a connection URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
