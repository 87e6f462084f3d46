//go:build linux

// These tests stop and restart PostgreSQL with Unix signals, a process
// group and PDEATHSIG, so they run on Linux only.

package server

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/dev/pg"
)

// TestDatabaseDownAndBack stops the PostgreSQL server under a running exo
// server and starts it again on the same port and socket: while it is down,
// requests fail cleanly with "Internal server error" (the cause logged) and
// /ready answers 503; once it is back, requests succeed again without a
// restart, and no connection or goroutine is left behind.
func TestDatabaseDownAndBack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL cluster")
	}
	binDir, err := pg.FindBinDir()
	if err != nil {
		t.Skipf("PostgreSQL binaries not found: %v", err)
	}
	ctx := context.Background()
	c, err := pg.Start(ctx, pg.Options{TCP: true})
	if err != nil {
		t.Skipf("cannot start a PostgreSQL cluster: %v", err)
	}
	t.Cleanup(func() { c.Stop() })
	if err := c.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	sys, ddl := exampleSystem(t)
	conn, err := pgx.Connect(ctx, c.TCPURL("app"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, ddl); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	ts := startServer(t, sys, c.TCPURL("app"), map[string]string{"EXO_CONNECTION_POOL_SIZE": "4", "EXO_REQUEST_TIMEOUT": "5s"}, nil)
	concurrently(t, 8, func() { ts.expect(venuesQuery, publishedVenues) })
	time.Sleep(100 * time.Millisecond)
	goroutines := runtime.NumGoroutine()

	// Fast shutdown (SIGINT) of the postmaster; its sessions are terminated.
	pid := c.PID()
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "postgres to stop", func() bool { return syscall.Kill(pid, 0) != nil })

	for i := 0; i < 6; i++ {
		start := time.Now()
		ts.expect(venuesQuery, `{"errors":[{"message":"Internal server error"}]}`)
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("a request with the database down took %v", d)
		}
	}
	if status, _ := ts.get("/ready"); status != http.StatusServiceUnavailable {
		t.Errorf("/ready with the database down: %d, want 503", status)
	}
	if status, _ := ts.get("/health"); status != http.StatusOK {
		t.Errorf("/health with the database down: %d, want 200", status)
	}
	if logs := ts.logs.String(); !strings.Contains(logs, `"msg":"internal server error"`) || strings.Contains(logs, "password") {
		t.Errorf("the cause is not logged (or leaks): %s", logs)
	}

	restartPostgres(t, binDir, c)
	waitFor(t, 20*time.Second, "requests to succeed again", func() bool {
		_, body := ts.post(venuesQuery)
		return body == publishedVenues
	})
	concurrently(t, 8, func() { ts.expect(venuesQuery, publishedVenues) })
	if status, body := ts.get("/ready"); status != http.StatusOK {
		t.Errorf("/ready after recovery: %d %s", status, body)
	}

	st := ts.s.pool.Stat()
	if st.AcquiredConns() != 0 || st.TotalConns() > 4 {
		t.Errorf("pool after recovery: %d acquired, %d total (max 4)", st.AcquiredConns(), st.TotalConns())
	}
	ts.http.CloseClientConnections()
	waitFor(t, 5*time.Second, "goroutines to settle", func() bool { return runtime.NumGoroutine() <= goroutines+2 })
}

func concurrently(t *testing.T, n int, fn func()) {
	t.Helper()
	done := make(chan struct{})
	for i := 0; i < n; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			fn()
		}()
	}
	for i := 0; i < n; i++ {
		<-done
	}
}

// restartPostgres starts postgres again on the cluster's data directory,
// port and socket directory, as the owner of the data directory.
func restartPostgres(t *testing.T, binDir string, c *pg.Cluster) {
	t.Helper()
	fi, err := os.Stat(c.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-D", c.DataDir(),
		"-c", "listen_addresses=127.0.0.1", "-c", "port=" + strconv.Itoa(c.Port()),
		"-c", "unix_socket_directories=" + c.Dir(), "-c", "timezone=UTC", "-c", "fsync=off",
		"-c", "dynamic_shared_memory_type=mmap", "-c", "logging_collector=off"}
	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	cmd.Env = []string{"LC_ALL=C", "TZ=UTC", "PATH=" + os.Getenv("PATH")}
	logf, err := os.Create(filepath.Join(t.TempDir(), "postgres.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	attr := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		st := fi.Sys().(*syscall.Stat_t)
		attr.Credential = &syscall.Credential{Uid: st.Uid, Gid: st.Gid, Groups: []uint32{}}
	}
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(cmd.Process.Pid, syscall.SIGQUIT)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		logf.Close()
	})
}
