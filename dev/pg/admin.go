package pg

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// admin runs CREATE/DROP DATABASE over one connection to the "postgres"
// database (statements are serialised; each takes ~10-25 ms). A broken
// connection is replaced on the next use.
type admin struct {
	url    string
	mu     sync.Mutex
	conn   *pgx.Conn
	closed bool
}

func (a *admin) open(ctx context.Context, url string) error {
	a.url = url
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := a.connLocked(ctx)
	return err
}

var errNotRunning = errors.New("postgres server not running")

func (a *admin) connLocked(ctx context.Context) (*pgx.Conn, error) {
	if a.closed || a.url == "" {
		return nil, errNotRunning
	}
	if a.conn != nil && !a.conn.IsClosed() {
		return a.conn, nil
	}
	conn, err := pgx.Connect(ctx, a.url)
	if err != nil {
		return nil, err
	}
	a.conn = conn
	return conn, nil
}

func (a *admin) exec(ctx context.Context, sql string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	conn, err := a.connLocked(ctx)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, sql)
	return err
}

func (a *admin) createDatabase(ctx context.Context, name, template string) error {
	if err := checkName(name); err != nil {
		return err
	}
	sql := "CREATE DATABASE " + quoteIdent(name)
	if template != "" {
		if err := checkName(template); err != nil {
			return err
		}
		sql += " TEMPLATE " + quoteIdent(template)
	}
	if err := a.exec(ctx, sql); err != nil {
		if template != "" {
			return fmt.Errorf("create database %q from template %q: %w", name, template, err)
		}
		return fmt.Errorf("create database %q: %w", name, err)
	}
	return nil
}

func (a *admin) dropDatabase(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := a.exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %q: %w", name, err)
	}
	return nil
}

// close closes the connection; later statements fail with errNotRunning.
func (a *admin) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	if a.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		a.conn.Close(ctx)
		a.conn = nil
	}
}
