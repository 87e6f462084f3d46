package exotest

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Run discovers the tests under root whose name matches pattern ("" for all)
// and runs them. The error is non-nil only when the run could not start (bad
// options, unreadable root) or was cancelled (ctx.Err(), with the partial
// report); test failures are in the report ([Report.OK]).
func Run(ctx context.Context, root, pattern string, opts Options) (*Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	suite, err := Discover(root, pattern)
	if err != nil {
		return nil, fmt.Errorf("exotest: %w", err)
	}
	return RunSuite(ctx, suite, opts)
}

func (o *Options) validate() error {
	switch {
	case o.Build == nil:
		return errors.New("exotest: Options.Build is required")
	case o.Provision == nil:
		return errors.New("exotest: Options.Provision is required")
	case o.Serve == nil:
		return errors.New("exotest: Options.Serve is required")
	}
	return nil
}

// RunSuite runs already discovered tests; see [Run].
func RunSuite(ctx context.Context, suite *Suite, opts Options) (*Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	r := newRunner(suite, opts)
	rep := &Report{}

	// Build the projects that have tests, in parallel.
	var projects []*Project
	seen := map[*Project]bool{}
	for _, t := range suite.Tests {
		if !seen[t.Project] {
			seen[t.Project] = true
			projects = append(projects, t.Project)
		}
	}
	buildErrs := make([]error, len(projects))
	r.parallel(ctx, len(projects), func(i int) {
		buildErrs[i] = r.build(ctx, projects[i])
		var skip *SkipError
		if buildErrs[i] != nil && ctx.Err() == nil && !errors.As(buildErrs[i], &skip) {
			r.progressf("BUILD FAILED %s\n", projects[i].Name)
		}
	})
	failedBuild := map[*Project]bool{}
	skippedBuild := map[*Project]string{}
	for i, p := range projects {
		var skip *SkipError
		if errors.As(buildErrs[i], &skip) {
			skippedBuild[p] = skip.Reason
			continue
		}
		if buildErrs[i] != nil && ctx.Err() == nil {
			failedBuild[p] = true
			rep.ProjectErrors = append(rep.ProjectErrors, ProjectError{Project: p.Name, Message: buildErrs[i].Error()})
		}
	}

	if opts.Introspection != nil {
		for _, p := range projects {
			if failedBuild[p] || ctx.Err() != nil {
				continue
			}
			name := "introspection"
			if p.Name != "." {
				name = p.Name + "/introspection"
			}
			res := Result{Name: name, Project: p.Name, File: r.suite.rel(p.Dir), Status: Passed}
			t0 := time.Now()
			if reason := skippedBuild[p]; reason != "" {
				res.Status, res.Message = Skipped, reason
			} else if err := opts.Introspection(ctx, p); err != nil {
				var skip *SkipError
				if errors.As(err, &skip) {
					res.Status, res.Message = Skipped, skip.Reason
				} else {
					res.Status, res.Message = Failed, err.Error()
				}
			}
			res.Duration = time.Since(t0)
			rep.add(res)
			r.progressf("%s\n", res.Line())
		}
	}

	results := make([]*Result, len(suite.Tests))
	r.parallel(ctx, len(suite.Tests), func(i int) {
		t := suite.Tests[i]
		var res Result
		if reason := skippedBuild[t.Project]; reason != "" {
			res = r.result(t, Skipped, reason)
		} else if failedBuild[t.Project] {
			res = r.result(t, SetupFailed, fmt.Sprintf("the model of project %s failed to build (see BUILD FAILED above)", t.Project.Name))
		} else {
			res = r.runTest(ctx, t)
		}
		if ctx.Err() != nil {
			return // interrupted: not a verdict
		}
		results[i] = &res
		r.progressf("%s\n", res.Line())
	})
	for _, res := range results {
		if res != nil {
			rep.add(*res)
		}
	}
	rep.sort()
	rep.Duration = time.Since(start)
	if err := ctx.Err(); err != nil {
		rep.Cancelled = true
		return rep, err
	}
	return rep, nil
}

type runner struct {
	suite    *Suite
	opts     Options
	secret   string
	rpcID    atomic.Int64
	files    sync.Map // path -> *fileEntry
	preludes sync.Map // dir + "\x00" + source -> *preludeEntry
	outMu    sync.Mutex
	workers  int
}

type fileEntry struct {
	once sync.Once
	f    *File
	err  error
}

func newRunner(suite *Suite, opts Options) *runner {
	r := &runner{suite: suite, opts: opts, secret: opts.JWTSecret}
	if r.secret == "" {
		r.secret = randomSecret(30)
	}
	r.workers = opts.Parallel
	if r.workers <= 0 {
		r.workers = runtime.NumCPU()
	}
	if r.opts.Now == nil {
		r.opts.Now = time.Now
	}
	if r.opts.RetryDelay <= 0 {
		r.opts.RetryDelay = time.Second
	}
	if r.opts.ExecSQL == nil {
		r.opts.ExecSQL = ExecSQL
	}
	return r
}

