package main

import (
	"context"
	"testing"
	"time"

	"github.com/exo-dev/exo/bench/floor/load"
)

// TestServersAgree sets the benchmark up and checks that exo and both
// floors answer the same data, then loads each briefly.
func TestServersAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	ctx := context.Background()
	env, err := Setup(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if err := env.Check(); err != nil {
		t.Fatal(err)
	}
	if env.Tracks != 533 || len(env.Targets) != 3 {
		t.Fatalf("%d tracks over %d servers, want 533 over 3", env.Tracks, len(env.Targets))
	}
	for _, tg := range env.Targets {
		r := load.Run(ctx, tg.URL, tg.Body, 2, 0, 200*time.Millisecond)
		if r.Requests == 0 || r.Errors != 0 || r.P50 <= 0 || r.P99 < r.P50 {
			t.Errorf("%s: %s", tg.Name, r)
		}
	}
}

func TestCombine(t *testing.T) {
	a := load.Result{Requests: 2, Elapsed: time.Second, Latencies: []time.Duration{4, 1}}
	b := load.Result{Requests: 2, Errors: 1, Elapsed: time.Second, Latencies: []time.Duration{3, 2}}
	c := load.Combine(a, b)
	if c.Requests != 4 || c.Errors != 1 || c.RPS() != 2 || c.P50 != 3 || c.P99 != 4 {
		t.Fatalf("combined %+v", c)
	}
}
