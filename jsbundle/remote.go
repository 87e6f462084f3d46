package jsbundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/evanw/esbuild/pkg/api"
)

// Remote modules (https: imports), as Deno loads them.
//
// An https: specifier (http: only from a loopback host, for tests and
// local servers) is fetched with net/http, following up to 10 redirects,
// and bundled from the "exo-remote" namespace under its final URL (after
// redirects): relative ("./x.ts", "../x.ts") and absolute-path ("/x.ts")
// imports inside a remote module resolve against that URL, as Deno does.
// Remote modules may also import other URLs, npm: and node: specifiers;
// bare specifiers ("lodash") cannot be resolved (there are no import maps).
//
// The loader comes from the URL's extension (.ts, .tsx, .js, .mjs, .jsx,
// .json, ...) or, without a known extension, from the Content-Type with
// Deno's media types (application/typescript, text/typescript, video/mp2t:
// TypeScript; application/javascript, text/javascript: JavaScript; ...).
//
// Fetched modules are cached on disk, one pair of files per requested URL:
//
//	<cache>/<sha256 of the URL>       the response body
//	<cache>/<sha256 of the URL>.json  {"url", "finalUrl", "contentType"}
//
// both written atomically (the metadata last: it marks a complete entry).
// Like Deno, a cached module is never fetched again, so that builds work
// offline once the modules were fetched; Options.ReloadRemote or
// $EXO_RELOAD_REMOTE=1 fetches them again (once per Bundler).

const (
	// CodeRemoteFetch: an https: module that could not be fetched (the
	// server answered with an error, too many redirects, a media type that
	// is not JavaScript or TypeScript).
	CodeRemoteFetch = "bundle/remote-fetch"
	// CodeRemoteUnreachable: an https: module whose fetch got no HTTP answer
	// at all (DNS failure, refused connection, TLS error, timeout): the
	// machine is most likely offline (exo test counts such projects as
	// skipped, "needs network").
	CodeRemoteUnreachable = "bundle/remote-unreachable"

	// EnvRemoteCache overrides the cache directory of remote modules
	// (default os.UserCacheDir()/exo/remote).
	EnvRemoteCache = "EXO_REMOTE_CACHE"
	// EnvReloadRemote, when true ("1", "true"), fetches remote modules
	// again instead of using the cached copies.
	EnvReloadRemote = "EXO_RELOAD_REMOTE"
)

const (
	nsRemote = "exo-remote"

	// remoteFetchDetail and remoteNetDetail mark the messages of failed
	// fetches (api.Message.Detail) for toDiagnostic.
	remoteFetchDetail = "exo-remote-fetch"
	remoteNetDetail   = "exo-remote-net"

	remoteTimeout      = 30 * time.Second // per module
	remoteMaxRedirects = 10
	remoteMaxSize      = 64 << 20
)

var reURL = regexp.MustCompile(`^https?:`)

// remoteModule is a fetched module.
type remoteModule struct {
	URL         string `json:"url"`      // as requested
	FinalURL    string `json:"finalUrl"` // after redirects
	ContentType string `json:"contentType"`
	body        []byte
}

// remoteFetcher fetches remote modules through the disk cache. It lives as
// long as its Bundler.
type remoteFetcher struct {
	client  *http.Client
	dir     string
	reload  bool
	timeout time.Duration

	mu       sync.Mutex
	reloaded map[string]*remoteModule // fetched again by this fetcher (reload)
}

// redirectError is a redirect the fetcher refused to follow.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

func newRemoteFetcher(opts Options) *remoteFetcher {
	var c http.Client
	if opts.HTTPClient != nil {
		c = *opts.HTTPClient
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= remoteMaxRedirects {
			return &redirectError{fmt.Sprintf("stopped after %d redirects", remoteMaxRedirects)}
		}
		if err := checkScheme(req.URL); err != nil {
			return &redirectError{fmt.Sprintf("redirected to %s: %v", req.URL, err)}
		}
		return nil
	}
	dir := opts.RemoteCache
	if dir == "" {
		dir = remoteCacheDir()
	}
	return &remoteFetcher{client: &c, dir: dir, reload: opts.ReloadRemote || truthy(os.Getenv(EnvReloadRemote)), timeout: remoteTimeout}
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func remoteCacheDir() string {
	if d := os.Getenv(EnvRemoteCache); d != "" {
		return d
	}
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, "exo", "remote")
}

// checkScheme accepts https: URLs, and http: ones on a loopback host.
func checkScheme(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("http: modules can be imported only from localhost; use https:")
	}
	return fmt.Errorf("%s: URLs cannot be imported", u.Scheme)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func cacheKey(u string) string {
	h := sha256.Sum256([]byte(u))
	return hex.EncodeToString(h[:])
}

