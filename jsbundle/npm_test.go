package jsbundle

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/exo-dev/exo/compiler"
)

func TestParseNpmSpec(t *testing.T) {
	tests := []struct {
		in   string
		want npmSpec
		key  string
	}{
		{"npm:color", npmSpec{Name: "color"}, "npm:color@*"},
		{"npm:resend@2", npmSpec{Name: "resend", Range: "2"}, "npm:resend@2"},
		{"npm:pkg@1.2.3/sub/path.js", npmSpec{Name: "pkg", Range: "1.2.3", Subpath: "sub/path.js"}, "npm:pkg@1.2.3"},
		{"npm:@scope/pkg", npmSpec{Name: "@scope/pkg"}, "npm:@scope/pkg@*"},
		{"npm:@react-email/render@^1.0/x", npmSpec{Name: "@react-email/render", Range: "^1.0", Subpath: "x"}, "npm:@react-email/render@^1.0"},
		{"npm:react-dom/server", npmSpec{Name: "react-dom", Subpath: "server"}, "npm:react-dom@*"},
		{"npm:/preact@10", npmSpec{Name: "preact", Range: "10"}, "npm:preact@10"},
	}
	for _, tt := range tests {
		got, err := parseNpmSpec(tt.in)
		if err != nil || got != tt.want || got.key() != tt.key {
			t.Errorf("parseNpmSpec(%q) = %+v (%s), %v; want %+v (%s)", tt.in, got, got.key(), err, tt.want, tt.key)
		}
	}
	for _, bad := range []string{"npm:", "npm:@scope", "npm:Bad Name", "npm:x@", "color"} {
		if got, err := parseNpmSpec(bad); err == nil {
			t.Errorf("parseNpmSpec(%q) = %+v, want an error", bad, got)
		}
	}
}

// fakeNpm writes an npm executable printing out and exiting with 1.
func fakeNpm(t *testing.T, out string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "npm")
	script := "#!/bin/sh\ncat >&2 <<'EOF'\n" + out + "\nEOF\nexit 1\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func bundleWith(t *testing.T, b *Bundler, dir, entry string) (compiler.BundleResult, string) {
	t.Helper()
	res, diags, err := b.Bundle(compiler.BundleRequest{Root: dir, Entry: entry, FS: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, d := range diags {
		l, c := 0, 0
		if d.Span.IsValid() {
			l, c = d.Span.File.LineCol(int(d.Span.Start))
		}
		msgs = append(msgs, strings.Join([]string{d.Code, itoa(l) + ":" + itoa(c), d.Message}, " "))
	}
	return res, strings.Join(msgs, "\n")
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestNpmFetchDiagnostics(t *testing.T) {
	files := map[string]string{"src/m.ts": "import x from \"npm:left-pad@1.3.0\";\nexport function f(): string { return x(\"a\", 3); }\n"}
	cases := []struct{ name, out, want string }{
		{"offline", "npm error code ENOTFOUND\nnpm error network request to https://registry.npmjs.org/left-pad failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org",
			`Cannot import npm:left-pad@1.3.0: the npm registry is unreachable (ENOTFOUND)`},
		{"unknown", "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/left-pad - Not found\nnpm error 404  'left-pad@1.3.0' is not in this registry.",
			`Cannot import npm:left-pad@1.3.0: package "left-pad" not found in the npm registry`},
		{"version", "npm error code ETARGET\nnpm error notarget No matching version found for left-pad@1.3.0.",
			`Cannot import npm:left-pad@1.3.0: no matching version of left-pad@1.3.0 in the npm registry`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, files)
			b := New(Options{NpmCache: t.TempDir()})
			b.npm().npm = fakeNpm(t, tc.out)
			res, diags := bundleWith(t, b, dir, "src/m.ts")
			if res.Script != nil {
				t.Errorf("bundled despite the failed install")
			}
			if want := CodeNpmFetch + " 1:15 " + tc.want; !strings.HasPrefix(diags, want) {
				t.Errorf("diagnostics:\n%s\nwant prefix:\n%s", diags, want)
			}
		})
	}
}

// TestNpmInstallOffline installs a small package from the registry (skipped
// without npm or the registry), then bundles again with npm failing: the
// cache serves it.
func TestNpmInstallOffline(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm is not installed")
	}
	files := map[string]string{
		"src/m.ts": "import tinycolor from \"npm:tinycolor2@1.6.0\";\nexport function f(n: string): string { return tinycolor(n).toHexString(); }\n",
	}
	dir := writeFiles(t, files)
	cache := filepath.Join(t.TempDir(), "npm")
	b := New(Options{NpmCache: cache, WriteLock: true})
	res, diags := bundleWith(t, b, dir, "src/m.ts")
	if strings.Contains(diags, "unreachable") {
		t.Skip("the npm registry is unreachable: " + diags)
	}
	if res.Script == nil || diags != "" {
		t.Fatalf("bundle failed:\n%s", diags)
	}
	if !strings.Contains(string(res.Script), "toHexString") {
		t.Errorf("tinycolor2 was not bundled")
	}
	var lock NpmLock
	b2, err := os.ReadFile(filepath.Join(dir, "src", "m.ts.npm.lock"))
	if err != nil || json.Unmarshal(b2, &lock) != nil {
		t.Fatalf("no lock file: %v", err)
	}
	if lock.Specifiers["npm:tinycolor2@1.6.0"] != "1.6.0" || !strings.HasPrefix(lock.Packages["node_modules/tinycolor2"].Integrity, "sha512-") {
		t.Errorf("lock = %+v", lock)
	}

	// Offline: npm fails, the cache answers.
	b = New(Options{NpmCache: cache})
	b.npm().npm = fakeNpm(t, "npm error code ENOTFOUND")
	res, diags = bundleWith(t, b, dir, "src/m.ts")
	if res.Script == nil || diags != "" {
		t.Fatalf("offline bundle failed:\n%s", diags)
	}
	// Without the lock file, the cache's index of resolutions answers too.
	if err := os.Remove(filepath.Join(dir, "src", "m.ts.npm.lock")); err != nil {
		t.Fatal(err)
	}
	files["src/m.ts"] = strings.ReplaceAll(files["src/m.ts"], "@1.6.0", "")
	dir = writeFiles(t, files)
	b = New(Options{NpmCache: cache})
	res, diags = bundleWith(t, b, dir, "src/m.ts")
	if strings.Contains(diags, "unreachable") {
		t.Skip("the npm registry is unreachable: " + diags)
	}
	if res.Script == nil {
		t.Fatalf("bundle of npm:tinycolor2 failed:\n%s", diags)
	}
	b = New(Options{NpmCache: cache})
	b.npm().npm = fakeNpm(t, "npm error code ENOTFOUND")
	if res, diags = bundleWith(t, b, dir, "src/m.ts"); res.Script == nil {
		t.Fatalf("offline bundle of npm:tinycolor2 failed:\n%s", diags)
	}
}
