package rpc

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
)

func conformanceDir() string {
	if d := os.Getenv("EXO_CONFORMANCE_DIR"); d != "" {
		return filepath.Join(d, "integration-tests")
	}
	return "../../../shared/conformance/integration-tests"
}

// normalize sorts arrays (Exograph's runner compares the discovery document with arrays
// order-insensitive) and turns numbers into float64.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			x[k] = normalize(y)
		}
		return x
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
		sort.Slice(x, func(i, j int) bool {
			a, _ := json.Marshal(x[i])
			b, _ := json.Marshal(x[j])
			return string(a) < string(b)
		})
		return x
	}
	return v
}

// diff lists the paths where want and got differ.
func diff(path string, want, got any, out *[]string) {
	if len(*out) > 20 {
		return
	}
	wm, ok1 := want.(map[string]any)
	gm, ok2 := got.(map[string]any)
	if ok1 && ok2 {
		for k, w := range wm {
			g, ok := gm[k]
			if !ok {
				*out = append(*out, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			diff(path+"."+k, w, g, out)
		}
		for k := range gm {
			if _, ok := wm[k]; !ok {
				*out = append(*out, fmt.Sprintf("%s.%s: unexpected", path, k))
			}
		}
		return
	}
	if !reflect.DeepEqual(want, got) {
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		*out = append(*out, fmt.Sprintf("%s: want %s\n\tgot  %s", path, w, g))
	}
}

// TestDiscoverConformance compares rpc.discover with every
// schema-tests/rpc-introspection.expected.json of the conformance suite.
func TestDiscoverConformance(t *testing.T) {
	root := conformanceDir()
	files, _ := filepath.Glob(filepath.Join(root, "*", "schema-tests", "rpc-introspection.expected.json"))
	more, _ := filepath.Glob(filepath.Join(root, "*", "*", "schema-tests", "rpc-introspection.expected.json"))
	more2, _ := filepath.Glob(filepath.Join(root, "*", "*", "*", "schema-tests", "rpc-introspection.expected.json"))
	files = append(append(files, more...), more2...)
	if len(files) == 0 {
		t.Skip("conformance cases not present at ../shared/conformance")
	}
	pass := 0
	for _, f := range files {
		dir := filepath.Dir(filepath.Dir(f))
		name, _ := filepath.Rel(root, dir)
		t.Run(name, func(t *testing.T) {
			sys, diags := compiler.Compile(compiler.Options{Root: dir})
			if sys == nil {
				t.Skipf("does not compile here: %v", diags)
			}
			h := New(Options{System: sys})
			var got, want any
			if err := json.Unmarshal(h.Discover(), &got); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			var out []string
			diff("", normalize(want), normalize(got), &out)
			if len(out) > 0 {
				t.Errorf("discovery differs from %s:\n%s", f, strings.Join(out, "\n"))
				return
			}
			pass++
		})
	}
	t.Logf("%d/%d discovery documents match", pass, len(files))
}
