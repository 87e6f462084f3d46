package jsrt

// webPrelude installs the web platform APIs Deno modules commonly use:
// Headers, URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa,
// structuredClone, AbortController, Response, fetch and crypto. It is a
// function of (globalThis, host) where host holds the Go functions of
// web.go.
const webPrelude = `(function (g, host) {
  "use strict";
  const def = (name, value) => Object.defineProperty(g, name, { value, writable: true, configurable: true });
  const isIterable = (o) => o != null && typeof o[Symbol.iterator] === "function";

  class Headers {
    constructor(init) {
      this._h = new Map(); // lower-case name -> [name, values]
      if (init == null) return;
      if (init instanceof Headers) init = init.entries();
      if (isIterable(init)) {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError("Headers: each header must be a [name, value] pair");
          this.append(p[0], p[1]);
        }
      } else if (typeof init === "object") {
        for (const k of Object.keys(init)) this.append(k, init[k]);
      } else {
        throw new TypeError("Headers: invalid init");
      }
    }
    static _name(n) {
      n = String(n);
      if (!/^[!#$%&'*+.^_` + "`" + `|~0-9A-Za-z-]+$/.test(n)) throw new TypeError("Invalid header name: " + JSON.stringify(n));
      return n.toLowerCase();
    }
    append(n, v) {
      const k = Headers._name(n);
      v = String(v).trim();
      const e = this._h.get(k);
      if (e) e.push(v); else this._h.set(k, [v]);
    }
    set(n, v) { this._h.set(Headers._name(n), [String(v).trim()]); }
    get(n) {
      const e = this._h.get(Headers._name(n));
      if (!e) return null;
      return e.join(", ");
    }
    getSetCookie() { return (this._h.get("set-cookie") || []).slice(); }
    has(n) { return this._h.has(Headers._name(n)); }
    delete(n) { this._h.delete(Headers._name(n)); }
    *entries() {
      const keys = Array.from(this._h.keys()).sort();
      for (const k of keys) {
        if (k === "set-cookie") { for (const v of this._h.get(k)) yield [k, v]; }
        else yield [k, this._h.get(k).join(", ")];
      }
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    forEach(fn, thisArg) { for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
  }
  def("Headers", Headers);

  const formEncode = (s) => encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  const formDecode = (s) => { try { return decodeURIComponent(s.replace(/\+/g, " ")); } catch (e) { return s; } };

  class URLSearchParams {
    constructor(init) {
      this._l = [];
      this._url = null;
      if (init == null) return;
      if (init instanceof URLSearchParams) { this._l = init._l.map((p) => p.slice()); return; }
      if (typeof init === "object" && isIterable(init)) {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError("URLSearchParams: each pair must have two elements");
          this._l.push([String(p[0]), String(p[1])]);
        }
      } else if (typeof init === "object") {
        for (const k of Object.keys(init)) this._l.push([k, String(init[k])]);
      } else {
        this._parse(String(init));
      }
    }
    _parse(s) {
      this._l = [];
      if (s.startsWith("?")) s = s.slice(1);
      for (const part of s.split("&")) {
        if (part === "") continue;
        const i = part.indexOf("=");
        this._l.push(i < 0 ? [formDecode(part), ""] : [formDecode(part.slice(0, i)), formDecode(part.slice(i + 1))]);
      }
    }
    _update() { if (this._url) { const s = this.toString(); this._url._set("search", s === "" ? "" : "?" + s, true); } }
    get size() { return this._l.length; }
    append(k, v) { this._l.push([String(k), String(v)]); this._update(); }
    delete(k, v) { k = String(k); this._l = this._l.filter((p) => !(p[0] === k && (v === undefined || p[1] === String(v)))); this._update(); }
    get(k) { k = String(k); const p = this._l.find((p) => p[0] === k); return p ? p[1] : null; }
    getAll(k) { k = String(k); return this._l.filter((p) => p[0] === k).map((p) => p[1]); }
    has(k, v) { k = String(k); return this._l.some((p) => p[0] === k && (v === undefined || p[1] === String(v))); }
    set(k, v) {
      k = String(k); v = String(v);
      const i = this._l.findIndex((p) => p[0] === k);
      if (i < 0) this._l.push([k, v]);
      else { this._l[i][1] = v; this._l = this._l.filter((p, j) => j <= i || p[0] !== k); }
      this._update();
    }
    sort() { this._l = this._l.map((p, i) => [p, i]).sort((a, b) => (a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1])).map((x) => x[0]); this._update(); }
    forEach(fn, thisArg) { for (const [k, v] of this._l) fn.call(thisArg, v, k, this); }
    *entries() { for (const p of this._l) yield [p[0], p[1]]; }
    *keys() { for (const p of this._l) yield p[0]; }
    *values() { for (const p of this._l) yield p[1]; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return this._l.map((p) => formEncode(p[0]) + "=" + formEncode(p[1])).join("&"); }
    get [Symbol.toStringTag]() { return "URLSearchParams"; }
  }
  def("URLSearchParams", URLSearchParams);

  const urlParts = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash", "origin"];
  class URL {
    constructor(url, base) {
      const r = host.parseURL(String(url), base === undefined ? undefined : String(base));
      if (typeof r === "string") throw new TypeError(r);
      this._p = r;
      this._sp = null;
    }
    static canParse(url, base) { try { new URL(url, base); return true; } catch (e) { return false; } }
    static parse(url, base) { try { return new URL(url, base); } catch (e) { return null; } }
    _set(part, value, fromParams) {
      const r = host.setURL(this._p.href, part, String(value));
      if (typeof r === "string") return; // invalid values are ignored, as in browsers
      this._p = r;
      if (!fromParams && this._sp) this._sp._parse(this._p.search);
    }
    get searchParams() {
      if (!this._sp) { this._sp = new URLSearchParams(this._p.search); this._sp._url = this; }
      return this._sp;
    }
    toString() { return this._p.href; }
    toJSON() { return this._p.href; }
    get [Symbol.toStringTag]() { return "URL"; }
  }
  for (const part of urlParts) {
    Object.defineProperty(URL.prototype, part, {
      get() { return this._p[part]; },
      set: part === "origin" ? undefined : function (v) { this._set(part, v, false); },
      configurable: true,
    });
  }
  def("URL", URL);

  const toBytes = (v) => {
    if (v instanceof Uint8Array) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    throw new TypeError("expected an ArrayBuffer or a typed array");
  };

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(s) { return new Uint8Array(host.encodeUTF8(s === undefined ? "" : String(s))); }
    encodeInto(s, dest) {
      const b = this.encode(s);
      // Whole characters only.
      let n = Math.min(b.length, dest.length);
      while (n < b.length && n > 0 && (b[n] & 0xc0) === 0x80) n--;
      dest.set(b.subarray(0, n));
      return { read: host.decodeUTF8(b.buffer, 0, n, false).length, written: n };
    }
  }
  def("TextEncoder", TextEncoder);

  class TextDecoder {
    constructor(label, options) {
      const l = label === undefined ? "utf-8" : String(label).trim().toLowerCase();
      if (l !== "utf-8" && l !== "utf8" && l !== "unicode-1-1-utf-8") throw new RangeError("The encoding label provided ('" + label + "') is invalid.");
      this._fatal = !!(options && options.fatal);
      this._bom = !(options && options.ignoreBOM);
    }
    get encoding() { return "utf-8"; }
    get fatal() { return this._fatal; }
    get ignoreBOM() { return !this._bom; }
    decode(input) {
      if (input === undefined || input === null) return "";
      const b = toBytes(input);
      let s = host.decodeUTF8(b.buffer, b.byteOffset, b.byteLength, this._fatal);
      if (s === null) throw new TypeError("The encoded data is not valid.");
      if (this._bom && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      return s;
    }
  }
  def("TextDecoder", TextDecoder);

  const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  def("btoa", function btoa(s) {
    s = String(s);
    let out = "";
    for (let i = 0; i < s.length; i += 3) {
      const c = [s.charCodeAt(i), s.charCodeAt(i + 1), s.charCodeAt(i + 2)];
      for (const x of c) if (x > 255) throw new DOMException("Invalid character", "InvalidCharacterError");
      const n = (c[0] << 16) | ((c[1] || 0) << 8) | (c[2] || 0);
      out += b64[(n >> 18) & 63] + b64[(n >> 12) & 63] + (i + 1 < s.length ? b64[(n >> 6) & 63] : "=") + (i + 2 < s.length ? b64[n & 63] : "=");
    }
    return out;
  });
  def("atob", function atob(s) {
    s = String(s).replace(/[\t\n\f\r ]/g, "");
    if (s.length % 4 === 0) s = s.replace(/==?$/, "");
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw new DOMException("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
    let out = "", bits = 0, acc = 0;
    for (let i = 0; i < s.length; i++) {
      acc = (acc << 6) | b64.indexOf(s[i]);
      bits += 6;
      if (bits >= 8) { bits -= 8; out += String.fromCharCode((acc >> bits) & 255); }
    }
    return out;
  });

  class DOMException extends Error {
    constructor(message, name) { super(message); this.name = name === undefined ? "Error" : String(name); }
  }
  if (typeof g.DOMException === "undefined") def("DOMException", DOMException);

  def("structuredClone", function structuredClone(v) {
    const seen = new Map();
    const clone = (x) => {
      if (x === null || typeof x !== "object") {
        if (typeof x === "function" || typeof x === "symbol") throw new DOMException(String(x) + " could not be cloned.", "DataCloneError");
        return x;
      }
      if (seen.has(x)) return seen.get(x);
      let out;
      if (Array.isArray(x)) { out = []; seen.set(x, out); for (let i = 0; i < x.length; i++) out[i] = clone(x[i]); return out; }
      if (x instanceof Date) return new Date(x.getTime());
      if (x instanceof RegExp) return new RegExp(x.source, x.flags);
      if (x instanceof Map) { out = new Map(); seen.set(x, out); for (const [k, val] of x) out.set(clone(k), clone(val)); return out; }
      if (x instanceof Set) { out = new Set(); seen.set(x, out); for (const k of x) out.add(clone(k)); return out; }
      if (x instanceof ArrayBuffer) return x.slice(0);
      if (ArrayBuffer.isView(x)) return new x.constructor(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
      if (x instanceof Error) { out = new x.constructor(x.message); seen.set(x, out); return out; }
      if (x instanceof Boolean || x instanceof Number || x instanceof String) return Object(x.valueOf());
      out = {};
      seen.set(x, out);
      for (const k of Object.keys(x)) out[k] = clone(x[k]);
      return out;
    };
    return clone(v);
  });

  class Event {
    constructor(type, init) { this.type = String(type); this.defaultPrevented = false; this.cancelable = !!(init && init.cancelable); this.target = null; }
    preventDefault() { if (this.cancelable) this.defaultPrevented = true; }
  }
  class EventTarget {
    constructor() { Object.defineProperty(this, "_ls", { value: new Map() }); }
    addEventListener(type, fn, opts) {
      if (fn == null) return;
      const l = this._ls.get(type) || [];
      if (!l.some((e) => e.fn === fn)) l.push({ fn, once: !!(opts && typeof opts === "object" && opts.once) });
      this._ls.set(type, l);
    }
    removeEventListener(type, fn) { const l = this._ls.get(type); if (l) this._ls.set(type, l.filter((e) => e.fn !== fn)); }
    dispatchEvent(ev) {
      try { ev.target = this; } catch (e) {}
      const h = this["on" + ev.type];
      if (typeof h === "function") h.call(this, ev);
      for (const e of (this._ls.get(ev.type) || []).slice()) {
        if (e.once) this.removeEventListener(ev.type, e.fn);
        typeof e.fn === "function" ? e.fn.call(this, ev) : e.fn.handleEvent(ev);
      }
      return !ev.defaultPrevented;
    }
  }
  class AbortSignal extends EventTarget {
    constructor() { super(); this.aborted = false; this.reason = undefined; this.onabort = null; }
    static abort(reason) { const c = new AbortController(); c.abort(reason); return c.signal; }
    static timeout(ms) { const c = new AbortController(); setTimeout(() => c.abort(new DOMException("Signal timed out.", "TimeoutError")), ms); return c.signal; }
    throwIfAborted() { if (this.aborted) throw this.reason; }
    _abort(reason) {
      if (this.aborted) return;
      this.aborted = true;
      this.reason = reason === undefined ? new DOMException("The signal has been aborted", "AbortError") : reason;
      this.dispatchEvent(new Event("abort"));
    }
  }
  class AbortController {
    constructor() { this.signal = new AbortSignal(); }
    abort(reason) { this.signal._abort(reason); }
  }
  if (typeof g.Event === "undefined") def("Event", Event);
  if (typeof g.EventTarget === "undefined") def("EventTarget", EventTarget);
  def("AbortSignal", AbortSignal);
  def("AbortController", AbortController);

  // Bodies are held whole: a string or a Uint8Array.
  const bodyBytes = (b) => (typeof b === "string" ? new TextEncoder().encode(b) : b);
  const bodyInit = (body, headers) => {
    if (body === undefined || body === null) return null;
    if (typeof body === "string") {
      if (headers && !headers.has("content-type")) headers.set("content-type", "text/plain;charset=UTF-8");
      return body;
    }
    if (body instanceof URLSearchParams) {
      if (headers && !headers.has("content-type")) headers.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
      return body.toString();
    }
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return toBytes(body).slice();
    return String(body);
  };
  class Body {
    _take() {
      if (this.bodyUsed) return Promise.reject(new TypeError("Body already consumed"));
      this.bodyUsed = true;
      return Promise.resolve(this._body);
    }
    text() { return this._take().then((b) => (b === null ? "" : typeof b === "string" ? b : new TextDecoder().decode(b))); }
    json() { return this.text().then((s) => JSON.parse(s)); }
    arrayBuffer() { return this._take().then((b) => { const u = b === null ? new Uint8Array(0) : bodyBytes(b); return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength); }); }
    bytes() { return this.arrayBuffer().then((b) => new Uint8Array(b)); }
    get body() { return this._body === null ? null : { _exoBody: this._body }; }
  }
  class Response extends Body {
    constructor(body, init) {
      super();
      init = init || {};
      this.status = init.status === undefined ? 200 : init.status | 0;
      if (this.status < 200 || this.status > 599) throw new RangeError("The status provided (" + this.status + ") is outside the range [200, 599].");
      this.statusText = init.statusText === undefined ? "" : String(init.statusText);
      this.headers = new Headers(init.headers);
      this._body = body && body._exoBody !== undefined ? body._exoBody : bodyInit(body, this.headers);
      this.bodyUsed = false;
      this.url = "";
      this.redirected = false;
      this.type = "default";
    }
    get ok() { return this.status >= 200 && this.status < 300; }
    clone() {
      if (this.bodyUsed) throw new TypeError("Response body is already used");
      const r = new Response(null, this);
      r.status = this.status;
      r._body = this._body;
      r.url = this.url;
      r.redirected = this.redirected;
      return r;
    }
    static json(data, init) {
      init = Object.assign({}, init);
      const h = new Headers(init.headers);
      if (!h.has("content-type")) h.set("content-type", "application/json");
      init.headers = h;
      return new Response(JSON.stringify(data), init);
    }
    static error() { const r = new Response(null); r.status = 0; r.type = "error"; return r; }
    get [Symbol.toStringTag]() { return "Response"; }
  }
  def("Response", Response);

  class Request extends Body {
    constructor(input, init) {
      super();
      init = init || {};
      const from = input instanceof Request ? input : null;
      this.url = from ? from.url : new URL(String(input)).href;
      this.method = String(init.method || (from ? from.method : "GET")).toUpperCase();
      this.headers = new Headers(init.headers || (from ? from.headers : undefined));
      this.signal = init.signal || (from ? from.signal : new AbortController().signal);
      this.redirect = init.redirect || (from ? from.redirect : "follow");
      const body = init.body !== undefined ? init.body : from ? from._body : null;
      if (body !== null && body !== undefined && (this.method === "GET" || this.method === "HEAD")) throw new TypeError("Request with GET/HEAD method cannot have body.");
      this._body = from && init.body === undefined ? from._body : bodyInit(body, this.headers);
      this.bodyUsed = false;
    }
    clone() { return new Request(this); }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  def("Request", Request);

  def("fetch", function fetch(input, init) {
    let req;
    try { req = new Request(input, init); } catch (e) { return Promise.reject(e); }
    if (req.signal.aborted) return Promise.reject(req.signal.reason);
    const hs = [];
    for (const [k, v] of req.headers) hs.push(k, v);
    const body = req._body === null ? null : bodyBytes(req._body);
    return new Promise((resolve, reject) => {
      const id = host.fetch(req.method, req.url, hs, body === null ? null : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength), req.redirect,
        (err, r) => {
          if (err !== null) { reject(err === "abort" ? req.signal.reason : new TypeError(err)); return; }
          const res = new Response(null, { status: 200 });
          res.status = r.status;
          res.statusText = r.statusText;
          for (let i = 0; i < r.headers.length; i += 2) res.headers.append(r.headers[i], r.headers[i + 1]);
          res._body = new Uint8Array(r.body);
          res.url = r.url;
          res.redirected = r.redirected;
          res.type = "basic";
          resolve(res);
        });
      req.signal.addEventListener("abort", () => host.abort(id));
    });
  });

  const subtle = {
    digest(alg, data) {
      try {
        const name = typeof alg === "string" ? alg : alg && alg.name;
        const b = toBytes(data);
        return Promise.resolve(host.digest(String(name).toUpperCase(), b.buffer, b.byteOffset, b.byteLength));
      } catch (e) { return Promise.reject(e); }
    },
  };
  const crypto = {
    randomUUID() { return host.randomUUID(); },
    getRandomValues(a) {
      if (!ArrayBuffer.isView(a) || a instanceof Float32Array || a instanceof Float64Array || a instanceof DataView) throw new TypeError("getRandomValues expects an integer typed array");
      if (a.byteLength > 65536) throw new DOMException("The ArrayBufferView's byte length (" + a.byteLength + ") exceeds the number of bytes of entropy available via this API (65536)", "QuotaExceededError");
      host.randomFill(a.buffer, a.byteOffset, a.byteLength);
      return a;
    },
    subtle,
  };
  def("crypto", crypto);
})`
