// Command depscheck enforces the dependency rules of DESIGN.md: the compile
// core (diag, ir, compiler/...) uses only the standard library, the server
// never imports the compiler, and each heavy third-party module stays in the
// packages that own it. `make deps-check` runs it.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

const module = "github.com/exo-dev/exo"

// owners maps a third-party import prefix to the package prefixes allowed to
// import it directly.
var owners = map[string][]string{
	"github.com/jackc/pgx":            {"schema", "migrate", "server/postgres", "server", "dev", "internal/pgtest", "exotest", "internal/cli", "bench"},
	"github.com/dop251/goja":          {"jsrt", "exotest", "server/modules"},
	"github.com/evanw/esbuild":        {"jsbundle"},
	"github.com/spf13/cobra":          {"internal/cli"},
	"github.com/charmbracelet":        {"dev/tui"},
	"ariga.io/atlas":                  {"schema", "migrate"},
	"github.com/vektah/gqlparser":     {"server", "exotest", "playground", "lsp"},
	"github.com/golang-jwt/jwt":       {"server/access", "exotest"},
	"github.com/goccy/go-yaml":        {"exotest"},
	"github.com/fsnotify/fsnotify":    {"dev", "lsp"},
	"go.lsp.dev":                      {"lsp"},
	"go.opentelemetry.io":             {"server"},
	"github.com/MicahParks":           {"server/access"},
	"github.com/rogpeppe/go-internal": {"internal/cli", "cmd/exo"},
	"github.com/tetratelabs/wazero":   {"wasmrt"},
}

// stdlibOnly are package prefixes that may import only the standard library
// and each other.
var stdlibOnly = []string{"diag", "ir", "compiler"}

type pkg struct {
	path     string
	imports  []string
	standard bool
}

func main() {
	out, err := exec.Command("go", "list", "-deps", "-f",
		"{{.ImportPath}}|{{.Standard}}|{{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "depscheck: go list:", err)
		os.Exit(2)
	}
	pkgs := map[string]*pkg{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "|", 3)
		if len(parts) != 3 {
			continue
		}
		p := &pkg{path: strings.Fields(parts[0])[0], standard: parts[1] == "true", imports: strings.Fields(parts[2])}
		pkgs[p.path] = p
	}
	var problems []string
	for _, p := range pkgs {
		rel, own := relPath(p.path)
		if !own || strings.HasSuffix(p.path, ".test") {
			continue
		}
		for _, imp := range p.imports {
			if q, ok := pkgs[imp]; ok && q.standard {
				continue
			}
			irel, iown := relPath(imp)
			if hasPrefix(rel, stdlibOnly) {
				if !iown || !hasPrefix(irel, stdlibOnly) {
					problems = append(problems, fmt.Sprintf("%s imports %s: the compile core may use only the standard library", rel, imp))
				}
				continue
			}
			if iown && strings.HasPrefix(rel, "server") && hasPrefix(irel, []string{"compiler"}) {
				problems = append(problems, fmt.Sprintf("%s imports %s: the server must load the IR, never compile", rel, imp))
			}
			if iown {
				continue
			}
			for prefix, allowed := range owners {
				if strings.HasPrefix(imp, prefix) && !hasPrefix(rel, allowed) {
					problems = append(problems, fmt.Sprintf("%s imports %s: only %s may", rel, imp, strings.Join(allowed, ", ")))
				}
			}
		}
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Println(p)
		}
		os.Exit(1)
	}
	fmt.Printf("deps-check: %d packages follow the dependency rules\n", countOwn(pkgs))
}

func relPath(path string) (string, bool) {
	path = strings.TrimSuffix(path, "_test")
	if path == module {
		return "", true
	}
	if strings.HasPrefix(path, module+"/") {
		return strings.TrimPrefix(path, module+"/"), true
	}
	return "", false
}

func hasPrefix(rel string, prefixes []string) bool {
	for _, p := range prefixes {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

func countOwn(pkgs map[string]*pkg) int {
	n := 0
	for path := range pkgs {
		if _, own := relPath(path); own {
			n++
		}
	}
	return n
}
