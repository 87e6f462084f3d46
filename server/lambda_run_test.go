package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/lambda"
	"github.com/exo-dev/exo/server/lambda/lambdatest"
)

// lambdaFn is RunLambda serving the example model through a fake runtime API.
type lambdaFn struct {
	t      *testing.T
	api    *lambdatest.API
	dbURL  string
	stdout *syncBuffer
	stderr *syncBuffer
}

// writeExampleIR writes the example's IR as dir/target/index.exo_ir and
// returns the DDL of its database.
func writeExampleIR(t *testing.T, dir string) string {
	t.Helper()
	sys, ddl := exampleSystem(t)
	if err := ir.WriteFile(filepath.Join(dir, ir.DefaultPath), sys); err != nil {
		t.Fatal(err)
	}
	return ddl
}

// startLambda runs RunLambda on the example (its IR in a directory of its
// own, given as o.IRPath) with a fresh seeded database and env; it stops at
// the end of the test and must then return nil.
func startLambda(t *testing.T, env map[string]string) *lambdaFn {
	t.Helper()
	dir := t.TempDir()
	ddl := writeExampleIR(t, dir)
	fn := &lambdaFn{t: t, api: lambdatest.New(t), dbURL: pgtest.NewFromTemplate(t, ddl), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	full := map[string]string{
		LambdaRuntimeAPIEnv:       fn.api.Addr,
		"EXO_POSTGRES_URL":        fn.dbURL,
		"EXO_POSTGRES_READ_WRITE": "true",
		"EXO_JWT_SECRET":          "secret",
	}
	for k, v := range env {
		full[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- RunLambda(ctx, RunOptions{IRPath: filepath.Join(dir, ir.DefaultPath), Env: full, Stdout: fn.stdout, Stderr: fn.stderr})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("RunLambda: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("RunLambda did not return after its context ended")
		}
	})
	return fn
}

func (fn *lambdaFn) invoke(event any, deadline time.Time) lambdatest.Result {
	fn.t.Helper()
	data, ok := event.([]byte)
	if !ok {
		var err error
		if data, err = json.Marshal(event); err != nil {
			fn.t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := fn.api.Invoke(ctx, data, deadline)
	if err != nil {
		fn.t.Fatalf("%v\nstderr: %s", err, fn.stderr.String())
	}
	return res
}

// graphql invokes the function with event and returns the HTTP status and
// the compacted body.
func (fn *lambdaFn) graphql(event any) (int, string) {
	fn.t.Helper()
	res := fn.invoke(event, time.Now().Add(time.Minute))
	h, err := res.HTTP()
	if err != nil {
		fn.t.Fatal(err)
	}
	body := []byte(h.Body)
	if h.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(h.Body); err != nil {
			fn.t.Fatal(err)
		}
	}
	return h.StatusCode, compact(body)
}

// consoleEvent is the test event of Exograph's AWS Lambda documentation.
func consoleEvent(query string) map[string]any {
	body, _ := json.Marshal(map[string]string{"query": query})
	return map[string]any{
		"requestContext": map[string]any{"http": map[string]any{"method": "POST", "path": "/graphql"}},
		"path":           "/graphql",
		"body":           string(body),
	}
}

func venueCount(t *testing.T, dbURL string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM venues").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLambdaConsolePayload(t *testing.T) {
	fn := startLambda(t, nil)
	status, body := fn.graphql(consoleEvent(venuesQuery))
	if status != 200 || body != publishedVenues {
		t.Errorf("got %d %s, want 200 %s", status, body, publishedVenues)
	}
	if out := fn.stdout.String(); !strings.HasPrefix(out, "Started AWS Lambda function in ") || !strings.Contains(out, "/graphql") {
		t.Errorf("start-up message: %q", out)
	}
	if !strings.Contains(fn.stderr.String(), "lambda function started") {
		t.Errorf("start-up not logged: %s", fn.stderr.String())
	}
}

func TestLambdaFunctionURLEvent(t *testing.T) {
	admin := hs256(t, "secret", map[string]any{"role": "admin", "exp": time.Now().Add(time.Hour).Unix()})
	event := func(header map[string]string, cookies []string) map[string]any {
		return map[string]any{
			"version":        "2.0",
			"rawPath":        "/graphql",
			"rawQueryString": "query=" + strings.ReplaceAll(venuesQuery, " ", "+"),
			"headers":        header,
			"cookies":        cookies,
			"requestContext": map[string]any{"domainName": "x.lambda-url.us-east-1.on.aws",
				"http": map[string]any{"method": "GET", "path": "/graphql", "sourceIp": "203.0.113.9"}},
			"isBase64Encoded": false,
		}
	}
	fn := startLambda(t, nil)
	if status, body := fn.graphql(event(map[string]string{"accept": "application/json"}, nil)); status != 200 || body != publishedVenues {
		t.Errorf("anonymous GET: %d %s, want %s", status, body, publishedVenues)
	}
	if status, body := fn.graphql(event(map[string]string{"authorization": "Bearer " + admin}, nil)); status != 200 || body != allVenues {
		t.Errorf("admin JWT: %d %s, want %s", status, body, allVenues)
	}
	bad := hs256(t, "other", map[string]any{"role": "admin"})
	if status, body := fn.graphql(event(map[string]string{"authorization": "Bearer " + bad}, nil)); status != 200 || !strings.Contains(body, `"errors"`) || strings.Contains(body, "V2") {
		t.Errorf("JWT with a wrong signature: %d %s, want an error", status, body)
	}

	// The JWT in a cookie (EXO_JWT_SOURCE_COOKIE): the event's cookies array.
	fn = startLambda(t, map[string]string{"EXO_JWT_SOURCE_COOKIE": "token"})
	if status, body := fn.graphql(event(nil, []string{"theme=dark", "token=" + admin})); status != 200 || body != allVenues {
		t.Errorf("admin JWT cookie: %d %s, want %s", status, body, allVenues)
	}
	if status, body := fn.graphql(event(nil, []string{"theme=dark"})); status != 200 || body != publishedVenues {
		t.Errorf("no JWT cookie: %d %s, want %s", status, body, publishedVenues)
	}
}

func TestLambdaRESTEvent(t *testing.T) {
	admin := hs256(t, "secret", map[string]any{"role": "admin"})
	body, _ := json.Marshal(map[string]string{"query": venuesQuery})
	fn := startLambda(t, nil)
	status, got := fn.graphql(map[string]any{
		"resource":          "/{proxy+}",
		"path":              "/graphql",
		"httpMethod":        "POST",
		"multiValueHeaders": map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + admin}},
		"requestContext":    map[string]any{"identity": map[string]any{"sourceIp": "198.51.100.3"}},
		"body":              base64.StdEncoding.EncodeToString(body),
		"isBase64Encoded":   true,
	})
	if status != 200 || got != allVenues {
		t.Errorf("REST event: %d %s, want %s", status, got, allVenues)
	}
	// The response is in the 1.0 format.
	res := fn.invoke(map[string]any{"httpMethod": "POST", "path": "/graphql", "headers": map[string]string{"content-type": "application/json"}, "body": string(body)}, time.Time{})
	h, err := res.HTTP()
	if err != nil {
		t.Fatal(err)
	}
	if h.StatusCode != 200 || h.MultiValueHeaders["Content-Type"][0] != "application/json" || compact([]byte(h.Body)) != publishedVenues {
		t.Errorf("1.0 response: %+v", h)
	}
}

