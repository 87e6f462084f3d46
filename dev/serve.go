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
	"github.com/exo-dev/exo/playground"
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
	return server.FromEnv(env)
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

// Mount wraps a server handler for development: the playground at
// cfg.PlaygroundPath, and observe (when set) called for every request to
// cfg.GraphQLPath.
func Mount(h http.Handler, cfg server.Config, observe func(Op)) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(cfg.PlaygroundPath, playground.Handler(cfg.GraphQLPath))
	if observe != nil {
		h = Observe(h, cfg.GraphQLPath, observe)
	}
	mux.Handle("/", h)
	return mux
}

// YoloDB prepares throw-away databases for exo yolo on an ephemeral server.
//
// The first build gets database "yolo", created from the model's DDL and
// then seeded. On later builds the database is inspected and compared with
// the new model: no change keeps it as is; purely additive changes (new
// tables, nullable or defaulted columns, indexes, constraints, triggers) are
// applied in place, in one transaction, keeping the data; anything else
// (drops, type changes, or an additive change that fails) gets a fresh
// database yolo_N with the seed, and the old one is dropped once no server
// uses it.
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
	desired := schema.FromIR(sys)
	db := y.current
	if db != "" {
		kept, err := y.migrateInPlace(ctx, db, sys, desired)
		if err != nil || !kept {
			db = ""
		}
	}
	if db == "" {
		name, err := y.fresh(ctx, desired)
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
		what += " (the schema change needed it: data was reset)"
	}
	if strings.TrimSpace(y.Seed) != "" {
		what += ", seeded"
	}
	y.emit(EventDatabase, what, "")
	return name, nil
}

// migrateInPlace brings db to desired when the difference is additive. It
// reports whether db can be kept.
func (y *YoloDB) migrateInPlace(ctx context.Context, db string, sys *ir.System, desired *schema.Schema) (bool, error) {
	conn, err := pgx.Connect(ctx, y.Server.URL(db))
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	live, err := schema.Inspect(ctx, conn, schema.InspectOptions{Schemas: desired.Scope(), ExcludeTables: UnmanagedTables(sys)})
	if err != nil {
		return false, err
	}
	changes := schema.Compare(desired, live)
	if len(changes) == 0 {
		y.emit(EventDatabase, "Database "+db+" unchanged (the schema is up to date)", "")
		return true, nil
	}
	stmts, ok := AdditiveSQL(changes, desired)
	if !ok {
		return false, nil
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			y.emit(EventLog, "The in-place migration failed ("+err.Error()+"): starting from a fresh database", "")
			return false, nil
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return false, err
	}
	y.emit(EventDatabase, fmt.Sprintf("Migrated database %s in place (%d statement(s), data kept)", db, len(stmts)), strings.Join(stmts, "\n"))
	return true, nil
}

// UnmanagedTables lists the tables of the model's unmanaged entities, which
// are not compared.
func UnmanagedTables(sys *ir.System) []schema.Name {
	var out []schema.Name
	for i := range sys.Entities {
		e := &sys.Entities[i]
		if e.Kind == ir.EntityTable && !e.Managed {
			out = append(out, schema.Name{Schema: e.Table.Schema, Name: e.Table.Name})
		}
	}
	return out
}

// AdditiveSQL renders changes as SQL when every one of them only adds to
// the database (no drop, no type change, no new NOT NULL without default
// on an existing column); ok is false otherwise.
func AdditiveSQL(changes []schema.Change, desired *schema.Schema) (stmts []string, ok bool) {
	for _, c := range changes {
		switch c.Kind {
		case schema.CreateSchema:
			stmts = append(stmts, schema.CreateSchemaSQL(c.Name.Name))
		case schema.CreateExtension:
			stmts = append(stmts, schema.CreateExtensionSQL(c.Name.Name))
		case schema.CreateEnum:
			stmts = append(stmts, schema.CreateEnumSQL(*c.Enum))
		case schema.CreateSequence:
			stmts = append(stmts, schema.CreateSequenceSQL(c.Name))
		case schema.CreateTable:
			stmts = append(stmts, schema.CreateTableSQL(c.Table))
		case schema.AddColumn:
			stmts = append(stmts, "ALTER TABLE "+c.Name.SQL()+" ADD COLUMN "+schema.ColumnSQL(*c.Column)+";")
		case schema.AddForeignKey:
			stmts = append(stmts, schema.AddForeignKeySQL(c.Name, *c.ForeignKey, desired.Table(c.ForeignKey.RefTable)))
		case schema.AddUnique:
			stmts = append(stmts, schema.AddUniqueSQL(c.Name, *c.Unique))
		case schema.CreateIndex:
			stmts = append(stmts, schema.CreateIndexSQL(c.Name, *c.Index))
		case schema.DropIndex:
			stmts = append(stmts, "DROP INDEX "+schema.Name{Schema: c.Name.Schema, Name: c.Index.Name}.SQL()+";")
		case schema.CreateTrigger:
			stmts = append(stmts, schema.CreateTriggerFunctionSQL(*c.Trigger), schema.CreateTriggerSQL(c.Name, *c.Trigger))
		case schema.DropTrigger:
			stmts = append(stmts, schema.DropTriggerSQL(c.Name, *c.Trigger)...)
		default:
			return nil, false
		}
	}
	return stmts, true
}

