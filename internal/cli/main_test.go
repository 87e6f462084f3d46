package cli

import (
	"os"
	"testing"
)

// TestMain lets the test binary act as exo: with EXO_CLI_TEST_MAIN=1 it runs
// the CLI with its arguments (used by tests that need a real process, e.g.
// on a terminal) instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("EXO_CLI_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}
