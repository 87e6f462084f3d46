package jsrt

// nodeJS implements the Node built-ins node:path (POSIX), node:os,
// node:url and a read-only node:fs. It is a function of (globalThis, host)
// returning require(name), which builds each module on first use; jsbundle's
// shims for these built-ins call it through the global NodeGlobal.
const nodeJS = `(function (g, host) {
  "use strict";
  const cache = Object.create(null);
  const makers = Object.create(null);

  // path: Node's POSIX implementation.
  makers.path = function () {
    function check(p, name) {
      if (typeof p !== "string") throw new TypeError("The \"" + (name || "path") + "\" argument must be of type string. Received " + (p === null ? "null" : typeof p));
    }
    function normalizeString(path, allowAboveRoot) {
      let res = "", lastSegmentLength = 0, lastSlash = -1, dots = 0, code = 0;
      for (let i = 0; i <= path.length; ++i) {
        if (i < path.length) code = path.charCodeAt(i);
        else if (code === 47) break;
        else code = 47;
        if (code === 47) {
          if (lastSlash === i - 1 || dots === 1) {
            // NOOP
          } else if (dots === 2) {
            if (res.length < 2 || lastSegmentLength !== 2 || res.charCodeAt(res.length - 1) !== 46 || res.charCodeAt(res.length - 2) !== 46) {
              if (res.length > 2) {
                const lastSlashIndex = res.lastIndexOf("/");
                if (lastSlashIndex === -1) { res = ""; lastSegmentLength = 0; }
                else { res = res.slice(0, lastSlashIndex); lastSegmentLength = res.length - 1 - res.lastIndexOf("/"); }
                lastSlash = i; dots = 0;
                continue;
              } else if (res.length !== 0) {
                res = ""; lastSegmentLength = 0; lastSlash = i; dots = 0;
                continue;
              }
            }
            if (allowAboveRoot) { res += res.length > 0 ? "/.." : ".."; lastSegmentLength = 2; }
          } else {
            if (res.length > 0) res += "/" + path.slice(lastSlash + 1, i);
            else res = path.slice(lastSlash + 1, i);
            lastSegmentLength = i - lastSlash - 1;
          }
          lastSlash = i; dots = 0;
        } else if (code === 46 && dots !== -1) {
          ++dots;
        } else {
          dots = -1;
        }
      }
      return res;
    }
    const path = {
      sep: "/",
      delimiter: ":",
      resolve(...args) {
        let resolved = "", abs = false;
        for (let i = args.length - 1; i >= -1 && !abs; i--) {
          const p = i >= 0 ? args[i] : g.process.cwd();
          check(p, "paths[" + i + "]");
          if (p.length === 0) continue;
          resolved = p + "/" + resolved;
          abs = p.charCodeAt(0) === 47;
        }
        resolved = normalizeString(resolved, !abs);
        if (abs) return "/" + resolved;
        return resolved.length > 0 ? resolved : ".";
      },
      normalize(p) {
        check(p);
        if (p.length === 0) return ".";
        const abs = p.charCodeAt(0) === 47;
        const trailing = p.charCodeAt(p.length - 1) === 47;
        p = normalizeString(p, !abs);
        if (p.length === 0) { if (abs) return "/"; return trailing ? "./" : "."; }
        if (trailing) p += "/";
        return abs ? "/" + p : p;
      },
      isAbsolute(p) { check(p); return p.length > 0 && p.charCodeAt(0) === 47; },
      join(...args) {
        if (args.length === 0) return ".";
        let joined;
        for (const a of args) {
          check(a);
          if (a.length > 0) joined = joined === undefined ? a : joined + "/" + a;
        }
        return joined === undefined ? "." : path.normalize(joined);
      },
      relative(from, to) {
        check(from, "from"); check(to, "to");
        if (from === to) return "";
        from = path.resolve(from); to = path.resolve(to);
        if (from === to) return "";
        const f = from === "/" ? [] : from.slice(1).split("/");
        const t = to === "/" ? [] : to.slice(1).split("/");
        let i = 0;
        while (i < f.length && i < t.length && f[i] === t[i]) i++;
        const up = f.slice(i).map(() => "..");
        return up.concat(t.slice(i)).join("/");
      },
      toNamespacedPath(p) { return p; },
      dirname(p) {
        check(p);
        if (p.length === 0) return ".";
        const hasRoot = p.charCodeAt(0) === 47;
        let end = -1, matchedSlash = true;
        for (let i = p.length - 1; i >= 1; --i) {
          if (p.charCodeAt(i) === 47) { if (!matchedSlash) { end = i; break; } }
          else matchedSlash = false;
        }
        if (end === -1) return hasRoot ? "/" : ".";
        if (hasRoot && end === 1) return "//";
        return p.slice(0, end);
      },
      basename(p, suffix) {
        check(p);
        if (suffix !== undefined) check(suffix, "suffix");
        let end = p.length;
        while (end > 0 && p.charCodeAt(end - 1) === 47) end--;
        if (end === 0) return "";
        const start = p.lastIndexOf("/", end - 1) + 1;
        let base = p.slice(start, end);
        if (suffix !== undefined && suffix.length > 0 && suffix !== base && base.endsWith(suffix)) base = base.slice(0, base.length - suffix.length);
        return base;
      },
      extname(p) {
        check(p);
        const base = path.basename(p);
        const dot = base.lastIndexOf(".");
        if (dot <= 0 || dot === base.length) return base === ".." || dot <= 0 ? "" : base.slice(dot);
        return base.slice(dot);
      },
      parse(p) {
        check(p);
        const ret = { root: "", dir: "", base: "", ext: "", name: "" };
        if (p.length === 0) return ret;
        if (p.charCodeAt(0) === 47) ret.root = "/";
        let end = p.length;
        while (end > 1 && p.charCodeAt(end - 1) === 47) end--;
        const trimmed = p.slice(0, end);
        ret.base = path.basename(trimmed);
        ret.ext = path.extname(ret.base);
        ret.name = ret.ext ? ret.base.slice(0, ret.base.length - ret.ext.length) : ret.base;
        const slash = trimmed.lastIndexOf("/");
        if (slash > 0) ret.dir = trimmed.slice(0, slash);
        else if (slash === 0) ret.dir = "/";
        return ret;
      },
      format(o) {
        if (o === null || typeof o !== "object") throw new TypeError("The \"pathObject\" argument must be of type object");
        const dir = o.dir || o.root;
        const base = o.base || ((o.name || "") + (o.ext ? (o.ext[0] === "." ? "" : ".") + o.ext : ""));
        if (!dir) return base;
        return dir === o.root ? dir + base : dir + "/" + base;
      },
    };
    path.posix = path;
    return path;
  };

  makers.os = function () {
    const env = () => (g.process && g.process.env) || {};
    return {
      EOL: "\n",
      devNull: "/dev/null",
      constants: { signals: {}, errno: {} },
      homedir() { return env().HOME || "/"; },
      tmpdir() { let t = env().TMPDIR || env().TMP || env().TEMP || "/tmp"; if (t.length > 1 && t.endsWith("/")) t = t.slice(0, -1); return t; },
      platform() { return "linux"; },
      type() { return "Linux"; },
      arch() { return host.arch; },
      machine() { return host.machine; },
      endianness() { return "LE"; },
      hostname() { return "localhost"; },
      release() { return ""; },
      version() { return ""; },
      uptime() { return 0; },
      loadavg() { return [0, 0, 0]; },
      totalmem() { return 0; },
      freemem() { return 0; },
      availableParallelism() { return 1; },
      cpus() { return []; },
      networkInterfaces() { return {}; },
      userInfo() { return { uid: -1, gid: -1, username: env().USER || "", homedir: env().HOME || "/", shell: null }; },
    };
  };

  makers.url = function () {
    const path = req("path");
    function fileURLToPath(u) {
      if (typeof u === "string") u = new g.URL(u);
      else if (!(u instanceof g.URL)) throw new TypeError("The \"path\" argument must be of type string or an instance of URL");
      if (u.protocol !== "file:") { const e = new TypeError("The URL must be of scheme file"); e.code = "ERR_INVALID_URL_SCHEME"; throw e; }
      if (u.hostname !== "") { const e = new TypeError("File URL host must be \"localhost\" or empty on linux"); e.code = "ERR_INVALID_FILE_URL_HOST"; throw e; }
      if (/%2f/i.test(u.pathname)) { const e = new TypeError("File URL path must not include encoded / characters"); e.code = "ERR_INVALID_FILE_URL_PATH"; throw e; }
      return decodeURIComponent(u.pathname);
    }
    function pathToFileURL(p) {
      let r = path.resolve(p);
      if (p.endsWith("/") && !r.endsWith("/")) r += "/";
      const enc = r.replace(/%/g, "%25").replace(/\\/g, "%5C").replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/\t/g, "%09").replace(/#/g, "%23").replace(/\?/g, "%3F");
      return new g.URL("file://" + enc);
    }
    return { URL: g.URL, URLSearchParams: g.URLSearchParams, fileURLToPath, pathToFileURL,
      format(u) { return String(u); }, parse(s) { return new g.URL(s); } };
  };

  // fs: read-only, confined by the host to the project directory; any
  // other path does not exist.
  makers.fs = function () {
    const path = req("path");
    function toPath(p) {
      if (p instanceof g.URL) p = req("url").fileURLToPath(p);
      if (typeof p !== "string") throw new TypeError("The \"path\" argument must be of type string or an instance of URL. Received " + (p === null ? "null" : typeof p));
      return path.resolve(p);
    }
    function fsError(code, syscall, p) {
      const msgs = { ENOENT: "no such file or directory", EISDIR: "illegal operation on a directory", ENOTDIR: "not a directory", EROFS: "read-only file system" };
      const errnos = { ENOENT: -2, EISDIR: -21, ENOTDIR: -20, EROFS: -30 };
      const e = new Error(code + ": " + msgs[code] + ", " + syscall + " '" + p + "'");
      e.errno = errnos[code]; e.code = code; e.syscall = syscall; e.path = p;
      return e;
    }
    class Stats {
      constructor(s) {
        this._t = s.type;
        this.size = s.size; this.mode = s.mode; this.mtimeMs = s.mtimeMs;
        this.atimeMs = s.mtimeMs; this.ctimeMs = s.mtimeMs; this.birthtimeMs = s.mtimeMs;
        this.mtime = new Date(s.mtimeMs); this.atime = this.mtime; this.ctime = this.mtime; this.birthtime = this.mtime;
        this.uid = 0; this.gid = 0; this.nlink = 1; this.dev = 0; this.ino = 0; this.rdev = 0; this.blksize = 4096; this.blocks = Math.ceil(s.size / 512);
      }
      isFile() { return this._t === "file"; }
      isDirectory() { return this._t === "dir"; }
      isSymbolicLink() { return false; }
      isBlockDevice() { return false; }
      isCharacterDevice() { return false; }
      isFIFO() { return false; }
      isSocket() { return false; }
    }
    function statSync(p, opts) {
      const abs = toPath(p);
      const s = host.stat(abs);
      if (s === null) {
        if (opts && opts.throwIfNoEntry === false) return undefined;
        throw fsError("ENOENT", "stat", abs);
      }
      return new Stats(s);
    }
    function decode(buf, enc) {
      const u8 = new Uint8Array(buf);
      if (enc === undefined || enc === null) return g.Buffer && g.Buffer.from ? g.Buffer.from(u8) : u8;
      enc = String(enc).toLowerCase();
      if (enc === "utf8" || enc === "utf-8") return new g.TextDecoder().decode(u8);
      if (enc === "latin1" || enc === "binary" || enc === "ascii") { let s = ""; for (let i = 0; i < u8.length; i++) s += String.fromCharCode(enc === "ascii" ? u8[i] & 0x7f : u8[i]); return s; }
      if (enc === "base64") { let s = ""; for (let i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i]); return g.btoa(s); }
      if (enc === "hex") { let s = ""; for (let i = 0; i < u8.length; i++) s += (u8[i] < 16 ? "0" : "") + u8[i].toString(16); return s; }
      throw new TypeError("Unknown encoding: " + enc);
    }
    function readFileSync(p, opts) {
      const abs = toPath(p);
      const r = host.readFile(abs);
      if (typeof r === "string") throw fsError(r, "open", abs);
      return decode(r, typeof opts === "string" ? opts : opts && opts.encoding);
    }
    function readdirSync(p, opts) {
      const abs = toPath(p);
      const r = host.readdir(abs);
      if (typeof r === "string") throw fsError(r, "scandir", abs);
      if (opts && opts.withFileTypes) {
        return r.map((e) => ({ name: e.name, parentPath: abs, path: abs,
          isFile() { return e.type === "file"; }, isDirectory() { return e.type === "dir"; }, isSymbolicLink() { return false; },
          isBlockDevice() { return false; }, isCharacterDevice() { return false; }, isFIFO() { return false; }, isSocket() { return false; } }));
      }
      return r.map((e) => e.name);
    }
    function accessSync(p, mode) {
      const abs = toPath(p);
      if (host.stat(abs) === null) throw fsError("ENOENT", "access", abs);
      if (mode & 2) throw fsError("EROFS", "access", abs);
    }
    function existsSync(p) {
      try { return host.stat(toPath(p)) !== null; } catch (e) { return false; }
    }
    function readOnly(syscall) {
      return function (p) { throw fsError("EROFS", syscall, typeof p === "string" ? p : String(p)); };
    }
    const asPromise = (fn) => function (...args) {
      try { return Promise.resolve(fn(...args)); } catch (e) { return Promise.reject(e); }
    };
    const withCallback = (fn) => function (...args) {
      const cb = args.pop();
      if (typeof cb !== "function") throw new TypeError("The \"cb\" argument must be of type function");
      let r, err = null;
      try { r = fn(...args); } catch (e) { err = e; }
      g.queueMicrotask(() => (err ? cb(err) : cb(null, r)));
    };
    const sync = { statSync, lstatSync: statSync, readFileSync, readdirSync, accessSync, existsSync,
      realpathSync: (p) => { statSync(p); return toPath(p); } };
    const writeOps = ["writeFile", "appendFile", "mkdir", "rm", "rmdir", "unlink", "rename", "copyFile", "symlink", "chmod", "utimes", "mkdtemp"];
    const promises = {
      stat: asPromise(statSync), lstat: asPromise(statSync), readFile: asPromise(readFileSync),
      readdir: asPromise(readdirSync), access: asPromise(accessSync), realpath: asPromise(sync.realpathSync),
    };
    const fs = Object.assign({}, sync, {
      stat: withCallback(statSync), lstat: withCallback(statSync), readFile: withCallback(readFileSync),
      readdir: withCallback(readdirSync), access: withCallback(accessSync), realpath: withCallback(sync.realpathSync),
      exists(p, cb) { const r = existsSync(p); g.queueMicrotask(() => cb(r)); },
      promises, Stats,
      constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 },
      F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
    });
    for (const op of writeOps) {
      const f = readOnly(op);
      fs[op + "Sync"] = f;
      fs[op] = withCallback(f);
      promises[op] = asPromise(f);
    }
    promises.constants = fs.constants;
    return fs;
  };
  makers["fs/promises"] = function () { return req("fs").promises; };
  makers["path/posix"] = function () { return req("path"); };

  function req(name) {
    if (name.startsWith("node:")) name = name.slice(5);
    let m = cache[name];
    if (m === undefined) {
      const make = makers[name];
      if (!make) throw new Error("Node built-in module " + name + " is not available");
      m = cache[name] = make();
    }
    return m;
  }
  return req;
})`
