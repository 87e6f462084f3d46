package jsrt

import (
	"errors"
	"sync"

	"github.com/dop251/goja"
)

// streamsJS installs minimal WHATWG streams (ReadableStream with default
// readers, pipeTo and async iteration; WritableStream with default
// writers) and MessageChannel (messages delivered as tasks through
// setTimeout), enough for renderers such as react-dom/server's web build.
// Globals that already exist are left alone.
const streamsJS = `(function (g) {
  "use strict";
  const def = (name, value) => { if (g[name] === undefined) Object.defineProperty(g, name, { value, writable: true, configurable: true }); };

  class ReadableStreamDefaultReader {
    constructor(stream) {
      if (stream._reader) throw new TypeError("ReadableStream is locked");
      stream._reader = this;
      this._s = stream;
      this.closed = stream._closedPromise;
    }
    read() {
      const s = this._s;
      if (!s) return Promise.reject(new TypeError("Reader has been released"));
      if (s._queue.length > 0) {
        const value = s._queue.shift();
        if (s._closeRequested && s._queue.length === 0) s._finishClose();
        else s._callPull();
        return Promise.resolve({ value, done: false });
      }
      if (s._state === "closed") return Promise.resolve({ value: undefined, done: true });
      if (s._state === "errored") return Promise.reject(s._error);
      return new Promise((resolve, reject) => { s._reads.push({ resolve, reject }); s._callPull(); });
    }
    releaseLock() { if (this._s) { this._s._reader = null; this._s = null; } }
    cancel(reason) { return this._s ? this._s.cancel(reason, true) : Promise.resolve(); }
  }

  class ReadableStream {
    constructor(source = {}, strategy = {}) {
      this._source = source;
      this._queue = [];
      this._reads = [];
      this._state = "readable";
      this._reader = null;
      this._hwm = strategy && strategy.highWaterMark !== undefined ? Number(strategy.highWaterMark) : (source.type === "bytes" ? 0 : 1);
      this._started = false;
      this._pulling = false;
      this._pullAgain = false;
      this._closeRequested = false;
      this._closedPromise = new Promise((res, rej) => { this._resolveClosed = res; this._rejectClosed = rej; });
      this._closedPromise.catch(() => {});
      const s = this;
      this._controller = {
        get desiredSize() { return s._state === "errored" ? null : s._state === "closed" ? 0 : s._hwm - s._queue.length; },
        get byobRequest() { return null; },
        enqueue(chunk) {
          if (s._closeRequested || s._state !== "readable") throw new TypeError("Cannot enqueue into a closed stream");
          if (s._reads.length > 0) s._reads.shift().resolve({ value: chunk, done: false });
          else s._queue.push(chunk);
          s._callPull();
        },
        close() {
          if (s._closeRequested || s._state !== "readable") throw new TypeError("The stream is already closed");
          s._closeRequested = true;
          if (s._queue.length === 0) s._finishClose();
        },
        error(e) { s._fail(e); },
      };
      let r;
      try { r = source.start ? source.start(this._controller) : undefined; } catch (e) { this._fail(e); return; }
      Promise.resolve(r).then(() => { this._started = true; this._callPull(); }, (e) => this._fail(e));
    }
    get locked() { return this._reader !== null; }
    _finishClose() {
      if (this._state !== "readable") return;
      this._state = "closed";
      for (const r of this._reads.splice(0)) r.resolve({ value: undefined, done: true });
      this._resolveClosed();
    }
    _fail(e) {
      if (this._state !== "readable") return;
      this._state = "errored";
      this._error = e;
      this._queue = [];
      for (const r of this._reads.splice(0)) r.reject(e);
      this._rejectClosed(e);
    }
    _callPull() {
      if (!this._started || this._state !== "readable" || this._closeRequested || !this._source.pull) return;
      if (!(this._reads.length > 0 || this._hwm - this._queue.length > 0)) return;
      if (this._pulling) { this._pullAgain = true; return; }
      this._pulling = true;
      let r;
      try { r = this._source.pull(this._controller); } catch (e) { this._fail(e); return; }
      Promise.resolve(r).then(() => {
        this._pulling = false;
        if (this._pullAgain) { this._pullAgain = false; this._callPull(); }
      }, (e) => this._fail(e));
    }
    cancel(reason, fromReader) {
      if (this._reader && !fromReader) return Promise.reject(new TypeError("ReadableStream is locked"));
      if (this._state === "closed") return Promise.resolve();
      if (this._state === "errored") return Promise.reject(this._error);
      this._queue = [];
      this._finishClose();
      try { return Promise.resolve(this._source.cancel ? this._source.cancel(reason) : undefined).then(() => undefined); }
      catch (e) { return Promise.reject(e); }
    }
    getReader(opts) {
      if (opts && opts.mode === "byob") throw new TypeError("BYOB readers are not supported");
      return new ReadableStreamDefaultReader(this);
    }
    async pipeTo(dest, opts = {}) {
      const reader = this.getReader();
      const writer = dest.getWriter();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          await writer.write(value);
        }
        if (!opts.preventClose) await writer.close();
      } catch (e) {
        if (!opts.preventAbort) await writer.abort(e).catch(() => {});
        throw e;
      } finally {
        reader.releaseLock();
        writer.releaseLock();
      }
    }
    pipeThrough(t, opts) { this.pipeTo(t.writable, opts).catch(() => {}); return t.readable; }
    values() {
      const reader = this.getReader();
      return {
        next() {
          return reader.read().then((r) => { if (r.done) reader.releaseLock(); return r; });
        },
        return(value) { reader.releaseLock(); return Promise.resolve({ value, done: true }); },
        [Symbol.asyncIterator]() { return this; },
      };
    }
    [Symbol.asyncIterator]() { return this.values(); }
  }

  class WritableStreamDefaultWriter {
    constructor(stream) {
      if (stream._writer) throw new TypeError("WritableStream is locked");
      stream._writer = this;
      this._s = stream;
      this.closed = stream._closed;
      this.ready = Promise.resolve();
    }
    get desiredSize() { return 1; }
    write(chunk) { return this._s._enqueue((sink, c) => sink.write && sink.write(chunk, c)); }
    close() { const s = this._s; return s._enqueue((sink) => sink.close && sink.close()).then(() => s._done()); }
    abort(reason) { const s = this._s; return Promise.resolve(s._sink.abort && s._sink.abort(reason)).then(() => s._done(reason, true)); }
    releaseLock() { if (this._s) { this._s._writer = null; this._s = null; } }
  }

  class WritableStream {
    constructor(sink = {}) {
      this._sink = sink;
      this._writer = null;
      this._closed = new Promise((res, rej) => { this._resolve = res; this._reject = rej; });
      this._closed.catch(() => {});
      this._controller = { error: (e) => this._done(e, true), signal: undefined };
      let r;
      try { r = sink.start ? sink.start(this._controller) : undefined; } catch (e) { r = Promise.reject(e); }
      this._chain = Promise.resolve(r);
    }
    get locked() { return this._writer !== null; }
    _enqueue(op) {
      const p = this._chain.then(() => op(this._sink, this._controller));
      this._chain = p.catch(() => {});
      return p.then(() => undefined);
    }
    _done(err, failed) { if (failed) this._reject(err); else this._resolve(); }
    getWriter() { return new WritableStreamDefaultWriter(this); }
    close() { const w = this.getWriter(); return w.close().finally(() => w.releaseLock()); }
    abort(reason) { const w = this.getWriter(); return w.abort(reason).finally(() => w.releaseLock()); }
  }

  class MessagePort {
    constructor() { this.onmessage = null; this._other = null; this._listeners = []; this._closed = false; }
    postMessage(data) {
      const to = this._other;
      if (this._closed || !to) return;
      const msg = g.structuredClone ? g.structuredClone(data) : data;
      g.setTimeout(() => {
        if (to._closed) return;
        const ev = { type: "message", data: msg, target: to };
        if (typeof to.onmessage === "function") to.onmessage(ev);
        for (const l of to._listeners.slice()) l.call(to, ev);
      }, 0);
    }
    addEventListener(type, fn) { if (type === "message" && typeof fn === "function") this._listeners.push(fn); }
    removeEventListener(type, fn) { this._listeners = this._listeners.filter((l) => l !== fn); }
    start() {}
    close() { this._closed = true; }
  }
  class MessageChannel {
    constructor() {
      this.port1 = new MessagePort();
      this.port2 = new MessagePort();
      this.port1._other = this.port2;
      this.port2._other = this.port1;
    }
  }

  def("ReadableStream", ReadableStream);
  def("ReadableStreamDefaultReader", ReadableStreamDefaultReader);
  def("WritableStream", WritableStream);
  def("WritableStreamDefaultWriter", WritableStreamDefaultWriter);
  def("MessageChannel", MessageChannel);
  def("MessagePort", MessagePort);
})`

var (
	streamsOnce sync.Once
	streamsPrg  *goja.Program
	streamsErr  error
)

func (v *vmState) installStreams() error {
	streamsOnce.Do(func() {
		streamsPrg, streamsErr = goja.Compile("exo:streams", streamsJS, true)
	})
	if streamsErr != nil {
		return streamsErr
	}
	fnv, err := v.vm.RunProgram(streamsPrg)
	if err != nil {
		return err
	}
	install, ok := goja.AssertFunction(fnv)
	if !ok {
		return errors.New("streams prelude is not a function")
	}
	_, err = install(goja.Undefined(), v.vm.GlobalObject())
	return err
}
