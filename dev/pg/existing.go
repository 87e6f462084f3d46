package pg

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
)

// Existing hands out databases on a PostgreSQL server that someone else
// runs (EXO_SQL_EXISTING_DB_URL). It implements Server.
type Existing struct {
	base  *url.URL // nil: libpq defaults
	admin admin

	mu      sync.Mutex
	created map[string]struct{}

	stopOnce sync.Once
	stopErr  error
}

// NewExisting connects to the server at rawURL (postgres:// or
// postgresql://; its path, the database, is ignored). An empty rawURL means
// the libpq defaults: PG* variables, else the local Unix socket and the
// current OS user. Administrative statements run in the "postgres" database.
func NewExisting(ctx context.Context, rawURL string) (*Existing, error) {
	e := &Existing{created: map[string]struct{}{}}
	if rawURL != "" {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return nil, fmt.Errorf("invalid %s %q: want a URL like postgres://user@host:5432", EnvExistingDBURL, redact(rawURL))
		}
		e.base = u
	}
	if err := e.admin.open(ctx, e.URL("postgres")); err != nil {
		return nil, fmt.Errorf("existing PostgreSQL server at %s is not reachable: %w", e.describe(), err)
	}
	return e, nil
}

func (e *Existing) describe() string {
	if e.base == nil {
		return "the default location (libpq defaults)"
	}
	return redact(e.base.String())
}

// URL returns the server URL with database dbname.
func (e *Existing) URL(dbname string) string {
	if e.base == nil {
		return "postgres:///" + url.PathEscape(dbname)
	}
	u := *e.base
	u.Path, u.RawPath = "/"+dbname, ""
	return u.String()
}

// CreateDatabase creates an empty database.
func (e *Existing) CreateDatabase(ctx context.Context, name string) error {
	if err := e.admin.createDatabase(ctx, name, ""); err != nil {
		return err
	}
	e.track(name, true)
	return nil
}

// CreateDatabaseFromTemplate creates database name as a copy of template.
func (e *Existing) CreateDatabaseFromTemplate(ctx context.Context, name, template string) error {
	if err := e.admin.createDatabase(ctx, name, template); err != nil {
		return err
	}
	e.track(name, true)
	return nil
}

// DropDatabase drops database name if it exists, terminating its sessions.
func (e *Existing) DropDatabase(ctx context.Context, name string) error {
	if err := e.admin.dropDatabase(ctx, name); err != nil {
		return err
	}
	e.track(name, false)
	return nil
}

func (e *Existing) track(name string, created bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if created {
		e.created[name] = struct{}{}
	} else {
		delete(e.created, name)
	}
}

// Stop drops the databases created through e and not dropped yet, then
// closes the connections. It is idempotent.
func (e *Existing) Stop() error {
	e.stopOnce.Do(func() {
		e.mu.Lock()
		names := make([]string, 0, len(e.created))
		for n := range e.created {
			names = append(names, n)
		}
		e.mu.Unlock()
		var errs []error
		for _, n := range names {
			if err := e.DropDatabase(context.Background(), n); err != nil {
				errs = append(errs, err)
			}
		}
		e.admin.close()
		e.stopErr = errors.Join(errs...)
	})
	return e.stopErr
}
