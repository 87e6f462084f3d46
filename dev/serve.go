package dev

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/dev/pg"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/migrate"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server"
)

// Serving says how each build's server is made.
type Serving struct {
	// Env is the server's environment (EXO_POSTGRES_URL is set per build).
	Env map[string]string
	// Log receives the server's log; nil discards it.
	Log *slog.Logger
	// Observe, when set, receives every GraphQL operation.
	Observe func(Op)
	// Dir is the project directory (see server.Config.ProjectDir).
	Dir string
}

// Config returns the server configuration for the environment (with the
// database URL url when not empty).
func (s Serving) Config(url string) (server.Config, error) {
	env := maps.Clone(s.Env)
	if env == nil {
		env = map[string]string{}
	}
	if url != "" {
		env["EXO_POSTGRES_URL"] = url
	}
	cfg, err := server.FromEnv(env)
	if s.Dir != "" {
		cfg.ProjectDir = s.Dir
	}
	return cfg, err
}

// Start creates a server for sys against the database at url and returns
// its handler, with the playground mounted and operations observed.
func (s Serving) Start(ctx context.Context, sys *ir.System, url string) (http.Handler, func(), error) {
	cfg, err := s.Config(url)
	if err != nil {
		return nil, nil, err
	}
	srv, err := server.New(ctx, sys, cfg, s.Log)
	if err != nil {
		return nil, nil, err
	}
	return Mount(srv.Handler(), cfg, s.Observe), srv.Close, nil
}

// Mount wraps a server handler for development: observe (when set) is
// called for every request to cfg.GraphQLPath. The server itself serves the
// playground (introspection is on in yolo and dev).
func Mount(h http.Handler, cfg server.Config, observe func(Op)) http.Handler {
	if observe != nil {
		h = Observe(h, cfg.GraphQLPath, observe)
	}
	return h
}

// YoloDB prepares throw-away databases for exo yolo on an ephemeral server.
//
// The first build gets database "yolo", created from the model's DDL and
// then seeded. Each later build migrates it in place (package migrate,
// destructive changes allowed, one transaction), so data survives whatever
// the change lets survive. When the migration fails (say a new NOT NULL
// column on a table with rows), the build gets a fresh database yolo_N,
// seeded again, and the old one is dropped once no server uses it.
type YoloDB struct {
	Server  pg.Server
	Seed    string // SQL run in each fresh database
	Serving Serving
	Events  func(Event)

	mu      sync.Mutex
	n       int
	current string
	users   map[string]int // generations using each database
}

func (y *YoloDB) emit(kind EventKind, msg, detail string) {
	if y.Events != nil {
		y.Events(Event{Kind: kind, Message: msg, Detail: detail})
	}
}

// CurrentURL returns the URL of the database in use ("" before the first build).
func (y *YoloDB) CurrentURL() string {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.current == "" {
		return ""
	}
	return y.Server.URL(y.current)
}

// Prepare implements LoopOptions.Prepare.
func (y *YoloDB) Prepare(ctx context.Context, sys *ir.System) (Generation, error) {
	y.mu.Lock()
	defer y.mu.Unlock()
	if y.users == nil {
		y.users = map[string]int{}
	}
	model := migrate.ModelOf(sys)
	db := y.current
	if db != "" && !y.migrateInPlace(ctx, db, model) {
		db = ""
	}
	if db == "" {
		name, err := y.fresh(ctx, model.Desired)
		if err != nil {
			return Generation{}, err
		}
		db = name
	}
	h, closeServer, err := y.Serving.Start(ctx, sys, y.Server.URL(db))
	if err != nil {
		if db != y.current {
			_ = y.Server.DropDatabase(context.WithoutCancel(ctx), db)
		}
		return Generation{}, err
	}
	old := y.current
	y.current = db
	y.users[db]++
	if old != "" && old != db && y.users[old] == 0 {
		_ = y.Server.DropDatabase(context.WithoutCancel(ctx), old)
	}
	release := func() {
		closeServer()
		y.mu.Lock()
		defer y.mu.Unlock()
		y.users[db]--
		if y.users[db] == 0 && db != y.current {
			delete(y.users, db)
			_ = y.Server.DropDatabase(context.Background(), db)
		}
	}
	return Generation{Handler: h, Release: release}, nil
}