func TestLambdaMutation(t *testing.T) {
	admin := hs256(t, "secret", map[string]any{"role": "admin"})
	fn := startLambda(t, nil)
	mutation := `mutation { createVenue(data: {name: "V4", published: true}) { name published } }`
	ev := consoleEvent(mutation)
	ev["headers"] = map[string]string{"authorization": "Bearer " + admin}
	status, body := fn.graphql(ev)
	if want := `{"data":{"createVenue":{"name":"V4","published":true}}}`; status != 200 || body != want {
		t.Fatalf("mutation: %d %s, want %s", status, body, want)
	}
	if n := venueCount(t, fn.dbURL); n != 4 {
		t.Errorf("%d venues in the database after the mutation, want 4", n)
	}
	status, body = fn.graphql(consoleEvent(venuesQuery))
	if want := `{"data":{"venues":[{"name":"V1"},{"name":"V3"},{"name":"V4"}]}}`; status != 200 || body != want {
		t.Errorf("after the mutation: %d %s, want %s", status, body, want)
	}
	// Without the admin JWT, the access rule refuses.
	status, body = fn.graphql(consoleEvent(`mutation { createVenue(data: {name: "V5"}) { id } }`))
	if status != 200 || body != `{"errors":[{"message":"Not authorized"}]}` {
		t.Errorf("anonymous mutation: %d %s", status, body)
	}
}

