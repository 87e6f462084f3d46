package jsbundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// npm: specifiers.
//
// The npm: specifiers of a module (its whole local import graph) are
// installed together, so that packages share one copy of their
// dependencies (one React), into a directory of the npm cache:
//
//	<cache>/<hash of the resolved name@version list>/node_modules
//
// with `npm install --no-save --ignore-scripts`. The cache is filled once;
// later builds need neither npm nor the network. Versions come from, in
// order: the module's lock file <module>.npm.lock (written when
// Options.WriteLock is set), the specifiers section of an Exograph
// <module>.deno.lock, the cache's index of earlier resolutions of the same
// specifiers, and finally the registry (through npm).

// EnvNpmCache overrides the npm cache directory (default
// os.UserCacheDir()/exo/npm).
const EnvNpmCache = "EXO_NPM_CACHE"

// npmSpec is a parsed npm: specifier.
type npmSpec struct {
	Name    string // "react", "@scope/pkg"
	Range   string // "", "2", "^1.2.3"
	Subpath string // "", "server"
}

var reNpmName = regexp.MustCompile(`^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9._~-][a-z0-9._~-]*$`)

// parseNpmSpec parses "npm:name@range/subpath" (name may be scoped).
func parseNpmSpec(s string) (npmSpec, error) {
	rest, ok := strings.CutPrefix(s, "npm:")
	if !ok {
		return npmSpec{}, fmt.Errorf("not an npm: specifier")
	}
	rest = strings.TrimPrefix(rest, "/")
	var sp npmSpec
	nameEnd := 0
	if strings.HasPrefix(rest, "@") {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return npmSpec{}, fmt.Errorf("invalid scoped package name")
		}
		nameEnd = i + 1
	}
	j := strings.IndexAny(rest[nameEnd:], "@/")
	if j < 0 {
		sp.Name = rest
	} else {
		sp.Name = rest[:nameEnd+j]
		rest = rest[nameEnd+j:]
		if strings.HasPrefix(rest, "@") {
			rest = rest[1:]
			if k := strings.IndexByte(rest, '/'); k >= 0 {
				sp.Range, sp.Subpath = rest[:k], rest[k+1:]
			} else {
				sp.Range = rest
			}
			if sp.Range == "" {
				return npmSpec{}, fmt.Errorf("empty version after @")
			}
		} else {
			sp.Subpath = strings.TrimPrefix(rest, "/")
		}
	}
	if !reNpmName.MatchString(sp.Name) {
		return npmSpec{}, fmt.Errorf("invalid package name %q", sp.Name)
	}
	return sp, nil
}

// key is the specifier without its subpath, as Deno's lock files write
// it: "npm:name@range" ("*" when no range is given).
func (s npmSpec) key() string {
	r := s.Range
	if r == "" {
		r = "*"
	}
	return "npm:" + s.Name + "@" + r
}

// importPath is the bare import esbuild resolves in the install directory.
func (s npmSpec) importPath() string {
	if s.Subpath == "" {
		return s.Name
	}
	return s.Name + "/" + s.Subpath
}

// NpmLock is the content of a <module>.npm.lock file.
type NpmLock struct {
	Version int `json:"version"`
	// Specifiers maps "npm:name@range" to the installed version.
	Specifiers map[string]string `json:"specifiers"`
	// Packages lists every installed package ("node_modules/a/node_modules/b")
	// with its version and integrity, from npm's lock.
	Packages map[string]NpmLockPackage `json:"packages,omitempty"`
}

// NpmLockPackage is one installed package of an [NpmLock].
type NpmLockPackage struct {
	Version   string `json:"version"`
	Resolved  string `json:"resolved,omitempty"`
	Integrity string `json:"integrity,omitempty"`
}

// npmError is a failure to install npm packages, worded for the user.
type npmError struct{ msg string }

func (e *npmError) Error() string { return e.msg }

