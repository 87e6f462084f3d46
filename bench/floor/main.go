// Command floor compares exo with "the floor": the same nested list query
// served by a plain net/http handler running hand-written SQL over pgx.
//
//	go run ./bench/floor [-d 5s] [-c 1,16] [-cpuprofile exo.prof]
//
// It launches a throw-away PostgreSQL (dev/pg), creates the Chinook-like
// model of chinook.exo (275 artists, 347 albums, 3,503 tracks), then serves
// the query "50 albums, each with its artist and its tracks" (533 tracks,
// ~55 KB of JSON) three ways on loopback:
//
//   - exo: the real server (server.New, Handler) over HTTP, GraphQL POST;
//   - floor-json: the SQL shape Exograph generates (json_build_object and
//     json_agg in correlated subselects), the text passed through as is;
//   - floor-rows: one flat join (albums x artist x tracks) scanned as rows
//     and written as JSON by hand, the cheapest shape for PostgreSQL
//     (reference/PERFORMANCE-NOTES.md).
//
// All three answer the same JSON (checked before measuring) with the same
// pool size, and are loaded by the same keep-alive clients (package load)
// at each concurrency for the same duration. The report gives req/s,
// p50/p99 latency and exo's throughput as a share of the best floor.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/exo-dev/exo/bench/floor/load"
)

func main() {
	var (
		dur     = flag.Duration("d", 5*time.Second, "measured duration per server and concurrency")
		rounds  = flag.Int("rounds", 5, "interleaved rounds the duration is split into (the machine is shared: alternating servers spreads its noise evenly)")
		warm    = flag.Duration("warm", time.Second, "warm-up before each measurement")
		conc    = flag.String("c", "1,16", "comma-separated concurrency levels")
		pool    = flag.Int("pool", 10, "database connections per server (EXO_CONNECTION_POOL_SIZE)")
		only    = flag.String("only", "", "comma-separated servers to measure (exo, floor-json, floor-rows); empty: all")
		cpuprof = flag.String("cpuprofile", "", "write a CPU profile of exo's first round (per concurrency) to this file")
		hold    = flag.Bool("hold", false, "set up, print the database and server URLs and wait for an interrupt (to load them with another tool)")
	)
	flag.Parse()
	if *hold {
		if err := holdOpen(*pool); err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*dur, *rounds, *warm, *conc, *pool, *only, *cpuprof); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func holdOpen(pool int) error {
	env, err := Setup(context.Background(), pool)
	if err != nil {
		return err
	}
	defer env.Close()
	if err := env.Check(); err != nil {
		return err
	}
	fmt.Println("database:", env.DBURL)
	for _, t := range env.Targets {
		fmt.Printf("%s: POST %s %s\n", t.Name, t.URL, t.Body)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

func run(dur time.Duration, rounds int, warm time.Duration, conc string, pool int, only, cpuprof string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var levels []int
	for _, s := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("invalid concurrency %q", s)
		}
		levels = append(levels, n)
	}
	env, err := Setup(ctx, pool)
	if err != nil {
		return err
	}
	defer env.Close()
	if err := env.Check(); err != nil {
		return err
	}
	fmt.Printf("nested list: 50 albums with artist and tracks (%d tracks, %d bytes of JSON); pool %d, %s per figure after %s warm-up\n",
		env.Tracks, env.Size, pool, dur, warm)
	selected := func(name string) bool {
		return only == "" || strings.Contains(","+only+",", ","+name+",")
	}
	if rounds < 1 {
		rounds = 1
	}
	for _, c := range levels {
		parts := map[string][]load.Result{}
		for round := range rounds {
			for _, t := range env.Targets {
				if !selected(t.Name) {
					continue
				}
				var stop func()
				if t.Name == "exo" && cpuprof != "" && round == 0 {
					f, err := os.Create(fmt.Sprintf("%s.c%d", cpuprof, c))
					if err != nil {
						return err
					}
					if err := pprof.StartCPUProfile(f); err != nil {
						return err
					}
					stop = func() { pprof.StopCPUProfile(); f.Close() }
				}
				w := time.Duration(0)
				if round == 0 {
					w = warm
				}
				parts[t.Name] = append(parts[t.Name], load.Run(ctx, t.URL, t.Body, c, w, dur/time.Duration(rounds)))
				if stop != nil {
					stop()
				}
			}
		}
		results := map[string]load.Result{}
		for _, t := range env.Targets {
			if rs, ok := parts[t.Name]; ok {
				r := load.Combine(rs...)
				results[t.Name] = r
				fmt.Printf("c=%-3d %-10s %s\n", c, t.Name, r)
			}
		}
		exo, ok := results["exo"]
		best := ""
		for _, n := range []string{"floor-json", "floor-rows"} {
			if r, ok := results[n]; ok && (best == "" || r.RPS() > results[best].RPS()) {
				best = n
			}
		}
		if ok && best != "" {
			fmt.Printf("c=%-3d exo / %s (best floor) = %.0f%%", c, best, 100*exo.RPS()/results[best].RPS())
			for _, n := range []string{"floor-json", "floor-rows"} {
				if r, ok := results[n]; ok && n != best {
					fmt.Printf("; exo / %s = %.0f%%", n, 100*exo.RPS()/r.RPS())
				}
			}
			fmt.Println()
		}
	}
	return nil
}
