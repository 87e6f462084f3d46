// Package sdltest compares the GraphQL schema exo generates for each conformance project with the
// SDL Exograph produced for it (schema-tests/introspection.expected.graphql). It is test-only: it
// joins the compiler and the server's schema builder, which server packages may not do.
package sdltest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
)

const conformanceRoot = "/work/shared/conformance/integration-tests"

// passingFile lists the projects (relative to conformanceRoot) whose schema must match exactly.
// The list only grows: EXO_UPDATE=1 appends the projects that newly match.
const passingFile = "passing.txt"

type outcome struct {
	project string
	ok      bool
	reason  string // short reason when !ok
	detail  string // diff or diagnostics
}

func TestConformanceSDL(t *testing.T) {
	if _, err := os.Stat(conformanceRoot); err != nil {
		t.Skip("conformance suite not present at " + conformanceRoot)
	}
	projects := findProjects(t)
	if len(projects) == 0 {
		t.Skip("no schema-tests found under " + conformanceRoot)
	}
	passing := readPassing(t)

	var results []outcome
	for _, p := range projects {
		results = append(results, checkProject(p))
	}

	count := 0
	var newly []string
	reasons := map[string]int{}
	for _, r := range results {
		if r.ok {
			count++
			if !passing[r.project] {
				newly = append(newly, r.project)
			}
			continue
		}
		reasons[r.reason]++
		if passing[r.project] {
			t.Errorf("%s: no longer matches (listed in %s): %s\n%s", r.project, passingFile, r.reason, r.detail)
		} else if testing.Verbose() || os.Getenv("EXO_SDL_DIFF") != "" {
			t.Logf("%s: %s\n%s", r.project, r.reason, r.detail)
		}
	}
	t.Logf("SDL conformance: %d of %d projects match exactly", count, len(results))
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("  %3d  %s", reasons[k], k)
	}
	if len(newly) > 0 {
		if os.Getenv("EXO_UPDATE") != "" {
			appendPassing(t, newly)
			t.Logf("added %d projects to %s", len(newly), passingFile)
		} else {
			t.Logf("newly matching (run with EXO_UPDATE=1 to record): %s", strings.Join(newly, " "))
		}
	}
}

