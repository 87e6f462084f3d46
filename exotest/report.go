package exotest

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Status is the outcome of one test.
type Status string

// The statuses of a test. SetupFailed counts as failed in the totals.
const (
	Passed      Status = "pass"
	Failed      Status = "fail"
	Skipped     Status = "skip"
	SetupFailed Status = "setup-failed"
)

// Result is the outcome of one test file.
type Result struct {
	Name     string        `json:"name"`
	Project  string        `json:"project"`
	File     string        `json:"file"`
	Status   Status        `json:"status"`
	Duration time.Duration `json:"-"`
	// Message explains a failure (the first failing stage's error, with the
	// expected and actual responses) or a skip (its reason).
	Message  string `json:"message,omitempty"`
	Attempts int    `json:"attempts,omitempty"`
}

// ProjectError is a project that could not be built.
type ProjectError struct {
	Project string `json:"project"`
	Message string `json:"message"`
}

// Report is the outcome of a run.
type Report struct {
	Tests         []Result       `json:"tests"` // sorted by name
	ProjectErrors []ProjectError `json:"projectErrors,omitempty"`
	Passed        int            `json:"passed"`
	Failed        int            `json:"failed"` // includes setup failures
	Skipped       int            `json:"skipped"`
	Duration      time.Duration  `json:"-"`
	// Cancelled is set when the run was interrupted; Tests then holds only
	// the tests that finished.
	Cancelled bool `json:"cancelled,omitempty"`
}

// OK reports whether the run had no failure (the CLI exits 1 otherwise).
func (r *Report) OK() bool { return r.Failed == 0 && !r.Cancelled }

func (r *Report) add(res Result) {
	r.Tests = append(r.Tests, res)
	switch res.Status {
	case Passed:
		r.Passed++
	case Skipped:
		r.Skipped++
	default:
		r.Failed++
	}
}

func (r *Report) sort() {
	sort.SliceStable(r.Tests, func(i, j int) bool { return r.Tests[i].Name < r.Tests[j].Name })
}

// Summary is the last line of the text output: "N passed, N failed, N skipped".
func (r *Report) Summary() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
}

// Line renders one result's first line: "PASS name", "FAIL name",
// "SKIP name (reason)" or "TEST SETUP FAILED name".
func (res Result) Line() string {
	switch res.Status {
	case Passed:
		return "PASS " + res.Name
	case Skipped:
		return fmt.Sprintf("SKIP %s (%s)", res.Name, res.Message)
	case SetupFailed:
		return "TEST SETUP FAILED " + res.Name
	default:
		return "FAIL " + res.Name
	}
}

func (res Result) text() string {
	line := res.Line()
	if (res.Status == Failed || res.Status == SetupFailed) && res.Message != "" {
		line += "\n" + indent(strings.TrimRight(res.Message, "\n"))
	}
	return line
}

// WriteText prints the deterministic report: build errors, then passes,
// skips and failures (each group sorted by name, failures with their
// explanation), then the summary line.
func (r *Report) WriteText(w io.Writer) error {
	var sb strings.Builder
	for _, pe := range r.ProjectErrors {
		fmt.Fprintf(&sb, "BUILD FAILED %s\n%s\n", pe.Project, indent(strings.TrimRight(pe.Message, "\n")))
	}
	for _, group := range []func(Status) bool{
		func(s Status) bool { return s == Passed },
		func(s Status) bool { return s == Skipped },
		func(s Status) bool { return s == Failed || s == SetupFailed },
	} {
		for _, t := range r.Tests {
			if group(t.Status) {
				sb.WriteString(t.text())
				sb.WriteByte('\n')
			}
		}
	}
	if r.Cancelled {
		sb.WriteString("run cancelled: the totals cover the tests that finished\n")
	}
	sb.WriteString(r.Summary())
	sb.WriteByte('\n')
	_, err := io.WriteString(w, sb.String())
	return err
}

type jsonResult struct {
	Result
	DurationMS int64 `json:"durationMs"`
}

type jsonReport struct {
	Tests         []jsonResult   `json:"tests"`
	ProjectErrors []ProjectError `json:"projectErrors,omitempty"`
	Passed        int            `json:"passed"`
	Failed        int            `json:"failed"`
	Skipped       int            `json:"skipped"`
	DurationMS    int64          `json:"durationMs"`
	Cancelled     bool           `json:"cancelled,omitempty"`
}

// WriteJSON prints the report as JSON (for `exo test --json`): tests with
// name, project, file, status (pass, fail, skip, setup-failed), durationMs,
// message and attempts, then the totals.
func (r *Report) WriteJSON(w io.Writer) error {
	out := jsonReport{
		Tests:         make([]jsonResult, len(r.Tests)),
		ProjectErrors: r.ProjectErrors,
		Passed:        r.Passed,
		Failed:        r.Failed,
		Skipped:       r.Skipped,
		DurationMS:    r.Duration.Milliseconds(),
		Cancelled:     r.Cancelled,
	}
	for i, t := range r.Tests {
		out.Tests[i] = jsonResult{Result: t, DurationMS: t.Duration.Milliseconds()}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
