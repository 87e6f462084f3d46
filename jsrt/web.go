package jsrt

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// Web platform APIs: the JS side is webPrelude (webjs.go); the Go functions
// it needs are the host object built here.

var (
	webOnce sync.Once
	webPrg  *goja.Program
	webErr  error
)

func compiledWeb() (*goja.Program, error) {
	webOnce.Do(func() {
		webPrg, webErr = goja.Compile("exo:web", webPrelude, true)
	})
	return webPrg, webErr
}

// MaxFetchBody bounds the size of a response body fetch reads.
const MaxFetchBody = 64 << 20

// fetchClient is the HTTP client of fetch (redirects are handled per
// request, see doFetch).
var fetchClient = &http.Client{Transport: http.DefaultTransport}

func (v *vmState) installWeb() error {
	prg, err := compiledWeb()
	if err != nil {
		return err
	}
	vm := v.vm
	fnv, err := vm.RunProgram(prg)
	if err != nil {
		return err
	}
	install, ok := goja.AssertFunction(fnv)
	if !ok {
		return errors.New("web prelude is not a function")
	}
	host := vm.NewObject()
	_ = host.Set("parseURL", func(fc goja.FunctionCall) goja.Value {
		var base *string
		if b := fc.Argument(1); !goja.IsUndefined(b) {
			s := b.String()
			base = &s
		}
		u, err := parseWebURL(fc.Argument(0).String(), base)
		if err != nil {
			return vm.ToValue(err.Error())
		}
		return v.urlObject(u)
	})
	_ = host.Set("setURL", func(href, part, value string) goja.Value {
		u, err := parseWebURL(href, nil)
		if err != nil {
			return vm.ToValue(err.Error())
		}
		if err := setURLPart(u, part, value); err != nil {
			return vm.ToValue(err.Error())
		}
		u2, err := parseWebURL(u.String(), nil)
		if err != nil {
			return vm.ToValue(err.Error())
		}
		return v.urlObject(u2)
	})
	_ = host.Set("encodeUTF8", func(s string) goja.Value {
		return vm.ToValue(vm.NewArrayBuffer([]byte(s)))
	})
	_ = host.Set("decodeUTF8", func(buf goja.ArrayBuffer, off, n int, fatal bool) goja.Value {
		b := buf.Bytes()
		if off < 0 || n < 0 || off+n > len(b) {
			panic(vm.NewTypeError("decode: out of range"))
		}
		b = b[off : off+n]
		if fatal && !utf8.Valid(b) {
			return goja.Null()
		}
		return vm.ToValue(strings.ToValidUTF8(string(b), "\uFFFD"))
	})
	_ = host.Set("randomUUID", func() string {
		var b [16]byte
		_, _ = rand.Read(b[:])
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	})
	_ = host.Set("randomFill", func(buf goja.ArrayBuffer, off, n int) {
		b := buf.Bytes()
		if off < 0 || n < 0 || off+n > len(b) {
			panic(vm.NewTypeError("getRandomValues: out of range"))
		}
		_, _ = rand.Read(b[off : off+n])
	})
	_ = host.Set("digest", func(alg string, buf goja.ArrayBuffer, off, n int) goja.Value {
		var h hash.Hash
		switch alg {
		case "SHA-1":
			h = sha1.New()
		case "SHA-256":
			h = sha256.New()
		case "SHA-384":
			h = sha512.New384()
		case "SHA-512":
			h = sha512.New()
		default:
			panic(vm.NewGoError(fmt.Errorf("Unrecognized algorithm name: %s", alg)))
		}
		b := buf.Bytes()
		if off < 0 || n < 0 || off+n > len(b) {
			panic(vm.NewTypeError("digest: out of range"))
		}
		h.Write(b[off : off+n])
		return vm.ToValue(vm.NewArrayBuffer(h.Sum(nil)))
	})
	_ = host.Set("fetch", v.hostFetch)
	_ = host.Set("abort", func(id int64) {
		if c := v.cur; c != nil {
			if cancel := c.aborts[id]; cancel != nil {
				cancel()
			}
		}
	})
	_, err = install(goja.Undefined(), vm.GlobalObject(), host)
	return err
}