// DevDB prepares builds for exo dev against an existing database: it
// verifies the database schema against each model and reports the drift.
//
// Applying migrations needs package migrate, which has not landed yet:
// Migrate is the hook for it. Until then drift is reported (with the
// additive SQL when there is one, which Migrate may apply when the user
// agrees) and the new model is served against the unchanged database.
type DevDB struct {
	URL     string
	Serving Serving
	Events  func(Event)
	// Migrate, when set, is asked to apply the changes; it returns whether
	// it did. Nil means verify only.
	Migrate func(ctx context.Context, changes []schema.Change, sql []string) (bool, error)
}

func (d *DevDB) emit(kind EventKind, msg, detail string) {
	if d.Events != nil {
		d.Events(Event{Kind: kind, Message: msg, Detail: detail})
	}
}

// Prepare implements LoopOptions.Prepare.
func (d *DevDB) Prepare(ctx context.Context, sys *ir.System) (Generation, error) {
	if err := d.verify(ctx, sys); err != nil {
		return Generation{}, err
	}
	h, closeServer, err := d.Serving.Start(ctx, sys, d.URL)
	if err != nil {
		return Generation{}, err
	}
	return Generation{Handler: h, Release: closeServer}, nil
}

func (d *DevDB) verify(ctx context.Context, sys *ir.System) error {
	desired := schema.FromIR(sys)
	if len(desired.Tables) == 0 && len(desired.Enums) == 0 {
		return nil
	}
	d.emit(EventLog, "Verifying new model...", "")
	conn, err := pgx.Connect(ctx, d.URL)
	if err != nil {
		d.emit(EventWarning, "Cannot verify the database schema: "+err.Error(), "")
		return nil
	}
	defer conn.Close(context.WithoutCancel(ctx))
	live, err := schema.Inspect(ctx, conn, schema.InspectOptions{Schemas: desired.Scope(), ExcludeTables: UnmanagedTables(sys)})
	if err != nil {
		d.emit(EventWarning, "Cannot verify the database schema: "+err.Error(), "")
		return nil
	}
	changes := schema.Compare(desired, live)
	if len(changes) == 0 {
		d.emit(EventDatabase, "The model is compatible with the database schema", "")
		return nil
	}
	var reasons []string
	for _, c := range changes {
		line := "- " + c.String()
		if c.Destructive() {
			line += " (destructive)"
		}
		reasons = append(reasons, line)
	}
	sql, additive := AdditiveSQL(changes, desired)
	detail := strings.Join(reasons, "\n")
	if additive {
		detail += "\n\nMigration:\n" + strings.Join(sql, "\n")
	}
	if d.Migrate != nil {
		applied, err := d.Migrate(ctx, changes, sql)
		if err != nil {
			d.emit(EventWarning, "Migration failed: "+err.Error(), detail)
			return nil
		}
		if applied {
			d.emit(EventDatabase, "Migration successful!", strings.Join(sql, "\n"))
			return nil
		}
	}
	d.emit(EventWarning, "The schema of the current database is not compatible with the current model "+
		"for the following reasons (continuing with the old schema; apply the migration yourself, "+
		"e.g. with `exo schema migrate` once available):", detail)
	d.emit(EventDatabase, fmt.Sprintf("Database schema differs from the model (%d change(s))", len(changes)), "")
	return nil
}