func TestLambdaBadBody(t *testing.T) {
	fn := startLambda(t, nil)
	ev := consoleEvent("")
	ev["body"] = "{not json"
	if status, body := fn.graphql(ev); status != 400 {
		t.Errorf("invalid JSON body: %d %s, want 400", status, body)
	}
	status, body := fn.graphql(consoleEvent(`{ venues { nope } }`))
	var resp struct {
		Data   any
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil || status != 200 || len(resp.Errors) != 1 || resp.Data != nil ||
		!strings.Contains(resp.Errors[0].Message, "nope") {
		t.Errorf("unknown field: %d %s, want one GraphQL error naming the field", status, body)
	}
	// What the GraphQL endpoint answers over HTTP too.
	ts := newExampleServer(t, nil)
	if hs, hb := ts.post(`{ venues { nope } }`); hs != status || hb != body {
		t.Errorf("over HTTP: %d %s; through Lambda: %d %s", hs, hb, status, body)
	}
}

func TestLambdaDeadline(t *testing.T) {
	admin := hs256(t, "secret", map[string]any{"role": "admin"})
	fn := startLambda(t, nil)

	// A deadline already past: the mutation is not applied, the invocation fails.
	ev := consoleEvent(`mutation { createVenue(data: {name: "Late"}) { id } }`)
	ev["headers"] = map[string]string{"authorization": "Bearer " + admin}
	res := fn.invoke(ev, time.Now().Add(-time.Second))
	if res.Error == nil || res.Error.ErrorType != lambda.ErrorDeadlineExceeded || res.Response != nil {
		t.Errorf("past deadline: %+v (%+v), want %s", res, res.Error, lambda.ErrorDeadlineExceeded)
	}
	if n := venueCount(t, fn.dbURL); n != 3 {
		t.Errorf("%d venues: the mutation of an invocation past its deadline was applied", n)
	}

	// A deadline reached while the query waits for a lock: the statement is
	// cancelled on the server.
	release := holdLock(t, fn.dbURL)
	start := time.Now()
	res = fn.invoke(consoleEvent(venuesQuery), start.Add(400*time.Millisecond))
	if d := time.Since(start); d < 350*time.Millisecond || d > 5*time.Second {
		t.Errorf("answered after %v, want about 400ms", d)
	}
	if res.Error == nil || res.Error.ErrorType != lambda.ErrorDeadlineExceeded {
		t.Errorf("deadline during the query: %+v", res)
	}
	deadline := time.Now().Add(3 * time.Second)
	for blockedQueries(t, fn.dbURL) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the statement of the expired invocation still runs on the server")
		}
		time.Sleep(20 * time.Millisecond)
	}
	release()
	// The function goes on.
	if status, body := fn.graphql(consoleEvent(venuesQuery)); status != 200 || body != publishedVenues {
		t.Errorf("after the deadlines: %d %s", status, body)
	}
}

// runLambdaInitFailure runs RunLambda expecting a start-up failure, and
// returns the report Lambda got and RunLambda's error.
func runLambdaInitFailure(t *testing.T, o RunOptions) (lambdatest.Result, error) {
	t.Helper()
	api := lambdatest.New(t)
	o.Env[LambdaRuntimeAPIEnv] = api.Addr
	o.Stdout, o.Stderr = &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := RunLambda(ctx, o)
	if err == nil {
		t.Fatal("RunLambda returned nil")
	}
	res, rerr := api.InitError(ctx)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if api.NextRequests() != 0 {
		t.Errorf("the runtime asked for invocations after failing to start")
	}
	if res.ErrorType != res.Error.ErrorType {
		t.Errorf("Lambda-Runtime-Function-Error-Type %q, errorType %q", res.ErrorType, res.Error.ErrorType)
	}
	return res, err
}

