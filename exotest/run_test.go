package exotest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runFake(t *testing.T, w *fakeWorld, root, pattern string, mod func(*Options)) *Report {
	t.Helper()
	opts := w.options()
	opts.RetryDelay = time.Millisecond
	opts.Parallel = 4
	if mod != nil {
		mod(&opts)
	}
	rep, err := Run(context.Background(), root, pattern, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func byName(rep *Report) map[string]Result {
	m := map[string]Result{}
	for _, r := range rep.Tests {
		m[r.Name] = r
	}
	return m
}

func TestRunEndToEnd(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "mark")
	t.Setenv("EXOTEST_BUILD_MARK", mark)
	w := newFakeWorld()
	w.secret = "s3cr3t"
	w.failBuild["broken"] = "error[check/unknown-type]: unknown type \"Strin\"\n --> src/index.exo:3:9"
	var progress bytes.Buffer
	rep := runFake(t, w, "testdata/run", "", func(o *Options) {
		o.Progress = &progress
		// As exo test does when deno.land cannot be reached.
		o.BundlePrelude = func(ctx context.Context, src, dir, name string) ([]byte, error) {
			return nil, &SkipError{Reason: "needs network"}
		}
	})

	type want struct {
		status Status
		msg    []string // substrings of the message
	}
	wants := map[string]want{
		"app/altered":                 {Failed, []string{"assertion failed at 'data.todos[1].title': expected T2-altered, got T2", "Expected:", "Got:"}},
		"app/auth":                    {Passed, nil},
		"app/bad-file":                {Failed, []string{"A testfile errored: app/tests/bad-file.exotest:3:1: Unknown fields: respones"}},
		"app/envs":                    {Passed, nil},
		"app/errors-without-response": {Failed, []string{"unexpected errors in the response", "boom"}},
		"app/invariant-broken":        {Failed, []string{"invariant app/tests/system-state.gql changed", "assertion failed at 'data.counter': expected 0, got 1"}},
		"app/invariant-kept":          {Passed, nil},
		"app/multi-stage":             {Passed, nil},
		"app/network":                 {Skipped, []string{"needs network"}},
		"app/predicate-false":         {Failed, []string{"assertion failed at 'data.todos': assertion function returned false"}},
		"app/query":                   {Passed, nil},
		"app/retry":                   {Passed, nil},
		"app/rpc/get-todo":            {Skipped, []string{"rpc not supported yet"}},
		"app/sub/nested":              {Passed, nil},
		"broken/any":                  {SetupFailed, []string{"failed to build"}},
		"nested/deeper/proj/hello":    {Passed, nil},
		"setupfail/any":               {SetupFailed, []string{"setupfail/tests/init.gql: assertion failed at 'data.todos': expected an array of length 1, got length 0"}},
	}
	got := byName(rep)
	if len(got) != len(wants) {
		t.Errorf("got %d results, want %d: %v", len(got), len(wants), rep.Tests)
	}
	for name, wt := range wants {
		res, ok := got[name]
		if !ok {
			t.Errorf("%s: missing", name)
			continue
		}
		if res.Status != wt.status {
			t.Errorf("%s: status %s, want %s; message:\n%s", name, res.Status, wt.status, res.Message)
			continue
		}
		for _, m := range wt.msg {
			if !strings.Contains(res.Message, m) {
				t.Errorf("%s: message lacks %q:\n%s", name, m, res.Message)
			}
		}
	}
	if r := got["app/retry"]; r.Attempts != 2 {
		t.Errorf("app/retry attempts = %d, want 2", r.Attempts)
	}
	if r := got["app/altered"]; r.Attempts != 1 {
		t.Errorf("app/altered attempts = %d, want 1 (no retries)", r.Attempts)
	}
	if rep.Summary() != "8 passed, 7 failed, 2 skipped" || rep.OK() {
		t.Errorf("summary %q, OK=%v", rep.Summary(), rep.OK())
	}
	if len(rep.ProjectErrors) != 1 || rep.ProjectErrors[0].Project != "broken" || !strings.Contains(rep.ProjectErrors[0].Message, "unknown type") {
		t.Errorf("project errors = %+v", rep.ProjectErrors)
	}

	// Every database and server was released, and each project built once.
	if w.provisioned != w.cleaned || w.served != w.stopped || len(w.live) != 0 {
		t.Errorf("provisioned %d cleaned %d, served %d stopped %d, live %v", w.provisioned, w.cleaned, w.served, w.stopped, w.live)
	}
	for dir, n := range w.builds {
		if n != 1 {
			t.Errorf("%s built %d times", dir, n)
		}
	}
	if len(w.builds) != 4 {
		t.Errorf("built %d projects, want 4: %v", len(w.builds), w.builds)
	}
	// build.sh ran in the project directory before the build.
	if data, err := os.ReadFile(mark); err != nil || !strings.HasSuffix(strings.TrimSpace(string(data)), filepath.Join("testdata", "run", "app")) {
		t.Errorf("build.sh mark = %q, %v", data, err)
	}

	// Text output: groups, then the exact summary line.
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "8 passed, 7 failed, 2 skipped" {
		t.Errorf("last line = %q", last)
	}
	for _, want := range []string{
		"BUILD FAILED broken\n  error[check/unknown-type]",
		"PASS app/auth\n",
		"SKIP app/network (needs network)\n",
		"SKIP app/rpc/get-todo (rpc not supported yet)\n",
		"FAIL app/altered\n  assertion failed at 'data.todos[1].title'",
		"TEST SETUP FAILED setupfail/any\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "PASS ") > strings.Index(out, "SKIP ") || strings.Index(out, "SKIP ") > strings.Index(out, "FAIL ") {
		t.Errorf("groups out of order:\n%s", out)
	}
	if !strings.Contains(progress.String(), "PASS app/query\n") || !strings.Contains(progress.String(), "BUILD FAILED broken") {
		t.Errorf("progress output:\n%s", progress.String())
	}

	// JSON output.
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Tests []struct {
			Name, Status, Message string
			DurationMs            *int64
		}
		Passed, Failed, Skipped int
	}
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatal(err)
	}
	if decoded.Passed != 8 || decoded.Failed != 7 || decoded.Skipped != 2 || len(decoded.Tests) != 17 {
		t.Errorf("json totals: %+v", decoded)
	}
	if decoded.Tests[0].Name != "app/altered" || decoded.Tests[0].Status != "fail" || decoded.Tests[0].DurationMs == nil {
		t.Errorf("json first test: %+v", decoded.Tests[0])
	}
}

