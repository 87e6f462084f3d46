package dev

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is the quiet time the watcher waits for after a change.
// Editors save in one burst of events well under a millisecond apart, so 50
// ms coalesces a save while keeping the reload of exo yolo/dev quick (the
// save-to-served latency is debounce + build + migrate + swap; Exograph's
// 200 ms made the debounce most of it).
const DefaultDebounce = 50 * time.Millisecond

// watchedDirs are the project subdirectories whose changes trigger a rebuild.
var watchedDirs = []string{"src", "trusted-documents"}

// Watch watches the project in dir: every file under src/ and
// trusted-documents/ (recursively, including directories created later).
// After a burst of changes followed by debounce of quiet, it sends the
// changed paths (relative to dir, sorted) on the returned channel. Changes
// elsewhere (target/, tests/, editor files in the project root) are ignored.
// The channel is closed when ctx ends or the watcher fails.
func Watch(ctx context.Context, dir string, debounce time.Duration) (<-chan []string, error) {
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	// The root itself, to notice src/ or trusted-documents/ appearing.
	if err := w.Add(abs); err != nil {
		w.Close()
		return nil, err
	}
	for _, d := range watchedDirs {
		addTree(w, filepath.Join(abs, d))
	}
	out := make(chan []string)
	go func() {
		defer close(out)
		defer w.Close()
		pending := map[string]bool{}
		var timer *time.Timer
		var fire <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				_ = err // overflow and the like: the next event still triggers a rebuild
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				rel, relevant := relevantPath(abs, ev.Name)
				if !relevant {
					continue
				}
				if ev.Has(fsnotify.Create) {
					if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
						addTree(w, ev.Name)
					}
				}
				pending[rel] = true
				if timer == nil {
					timer = time.NewTimer(debounce)
				} else {
					timer.Reset(debounce)
				}
				fire = timer.C
			case <-fire:
				fire = nil
				paths := make([]string, 0, len(pending))
				for p := range pending {
					paths = append(paths, p)
				}
				sort.Strings(paths)
				pending = map[string]bool{}
				select {
				case out <- paths:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// addTree watches dir and its subdirectories (hidden ones and node_modules
// excepted). A missing dir is fine.
func addTree(w *fsnotify.Watcher, dir string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if path != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		_ = w.Add(path)
		return nil
	})
}

// relevantPath reports whether name (absolute) is src/ or
// trusted-documents/ or inside them, returning it relative to root.
func relevantPath(root, name string) (string, bool) {
	rel, err := filepath.Rel(root, name)
	if err != nil {
		return "", false
	}
	rel = filepath.ToSlash(rel)
	for _, d := range watchedDirs {
		if rel == d || strings.HasPrefix(rel, d+"/") {
			base := filepath.Base(rel)
			// Editor droppings: swap and backup files.
			if strings.HasSuffix(base, "~") || strings.HasSuffix(base, ".swp") || strings.HasSuffix(base, ".swx") || strings.HasPrefix(base, ".#") {
				return "", false
			}
			return rel, true
		}
	}
	return "", false
}
