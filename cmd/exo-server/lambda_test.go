package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/schema"
	"github.com/exo-dev/exo/server/lambda/lambdatest"
)

// With AWS_LAMBDA_RUNTIME_API set, exo-server is a Lambda function: it
// answers invocations instead of listening, and reports start-up failures.
func TestLambda(t *testing.T) {
	sys, diags := compiler.Compile(compiler.Options{Root: "../../examples/concerts"})
	if sys == nil {
		t.Fatal(diags)
	}
	db := pgtest.NewFromTemplate(t, strings.Join(schema.FromIR(sys).DDL(), ";\n")+";\nINSERT INTO venues (name, published) VALUES ('V1', true);")
	dir := t.TempDir()
	if err := ir.WriteFile(filepath.Join(dir, ir.DefaultPath), sys); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	api := lambdatest.New(t)

	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	code := make(chan int, 1)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		code <- run(ctx, nil, []string{"AWS_LAMBDA_RUNTIME_API=" + api.Addr, "EXO_POSTGRES_URL=" + db, "EXO_JWT_SECRET=s"}, stdout, stderr)
	}()
	ictx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	event := `{"requestContext":{"http":{"method":"POST","path":"/graphql"}},"path":"/graphql","body":"{\"query\":\"{ venues { name } }\"}"}`
	res, err := api.Invoke(ictx, []byte(event), time.Now().Add(time.Minute))
	if err != nil {
		t.Fatalf("%v\n%s%s", err, stdout.String(), stderr.String())
	}
	h, err := res.HTTP()
	if err != nil || h.StatusCode != 200 || h.Body != `{"data":{"venues":[{"name":"V1"}]}}` {
		t.Errorf("invocation: %v %+v", err, h)
	}
	if strings.Contains(stdout.String(), "Started server on") {
		t.Errorf("exo-server listened inside Lambda: %s", stdout.String())
	}
	stop()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit status %d: %s", c, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("exo-server did not stop")
	}

	// A missing IR: reported to Lambda, exit status 1.
	t.Chdir(t.TempDir())
	stderr = &lockedBuffer{}
	if c := run(ictx, nil, []string{"AWS_LAMBDA_RUNTIME_API=" + api.Addr}, stdout, stderr); c != 1 {
		t.Errorf("missing IR: exit %d, want 1: %s", c, stderr.String())
	}
	r, err := api.InitError(ictx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error.ErrorType != "Exo.MissingIR" {
		t.Errorf("init error %+v", r.Error)
	}
}
