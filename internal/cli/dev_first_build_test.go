package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Until a first build is served, exo dev answers 503 and says why: the last
// build failed, see the output.
func TestDevFirstBuildFails(t *testing.T) {
	dir := writeProject(t, strings.Replace(todoModel, "String", "NoSuchType", 1))
	dbURL, _ := dbWith(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runDevLoop(ctx, IO{In: strings.NewReader(""), Out: &out, Err: &errb}, loopOptions{
			mode: "dev", dir: dir, port: 0, portSet: true, noTUI: true,
			environ:  []string{"EXO_POSTGRES_URL=" + dbURL, "EXO_JWT_SECRET=s3cret"},
			onListen: func(addr string) { addrc <- addr },
		})
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("exo dev did not stop")
		}
		if t.Failed() {
			t.Logf("output:\n%s\nstderr:\n%s", out.String(), errb.String())
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("exo dev ended early: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("exo dev did not listen")
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String()+errb.String(), "NoSuchType") {
		if time.Now().After(deadline) {
			t.Fatal("the model error was not reported")
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Post("http://"+addr+"/graphql", "application/json", strings.NewReader(`{"query":"{ __typename }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "the last build failed") || !strings.Contains(string(body), "exo dev will serve it") {
		t.Errorf("got %d %q, want 503 saying the last build failed", resp.StatusCode, body)
	}
}
