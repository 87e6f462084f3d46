package pg

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// The live clusters of this process, and the signal handler that stops them.
var (
	liveMu     sync.Mutex
	live       = map[*Cluster]struct{}{}
	handled    int            // live clusters that asked for the handler
	handlerCh  chan os.Signal // non-nil while the handler is installed
	handlerEnd chan struct{}
)

// cleanupSignals are the signals the handler stops the clusters on. On
// Windows, Go delivers Ctrl-C and Ctrl-Break as SIGINT and closing the
// console, logging off and shutting down as SIGTERM; SIGHUP never comes.
var cleanupSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

func register(c *Cluster) {
	liveMu.Lock()
	defer liveMu.Unlock()
	live[c] = struct{}{}
	if !c.handled {
		return
	}
	handled++
	if handlerCh != nil {
		return
	}
	var sigs []os.Signal
	for _, s := range cleanupSignals {
		// Keep signals the program was started with ignored (nohup) ignored.
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	ch, end := make(chan os.Signal, 1), make(chan struct{})
	handlerCh, handlerEnd = ch, end
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case s := <-ch:
			StopAll()
			// Re-raise with the default action, so the process dies of the
			// signal as it would have without us.
			signal.Reset(s)
			reraise(s)
		case <-end:
		}
	}()
}

func unregister(c *Cluster) {
	liveMu.Lock()
	defer liveMu.Unlock()
	if _, ok := live[c]; !ok {
		return
	}
	delete(live, c)
	if !c.handled {
		return
	}
	handled--
	if handled == 0 && handlerCh != nil {
		signal.Stop(handlerCh)
		close(handlerEnd)
		handlerCh, handlerEnd = nil, nil
	}
}

// StopAll stops every live cluster started by this process, concurrently.
func StopAll() {
	liveMu.Lock()
	cs := make([]*Cluster, 0, len(live))
	for c := range live {
		cs = append(cs, c)
	}
	liveMu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Stop()
		}()
	}
	wg.Wait()
}
