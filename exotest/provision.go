package exotest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// DatabaseServer hands out databases; dev/pg.Server satisfies it.
type DatabaseServer interface {
	URL(dbname string) string
	CreateDatabase(ctx context.Context, name string) error
	CreateDatabaseFromTemplate(ctx context.Context, name, template string) error
	DropDatabase(ctx context.Context, name string) error
}

// ApplySchemaFunc creates the project's schema in the (empty) database at
// dbURL, e.g. the DDL of `exo schema create` for p.Artifact.
type ApplySchemaFunc func(ctx context.Context, p *Project, dbURL string) error

// NewTemplateProvisioner returns a [ProvisionFunc] that creates, once per
// project, a template database holding the schema (applySchema on an empty
// database) and then gives each test a copy of it (CREATE DATABASE ...
// TEMPLATE, about 20 ms). A schema that fails to apply fails every test of
// the project with the same error. Call the returned cleanup after the run to
// drop the templates.
func NewTemplateProvisioner(srv DatabaseServer, applySchema ApplySchemaFunc) (ProvisionFunc, func()) {
	tp := &templates{srv: srv, apply: applySchema, byDir: map[string]*template{}}
	return tp.provision, tp.cleanup
}

type templates struct {
	srv   DatabaseServer
	apply ApplySchemaFunc
	mu    sync.Mutex
	byDir map[string]*template
}

type template struct {
	ready chan struct{}
	name  string
	err   error
	// copying serialises copies: PostgreSQL refuses to copy a template that
	// another CREATE DATABASE is copying at the same time.
	copying sync.Mutex
}

func (tp *templates) template(ctx context.Context, p *Project) *template {
	tp.mu.Lock()
	t, ok := tp.byDir[p.Dir]
	if !ok {
		sum := md5.Sum([]byte(p.Dir))
		t = &template{ready: make(chan struct{}), name: "exotest_tpl_" + hex.EncodeToString(sum[:12])}
		tp.byDir[p.Dir] = t
	}
	tp.mu.Unlock()
	if !ok {
		func() {
			defer close(t.ready)
			_ = tp.srv.DropDatabase(ctx, t.name)
			if err := tp.srv.CreateDatabase(ctx, t.name); err != nil {
				t.err = fmt.Errorf("create template database: %w", err)
				return
			}
			if err := tp.apply(ctx, p, tp.srv.URL(t.name)); err != nil {
				t.err = fmt.Errorf("apply schema: %w", err)
			}
		}()
	}
	return t
}

func (tp *templates) provision(ctx context.Context, p *Project, dbName string) (string, func(), error) {
	t := tp.template(ctx, p)
	select {
	case <-t.ready:
	case <-ctx.Done():
		return "", nil, ctx.Err()
	}
	if t.err != nil {
		return "", nil, t.err
	}
	_ = tp.srv.DropDatabase(ctx, dbName)
	t.copying.Lock()
	err := tp.srv.CreateDatabaseFromTemplate(ctx, dbName, t.name)
	t.copying.Unlock()
	if err != nil {
		return "", nil, err
	}
	cleanup := func() {
		// The test context may be cancelled already; dropping must still
		// happen.
		_ = tp.srv.DropDatabase(context.Background(), dbName)
	}
	return tp.srv.URL(dbName), cleanup, nil
}

func (tp *templates) cleanup() {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	for _, t := range tp.byDir {
		<-t.ready
		_ = tp.srv.DropDatabase(context.Background(), t.name)
	}
	tp.byDir = map[string]*template{}
}

// ExecSQL is the default [ExecSQLFunc]: it runs sql as one batch (simple
// protocol, several statements allowed) on a fresh pgx connection.
func ExecSQL(ctx context.Context, dbURL, sql string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.PgConn().Exec(ctx, sql).ReadAll()
	return err
}