// npmInstaller installs npm: specifiers into the cache.
type npmInstaller struct {
	dir string // cache root
	npm string // npm executable ("" = look up on PATH)

	mu       sync.Mutex
	inflight map[string]*sync.Mutex
}

var (
	defaultNpmOnce sync.Once
	defaultNpm     *npmInstaller
)

func sharedNpm() *npmInstaller {
	defaultNpmOnce.Do(func() { defaultNpm = &npmInstaller{dir: npmCacheDir()} })
	return defaultNpm
}

func npmCacheDir() string {
	if d := os.Getenv(EnvNpmCache); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "exo", "npm")
}

// keyLock serializes installs of the same key within the process.
func (n *npmInstaller) keyLock(key string) *sync.Mutex {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.inflight == nil {
		n.inflight = map[string]*sync.Mutex{}
	}
	m := n.inflight[key]
	if m == nil {
		m = &sync.Mutex{}
		n.inflight[key] = m
	}
	return m
}

func hashOf(lines []string) string {
	sort.Strings(lines)
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:])[:20]
}

const completeFile = ".exo-npm.json"

// installed reads the record of a complete install directory.
func readComplete(dir string) (*NpmLock, bool) {
	b, err := os.ReadFile(filepath.Join(dir, completeFile))
	if err != nil {
		return nil, false
	}
	var l NpmLock
	if json.Unmarshal(b, &l) != nil || l.Specifiers == nil {
		return nil, false
	}
	return &l, true
}

// pinsFromLocks reads versions for specs from <entry>.npm.lock, then from
// <entry>.deno.lock, and the versions of the other packages these locks
// list (as npm "overrides", so that transitive dependencies and peers
// resolve as they did when the lock was written; names locked at several
// versions are left to npm).
func pinsFromLocks(entryAbs string) (pins, overrides map[string]string) {
	pins = map[string]string{}
	versions := map[string]map[string]bool{}
	add := func(name, v string) {
		if name == "" || v == "" {
			return
		}
		if versions[name] == nil {
			versions[name] = map[string]bool{}
		}
		versions[name][v] = true
	}
	if b, err := os.ReadFile(entryAbs + ".npm.lock"); err == nil {
		var l NpmLock
		if json.Unmarshal(b, &l) == nil {
			for k, v := range l.Specifiers {
				pins[k] = v
			}
			for p, pkg := range l.Packages {
				if name, ok := strings.CutPrefix(p, "node_modules/"); ok && !strings.Contains(name, "/node_modules/") {
					add(name, pkg.Version)
				}
			}
		}
	}
	if b, err := os.ReadFile(entryAbs + ".deno.lock"); err == nil {
		var l struct {
			Specifiers map[string]string          `json:"specifiers"`
			Npm        map[string]json.RawMessage `json:"npm"`
		}
		if json.Unmarshal(b, &l) == nil {
			for k, v := range l.Specifiers {
				if !strings.HasPrefix(k, "npm:") {
					continue
				}
				// "2.8.4_react@19.2.4_..." (peer dependencies after "_").
				v, _, _ = strings.Cut(v, "_")
				if _, ok := pins[k]; !ok && v != "" {
					pins[k] = v
				}
			}
			for k := range l.Npm {
				// "name@version_peer@version_..."; names may hold "__".
				at := strings.IndexByte(k[1:], '@') + 1
				if at <= 0 {
					continue
				}
				v, _, _ := strings.Cut(k[at+1:], "_")
				add(k[:at], v)
			}
		}
	}
	if len(versions) > 0 {
		overrides = map[string]string{}
		for name, vs := range versions {
			if len(vs) == 1 {
				for v := range vs {
					overrides[name] = v
				}
			}
		}
	}
	return pins, overrides
}

