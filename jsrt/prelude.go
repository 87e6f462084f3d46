package jsrt

// prelude runs in every VM before the module's bundle: the global
// ExographError class and small helpers the Go side calls.
const prelude = `(function (g) {
  "use strict";
  class ExographError extends Error {
    constructor(message) {
      super(message);
      this.name = "ExographError";
    }
  }
  Object.defineProperty(g, "ExographError", { value: ExographError, writable: true, configurable: true });
  g.queueMicrotask = function queueMicrotask(fn) { Promise.resolve().then(() => fn()); };
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const enc = encodeURIComponent;
  // Set-Cookie value, as Exograph's shim formats it.
  function cookie(c) {
    if (c === null || typeof c !== "object") throw new TypeError("setCookie expects an object");
    let s = enc(String(c.name)) + "=" + enc(String(c.value));
    if (c.expires !== undefined && c.expires !== null) {
      s += "; Expires=" + (c.expires instanceof Date ? c.expires.toUTCString() : new Date(c.expires).toUTCString());
    }
    if (c.maxAge !== undefined && c.maxAge !== null) s += "; Max-Age=" + c.maxAge;
    if (c.domain !== undefined && c.domain !== null) s += "; Domain=" + c.domain;
    if (c.path !== undefined && c.path !== null) s += "; Path=" + c.path;
    if (c.secure) s += "; Secure";
    if (c.httpOnly) s += "; HttpOnly";
    if (c.sameSite !== undefined && c.sameSite !== null) s += "; SameSite=" + c.sameSite;
    return s;
  }
  function out(v) {
    if (v === undefined) return "null";
    const s = stringify(v);
    return s === undefined ? "null" : s;
  }
  function show(v) {
    if (typeof v === "string") return v;
    if (v instanceof Error) return v.stack || String(v);
    if (typeof v === "function") return "[Function: " + (v.name || "anonymous") + "]";
    if (typeof v === "object" && v !== null) {
      try { const s = stringify(v); if (s !== undefined) return s; } catch (e) {}
    }
    return String(v);
  }
  return { ExographError, out, parse, cookie, show, stringify };
})(globalThis)`
