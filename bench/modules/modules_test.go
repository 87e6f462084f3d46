package main

import (
	"testing"
	"time"
)

// TestRun runs the whole benchmark briefly: the project compiles with its
// bundled module, every query answers what it should (run checks each
// response before measuring) and the start-up measurements succeed.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	if err := run(100*time.Millisecond, 1, 0, "1", 2); err != nil {
		t.Fatal(err)
	}
}
