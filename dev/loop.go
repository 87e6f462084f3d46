package dev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"time"

	"github.com/exo-dev/exo/ir"
)

// EventKind classifies an Event.
type EventKind uint8

const (
	EventLog         EventKind = iota // a plain message
	EventWarning                      // something the user should look at
	EventBuilding                     // a rebuild started; Message says why
	EventBuildOK                      // the model built; Detail holds warnings
	EventBuildFailed                  // the model has errors; Detail holds the diagnostics
	EventServing                      // a new build is being served (Duration: rebuild+swap)
	EventDatabase                     // the database state changed; Message describes it
	EventOperation                    // a GraphQL request completed; Op is set
)

// Event is something the development loop reports to its user interface.
type Event struct {
	Time     time.Time
	Kind     EventKind
	Message  string
	Detail   string
	Duration time.Duration
	Op       *Op
}

// Generation is a prepared build: the handler serving it and what releases
// it once it is replaced and idle.
type Generation struct {
	Handler http.Handler
	Release func()
}

// PrepareError is an error of LoopOptions.Prepare with details (say the
// SQL error of a failed migration) shown with the failure.
type PrepareError struct {
	Message string
	Detail  string
}

func (e *PrepareError) Error() string { return e.Message }

// LoopOptions configure Loop.
type LoopOptions struct {
	// Dir is the project directory.
	Dir string
	// Debounce of the watcher; 0 means DefaultDebounce.
	Debounce time.Duration
	// Build compiles the project. diagnostics is the rendered diagnostics
	// text (warnings on success, errors on failure); err is non-nil when the
	// model cannot be served.
	Build func(ctx context.Context) (sys *ir.System, diagnostics string, err error)
	// Prepare readies the database for sys and returns the handler serving
	// it. On error the previous build keeps being served.
	Prepare func(ctx context.Context, sys *ir.System) (Generation, error)
	// Hooks are shell commands run (sh -c, in Dir) after each successful
	// build and swap: exo.toml's after-model-change entries.
	Hooks []string
	// Swap receives each new handler.
	Swap *Swap
	// Events receives progress; it must not block for long.
	Events func(Event)
	// Rebuild requests a rebuild without a file change (the dashboard's r key).
	Rebuild <-chan struct{}
	// NoWatch disables the file watcher (tests).
	NoWatch bool
}

func (o *LoopOptions) emit(e Event) {
	if o.Events == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	o.Events(e)
}

// Loop builds and serves the project once, then rebuilds on every relevant
// change (and every Rebuild request) until ctx ends. A build or prepare
// failure is reported and the last good build keeps being served. It
// returns when ctx ends (nil) or the watcher cannot start.
func Loop(ctx context.Context, o LoopOptions) error {
	var changes <-chan []string
	if !o.NoWatch {
		c, err := Watch(ctx, o.Dir, o.Debounce)
		if err != nil {
			return fmt.Errorf("watching %s: %w", o.Dir, err)
		}
		changes = c
		o.emit(Event{Kind: EventLog, Message: "Watching the src directory for changes..."})
	}
	Rebuild(ctx, &o, "")
	for {
		select {
		case <-ctx.Done():
			return nil
		case paths, ok := <-changes:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("the file watcher stopped")
			}
			Rebuild(ctx, &o, "change in "+summarize(paths))
		case <-o.Rebuild:
			Rebuild(ctx, &o, "requested")
		}
	}
}

func summarize(paths []string) string {
	if len(paths) <= 3 {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:3], ", "), len(paths)-3)
}

// Rebuild runs one build, prepare and swap, reporting through o.Events. It
// reports whether the new build is being served.
func Rebuild(ctx context.Context, o *LoopOptions, why string) bool {
	start := time.Now()
	msg := "Building the model..."
	if why != "" {
		msg = "Rebuilding the model (" + why + ")..."
	}
	o.emit(Event{Kind: EventBuilding, Message: msg})
	sys, diags, err := o.Build(ctx)
	if err != nil {
		o.emit(Event{Kind: EventBuildFailed, Message: err.Error(), Detail: diags, Duration: time.Since(start)})
		if o.Swap.Current() {
			o.emit(Event{Kind: EventWarning, Message: "Still serving the last good build"})
		}
		return false
	}
	o.emit(Event{Kind: EventBuildOK, Message: "Model built", Detail: diags, Duration: time.Since(start)})
	gen, err := o.Prepare(ctx, sys)
	if err != nil {
		var detail string
		if pe, ok := errors.AsType[*PrepareError](err); ok {
			detail = pe.Detail
		}
		o.emit(Event{Kind: EventBuildFailed, Message: err.Error(), Detail: detail, Duration: time.Since(start)})
		if o.Swap.Current() {
			o.emit(Event{Kind: EventWarning, Message: "Still serving the last good build"})
		}
		return false
	}
	o.Swap.Set(gen.Handler, gen.Release)
	o.emit(Event{Kind: EventServing, Message: "Serving the new build", Duration: time.Since(start)})
	for _, h := range o.Hooks {
		runHook(ctx, o, h)
	}
	return true
}

func runHook(ctx context.Context, o *LoopOptions, command string) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, "sh", "-c", command)
	cmd.Dir = o.Dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	text := strings.TrimRight(out.String(), "\n")
	if err != nil {
		o.emit(Event{Kind: EventWarning, Message: fmt.Sprintf("after-model-change command %q failed: %v", command, err), Detail: text})
		return
	}
	o.emit(Event{Kind: EventLog, Message: fmt.Sprintf("Ran %q", command), Detail: text})
}
