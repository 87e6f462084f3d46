// Package dev runs the development loop behind exo yolo and exo dev: it
// watches a project, rebuilds the model on every change, prepares the
// database, and hot-swaps the HTTP handler without dropping requests.
//
// The pieces are usable on their own: Swap (an atomically replaceable
// handler), Observe (a middleware reporting GraphQL operations), Watch (a
// debounced recursive watcher of src/ and trusted-documents/), ReadConfig
// (exo.toml) and Loop, which ties them together. Package dev/tui renders the
// Events of a Loop as a terminal dashboard.
package dev

import (
	"net/http"
	"sync"
	"sync/atomic"
)

// Swap is an http.Handler forwarding each request to the current handler,
// which Set replaces atomically. A replaced handler's release function runs
// only once the requests it is serving have finished, so a swap never drops
// an in-flight request. Before the first Set (and after Close), requests get
// 503 Service Unavailable with Unavailable as the message.
type Swap struct {
	cur     atomic.Pointer[generation]
	retired sync.WaitGroup // one per replaced generation not yet released
	// Unavailable is the body of the 503 response served when there is no
	// handler; empty means a default message.
	Unavailable string
}

type generation struct {
	h       http.Handler
	release func()
	mu      sync.RWMutex // read-held by each request being served
	retired bool         // set under mu's write lock
}

// ServeHTTP implements http.Handler.
func (s *Swap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for {
		g := s.cur.Load()
		if g == nil {
			msg := s.Unavailable
			if msg == "" {
				msg = "the model has not been built yet"
			}
			http.Error(w, msg, http.StatusServiceUnavailable)
			return
		}
		g.mu.RLock()
		if g.retired {
			// Replaced between Load and RLock: use the new one.
			g.mu.RUnlock()
			continue
		}
		g.h.ServeHTTP(w, r)
		g.mu.RUnlock()
		return
	}
}

// Set makes h the handler for new requests. The previous handler's release
// function (if any) runs in the background once its in-flight requests have
// finished; the returned channel is closed after it ran.
func (s *Swap) Set(h http.Handler, release func()) <-chan struct{} {
	var g *generation
	if h != nil {
		g = &generation{h: h, release: release}
	}
	return s.retire(s.cur.Swap(g))
}

// Close removes the handler (new requests get 503) and waits until every
// replaced handler has finished its requests and was released.
func (s *Swap) Close() {
	s.Set(nil, nil)
	s.retired.Wait()
}

// Current reports whether a handler is installed.
func (s *Swap) Current() bool { return s.cur.Load() != nil }

func (s *Swap) retire(g *generation) <-chan struct{} {
	done := make(chan struct{})
	if g == nil {
		close(done)
		return done
	}
	s.retired.Add(1)
	go func() {
		defer s.retired.Done()
		defer close(done)
		g.mu.Lock() // waits for the requests being served
		g.retired = true
		g.mu.Unlock()
		if g.release != nil {
			g.release()
		}
	}()
	return done
}
