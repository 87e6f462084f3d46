package jsbundle

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
	"github.com/exo-dev/exo/exotest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server"
)

// Stand-ins for the remote modules of the conformance projects
// services/deno-land-module and services/import-with-redirect, written
// here (not the real packages): the same URLs, each with a relative import
// that only resolves against the URL the module was served from.
var conformanceRemotes = map[string]remoteFile{
	"/deno.land/x/tiny_math@0.1.3/mod.ts": {body: `export { gcd } from "./src/gcd.ts";
export { lcm } from "./src/lcm.ts";
`, contentType: "application/typescript; charset=utf-8"},
	"/deno.land/x/tiny_math@0.1.3/src/gcd.ts": {body: `export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}
`, contentType: "application/typescript; charset=utf-8"},
	"/deno.land/x/tiny_math@0.1.3/src/lcm.ts": {body: `import { gcd } from "./gcd.ts";
export function lcm(a: number, b: number): number { return Math.abs(a * b) / gcd(a, b); }
`, contentType: "application/typescript; charset=utf-8"},
	// GitHub answers .../raw/<ref>/<path> with a redirect to
	// raw.githubusercontent.com, which serves text/plain.
	"/github.com/denoland/std/raw/0.192.0/encoding/hex.ts": {redirect: "/raw.githubusercontent.com/denoland/std/0.192.0/encoding/hex.ts"},
	"/raw.githubusercontent.com/denoland/std/0.192.0/encoding/hex.ts": {body: `import { digits } from "../_util/digits.ts";
export function encode(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length * 2);
  src.forEach((v, i) => { out[2 * i] = digits[v >> 4]; out[2 * i + 1] = digits[v & 15]; });
  return out;
}
`, contentType: "text/plain; charset=utf-8"},
	"/raw.githubusercontent.com/denoland/std/0.192.0/_util/digits.ts": {body: `export const digits: Uint8Array = new TextEncoder().encode("0123456789abcdef");
`, contentType: "text/plain; charset=utf-8"},
}

// TestConformanceRemoteProjects runs the conformance projects that import
// https: modules end to end (compile, IR file format, GraphQL server), their
// URLs rewritten to a local TLS server that serves the stand-ins above, and
// checks the responses their .exotest files expect.
func TestConformanceRemoteProjects(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "conformance", "integration-tests", "services")
	srv := newRemoteServer(t, conformanceRemotes)
	for _, name := range []string{"deno-land-module", "import-with-redirect"} {
		t.Run(name, func(t *testing.T) {
			proj := filepath.Join(root, name)
			if _, err := os.Stat(proj); err != nil {
				t.Skipf("conformance project not found at %s", proj)
			}
			// The project's sources, read at test time, with the hosts
			// mapped to the local server.
			dir := t.TempDir()
			srcs, _ := filepath.Glob(filepath.Join(proj, "src", "*"))
			for _, p := range srcs {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				s := strings.NewReplacer("https://deno.land/", srv.URL+"/deno.land/", "https://github.com/", srv.URL+"/github.com/").Replace(string(b))
				dst := filepath.Join(dir, "src", filepath.Base(p))
				if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(dst, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			sys, diags := compiler.Compile(compiler.Options{Root: dir, Bundler: New(Options{HTTPClient: srv.Client(), RemoteCache: t.TempDir()})})
			if sys == nil || diags.HasErrors() {
				t.Fatalf("compile: %v", diags)
			}
			irPath := filepath.Join(dir, ir.DefaultPath)
			if err := ir.WriteFile(irPath, sys); err != nil {
				t.Fatal(err)
			}
			sys, err := ir.ReadFile(irPath)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := server.FromEnv(map[string]string{"EXO_ENV": "test"})
			if err != nil {
				t.Fatal(err)
			}
			cfg.ProjectDir = dir
			s, err := server.New(context.Background(), sys, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			hs := httptest.NewServer(s.Handler())
			defer hs.Close()

			tests, _ := filepath.Glob(filepath.Join(proj, "tests", "*.exotest"))
			if len(tests) == 0 {
				t.Fatal("no .exotest files")
			}
			for _, tf := range tests {
				f, err := exotest.LoadFile(tf)
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range f.Stages {
					var want any
					if err := json.Unmarshal([]byte(st.Response), &want); err != nil {
						t.Fatalf("%s: response is not plain JSON: %v", tf, err)
					}
					body, _ := json.Marshal(map[string]any{"query": st.Operation.Query})
					resp, err := http.Post(hs.URL+cfg.GraphQLPath, "application/json", bytes.NewReader(body))
					if err != nil {
						t.Fatal(err)
					}
					gotBody, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					var got any
					if err := json.Unmarshal(gotBody, &got); err != nil || !reflect.DeepEqual(got, want) {
						t.Errorf("%s: got %s, want %s", filepath.Base(tf), gotBody, st.Response)
					}
				}
			}
		})
	}
}
