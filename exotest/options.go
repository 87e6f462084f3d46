package exotest

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Project is one Exograph project found under the run root: a directory with
// src/index.exo and a tests/ directory.
type Project struct {
	// Dir is the absolute path of the project directory (as walked: symlinks
	// are not resolved).
	Dir string
	// Name is the slash-separated path of Dir relative to the run root ("."
	// when the run root is the project).
	Name string
	// Artifact is what [Options.Build] returned for the project (for the CLI,
	// the compiled *ir.System). The runner never looks inside it.
	Artifact any
}

// BuildFunc builds the project in projectDir. For a model that does not build,
// the error message must carry the rendered diagnostics: the runner prints it
// once and reports every test of the project as TEST SETUP FAILED.
type BuildFunc func(ctx context.Context, projectDir string) (artifact any, err error)

// ProvisionFunc creates a fresh database named dbName holding the project's
// schema and returns its URL. cleanup drops it; the runner calls cleanup
// exactly once, also when the run is cancelled. See [NewTemplateProvisioner].
type ProvisionFunc func(ctx context.Context, p *Project, dbName string) (dbURL string, cleanup func(), err error)

// ServeFunc starts an in-process server for the project on the database at
// dbURL with the given environment (EXO_JWT_SECRET, EXO_POSTGRES_URL, the
// test's envs, ...; see [ServerEnv]). Requests go through handler.ServeHTTP;
// no socket is opened. stop releases the server; the runner calls it exactly
// once.
type ServeFunc func(ctx context.Context, p *Project, dbURL string, env map[string]string) (handler http.Handler, stop func(), err error)

// ExecSQLFunc runs a batch of SQL statements (an init*.sql file) on the
// database at dbURL.
type ExecSQLFunc func(ctx context.Context, dbURL, sql string) error

// BundleFunc bundles the imports of a deno prelude. src is an ES module
// made of the prelude's import declarations (at their positions in the
// prelude, everything else blanked) and an export of the names they bind;
// relative imports resolve against dir, the directory of the file holding
// the prelude; name names the prelude in messages. The returned script
// must assign the module's exports to the variable [PreludeGlobal] (the
// IIFE jsbundle produces). A *SkipError skips the tests using the prelude
// (imports that need a network that cannot be reached); any other error
// fails them, with the error message (rendered diagnostics) as the reason.
type BundleFunc func(ctx context.Context, src, dir, name string) (script []byte, err error)

// Options configure [Run]. Build, Provision and Serve are required.
type Options struct {
	Build     BuildFunc
	Provision ProvisionFunc
	Serve     ServeFunc
	// ExecSQL runs init*.sql files; nil uses pgx ([ExecSQL]).
	ExecSQL ExecSQLFunc

	// Parallel is the number of tests run at once; 0 means runtime.NumCPU().
	Parallel int
	// RPC enables `type: rpc` stages (POST /rpc through the same handler).
	// When false, every test that uses an RPC operation (in the test itself,
	// an init file or an invariant) is reported as SKIP "rpc not supported
	// yet", never as passed.
	RPC bool
	// JWTSecret signs the `auth` claims (HS256) and is passed to Serve as
	// EXO_JWT_SECRET. Empty means a random 30-character secret per run.
	JWTSecret string
	// RetryDelay is the first back-off between attempts of a test with
	// `retries` (doubling each time); 0 means one second.
	RetryDelay time.Duration
	// Now is the clock for the iat/exp claims; nil means time.Now.
	Now func() time.Time
	// Progress, when set, receives one line per test as it finishes ("PASS
	// name", "FAIL name", ...; completion order) and "BUILD FAILED project"
	// lines. The details and the deterministic summary come from
	// [Report.WriteText].
	Progress io.Writer
	// Env is added to every server environment before the test's `envs`
	// (e.g. EXO_SQL_EPHEMERAL_DATABASE_LAUNCH_PREFERENCE).
	Env map[string]string
	// Skip, when set, is asked about each project before its build scripts
	// run: a non-empty reason skips all of the project's tests (for example
	// a model that needs WebAssembly or modules from the network).
	Skip func(ctx context.Context, projectDir string) string
	// Introspection, when set, adds one test per built project named
	// "<project>/introspection" that passes when it returns nil (Exograph's
	// EXO_RUN_INTROSPECTION_TESTS check of the generated schema); a
	// *SkipError skips it.
	Introspection func(ctx context.Context, p *Project) error
	// EvalTimeout bounds each JavaScript evaluation; 0 means 30 seconds.
	EvalTimeout time.Duration
	// BundlePrelude bundles the imports of deno preludes (once per
	// prelude source and directory in a run). When nil, tests whose
	// preludes import modules are skipped ("deno prelude imports are not
	// supported"); preludes without imports never need it.
	BundlePrelude BundleFunc
}

// SkipError, returned by Provision, reports that the test cannot run on
// this machine (for example, the model needs the pgvector extension and the
// PostgreSQL server does not have it). Such tests are reported as skipped
// with Reason, never as passed.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return e.Reason }
