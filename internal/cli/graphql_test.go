package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGraphQLSchema(t *testing.T) {
	dir := writeProject(t, strings.Replace(concertModel, "type Concert {", "@access(true)\n    type Concert {", 1))
	t.Chdir(dir)
	out, errs, code := runExo(t, "graphql", "schema")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	sdl, err := os.ReadFile(filepath.Join(dir, "generated", "schema.graphql"))
	if err != nil {
		t.Fatalf("%v (stdout %q)", err, out)
	}
	for _, want := range []string{"type Concert {", "concerts(where: ConcertFilter", "createConcert(data: ConcertCreationInput!): Concert!"} {
		if !strings.Contains(string(sdl), want) {
			t.Errorf("SDL lacks %q", want)
		}
	}
	if strings.Contains(string(sdl), "venues(") {
		t.Error("Venue has no @access, yet its queries are in the schema")
	}
	out, errs, code = runExo(t, "graphql", "schema", "-f", "json", "-o", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var resp struct {
		Data struct {
			Schema struct {
				QueryType struct{ Name string }
				Types     []struct{ Name string }
			} `json:"__schema"`
		}
		Errors []any
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil || len(resp.Errors) > 0 {
		t.Fatalf("introspection JSON: %v %v", err, resp.Errors)
	}
	if resp.Data.Schema.QueryType.Name != "Query" || len(resp.Data.Schema.Types) < 10 {
		t.Fatalf("introspection result: %+v", resp.Data.Schema)
	}
	if _, _, code := runExo(t, "graphql", "schema", "-f", "yaml"); code != ExitUsage {
		t.Errorf("bad format: exit %d, want %d", code, ExitUsage)
	}
}