func TestLambdaInitErrors(t *testing.T) {
	t.Run("missing IR", func(t *testing.T) {
		t.Chdir(t.TempDir())
		res, err := runLambdaInitFailure(t, RunOptions{Env: map[string]string{"EXO_POSTGRES_URL": "postgres://localhost/x"}})
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v does not wrap fs.ErrNotExist", err)
		}
		if res.Error.ErrorType != LambdaErrorNoIR || !strings.Contains(res.Error.ErrorMessage, ir.DefaultPath+" not found") {
			t.Errorf("report %+v", res.Error)
		}
	})
	t.Run("invalid settings", func(t *testing.T) {
		res, err := runLambdaInitFailure(t, RunOptions{Env: map[string]string{"EXO_INTROSPECTION": "maybe"}})
		if !IsConfigError(err) {
			t.Errorf("error %v is not a ConfigError", err)
		}
		if res.Error.ErrorType != LambdaErrorSettings || !strings.Contains(res.Error.ErrorMessage, `invalid EXO_INTROSPECTION="maybe"`) {
			t.Errorf("report %+v", res.Error)
		}
	})
	t.Run("corrupt IR", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "index.exo_ir")
		if err := os.WriteFile(path, []byte("not an IR"), 0o644); err != nil {
			t.Fatal(err)
		}
		res, _ := runLambdaInitFailure(t, RunOptions{IRPath: path, Env: map[string]string{}})
		if res.Error.ErrorType != LambdaErrorStartup || res.Error.ErrorMessage == "" {
			t.Errorf("report %+v", res.Error)
		}
	})
	t.Run("database unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		dir := t.TempDir()
		writeExampleIR(t, dir)
		res, _ := runLambdaInitFailure(t, RunOptions{IRPath: filepath.Join(dir, ir.DefaultPath),
			Env: map[string]string{"EXO_POSTGRES_URL": "postgres://u:hidden@" + addr + "/db?connect_timeout=2"}})
		if res.Error.ErrorType != LambdaErrorStartup || !strings.Contains(res.Error.ErrorMessage, "cannot reach PostgreSQL") || strings.Contains(res.Error.ErrorMessage, "hidden") {
			t.Errorf("report %+v", res.Error)
		}
	})
	t.Run("no runtime API", func(t *testing.T) {
		err := RunLambda(context.Background(), RunOptions{Env: map[string]string{}})
		if !IsConfigError(err) || !strings.Contains(err.Error(), "AWS_LAMBDA_RUNTIME_API is not set") {
			t.Errorf("RunLambda without the runtime API: %v", err)
		}
	})
}

// Without an IR in the working directory, RunLambda finds the one in
// LAMBDA_TASK_ROOT.
func TestLambdaIRInTaskRoot(t *testing.T) {
	root := t.TempDir()
	ddl := writeExampleIR(t, root)
	t.Chdir(t.TempDir())
	api := lambdatest.New(t)
	env := map[string]string{LambdaRuntimeAPIEnv: api.Addr, "LAMBDA_TASK_ROOT": root, "EXO_POSTGRES_URL": pgtest.NewFromTemplate(t, ddl)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	stderr := &syncBuffer{}
	go func() { done <- RunLambda(ctx, RunOptions{Env: env, Stdout: &syncBuffer{}, Stderr: stderr}) }()
	ictx, icancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer icancel()
	ev, _ := json.Marshal(consoleEvent(venuesQuery))
	res, err := api.Invoke(ictx, ev, time.Time{})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	h, err := res.HTTP()
	if err != nil || compact([]byte(h.Body)) != publishedVenues {
		t.Errorf("%v %+v", err, h)
	}
	if !strings.Contains(stderr.String(), filepath.Join(root, ir.DefaultPath)) {
		t.Errorf("the log does not name the IR found: %s", stderr.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunLambda: %v", err)
	}
}