func findProjects(t *testing.T) []string {
	var out []string
	err := filepath.WalkDir(conformanceRoot, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == "introspection.expected.graphql" && filepath.Base(filepath.Dir(p)) == "schema-tests" {
			rel, _ := filepath.Rel(conformanceRoot, filepath.Dir(filepath.Dir(p)))
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func checkProject(project string) (res outcome) {
	res.project = project
	defer func() {
		if r := recover(); r != nil {
			res.ok, res.reason, res.detail = false, "panic", fmt.Sprint(r)
		}
	}()
	dir := filepath.Join(conformanceRoot, filepath.FromSlash(project))
	want, err := os.ReadFile(filepath.Join(dir, "schema-tests", "introspection.expected.graphql"))
	if err != nil {
		return outcome{project: project, reason: "unreadable expected file", detail: err.Error()}
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if sys == nil || diags.HasErrors() {
		return outcome{project: project, reason: "compile error", detail: diags.Dedupe().Err().Error()}
	}
	schema, err := graphql.BuildSchema(sys, graphql.SchemaOptions{AllowMutations: true})
	if err != nil {
		return outcome{project: project, reason: "BuildSchema error", detail: err.Error()}
	}
	if d := checkNoMutations(sys, graphql.PrintSchema(schema)); d != "" {
		return outcome{project: project, reason: "AllowMutations=false", detail: d}
	}
	got := norm(graphql.PrintSchema(schema))
	exp := norm(string(want))
	if got == exp {
		// The printed SDL matches; introspection, which clients use, must work on the schema too.
		h := &graphql.Handler{Schema: schema, Introspection: true}
		if d := introspectionDiff(h, string(want)); d != "" {
			return outcome{project: project, reason: "introspection differs", detail: d}
		}
		return outcome{project: project, ok: true}
	}
	d := diff(strings.Split(exp, "\n"), strings.Split(got, "\n"))
	return outcome{project: project, reason: "SDL differs", detail: d}
}

const fullIntrospectionQuery = `query IntrospectionQuery {
  __schema {
    description queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`

// introspectionDiff runs the standard introspection query against the built schema (through the
// server's Handler, as clients do) and checks that it succeeds and lists exactly the types the
// expected SDL declares, plus the built-in ones. It returns "" when that holds.
func introspectionDiff(h *graphql.Handler, expectedSDL string) string {
	out := h.Execute(context.Background(), &graphql.Request{Query: fullIntrospectionQuery})
	var res struct {
		Data struct {
			Schema struct {
				Types []struct{ Name string } `json:"types"`
			} `json:"__schema"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return "introspection result is not JSON: " + err.Error()
	}
	if len(res.Errors) > 0 {
		return fmt.Sprintf("introspection failed: %.300s", out)
	}
	want := map[string]bool{"Int": true, "Float": true, "String": true, "Boolean": true, "ID": true}
	for _, m := range declRE.FindAllStringSubmatch(expectedSDL, -1) {
		want[m[1]] = true
	}
	got := map[string]bool{}
	for _, t := range res.Data.Schema.Types {
		if !strings.HasPrefix(t.Name, "__") {
			got[t.Name] = true
		}
	}
	var diffs []string
	for n := range want {
		if !got[n] {
			diffs = append(diffs, "missing "+n)
		}
	}
	for n := range got {
		if !want[n] {
			diffs = append(diffs, "extra "+n)
		}
	}
	slices.Sort(diffs)
	return strings.Join(diffs, ", ")
}

var declRE = regexp.MustCompile(`(?m)^(?:type|input|enum|scalar|interface|union) (\w+)`)

// checkNoMutations builds the schema without mutations (EXO_GRAPHQL_ALLOW_MUTATIONS=false) and
// checks that it has no Mutation type but the same Query type as full.
func checkNoMutations(sys *ir.System, full string) string {
	schema, err := graphql.BuildSchema(sys, graphql.SchemaOptions{AllowMutations: false})
	if err != nil {
		return err.Error()
	}
	if schema.Mutation != nil {
		return "Mutation type present"
	}
	sdl := graphql.PrintSchema(schema)
	if strings.Contains(sdl, "type Mutation") {
		return "Mutation type printed"
	}
	block := func(s string) string {
		i := strings.Index(s, "type Query {")
		if i < 0 {
			return ""
		}
		j := strings.Index(s[i:], "\n}")
		if j < 0 {
			return s[i:]
		}
		return s[i : i+j]
	}
	if block(sdl) != block(full) {
		return "Query type differs without mutations"
	}
	return ""
}

// norm trims each line and the whole text, as Exograph's introspection test compares.
func norm(s string) string {
	lines := strings.Split(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

// diff returns a unified-style diff (want as "-", got as "+") of the first differences, with up
// to three lines of context and at most maxLines lines of output.
func diff(want, got []string) string {
	const maxLines = 60
	n, m := len(want), len(got)
	// LCS table from the end.
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
		ln   int
	}
	var ops []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			ops = append(ops, line{' ', want[i], i + 1})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, line{'+', got[j], j + 1})
			j++
		default:
			ops = append(ops, line{'-', want[i], i + 1})
			i++
		}
	}
	var b strings.Builder
	out, lastPrinted := 0, -1
	for k := 0; k < len(ops) && out < maxLines; k++ {
		if ops[k].op == ' ' {
			continue
		}
		start := max(k-3, lastPrinted+1)
		if start > lastPrinted+1 || lastPrinted < 0 {
			fmt.Fprintf(&b, "@@ expected line %d @@\n", ops[start].ln)
		}
		end := k
		// extend through the change block and three lines of context
		for end+1 < len(ops) && (ops[end+1].op != ' ' || (end+1 < len(ops) && nearChange(ops, end+1, func(x int) bool { return ops[x].op != ' ' }))) {
			end++
		}
		end = min(end+3, len(ops)-1)
		for x := start; x <= end && out < maxLines; x++ {
			fmt.Fprintf(&b, "%c %s\n", ops[x].op, ops[x].text)
			out++
		}
		lastPrinted = end
		k = end
	}
	if out >= maxLines {
		b.WriteString("...\n")
	}
	return b.String()
}

// nearChange reports whether a change occurs within the next three entries after k.
func nearChange[T any](ops []T, k int, isChange func(int) bool) bool {
	for x := k; x < len(ops) && x <= k+3; x++ {
		if isChange(x) {
			return true
		}
	}
	return false
}

func readPassing(t *testing.T) map[string]bool {
	out := map[string]bool{}
	f, err := os.Open(passingFile)
	if err != nil {
		if os.IsNotExist(err) {
			return out
		}
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l != "" && !strings.HasPrefix(l, "#") {
			out[l] = true
		}
	}
	return out
}

func appendPassing(t *testing.T, projects []string) {
	f, err := os.OpenFile(passingFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range projects {
		if _, err := fmt.Fprintln(f, p); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkBuildSchema measures BuildSchema (startup cost of the server) on the largest project.
func BenchmarkBuildSchema(b *testing.B) {
	dir := filepath.Join(conformanceRoot, "access-expressions")
	if _, err := os.Stat(dir); err != nil {
		b.Skip("conformance suite not present at " + conformanceRoot)
	}
	sys, diags := compiler.Compile(compiler.Options{Root: dir})
	if sys == nil || diags.HasErrors() {
		b.Fatalf("compile: %v", diags.Err())
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := graphql.BuildSchema(sys, graphql.SchemaOptions{AllowMutations: true}); err != nil {
			b.Fatal(err)
		}
	}
}