// install makes sure the packages of specs are installed and returns the
// install directory (the one holding node_modules) and the resolution.
func (n *npmInstaller) install(ctx context.Context, entryAbs string, specs []npmSpec) (string, *NpmLock, error) {
	// One range per package.
	ranges := map[string]npmSpec{}
	for _, s := range specs {
		if o, ok := ranges[s.Name]; ok && o.Range != s.Range {
			return "", nil, &npmError{fmt.Sprintf("Cannot import %q: the module also imports %q; use one version of a package per module", s.key(), o.key())}
		}
		ranges[s.Name] = s
	}
	pins, overrides := pinsFromLocks(entryAbs)
	var wanted, resolved []string
	all := true
	for _, s := range ranges {
		wanted = append(wanted, s.key())
		if v := pins[s.key()]; v != "" {
			resolved = append(resolved, s.Name+"@"+v)
		} else {
			all = false
		}
	}
	// Known resolution of these exact specifiers?
	indexPath := filepath.Join(n.dir, "index", hashOf(append([]string(nil), wanted...))+".json")
	if !all {
		if b, err := os.ReadFile(indexPath); err == nil {
			key := strings.TrimSpace(string(b))
			if l, ok := readComplete(filepath.Join(n.dir, key)); ok {
				return filepath.Join(n.dir, key), l, nil
			}
		}
	}
	if all {
		key := hashOf(append([]string(nil), resolved...))
		dir := filepath.Join(n.dir, key)
		if l, ok := readComplete(dir); ok {
			return dir, l, nil
		}
	}
	lk := n.keyLock(hashOf(append([]string(nil), wanted...)))
	lk.Lock()
	defer lk.Unlock()

	// Install into a temporary directory, then move it into place.
	args := make([]string, 0, len(ranges))
	for _, s := range ranges {
		switch v := pins[s.key()]; {
		case v != "":
			args = append(args, s.Name+"@"+v)
		case s.Range != "":
			args = append(args, s.Name+"@"+s.Range)
		default:
			args = append(args, s.Name)
		}
	}
	sort.Strings(args)
	if err := os.MkdirAll(n.dir, 0o755); err != nil {
		return "", nil, &npmError{fmt.Sprintf("cannot create the npm cache %s: %v", n.dir, err)}
	}
	tmp, err := os.MkdirTemp(n.dir, ".install-")
	if err != nil {
		return "", nil, &npmError{fmt.Sprintf("cannot create the npm cache %s: %v", n.dir, err)}
	}
	defer os.RemoveAll(tmp)
	pj, _ := json.MarshalIndent(map[string]any{"name": "exo-npm-cache", "private": true, "overrides": overrides}, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), append(pj, '\n'), 0o644); err != nil {
		return "", nil, err
	}
	if err := n.runNpm(ctx, tmp, args); err != nil {
		return "", nil, err
	}
	l := &NpmLock{Version: 1, Specifiers: map[string]string{}}
	resolved = resolved[:0]
	for _, s := range ranges {
		b, err := os.ReadFile(filepath.Join(tmp, "node_modules", filepath.FromSlash(s.Name), "package.json"))
		if err != nil {
			return "", nil, &npmError{fmt.Sprintf("Cannot import %q: npm did not install it", s.key())}
		}
		var pj struct {
			Version string `json:"version"`
		}
		_ = json.Unmarshal(b, &pj)
		l.Specifiers[s.key()] = pj.Version
		resolved = append(resolved, s.Name+"@"+pj.Version)
	}
	if b, err := os.ReadFile(filepath.Join(tmp, "node_modules", ".package-lock.json")); err == nil {
		var pl struct {
			Packages map[string]NpmLockPackage `json:"packages"`
		}
		if json.Unmarshal(b, &pl) == nil {
			l.Packages = pl.Packages
		}
	}
	rec, _ := json.MarshalIndent(l, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, completeFile), append(rec, '\n'), 0o644); err != nil {
		return "", nil, err
	}
	key := hashOf(resolved)
	dir := filepath.Join(n.dir, key)
	if _, ok := readComplete(dir); !ok {
		_ = os.RemoveAll(dir)
		if err := os.Rename(tmp, dir); err != nil {
			if _, ok := readComplete(dir); !ok { // not installed by someone else meanwhile
				return "", nil, err
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(indexPath), 0o755); err == nil {
		_ = writeFileAtomic(indexPath, []byte(key+"\n"))
	}
	l, _ = readComplete(dir)
	if l == nil {
		return "", nil, fmt.Errorf("jsbundle: npm install in %s left no record", dir)
	}
	return dir, l, nil
}

func writeFileAtomic(name string, data []byte) error {
	tmp := fmt.Sprintf("%s.%d.tmp", name, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// npmTimeout bounds one npm install.
const npmTimeout = 5 * time.Minute

func (n *npmInstaller) runNpm(ctx context.Context, dir string, pkgs []string) error {
	what := "npm:" + strings.Join(pkgs, ", npm:")
	bin := n.npm
	if bin == "" {
		p, err := exec.LookPath("npm")
		if err != nil {
			return &npmError{fmt.Sprintf("Cannot import %s: npm packages are fetched with the npm command (once, into %s), and npm is not installed", what, npmCacheDir())}
		}
		bin = p
	}
	ctx, cancel := context.WithTimeout(ctx, npmTimeout)
	defer cancel()
	args := append([]string{"install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund",
		"--loglevel=error", "--fetch-retries=1", "--prefix", dir}, pkgs...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return &npmError{fmt.Sprintf("Cannot import %s: npm install did not finish within %s", what, npmTimeout)}
		}
		return &npmError{npmFailure(what, out.String(), err)}
	}
	return nil
}

var (
	reNpm404     = regexp.MustCompile(`404 Not Found - GET \S+/(@?[^/\s]+(?:%2[fF][^/\s]+)?) - Not found|'(@?[^'@\s]+(?:/[^'@\s]+)?)@[^']*' is not in this registry`)
	reNpmNoMatch = regexp.MustCompile(`No matching version found for (\S+)`)
	reNpmNet     = regexp.MustCompile(`\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ERR_SOCKET_TIMEOUT|ENOTCACHED)\b`)
)

// npmFailure words npm's output.
func npmFailure(what, out string, err error) string {
	switch {
	case reNpmNoMatch.MatchString(out):
		return fmt.Sprintf("Cannot import %s: no matching version of %s in the npm registry", what, strings.TrimSuffix(reNpmNoMatch.FindStringSubmatch(out)[1], "."))
	case reNpm404.MatchString(out):
		m := reNpm404.FindStringSubmatch(out)
		name := m[1]
		if name == "" {
			name = m[2]
		}
		name = strings.ReplaceAll(strings.ReplaceAll(name, "%2f", "/"), "%2F", "/")
		return fmt.Sprintf("Cannot import %s: package %q not found in the npm registry", what, name)
	case reNpmNet.MatchString(out):
		return fmt.Sprintf("Cannot import %s: the npm registry is unreachable (%s) and the packages are not in the cache %s", what, reNpmNet.FindString(out), npmCacheDir())
	}
	msg := strings.TrimSpace(out)
	var lines []string
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "npm error"))
		if l != "" && !strings.HasPrefix(l, "A complete log") && !strings.HasSuffix(l, "-debug-0.log") {
			lines = append(lines, l)
		}
		if len(lines) == 3 {
			break
		}
	}
	if len(lines) == 0 {
		lines = []string{err.Error()}
	}
	return fmt.Sprintf("Cannot import %s: npm install failed: %s", what, strings.Join(lines, "; "))
}

// writeLock writes <entry>.npm.lock when its content changes.
func writeLock(entryAbs string, specs []npmSpec, l *NpmLock) error {
	out := NpmLock{Version: 1, Specifiers: map[string]string{}, Packages: l.Packages}
	for _, s := range specs {
		if v, ok := l.Specifiers[s.key()]; ok {
			out.Specifiers[s.key()] = v
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	name := entryAbs + ".npm.lock"
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, b) {
		return nil
	}
	return os.WriteFile(name, b, 0o644)
}
