package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exo dev (plain mode) when the migration of a model change fails on a
// table with rows (a new NOT NULL column without a default): by default
// the error is printed and the last good build keeps answering, the new
// field is not served; with --ignore-migration-errors a warning is printed
// and the new model is served against the database as it is.
func TestDevMigrationErrors(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignore=%t", ignore), func(t *testing.T) { testDevMigrationErrors(t, ignore) })
	}
}

func testDevMigrationErrors(t *testing.T, ignore bool) {
	dir := writeProject(t, todoModel)
	model := filepath.Join(dir, "src", "index.exo")
	dbURL, _ := dbWith(t, "")
	addr, out, errb := startDevLoop(t, loopOptions{
		mode: "dev", dir: dir, noTUI: true, ignoreMigErrors: ignore, readWrite: true, readWriteSet: true,
		environ: []string{"EXO_POSTGRES_URL=" + dbURL, "EXO_JWT_SECRET=s3cret"},
	})
	waitFor(t, addr, `{ todos { id } }`, 60*time.Second, noErrors)
	for _, title := range []string{"first", "second"} {
		code, r, err := postGraphQL(addr, fmt.Sprintf(`mutation { createTodo(data: {title: %q, completed: true}) { id } }`, title))
		if err != nil || !noErrors(code, r) {
			t.Fatalf("createTodo: %d %v %+v", code, err, r.Errors)
		}
	}

	// A new required field: ALTER TABLE ... ADD COLUMN ... NOT NULL fails.
	edited := strings.Replace(todoModel, "completed: Boolean", "completed: Boolean\n    priority: Int", 1)
	if err := os.WriteFile(model, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "Still serving the last good build"
	if ignore {
		want = "Ignoring the migration error"
	}
	waitOutput(t, errb, want)
	stderr := errb.String()
	for _, w := range []string{"ALTER TABLE \"todos\" ADD \"priority\"", "SQLSTATE 23502", "hint: the table todos has rows"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q", w)
		}
	}
	if !ignore {
		if !strings.Contains(stderr, "error: the migration failed: fix the model or the database, then change a file to retry (or rerun with --ignore-migration-errors") {
			t.Errorf("the pause is not reported as an error")
		}
		// The old model keeps answering; the new field is not served.
		code, r, err := postGraphQL(addr, `{ todos(orderBy: {id: ASC}) { title completed } }`)
		if err != nil || !noErrors(code, r) || !strings.Contains(string(r.Data["todos"]), `"first"`) {
			t.Errorf("old model: %d %v %+v %s", code, err, r.Errors, r.Data["todos"])
		}
		code, r, err = postGraphQL(addr, `{ todos { priority } }`)
		if err != nil || code != 200 || len(r.Errors) == 0 {
			t.Errorf("the new field is served: %d %v %s", code, err, r.Data["todos"])
		}
		if n := strings.Count(out.String(), "Serving the new model (rebuilt"); n != 1 {
			t.Errorf("%d builds swapped in, want only the first", n)
		}
		return
	}
	if !strings.Contains(stderr, "warning: Migration failed:") {
		t.Errorf("the ignored failure is not a warning")
	}
	if strings.Contains(stderr, "error: the migration failed") || strings.Contains(stderr, "Still serving the last good build") {
		t.Errorf("ignored failure reported as an error")
	}
	// The new model is served: a query not touching the missing column
	// works; the field is in the schema, so asking for it reaches the
	// database and fails there.
	waitFor(t, addr, `{ __type(name: "Todo") { fields { name } } }`, 10*time.Second, func(code int, r gqlResponse) bool {
		return noErrors(code, r) && strings.Contains(string(r.Data["__type"]), `"priority"`)
	})
	code, r, err := postGraphQL(addr, `{ todos(orderBy: {id: ASC}) { title } }`)
	if err != nil || !noErrors(code, r) || !strings.Contains(string(r.Data["todos"]), `"second"`) {
		t.Errorf("new model, query without the failed column: %d %v %+v %s", code, err, r.Errors, r.Data["todos"])
	}
	if code, r, err := postGraphQL(addr, `{ todos { priority } }`); err != nil || code != 200 || len(r.Errors) == 0 {
		t.Errorf("querying the missing column should fail: %d %v %s", code, err, r.Data["todos"])
	}
}

// startDevLoop runs the dev loop with opts on a free port until the test
// ends, and returns where it listens and its output.
func startDevLoop(t *testing.T, opts loopOptions) (addr string, out, errb *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb = &syncBuffer{}, &syncBuffer{}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	opts.port, opts.portSet = 0, true
	opts.onListen = func(addr string) { addrc <- addr }
	go func() {
		done <- runDevLoop(ctx, IO{In: strings.NewReader(""), Out: out, Err: errb}, opts)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("exo " + opts.mode + " did not stop")
		}
		if t.Failed() {
			t.Logf("output:\n%s\nstderr:\n%s", out.String(), errb.String())
		}
	})
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("exo %s ended early: %v", opts.mode, err)
	case <-time.After(60 * time.Second):
		t.Fatalf("exo %s did not listen", opts.mode)
	}
	return addr, out, errb
}

// waitOutput waits (30 s at most) until buf contains want.
func waitOutput(t *testing.T, buf *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(buf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%q not reported", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