// get returns the module at u, from the cache when it is there.
func (f *remoteFetcher) get(u string) (*remoteModule, error) {
	if f.reload {
		f.mu.Lock()
		m := f.reloaded[u]
		f.mu.Unlock()
		if m != nil {
			return m, nil
		}
	} else if m := f.cached(u); m != nil {
		return m, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	m, err := f.fetch(ctx, u)
	if err != nil {
		return nil, err
	}
	// A cache that cannot be written only costs a fetch next time.
	_ = f.store(m)
	if f.reload {
		f.mu.Lock()
		if f.reloaded == nil {
			f.reloaded = map[string]*remoteModule{}
		}
		f.reloaded[u] = m
		f.mu.Unlock()
	}
	return m, nil
}

// fetchError is a failed fetch, worded for the user; net tells a failure
// to get any HTTP answer.
type fetchError struct {
	msg string
	net bool
}

func (e *fetchError) Error() string { return e.msg }

func (f *remoteFetcher) fetch(ctx context.Context, u string) (*remoteModule, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &fetchError{msg: fmt.Sprintf("Cannot fetch %s: %v", u, err)}
	}
	req.Header.Set("Accept", "application/typescript, text/typescript, application/javascript, text/javascript, application/json, */*;q=0.5")
	req.Header.Set("User-Agent", "exo")
	resp, err := f.client.Do(req)
	if err != nil {
		var re *redirectError
		if errors.As(err, &re) {
			return nil, &fetchError{msg: fmt.Sprintf("Cannot fetch %s: %s", u, re.msg)}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s", f.timeout)
		}
		return nil, &fetchError{msg: fmt.Sprintf("Cannot fetch %s: %v", u, err), net: true}
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	final.Fragment = ""
	where := u
	if final.String() != u {
		where = fmt.Sprintf("%s (redirected to %s)", u, final)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &fetchError{msg: fmt.Sprintf("Cannot fetch %s: %s", where, resp.Status)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, remoteMaxSize+1))
	if err != nil {
		return nil, &fetchError{msg: fmt.Sprintf("Cannot fetch %s: %v", where, err), net: true}
	}
	if len(body) > remoteMaxSize {
		return nil, &fetchError{msg: fmt.Sprintf("Cannot fetch %s: larger than %d MiB", where, remoteMaxSize>>20)}
	}
	return &remoteModule{URL: u, FinalURL: final.String(), ContentType: resp.Header.Get("Content-Type"), body: body}, nil
}

// cached returns the cached module at u, or nil.
func (f *remoteFetcher) cached(u string) *remoteModule {
	key := filepath.Join(f.dir, cacheKey(u))
	meta, err := os.ReadFile(key + ".json")
	if err != nil {
		return nil
	}
	var m remoteModule
	if json.Unmarshal(meta, &m) != nil || m.URL != u || m.FinalURL == "" {
		return nil
	}
	if m.body, err = os.ReadFile(key); err != nil {
		return nil
	}
	return &m
}

// store writes m into the cache: the body, then the metadata.
func (f *remoteFetcher) store(m *remoteModule) error {
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return err
	}
	key := filepath.Join(f.dir, cacheKey(m.URL))
	meta, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := writeAtomic(key, m.body); err != nil {
		return err
	}
	return writeAtomic(key+".json", append(meta, '\n'))
}

func writeAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}

// remoteState holds the remote modules of one Bundle call (both esbuild
// passes), fetching each URL once.
type remoteState struct {
	f *remoteFetcher

	mu    sync.Mutex
	reqs  map[string]*remoteReq    // by requested URL
	final map[string]*remoteModule // by final URL
}

type remoteReq struct {
	done chan struct{}
	mod  *remoteModule
	err  error
}

func newRemoteState(f *remoteFetcher) *remoteState {
	return &remoteState{f: f, reqs: map[string]*remoteReq{}, final: map[string]*remoteModule{}}
}

func (rs *remoteState) get(u string) (*remoteModule, error) {
	rs.mu.Lock()
	r := rs.reqs[u]
	if r != nil {
		rs.mu.Unlock()
		<-r.done
		return r.mod, r.err
	}
	r = &remoteReq{done: make(chan struct{})}
	rs.reqs[u] = r
	rs.mu.Unlock()
	r.mod, r.err = rs.f.get(u)
	if r.err == nil {
		rs.mu.Lock()
		if _, ok := rs.final[r.mod.FinalURL]; !ok {
			rs.final[r.mod.FinalURL] = r.mod
		}
		rs.mu.Unlock()
	}
	close(r.done)
	return r.mod, r.err
}

// module returns the fetched module whose final URL is u, or nil.
func (rs *remoteState) module(u string) *remoteModule {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.final[u]
}