func randomSecret(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// parallel runs fn(0..n-1) on the worker pool; after cancellation no new
// item starts.
func (r *runner) parallel(ctx context.Context, n int, fn func(i int)) {
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for w := 0; w < min(r.workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

func (r *runner) progressf(format string, args ...any) {
	if r.opts.Progress == nil {
		return
	}
	r.outMu.Lock()
	defer r.outMu.Unlock()
	fmt.Fprintf(r.opts.Progress, format, args...)
}

func (r *runner) load(path string) (*File, error) {
	v, _ := r.files.LoadOrStore(path, &fileEntry{})
	e := v.(*fileEntry)
	e.once.Do(func() { e.f, e.err = LoadFile(path) })
	return e.f, e.err
}

// build runs the project's tests/build*.sh scripts (sorted, with sh, in the
// project directory) and then Options.Build.
func (r *runner) build(ctx context.Context, p *Project) error {
	if r.opts.Skip != nil {
		if reason := r.opts.Skip(ctx, p.Dir); reason != "" {
			return &SkipError{Reason: reason}
		}
	}
	scripts, _ := filepath.Glob(filepath.Join(p.Dir, "tests", "build*.sh"))
	sort.Strings(scripts)
	for _, s := range scripts {
		cmd := exec.CommandContext(ctx, "sh", s)
		cmd.Dir = p.Dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s failed: %v\n%s", r.suite.rel(s), err, strings.TrimRight(string(out), "\n"))
		}
	}
	a, err := r.opts.Build(ctx, p.Dir)
	if err != nil {
		return err
	}
	p.Artifact = a
	return nil
}

func (r *runner) result(t *TestCase, st Status, msg string) Result {
	return Result{Name: t.Name, Project: t.Project.Name, File: r.suite.rel(t.Path), Status: st, Message: msg}
}

// initStep is one init file: SQL text or parsed stages.
type initStep struct {
	path string
	sql  string
	gql  *File
}

// testPlan is everything a test needs, loaded before any database exists.
type testPlan struct {
	test  *File
	inits []initStep
	// invariants maps the resolved path of each invariant file to it.
	invariants map[string]*File
	// preludes are the prepared deno sources of the stages that have one.
	preludes map[*Stage]*prelude
	usesRPC  bool
}

func (r *runner) plan(ctx context.Context, t *TestCase) (*testPlan, Status, string) {
	f, err := r.load(t.Path)
	if err != nil {
		return nil, Failed, "A testfile errored: " + r.relErr(err)
	}
	pl := &testPlan{test: f, invariants: map[string]*File{}, preludes: map[*Stage]*prelude{}}
	for _, path := range t.Inits {
		if strings.HasSuffix(path, ".sql") {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, SetupFailed, err.Error()
			}
			pl.inits = append(pl.inits, initStep{path: path, sql: string(data)})
			continue
		}
		g, err := r.load(path)
		if err != nil {
			return nil, SetupFailed, "init file errored: " + r.relErr(err)
		}
		pl.inits = append(pl.inits, initStep{path: path, gql: g})
	}
	// Collect invariant files of the test and init stages.
	var files []*File
	for _, in := range pl.inits {
		if in.gql != nil {
			files = append(files, in.gql)
		}
	}
	files = append(files, f)
	for _, file := range files {
		for _, st := range file.Stages {
			for _, inv := range st.Invariants {
				p := filepath.Join(filepath.Dir(file.Path), inv)
				if _, ok := pl.invariants[p]; ok {
					continue
				}
				g, err := r.load(p)
				if err != nil {
					return nil, Failed, "invariant file errored: " + r.relErr(err)
				}
				pl.invariants[p] = g
			}
		}
	}
	for _, g := range pl.invariants {
		files = append(files, g)
	}
	// Skips: rpc without RPC support.
	for _, file := range files {
		for _, st := range file.Stages {
			if st.Operation.Kind == RPC {
				pl.usesRPC = true
				if !r.opts.RPC {
					return nil, Skipped, "rpc not supported yet"
				}
			}
		}
	}
	// Preludes, bundling their imports: a broken one fails the test (its
	// setup, in an init file); imports that need the network skip it.
	inits := map[*File]bool{}
	for _, in := range pl.inits {
		if in.gql != nil {
			inits[in.gql] = true
		}
	}
	for _, file := range files {
		fail := Failed
		if inits[file] {
			fail = SetupFailed
		}
		for _, st := range file.Stages {
			p, status, msg := r.prelude(ctx, st.Deno, file.Path, fail)
			if status != "" {
				return nil, status, msg
			}
			if p != nil {
				pl.preludes[st] = p
			}
		}
	}
	return pl, "", ""
}

// relErr renders a load error with the path relative to the run root.
func (r *runner) relErr(err error) string {
	var le *LoadError
	if errors.As(err, &le) {
		c := *le
		c.Path = r.suite.rel(le.Path)
		return c.Error()
	}
	return err.Error()
}

func (r *runner) runTest(ctx context.Context, t *TestCase) Result {
	start := time.Now()
	pl, st, msg := r.plan(ctx, t)
	if pl == nil {
		res := r.result(t, st, msg)
		res.Duration = time.Since(start)
		return res
	}
	var res Result
	for attempt := 0; ; attempt++ {
		st, msg := r.attempt(ctx, t, pl)
		res = r.result(t, st, msg)
		res.Attempts = attempt + 1
		if st == Passed || attempt >= pl.test.Retries || ctx.Err() != nil {
			break
		}
		delay := r.opts.RetryDelay << attempt
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
		if ctx.Err() != nil {
			break
		}
	}
	res.Duration = time.Since(start)
	return res
}

// DatabaseName is the per-test database name: exotest_<md5 hex>.
func DatabaseName(t *TestCase) string {
	sum := md5.Sum([]byte(t.Name + "\x00" + t.Path))
	return "exotest_" + hex.EncodeToString(sum[:])
}

func (r *runner) attempt(ctx context.Context, t *TestCase, pl *testPlan) (Status, string) {
	p := t.Project
	dbURL, cleanup, err := r.opts.Provision(ctx, p, DatabaseName(t))
	if err != nil {
		var skip *SkipError
		if errors.As(err, &skip) {
			return Skipped, skip.Reason
		}
		return SetupFailed, "provision database: " + err.Error()
	}
	if cleanup != nil {
		defer cleanup()
	}
	serverURL := WithUTC(dbURL)
	env := ServerEnv(r.secret, serverURL, pl.usesRPC, r.opts.Env, pl.test.Envs)
	h, stop, err := r.opts.Serve(ctx, p, serverURL, env)
	if err != nil {
		return SetupFailed, "start server: " + err.Error()
	}
	if stop != nil {
		defer stop()
	}
	js, err := newJSEnv(r.opts.EvalTimeout)
	if err != nil {
		return SetupFailed, err.Error()
	}
	s := &session{r: r, h: h, js: js, bindings: map[string]any{}, invariants: pl.invariants, preludes: pl.preludes}
	withConsole := func(msg string) string {
		if c := js.Console(); c != "" {
			msg += "\nConsole output:\n" + indent(strings.TrimRight(c, "\n"))
		}
		return msg
	}
	for _, in := range pl.inits {
		rel := r.suite.rel(in.path)
		if in.gql == nil {
			if err := r.opts.ExecSQL(ctx, dbURL, in.sql); err != nil {
				return SetupFailed, fmt.Sprintf("%s: %v", rel, err)
			}
			continue
		}
		for i, st := range in.gql.Stages {
			if err := s.runStage(ctx, st, in.gql.Path); err != nil {
				return SetupFailed, withConsole(stageLabel(rel, i, len(in.gql.Stages)) + err.Error())
			}
		}
	}
	for i, st := range pl.test.Stages {
		if err := s.runStage(ctx, st, pl.test.Path); err != nil {
			return Failed, withConsole(stageLabel("", i, len(pl.test.Stages)) + err.Error())
		}
	}
	return Passed, ""
}

func stageLabel(file string, i, n int) string {
	var parts []string
	if file != "" {
		parts = append(parts, file)
	}
	if n > 1 {
		parts = append(parts, fmt.Sprintf("stage %d of %d", i+1, n))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + ": "
}

// ServerEnv is the environment the runner gives Serve: Exograph's test
// settings, then extra (Options.Env), then the test's `envs`.
func ServerEnv(secret, dbURL string, usesRPC bool, extra, testEnvs map[string]string) map[string]string {
	env := map[string]string{
		"EXO_ENV":                         "test",
		"EXO_POSTGRES_URL":                dbURL,
		"EXO_JWT_SECRET":                  secret,
		"EXO_CONNECTION_POOL_SIZE":        "1",
		"EXO_CHECK_CONNECTION_ON_STARTUP": "false",
		"EXO_INTROSPECTION":               "enabled",
		"EXO_POSTGRES_READ_WRITE":         "true",
	}
	if usesRPC {
		env["EXO_UNSTABLE_ENABLE_RPC_API"] = "true"
	}
	for k, v := range extra {
		env[k] = v
	}
	for k, v := range testEnvs {
		env[k] = v
	}
	return env
}

// WithUTC adds `options=-c TimeZone=UTC` to a postgres:// URL (as Exograph's
// runner does), unless it already sets options.
func WithUTC(dbURL string) string {
	if !strings.HasPrefix(dbURL, "postgres://") && !strings.HasPrefix(dbURL, "postgresql://") {
		return dbURL
	}
	if strings.Contains(dbURL, "options=") {
		return dbURL
	}
	sep := "?"
	if strings.Contains(dbURL, "?") {
		sep = "&"
	}
	return dbURL + sep + "options=-c%20TimeZone%3DUTC"
}
