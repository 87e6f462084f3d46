package jsrt

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			_, _ = io.WriteString(w, `{"id":1,"q":"`+r.URL.Query().Get("q")+`"}`)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.WriteHeader(201)
			_, _ = io.WriteString(w, r.Method+" "+r.Header.Get("Content-Type")+" "+r.Header.Get("Authorization")+" "+string(b))
		case "/missing":
			http.Error(w, "nope", http.StatusNotFound)
		case "/redirect":
			http.Redirect(w, r, "/json?q=moved", http.StatusFound)
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	}))
	defer srv.Close()
	m := module(t, `
async function getJSON(base) {
  const r = await fetch(base + "/json?q=" + encodeURIComponent("a b"));
  return { ok: r.ok, status: r.status, type: r.headers.get("content-type"), multi: r.headers.get("x-multi"), body: await r.json() };
}
async function post(base) {
  const r = await fetch(new URL("/echo", base), { method: "POST", headers: { Authorization: "Bearer t" }, body: JSON.stringify({ x: 1 }) });
  return [r.status, r.ok, await r.text()];
}
async function form(base) {
  const r = await fetch(base + "/echo", { method: "PUT", body: new URLSearchParams({ a: "1 2", b: "&" }) });
  return await r.text();
}
async function missing(base) {
  const r = await fetch(base + "/missing");
  return [r.status, r.ok, r.statusText, (await r.text()).trim()];
}
async function redirect(base) {
  const r = await fetch(base + "/redirect");
  return [r.redirected, r.url.endsWith("/json?q=moved"), (await r.json()).q];
}
async function parallel(base) {
  const rs = await Promise.all([1, 2, 3].map((i) => fetch(base + "/json?q=" + i).then((r) => r.json())));
  return rs.map((r) => r.q).join(",");
}
async function refused() {
  try { await fetch("http://127.0.0.1:1/"); return "no error"; } catch (e) { return e instanceof TypeError && e.message.startsWith("error sending request for url (http://127.0.0.1:1/)"); }
}
async function aborted(base) {
  const c = new AbortController();
  const p = fetch(base + "/slow", { signal: c.signal });
  setTimeout(() => c.abort(), 10);
  try { await p; return "no error"; } catch (e) { return e.name; }
}
async function slow(base) { await fetch(base + "/slow"); return "done"; }
`, "getJSON", "post", "form", "missing", "redirect", "parallel", "refused", "aborted", "slow")
	base := srv.URL
	checks := []struct{ fn, want string }{
		{"getJSON", `{"ok":true,"status":200,"type":"application/json","multi":"a, b","body":{"id":1,"q":"a b"}}`},
		{"post", `[201,true,"POST text/plain;charset=UTF-8 Bearer t {\"x\":1}"]`},
		{"form", `"PUT application/x-www-form-urlencoded;charset=UTF-8  a=1+2&b=%26"`},
		{"missing", `[404,false,"Not Found","nope"]`},
		{"redirect", `[true,true,"moved"]`},
		{"parallel", `"1,2,3"`},
		{"refused", `true`},
		{"aborted", `"AbortError"`},
	}
	for _, c := range checks {
		if got := mustCall(t, m, c.fn, base); got != c.want {
			t.Errorf("%s = %s, want %s", c.fn, got, c.want)
		}
	}

	// The request's context cancels a fetch in flight.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := m.Call(ctx, "slow", base); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow with a deadline: err = %v", err)
	}
	// And so does the call's time limit.
	mt, err := NewModule("t.js", []byte(`var __exo_module = { slow: async (b) => { await fetch(b + "/slow"); return 1; } };`), nil, global, Options{Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mt.Call(context.Background(), "slow", base); !errors.Is(err, ErrTimeout) {
		t.Errorf("slow with a time limit: err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled fetches took %v", d)
	}
}

func TestFetchAtTopLevel(t *testing.T) {
	// No call drives the request: the promise rejects at once.
	m, err := NewModule("t.js", []byte(`var msg = "pending"; fetch("http://127.0.0.1:1/").catch((e) => { msg = e.message; });
var __exo_module = { f: () => msg };`), nil, global, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := mustCall(t, m, "f"); !strings.Contains(got, "fetch can only be used while a module function runs") {
		t.Errorf("top-level fetch: %s", got)
	}
}

func TestWebAPIs(t *testing.T) {
	m := module(t, `
function url() {
  const u = new URL("../b/c?x=1&y=a+b#frag", "https://User:pw@Example.COM:443/a/d");
  const out = [u.href, u.protocol, u.host, u.hostname, u.port, u.pathname, u.search, u.hash, u.origin, u.username, u.searchParams.get("y")];
  u.searchParams.append("z", "é &");
  out.push(u.search);
  u.pathname = "/p";
  u.hash = "";
  out.push(u.href, String(new URL("http://h:8080")), URL.canParse("nope"));
  try { new URL("no scheme"); } catch (e) { out.push(e instanceof TypeError, e.message); }
  return out;
}
function params() {
  const p = new URLSearchParams("?a=1&b=2&a=3&c=%20x+y");
  p.set("b", "B");
  p.delete("c");
  p.append("d", "=");
  p.sort();
  return [p.toString(), p.getAll("a"), p.has("c"), p.size, [...new URLSearchParams([["k", "v"]])], new URLSearchParams({ q: "1" }).toString()];
}
function headers() {
  const h = new Headers({ "Content-Type": "text/plain" });
  h.append("X-A", "1");
  h.append("x-a", "2");
  h.set("Set-Cookie", "a=1");
  h.append("set-cookie", "b=2");
  const list = [];
  h.forEach((v, k) => list.push(k + ":" + v));
  let bad;
  try { h.set("bad name", "x"); } catch (e) { bad = e instanceof TypeError; }
  return [h.get("content-type"), h.get("X-A"), h.has("x-a"), h.get("nope"), list, h.getSetCookie(), bad, [...new Headers(h).keys()].length];
}
function text() {
  const b = new TextEncoder().encode("hé€😀");
  const d = new TextDecoder();
  let fatal;
  try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { fatal = e instanceof TypeError; }
  return [Array.from(b), d.decode(b), d.decode(b.subarray(1, 3)), new TextDecoder().decode(new Uint8Array([0xff, 0x41])), fatal, d.decode(b.buffer)];
}
function base64() {
  let bad;
  try { btoa("€"); } catch (e) { bad = e.name; }
  let bad2;
  try { atob("a"); } catch (e) { bad2 = e.name; }
  return [btoa("hello"), btoa(""), btoa("ab"), atob("aGVsbG8="), atob("YWI"), atob(btoa("\u00ff\u0000x")) === "\u00ff\u0000x", bad, bad2];
}
function random() {
  const ids = new Set();
  for (let i = 0; i < 100; i++) ids.add(crypto.randomUUID());
  const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const a = crypto.getRandomValues(new Uint8Array(64));
  const b = crypto.getRandomValues(new Uint32Array(4));
  let bad;
  try { crypto.getRandomValues(new Float64Array(2)); } catch (e) { bad = e instanceof TypeError; }
  return [ids.size, [...ids].every((id) => re.test(id)), a.some((x) => x !== 0), b.some((x) => x !== 0), bad];
}
async function digest() {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc"));
  return Array.from(new Uint8Array(d)).map((x) => x.toString(16).padStart(2, "0")).join("");
}
function clone() {
  const o = { d: new Date(0), m: new Map([[1, { x: [1, 2] }]]), s: new Set(["a"]), u: new Uint8Array([1, 2]) };
  o.self = o;
  const c = structuredClone(o);
  let bad;
  try { structuredClone({ f() {} }); } catch (e) { bad = e.name; }
  return [c !== o, c.self === c, c.d instanceof Date && c.d.getTime() === 0, c.m.get(1).x[1], c.m.get(1) !== o.m.get(1), c.s.has("a"), c.u[1], bad];
}
function events() {
  const t = new EventTarget();
  const seen = [];
  const f = (e) => seen.push(e.type + ":" + (e.target === t));
  t.addEventListener("x", f);
  t.addEventListener("x", f);
  t.addEventListener("y", () => seen.push("once"), { once: true });
  t.dispatchEvent(new Event("x"));
  t.dispatchEvent(new Event("y"));
  t.dispatchEvent(new Event("y"));
  t.removeEventListener("x", f);
  t.dispatchEvent(new Event("x"));
  const c = new AbortController();
  c.signal.onabort = () => seen.push("onabort");
  c.abort();
  return [seen, c.signal.aborted, c.signal.reason.name, c.signal instanceof EventTarget];
}
async function response() {
  const r = Response.json({ a: 1 }, { status: 201 });
  const c = r.clone();
  return [r.status, r.ok, r.headers.get("content-type"), await r.json(), await c.text(), await new Response("x").text(), new Response(null, { status: 500 }).ok];
}
`, "url", "params", "headers", "text", "base64", "random", "digest", "clone", "events", "response")
	checks := []struct{ fn, want string }{
		{"url", `["https://User:pw@example.com/b/c?x=1&y=a+b#frag","https:","example.com","example.com","","/b/c","?x=1&y=a+b","#frag","https://example.com","User","a b","?x=1&y=a+b&z=%C3%A9+%26","https://User:pw@example.com/p?x=1&y=a+b&z=%C3%A9+%26","http://h:8080/",false,true,"Invalid URL: 'no scheme'"]`},
		{"params", `["a=1&a=3&b=B&d=%3D",["1","3"],false,4,[["k","v"]],"q=1"]`},
		{"headers", `["text/plain","1, 2",true,null,["content-type:text/plain","set-cookie:a=1","set-cookie:b=2","x-a:1, 2"],["a=1","b=2"],true,4]`},
		{"text", `[[104,195,169,226,130,172,240,159,152,128],"hé€😀","é","�A",true,"hé€😀"]`},
		{"base64", `["aGVsbG8=","","YWI=","hello","ab",true,"InvalidCharacterError","InvalidCharacterError"]`},
		{"random", `[100,true,true,true,true]`},
		{"digest", `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"clone", `[true,true,true,2,true,true,2,"DataCloneError"]`},
		{"events", `[["x:true","once","onabort"],true,"AbortError",true]`},
		{"response", `[201,true,"application/json",{"a":1},"{\"a\":1}","x",false]`},
	}
	for _, c := range checks {
		if got := mustCall(t, m, c.fn); got != c.want {
			t.Errorf("%s =\n  %s\nwant\n  %s", c.fn, got, c.want)
		}
	}
}