// parseWebURL parses an absolute URL (or one relative to base) roughly as
// the WHATWG URL standard does for the common cases.
func parseWebURL(s string, base *string) (*url.URL, error) {
	invalid := func() error {
		if base != nil {
			return fmt.Errorf("Invalid URL: '%s' with base '%s'", s, *base)
		}
		return fmt.Errorf("Invalid URL: '%s'", s)
	}
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	var u *url.URL
	if base != nil {
		b, err := parseWebURL(*base, nil)
		if err != nil {
			return nil, invalid()
		}
		ref, err := url.Parse(s)
		if err != nil {
			return nil, invalid()
		}
		u = b.ResolveReference(ref)
	} else {
		var err error
		if u, err = url.Parse(s); err != nil || u.Scheme == "" {
			return nil, invalid()
		}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if special(u.Scheme) {
		if u.Host == "" && u.Scheme != "file" {
			return nil, invalid()
		}
		u.Host = strings.ToLower(u.Host)
		if h, p, err := net.SplitHostPort(u.Host); err == nil && defaultPort[u.Scheme] == p {
			u.Host = h
			if strings.Contains(h, ":") {
				u.Host = "[" + h + "]"
			}
		}
		if u.Path == "" && u.Opaque == "" {
			u.Path = "/"
		}
	}
	return u, nil
}

var defaultPort = map[string]string{"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"}

func special(scheme string) bool {
	_, ok := defaultPort[scheme]
	return ok || scheme == "file"
}

func setURLPart(u *url.URL, part, value string) error {
	switch part {
	case "href":
		n, err := parseWebURL(value, nil)
		if err != nil {
			return err
		}
		*u = *n
	case "protocol":
		u.Scheme = strings.TrimSuffix(value, ":")
	case "username", "password":
		user, pass := "", ""
		if u.User != nil {
			user = u.User.Username()
			pass, _ = u.User.Password()
		}
		if part == "username" {
			user = value
		} else {
			pass = value
		}
		switch {
		case pass != "":
			u.User = url.UserPassword(user, pass)
		case user != "":
			u.User = url.User(user)
		default:
			u.User = nil
		}
	case "host":
		u.Host = value
	case "hostname":
		if p := u.Port(); p != "" {
			u.Host = net.JoinHostPort(value, p)
		} else {
			u.Host = value
		}
	case "port":
		if value == "" {
			u.Host = u.Hostname()
		} else {
			u.Host = net.JoinHostPort(u.Hostname(), value)
		}
	case "pathname":
		if !strings.HasPrefix(value, "/") {
			value = "/" + value
		}
		u.Path, u.RawPath = value, ""
	case "search":
		u.RawQuery = strings.TrimPrefix(value, "?")
		u.ForceQuery = false
	case "hash":
		u.Fragment, u.RawFragment = strings.TrimPrefix(value, "#"), ""
	default:
		return fmt.Errorf("cannot set %s", part)
	}
	return nil
}

func (v *vmState) urlObject(u *url.URL) goja.Value {
	vm := v.vm
	o := vm.NewObject()
	user, pass := "", ""
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	search := ""
	if u.RawQuery != "" {
		search = "?" + u.RawQuery
	}
	hash := ""
	if u.Fragment != "" {
		hash = "#" + u.EscapedFragment()
	}
	origin := "null"
	if special(u.Scheme) && u.Scheme != "file" {
		origin = u.Scheme + "://" + u.Host
	}
	pathname := u.EscapedPath()
	if u.Opaque != "" {
		pathname = u.Opaque
	}
	href := u.String()
	if u.ForceQuery && u.RawQuery == "" {
		href = strings.Replace(href, "?", "", 1)
	}
	_ = o.Set("href", href)
	_ = o.Set("protocol", u.Scheme+":")
	_ = o.Set("username", user)
	_ = o.Set("password", pass)
	_ = o.Set("host", u.Host)
	_ = o.Set("hostname", strings.Trim(u.Hostname(), "[]"))
	_ = o.Set("port", u.Port())
	_ = o.Set("pathname", pathname)
	_ = o.Set("search", search)
	_ = o.Set("hash", hash)
	_ = o.Set("origin", origin)
	return o
}

// fetchResult is what a fetch goroutine hands back to the JS goroutine.
type fetchResult struct {
	status     int
	statusText string
	url        string
	redirected bool
	headers    []string
	body       []byte
	err        string
}

// hostFetch(method, url, headers [k, v, ...], body ArrayBuffer|null,
// redirect, callback(err, res)) starts the request on its own goroutine and
// returns an id for abort. The callback runs on the call's goroutine, from
// the await loop. Requests use the call's context: they end when the
// request is cancelled or the call times out.
func (v *vmState) hostFetch(fc goja.FunctionCall) goja.Value {
	vm := v.vm
	c := v.cur
	if c == nil || c.closed {
		panic(vm.NewTypeError("fetch can only be used while a module function runs (not at the top level of the module)"))
	}
	method := fc.Argument(0).String()
	target := fc.Argument(1).String()
	var hs []string
	if err := vm.ExportTo(fc.Argument(2), &hs); err != nil {
		panic(vm.NewTypeError("fetch: bad headers"))
	}
	var body []byte
	if b := fc.Argument(3); !goja.IsNull(b) && !goja.IsUndefined(b) {
		ab, ok := b.Export().(goja.ArrayBuffer)
		if !ok {
			panic(vm.NewTypeError("fetch: bad body"))
		}
		body = bytes.Clone(ab.Bytes())
	}
	redirect := fc.Argument(4).String()
	cb, ok := goja.AssertFunction(fc.Argument(5))
	if !ok {
		panic(vm.NewTypeError("fetch: no callback"))
	}
	c.nextID++
	id := c.nextID
	ctx, cancel := context.WithCancel(c.wctx)
	if c.aborts == nil {
		c.aborts = map[int64]context.CancelFunc{}
	}
	c.aborts[id] = cancel
	c.pending++
	go func() {
		r := doFetch(ctx, method, target, hs, body, redirect)
		aborted := ctx.Err() != nil && c.wctx.Err() == nil
		c.complete(func() {
			c.pending--
			delete(c.aborts, id)
			cancel()
			if aborted {
				_, _ = cb(goja.Undefined(), vm.ToValue("abort"))
				return
			}
			if r.err != "" {
				_, _ = cb(goja.Undefined(), vm.ToValue(r.err))
				return
			}
			o := vm.NewObject()
			_ = o.Set("status", r.status)
			_ = o.Set("statusText", r.statusText)
			_ = o.Set("url", r.url)
			_ = o.Set("redirected", r.redirected)
			hv := make([]any, len(r.headers))
			for i, h := range r.headers {
				hv[i] = h
			}
			_ = o.Set("headers", vm.NewArray(hv...))
			_ = o.Set("body", vm.NewArrayBuffer(r.body))
			_, _ = cb(goja.Undefined(), goja.Null(), o)
		})
	}()
	return vm.ToValue(id)
}

func doFetch(ctx context.Context, method, target string, hs []string, body []byte, redirect string) fetchResult {
	fail := func(err error) fetchResult {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fetchResult{err: fmt.Sprintf("error sending request for url (%s): %v", target, err)}
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		if err == nil {
			err = fmt.Errorf("scheme '%s' not supported", u.Scheme)
		}
		return fetchResult{err: fmt.Sprintf("Invalid URL: %v", err)}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return fail(err)
	}
	for i := 0; i+1 < len(hs); i += 2 {
		req.Header.Add(hs[i], hs[i+1])
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "*/*")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "exo")
	}
	client := *fetchClient
	redirected := false
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		switch redirect {
		case "manual":
			return http.ErrUseLastResponse
		case "error":
			return errors.New("redirects are not allowed (redirect: \"error\")")
		}
		if len(via) >= 20 {
			return errors.New("too many redirects")
		}
		redirected = true
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxFetchBody+1))
	if err != nil {
		return fail(err)
	}
	if len(data) > MaxFetchBody {
		return fetchResult{err: fmt.Sprintf("response body of %s is larger than %d bytes", target, MaxFetchBody)}
	}
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var headers []string
	for _, k := range keys {
		for _, val := range resp.Header[k] {
			headers = append(headers, strings.ToLower(k), val)
		}
	}
	return fetchResult{
		status:     resp.StatusCode,
		statusText: strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode))),
		url:        resp.Request.URL.String(),
		redirected: redirected,
		headers:    headers,
		body:       data,
	}
}

// complete hands fn to the call's goroutine (dropped once the call ended).
func (c *call) complete(fn func()) {
	select {
	case c.done <- fn:
	case <-c.finished:
	}
}

func (q *timerQueue) peek() *timer {
	if len(q.h) == 0 {
		return nil
	}
	return q.h[0]
}

// wait blocks until a host operation completes or the next timer is due
// (running either), or the call is interrupted.
func (c *call) wait() error {
	t := c.timers.peek()
	if t == nil && c.pending == 0 {
		return ErrNotSettled
	}
	var due <-chan time.Time
	if t != nil {
		d := time.Until(t.at)
		if d > 0 {
			tm := time.NewTimer(d)
			defer tm.Stop()
			due = tm.C
		} else {
			ch := make(chan time.Time, 1)
			ch <- time.Time{}
			due = ch
		}
	}
	select {
	case fn := <-c.done:
		fn()
		return nil
	case <-due:
		t = c.timers.pop()
		if t.interval > 0 {
			t.at = time.Now().Add(t.interval)
			c.timers.push(t)
		}
		_, err := t.fn(goja.Undefined(), t.args...)
		return err
	case <-c.wctx.Done():
		return context.Cause(c.wctx)
	}
}
