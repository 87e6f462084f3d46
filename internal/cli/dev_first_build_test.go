package cli

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Until a first build is served, exo dev answers 503 and says why: the last
// build failed, see the output.
func TestDevFirstBuildFails(t *testing.T) {
	dir := writeProject(t, strings.Replace(todoModel, "String", "NoSuchType", 1))
	dbURL, _ := dbWith(t, "")
	addr, _, errb := startDevLoop(t, loopOptions{
		mode: "dev", dir: dir, noTUI: true,
		environ: []string{"EXO_POSTGRES_URL=" + dbURL, "EXO_JWT_SECRET=s3cret"},
	})
	waitOutput(t, errb, "NoSuchType")
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