func TestRunDeterministic(t *testing.T) {
	texts := make([]string, 2)
	for i, parallel := range []int{1, 4} {
		w := newFakeWorld()
		rep := runFake(t, w, "testdata/run", "", func(o *Options) { o.Parallel = parallel })
		var b bytes.Buffer
		_ = rep.WriteText(&b)
		texts[i] = b.String()
	}
	if texts[0] != texts[1] {
		t.Errorf("output depends on parallelism:\n%s\n----\n%s", texts[0], texts[1])
	}
}

func TestRunPattern(t *testing.T) {
	w := newFakeWorld()
	rep := runFake(t, w, "testdata/run", "*/sub/*", nil)
	if len(rep.Tests) != 1 || rep.Tests[0].Name != "app/sub/nested" || rep.Tests[0].Status != Passed {
		t.Fatalf("tests = %+v", rep.Tests)
	}
	if len(w.builds) != 1 {
		t.Errorf("only the project with matching tests must be built: %v", w.builds)
	}
	// A project directory as the root: names drop the tests/ segment.
	rep = runFake(t, newFakeWorld(), "testdata/run/app", "sub/nested", nil)
	if len(rep.Tests) != 1 || rep.Tests[0].Name != "sub/nested" {
		t.Fatalf("tests = %+v", rep.Tests)
	}
}

