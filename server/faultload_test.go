//go:build linux

// This test stops PostgreSQL with a Unix signal and restarts it with
// restartPostgres (dbdown_test.go), so it runs on Linux only.

package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/dev/pg"
)

// TestDatabaseOutageUnderLoad is the fault test of the production server:
// concurrent clients query without pause while PostgreSQL is stopped (fast
// shutdown, sessions terminated) for 5 s and started again. Every failed
// request must overlap the outage (plus a short grace for the pool to
// reconnect) and fail cleanly ("Internal server error", no transport
// error, no hang); every successful one must be correct; after the outage
// requests succeed again without a restart of the server; and the server's
// database sessions (pg_stat_activity) and pool return to their level
// before the outage, with nothing acquired.
func TestDatabaseOutageUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL cluster and runs for ~15 s")
	}
	const (
		poolSize = 4
		clients  = 8
		outage   = 5 * time.Second
		grace    = time.Second
		internal = `{"errors":[{"message":"Internal server error"}]}`
	)
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

	ts := startServer(t, sys, c.TCPURL("app"), map[string]string{
		"EXO_CONNECTION_POOL_SIZE": "4", "EXO_REQUEST_TIMEOUT": "5s", "EXO_LOG": "error"}, nil)

	// sessions counts the server's sessions on the database, from another
	// database so that the counting session is not one of them.
	sessions := func() int {
		t.Helper()
		conn, err := pgx.Connect(ctx, c.TCPURL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = 'app'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	type sample struct {
		start, end time.Time
		ok         bool
		got        string
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	body := []byte(`{"query":"` + venuesQuery + `"}`)
	load := func(stop <-chan struct{}) []sample {
		var mu sync.Mutex
		var all []sample
		var wg sync.WaitGroup
		for i := 0; i < clients; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []sample
				for {
					select {
					case <-stop:
						mu.Lock()
						all = append(all, mine...)
						mu.Unlock()
						return
					default:
					}
					s := sample{start: time.Now()}
					resp, err := client.Post(ts.http.URL+"/graphql", "application/json", bytes.NewReader(body))
					if err != nil {
						s.got = "transport error: " + err.Error()
					} else {
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						s.got = compact(b)
						if resp.StatusCode != http.StatusOK {
							s.got = resp.Status + " " + s.got
						}
						s.ok = s.got == publishedVenues
					}
					s.end = time.Now()
					mine = append(mine, s)
				}
			}()
		}
		<-stop
		wg.Wait()
		return all
	}

	// Warm up, then note the normal level.
	stop := make(chan struct{})
	time.AfterFunc(time.Second, func() { close(stop) })
	for _, s := range load(stop) {
		if !s.ok {
			t.Fatalf("warm-up: %s", s.got)
		}
	}
	time.Sleep(100 * time.Millisecond)
	goroutines := runtime.NumGoroutine()
	normalSessions, normalPool := sessions(), ts.s.pool.Stat().TotalConns()
	t.Logf("before the outage: %d database sessions, pool %d total / %d acquired (size %d)",
		normalSessions, normalPool, ts.s.pool.Stat().AcquiredConns(), poolSize)
	if normalSessions != int(normalPool) || normalSessions > poolSize {
		t.Fatalf("before the outage: %d sessions, pool holds %d (size %d)", normalSessions, normalPool, poolSize)
	}

	// Load throughout: 2 s before the outage, 5 s down, 5 s after.
	stop = make(chan struct{})
	results := make(chan []sample)
	go func() { results <- load(stop) }()
	time.Sleep(2 * time.Second)
	pid := c.PID()
	down := time.Now()
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "postgres to stop", func() bool { return syscall.Kill(pid, 0) != nil })
	time.Sleep(time.Until(down.Add(outage)))
	restartPostgres(t, binDir, c)
	waitFor(t, 20*time.Second, "postgres to accept connections", func() bool {
		conn, err := pgx.Connect(ctx, c.TCPURL("postgres"))
		if err != nil {
			return false
		}
		conn.Close(ctx)
		return true
	})
	up := time.Now()
	time.Sleep(5 * time.Second)
	close(stop)
	all := <-results

	var before, during, after, failed int
	var firstFail, lastFail, firstOKAfter time.Time
	var slowest time.Duration
	for _, s := range all {
		switch {
		case s.end.Before(down):
			before++
		case s.start.After(up.Add(grace)):
			after++
		default:
			during++
		}
		if s.ok {
			if s.start.After(up) && (firstOKAfter.IsZero() || s.end.Before(firstOKAfter)) {
				firstOKAfter = s.end
			}
			continue
		}
		failed++
		if firstFail.IsZero() || s.start.Before(firstFail) {
			firstFail = s.start
		}
		if s.end.After(lastFail) {
			lastFail = s.end
		}
		if d := s.end.Sub(s.start); d > slowest {
			slowest = d
		}
		switch {
		case s.got != internal:
			t.Errorf("a failed request answered %s, want %s", s.got, internal)
		case s.end.Before(down) || s.start.After(up.Add(grace)):
			t.Errorf("a request failed outside the outage: %v..%v after the stop (database back at %v)",
				s.start.Sub(down).Round(time.Millisecond), s.end.Sub(down).Round(time.Millisecond), up.Sub(down).Round(time.Millisecond))
		}
	}
	t.Logf("%d requests: %d before the outage, %d during it (+%v grace), %d after; %d failed",
		len(all), before, during, grace, after, failed)
	if failed > 0 {
		t.Logf("failures from %v to %v after the stop; database down %v; slowest failure %v",
			firstFail.Sub(down).Round(time.Millisecond), lastFail.Sub(down).Round(time.Millisecond),
			up.Sub(down).Round(time.Millisecond), slowest.Round(time.Millisecond))
	}
	if !firstOKAfter.IsZero() {
		t.Logf("first success %v after the database accepted connections again", firstOKAfter.Sub(up).Round(time.Millisecond))
	}
	if before == 0 || after == 0 || failed == 0 {
		t.Errorf("the load did not cover the outage: %d before, %d after, %d failed", before, after, failed)
	}
	if slowest > 3*time.Second {
		t.Errorf("a request with the database down took %v", slowest)
	}

	// Back to the normal level: as many sessions as before, all in the
	// pool, none acquired, no goroutine left behind.
	st := ts.s.pool.Stat()
	n := sessions()
	t.Logf("after recovery: %d database sessions, pool %d total / %d acquired (size %d)",
		n, st.TotalConns(), st.AcquiredConns(), poolSize)
	if n != normalSessions || int(st.TotalConns()) != n || st.AcquiredConns() != 0 {
		t.Errorf("after recovery: %d sessions (%d before), pool %d total / %d acquired",
			n, normalSessions, st.TotalConns(), st.AcquiredConns())
	}
	tr.CloseIdleConnections()
	ts.http.CloseClientConnections()
	waitFor(t, 5*time.Second, "goroutines to settle", func() bool { return runtime.NumGoroutine() <= goroutines+2 })
}
