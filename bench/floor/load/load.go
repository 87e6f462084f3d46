// Package load is the HTTP load generator of the benchmarks under bench/:
// a fixed number of keep-alive clients post the same body for a fixed time
// (loopback only) and the run reports requests per second and latency
// percentiles.
package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Result is the outcome of one Run.
type Result struct {
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Bytes    int64 // response bytes of one request

	Latencies []time.Duration // of every successful request, sorted
}

// RPS is requests per second.
func (r Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

func (r Result) String() string {
	return fmt.Sprintf("%8.0f req/s  p50 %7s  p99 %7s  (%d requests, %d errors)",
		r.RPS(), r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Requests, r.Errors)
}

// Post sends one request and returns the status and the body.
func Post(client *http.Client, url string, body []byte) (int, []byte, error) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Client returns an HTTP client that keeps up to n connections alive.
func Client(n int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns: n, MaxIdleConnsPerHost: n, MaxConnsPerHost: n,
		DialContext: (&net.Dialer{}).DialContext, DisableCompression: true,
	}, Timeout: 30 * time.Second}
}

// Combine merges the results of several runs of the same target
// (interleaved rounds): requests and time add up, percentiles are over all
// the latencies.
func Combine(rs ...Result) Result {
	var out Result
	for _, r := range rs {
		out.Requests += r.Requests
		out.Errors += r.Errors
		out.Elapsed += r.Elapsed
		out.Latencies = append(out.Latencies, r.Latencies...)
		if r.Bytes > 0 {
			out.Bytes = r.Bytes
		}
	}
	out.percentiles()
	return out
}

func (r *Result) percentiles() {
	slices.Sort(r.Latencies)
	if n := len(r.Latencies); n > 0 {
		r.P50 = r.Latencies[n*50/100]
		r.P99 = r.Latencies[min(n-1, n*99/100)]
	}
}

// Run posts body to url from c concurrent clients for d (after a warm-up
// of warm, not counted) and measures every request. Bounded in time: it
// stops by itself.
func Run(ctx context.Context, url string, body []byte, c int, warm, d time.Duration) Result {
	client := Client(c)
	defer client.Transport.(*http.Transport).CloseIdleConnections()
	if warm > 0 {
		loop(ctx, client, url, body, c, time.Now().Add(warm))
	}
	start := time.Now()
	lat, errs, size := loop(ctx, client, url, body, c, start.Add(d))
	elapsed := time.Since(start)
	r := Result{Requests: len(lat), Errors: errs, Elapsed: elapsed, Bytes: size, Latencies: lat}
	r.percentiles()
	return r
}

func loop(ctx context.Context, client *http.Client, url string, body []byte, c int, end time.Time) ([]time.Duration, int, int64) {
	var (
		mu   sync.Mutex
		all  []time.Duration
		errs int
		size int64
		wg   sync.WaitGroup
	)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 4096)
			e := 0
			var n int64
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					e++
					continue
				}
				n, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					e++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += e
			if n > 0 {
				size = n
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, errs, size
}