func TestRunRPC(t *testing.T) {
	w := newFakeWorld()
	var env map[string]string
	rep := runFake(t, w, "testdata/run", "app/rpc/*", func(o *Options) {
		o.RPC = true
		serve := o.Serve
		o.Serve = func(ctx context.Context, p *Project, dbURL string, e map[string]string) (h http.Handler, stop func(), err error) {
			env = e
			return serve(ctx, p, dbURL, e)
		}
	})
	if len(rep.Tests) != 1 || rep.Tests[0].Status != Passed {
		t.Fatalf("tests = %+v", rep.Tests)
	}
	if env["EXO_UNSTABLE_ENABLE_RPC_API"] != "true" {
		t.Errorf("rpc tests must enable the RPC API: %v", env)
	}
}

func TestRunCancel(t *testing.T) {
	w := newFakeWorld()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-w.hangEntered
		cancel()
	}()
	opts := w.options()
	opts.Parallel = 1
	rep, err := Run(ctx, "testdata/hang", "", opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if rep == nil || !rep.Cancelled || len(rep.Tests) != 0 || rep.OK() {
		t.Fatalf("report = %+v", rep)
	}
	if w.provisioned != 1 || w.cleaned != 1 || w.served != 1 || w.stopped != 1 {
		t.Errorf("provisioned %d cleaned %d served %d stopped %d", w.provisioned, w.cleaned, w.served, w.stopped)
	}
}

func TestRunRequiresSeams(t *testing.T) {
	if _, err := Run(context.Background(), "testdata/run", "", Options{}); err == nil || !strings.Contains(err.Error(), "Options.Build") {
		t.Errorf("err = %v", err)
	}
	w := newFakeWorld()
	if _, err := Run(context.Background(), "testdata/does-not-exist", "", w.options()); err == nil {
		t.Error("a missing root must be an error")
	}
}

func TestRatchet(t *testing.T) {
	rep := &Report{}
	rep.add(Result{Name: "a", Status: Passed})
	rep.add(Result{Name: "b", Status: Failed, Message: "boom"})
	rep.add(Result{Name: "c", Status: Skipped, Message: "needs network"})
	rep.add(Result{Name: "d", Status: Passed})
	known, err := ReadRatchet(strings.NewReader("# known\na\n\nb\nc\ngone\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := Ratchet(known, rep)
	var names []string
	for _, r := range res.Regressions {
		names = append(names, r.String())
	}
	want := "b: fail|c: skipped (needs network)|gone: not run (missing or filtered out)"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("regressions = %s, want %s", got, want)
	}
	if strings.Join(res.NewPasses, ",") != "d" || res.OK() {
		t.Errorf("new passes = %v, OK = %v", res.NewPasses, res.OK())
	}
	var b bytes.Buffer
	if err := WriteRatchet(&b, rep); err != nil {
		t.Fatal(err)
	}
	again, _ := ReadRatchet(&b)
	if r := Ratchet(again, rep); !r.OK() || len(r.NewPasses) != 0 {
		t.Errorf("a freshly written ratchet must hold: %+v", r)
	}
}

// A project whose build is skipped (say, it needs a toolchain this machine
// lacks) has no artifact: its introspection test is skipped with the same
// reason, and the introspection check never sees it.
func TestRunIntrospectionOfSkippedBuild(t *testing.T) {
	w := newFakeWorld()
	rep := runFake(t, w, "testdata/run", "", func(o *Options) {
		build := o.Build
		o.Build = func(ctx context.Context, dir string) (any, error) {
			if strings.HasSuffix(dir, "/nested/deeper/proj") {
				return nil, &SkipError{Reason: "needs wasm build"}
			}
			return build(ctx, dir)
		}
		o.Introspection = func(ctx context.Context, p *Project) error {
			if p.Artifact == nil {
				t.Errorf("introspection of %s without an artifact", p.Name)
			}
			return nil
		}
	})
	got := byName(rep)
	if r := got["nested/deeper/proj/introspection"]; r.Status != Skipped || r.Message != "needs wasm build" {
		t.Errorf("introspection of the skipped project: %s %q", r.Status, r.Message)
	}
	if r := got["nested/deeper/proj/hello"]; r.Status != Skipped {
		t.Errorf("test of the skipped project: %s", r.Status)
	}
	if r := got["app/introspection"]; r.Status != Passed {
		t.Errorf("introspection of app: %s %q", r.Status, r.Message)
	}
}