// resolve resolves spec, imported by a remote module (importer is its
// final URL) or, with importer "", by a local file.
func (rs *remoteState) resolve(spec, importer string) api.OnResolveResult {
	fail := func(detail, format string, args ...any) api.OnResolveResult {
		return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf(format, args...), Detail: detail}}}
	}
	var u *url.URL
	switch {
	case reURL.MatchString(spec):
		p, err := url.Parse(spec)
		if err != nil || p.Host == "" {
			return fail("", "Could not resolve %q: invalid URL", spec)
		}
		u = p
	case importer != "" && (strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || strings.HasPrefix(spec, "/")):
		base, err := url.Parse(importer)
		if err != nil {
			return fail("", "Could not resolve %q from %s: %v", spec, importer, err)
		}
		ref, err := url.Parse(spec)
		if err != nil {
			return fail("", "Could not resolve %q from %s: invalid URL path", spec, importer)
		}
		u = base.ResolveReference(ref)
	case importer != "":
		return fail("", "Could not resolve %q from %s: bare specifiers cannot be imported from remote modules "+
			"(no import maps); use a full URL, a path starting with ./, ../ or /, or an npm: specifier", spec, importer)
	default:
		return api.OnResolveResult{}
	}
	u.Fragment = ""
	if err := checkScheme(u); err != nil {
		return fail("", "Cannot import %q: %v", u.String(), err)
	}
	if importer != "" && u.Scheme == "http" && strings.HasPrefix(importer, "https:") {
		return fail("", "Cannot import %q from %s: modules imported with https: cannot import http: modules", u.String(), importer)
	}
	m, err := rs.get(u.String())
	if err != nil {
		var fe *fetchError
		if errors.As(err, &fe) && fe.net {
			return fail(remoteNetDetail, "%s", fe.msg)
		}
		return fail(remoteFetchDetail, "%s", err.Error())
	}
	if _, err := m.loader(); err != nil {
		return fail(remoteFetchDetail, "Cannot import %s: %v", m.FinalURL, err)
	}
	return api.OnResolveResult{Path: m.FinalURL, Namespace: nsRemote}
}

// loader picks the esbuild loader of a fetched module: from the extension
// of its final URL, else from its Content-Type (Deno's media types).
func (m *remoteModule) loader() (api.Loader, error) {
	if u, err := url.Parse(m.FinalURL); err == nil {
		switch path.Ext(u.Path) {
		case ".ts", ".mts", ".cts":
			return api.LoaderTS, nil
		case ".tsx":
			return api.LoaderTSX, nil
		case ".js", ".mjs", ".cjs":
			return api.LoaderJS, nil
		case ".jsx":
			return api.LoaderJSX, nil
		case ".json":
			return api.LoaderJSON, nil
		}
	}
	mt, _, err := mime.ParseMediaType(m.ContentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(m.ContentType))
	}
	switch mt {
	case "application/typescript", "text/typescript", "video/vnd.dlna.mpeg-tts", "video/mp2t", "application/x-typescript":
		return api.LoaderTS, nil
	case "application/javascript", "text/javascript", "application/ecmascript", "text/ecmascript", "application/x-javascript", "application/node":
		return api.LoaderJS, nil
	case "text/jsx":
		return api.LoaderJSX, nil
	case "text/tsx":
		return api.LoaderTSX, nil
	case "application/json", "text/json":
		return api.LoaderJSON, nil
	}
	if mt == "" {
		return api.LoaderNone, errors.New("no file extension and no Content-Type: expected a JavaScript or TypeScript module")
	}
	return api.LoaderNone, fmt.Errorf("media type %q is not a JavaScript or TypeScript module", mt)
}

// remotePlugin registers the resolution and loading of remote modules: URL
// specifiers from anywhere, and every import of a remote module that the
// callbacks registered before (node:, npm:, jsr:) did not take.
func remotePlugin(pb api.PluginBuild, rs *remoteState) {
	pb.OnResolve(api.OnResolveOptions{Filter: reURL.String()}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
		importer := ""
		if a.Namespace == nsRemote {
			importer = a.Importer
		}
		return rs.resolve(a.Path, importer), nil
	})
	pb.OnResolve(api.OnResolveOptions{Filter: ".*", Namespace: nsRemote}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
		return rs.resolve(a.Path, a.Importer), nil
	})
	pb.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: nsRemote}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
		m := rs.module(a.Path)
		if m == nil {
			return api.OnLoadResult{}, fmt.Errorf("remote module %s was not fetched", a.Path)
		}
		l, err := m.loader()
		if err != nil {
			return api.OnLoadResult{}, err
		}
		s := string(m.body)
		return api.OnLoadResult{Contents: &s, Loader: l}, nil
	})
}
