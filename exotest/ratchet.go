package exotest

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// ReadRatchet reads a checked-in list of test names known to pass: one name
// a line; blank lines and lines starting with '#' are ignored.
func ReadRatchet(r io.Reader) ([]string, error) {
	var names []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		names = append(names, line)
	}
	return names, sc.Err()
}

// Regression is a test known to pass that did not pass in this run.
type Regression struct {
	Name string
	// Status is the test's status, or "" when the run did not include it.
	Status  Status
	Message string
}

func (r Regression) String() string {
	switch r.Status {
	case "":
		return r.Name + ": not run (missing or filtered out)"
	case Skipped:
		return fmt.Sprintf("%s: skipped (%s)", r.Name, r.Message)
	default:
		return fmt.Sprintf("%s: %s", r.Name, r.Status)
	}
}

// RatchetResult compares a run with the list of tests known to pass.
type RatchetResult struct {
	// Regressions are known-passing tests that did not pass (CI fails on
	// these), sorted by name.
	Regressions []Regression
	// NewPasses are passing tests missing from the list (add them), sorted.
	NewPasses []string
}

// OK reports whether no known-passing test regressed.
func (r RatchetResult) OK() bool { return len(r.Regressions) == 0 }

// Ratchet reports which of the known-passing tests no longer pass in rep,
// and which passing tests the list does not have yet.
func Ratchet(known []string, rep *Report) RatchetResult {
	byName := map[string]Result{}
	for _, t := range rep.Tests {
		byName[t.Name] = t
	}
	var out RatchetResult
	knownSet := map[string]bool{}
	for _, name := range known {
		if knownSet[name] {
			continue
		}
		knownSet[name] = true
		t, ok := byName[name]
		switch {
		case !ok:
			out.Regressions = append(out.Regressions, Regression{Name: name})
		case t.Status != Passed:
			out.Regressions = append(out.Regressions, Regression{Name: name, Status: t.Status, Message: t.Message})
		}
	}
	for _, t := range rep.Tests {
		if t.Status == Passed && !knownSet[t.Name] {
			out.NewPasses = append(out.NewPasses, t.Name)
		}
	}
	sort.Slice(out.Regressions, func(i, j int) bool { return out.Regressions[i].Name < out.Regressions[j].Name })
	sort.Strings(out.NewPasses)
	return out
}

// WriteRatchet writes the names of the passing tests of rep, sorted, in the
// format ReadRatchet reads.
func WriteRatchet(w io.Writer, rep *Report) error {
	var names []string
	for _, t := range rep.Tests {
		if t.Status == Passed {
			names = append(names, t.Name)
		}
	}
	sort.Strings(names)
	var sb strings.Builder
	sb.WriteString("# Tests known to pass (exo test); CI fails when one of them stops passing.\n")
	for _, n := range names {
		sb.WriteString(n)
		sb.WriteByte('\n')
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