// fresh creates a new database with the schema and the seed.
func (y *YoloDB) fresh(ctx context.Context, desired *schema.Schema) (string, error) {
	name := "yolo"
	if y.n > 0 {
		name = fmt.Sprintf("yolo_%d", y.n)
	}
	y.n++
	if err := y.Server.CreateDatabase(ctx, name); err != nil {
		return "", err
	}
	fail := func(err error) (string, error) {
		_ = y.Server.DropDatabase(context.WithoutCancel(ctx), name)
		return "", err
	}
	conn, err := pgx.Connect(ctx, y.Server.URL(name))
	if err != nil {
		return fail(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	y.emit(EventLog, "Applying migrations...", "")
	for _, stmt := range desired.DDL() {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fail(fmt.Errorf("creating the schema: %w\n%s", err, stmt))
		}
	}
	if strings.TrimSpace(y.Seed) != "" {
		// The simple protocol runs a multi-statement script as one batch.
		if _, err := conn.Exec(ctx, y.Seed, pgx.QueryExecModeSimpleProtocol); err != nil {
			return fail(fmt.Errorf("running the seed SQL: %w", err))
		}
	}
	what := "Created a fresh database " + name
	if y.current != "" {
		what += " (the migration could not keep the data)"
	}
	if strings.TrimSpace(y.Seed) != "" {
		what += ", seeded"
	}
	y.emit(EventDatabase, what, "")
	return name, nil
}

// migrateInPlace migrates db to the model, destructive changes included. It
// reports whether db can be kept.
func (y *YoloDB) migrateInPlace(ctx context.Context, db string, model migrate.Model) bool {
	conn, err := pgx.Connect(ctx, y.Server.URL(db))
	if err != nil {
		y.emit(EventWarning, "Cannot connect to the temporary database: "+err.Error(), "")
		return false
	}
	defer conn.Close(context.WithoutCancel(ctx))
	plan, err := migrate.Migrate(ctx, conn, model, migrate.Options{})
	if err != nil {
		y.emit(EventWarning, "Cannot plan the migration: "+err.Error(), "")
		return false
	}
	if plan.Empty() {
		y.emit(EventDatabase, "Database "+db+" unchanged (the schema is up to date)", "")
		return true
	}
	y.emit(EventLog, "Applying migrations...", "")
	if err := plan.Apply(ctx, conn, true); err != nil {
		y.emit(EventLog, "The migration failed, starting from a fresh database: "+err.Error(), "")
		return false
	}
	what := fmt.Sprintf("Migrated database %s (%d statement(s)", db, len(plan.Statements))
	if plan.HasDestructive() {
		what += ", destructive changes included"
	}
	y.emit(EventDatabase, what+")", plan.Script(true))
	return true
}

// DevDB prepares builds for exo dev against an existing database. After
// each build it plans the migration from the database to the model
// (package migrate): non-destructive plans are applied automatically, as
// Exograph does; destructive ones only when Confirm agrees. Otherwise the
// new model is served against the unchanged database, with a warning.
//
// When applying the migration fails (an SQL error, rolled back), Prepare
// fails unless IgnoreMigrationErrors is set: the loop "pauses", serving the
// previous build until the next change. With IgnoreMigrationErrors the
// failure is a warning and the new model is served against the database as
// it is.
type DevDB struct {
	URL     string
	Serving Serving
	Events  func(Event)
	// Confirm is asked whether to apply a destructive migration (script is
	// the SQL); nil means no.
	Confirm func(script string) bool
	// Hint completes the warning shown when a migration is not applied.
	Hint string
	// IgnoreMigrationErrors serves the new model even when its migration
	// fails.
	IgnoreMigrationErrors bool
	// FailureHint completes the error returned when a failed migration
	// pauses the loop.
	FailureHint string
}

func (d *DevDB) emit(kind EventKind, msg, detail string) {
	if d.Events != nil {
		d.Events(Event{Kind: kind, Message: msg, Detail: detail})
	}
}

// Prepare implements LoopOptions.Prepare.
func (d *DevDB) Prepare(ctx context.Context, sys *ir.System) (Generation, error) {
	if err := d.migrate(ctx, sys); err != nil {
		return Generation{}, err
	}
	h, closeServer, err := d.Serving.Start(ctx, sys, d.URL)
	if err != nil {
		return Generation{}, err
	}
	return Generation{Handler: h, Release: closeServer}, nil
}

// migrate brings the database to sys's schema as far as DevDB's policy
// allows. It fails only when applying the migration failed and
// IgnoreMigrationErrors is not set.
func (d *DevDB) migrate(ctx context.Context, sys *ir.System) error {
	model := migrate.ModelOf(sys)
	if len(model.Desired.Tables) == 0 && len(model.Desired.Enums) == 0 {
		return nil
	}
	d.emit(EventLog, "Verifying new model...", "")
	conn, err := pgx.Connect(ctx, d.URL)
	if err != nil {
		d.emit(EventWarning, "Cannot verify the database schema: "+err.Error(), "")
		return nil
	}
	defer conn.Close(context.WithoutCancel(ctx))
	plan, err := migrate.Migrate(ctx, conn, model, migrate.Options{})
	if err != nil {
		d.emit(EventWarning, "Cannot verify the database schema: "+err.Error(), "")
		return nil
	}
	if plan.Empty() {
		d.emit(EventDatabase, "The model is compatible with the database schema", "")
		return nil
	}
	script := strings.TrimRight(plan.Script(true), "\n")
	if plan.HasDestructive() {
		var reasons []string
		for _, s := range plan.Statements {
			if s.Change != nil {
				reasons = append(reasons, "- "+s.Change.String())
			}
		}
		d.emit(EventWarning, "The schema of the current database is not compatible with the current model for the following reasons:",
			strings.Join(reasons, "\n")+"\n\nMigration (destructive):\n"+script)
		if d.Confirm == nil || !d.Confirm(script) {
			msg := "Continuing with the old schema"
			if d.Hint != "" {
				msg += " (" + d.Hint + ")"
			}
			d.emit(EventWarning, msg, "")
			d.emit(EventDatabase, fmt.Sprintf("The database schema differs from the model (%d pending statement(s))", len(plan.Statements)), "")
			return nil
		}
	}
	d.emit(EventLog, "Applying migration...", "")
	if err := plan.Apply(ctx, conn, true); err != nil {
		d.emit(EventDatabase, "The database schema differs from the model (the migration failed)", "")
		if d.IgnoreMigrationErrors {
			d.emit(EventWarning, "Migration failed:", err.Error())
			d.emit(EventWarning, "Ignoring the migration error: serving the new model against the database as it is", "")
			return nil
		}
		msg := "the migration failed: fix the model or the database, then change a file to retry"
		if d.FailureHint != "" {
			msg += " (" + d.FailureHint + ")"
		}
		return &PrepareError{Message: msg, Detail: err.Error()}
	}
	d.emit(EventDatabase, "Migration successful!", script)
	return nil
}
