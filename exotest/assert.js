// Comparison semantics of Exograph's exotest assert.js, kept as JavaScript so
// that expectations (which may hold functions, async functions and values
// computed from $) behave exactly as in the original. Loaded once per runtime.
class ExographError extends Error {
  constructor(message) {
    super(message);
    this.name = "ExographError";
  }
}

const __exo = (function () {
  function fmt(v) {
    if (typeof v === "string") return v;
    if (typeof v === "function") return "<function>";
    if (v === undefined) return "undefined";
    try {
      const s = JSON.stringify(v);
      return s === undefined ? String(v) : s;
    } catch (e) {
      return String(v);
    }
  }

  function pretty(v) {
    try {
      const s = JSON.stringify(v, (k, x) => (typeof x === "function" ? "<function>" : x), 2);
      return s === undefined ? String(v) : s;
    } catch (e) {
      return String(v);
    }
  }

  class Failure extends Error {}

  function fail(path, msg) {
    throw new Failure("assertion failed at '" + path + "': " + msg);
  }

  function join(path, key) {
    return path === "" ? key : path + "." + key;
  }

  function errorMessage(e) {
    if (e && typeof e === "object" && e.message !== undefined) return String(e.message);
    return String(e);
  }

  // sel is the selection path used for @unordered (array elements add
  // nothing, as in Exograph); disp is the same path with [i] indices, for
  // messages.
  async function eq(expected, actual, sel, disp, unordered) {
    switch (typeof expected) {
      case "object": {
        if (expected === null) {
          // Exograph quirk: typeof null === "object", so an expected null
          // only fails when the actual value has enumerable keys; it
          // accepts null, numbers, booleans, "", {} and [].
          for (const k in actual) fail(disp, "expected null, got " + fmt(actual));
          return;
        }
        if (Array.isArray(expected)) {
          if (!Array.isArray(actual)) fail(disp, "expected " + fmt(expected) + ", got " + fmt(actual));
          if (expected.length !== actual.length) {
            fail(disp, "expected an array of length " + expected.length + ", got length " + actual.length + ": " + fmt(actual));
          }
          if (unordered.has(sel)) {
            const remaining = actual.slice();
            for (let i = 0; i < expected.length; i++) {
              let found = -1;
              for (let j = 0; j < remaining.length; j++) {
                try {
                  await eq(expected[i], remaining[j], sel, disp + "[" + i + "]", unordered);
                  found = j;
                  break;
                } catch (e) {
                  // not this one
                }
              }
              if (found < 0) {
                fail(disp, "no element of the unordered array matches expected element " + fmt(expected[i]) + "; unmatched actual elements: " + fmt(remaining));
              }
              remaining.splice(found, 1);
            }
          } else {
            for (let i = 0; i < expected.length; i++) {
              await eq(expected[i], actual[i], sel, disp + "[" + i + "]", unordered);
            }
          }
          return;
        }
        if (actual === null || actual === undefined) {
          for (const k in expected) fail(disp, "expected " + fmt(expected) + ", got " + fmt(actual));
          return;
        }
        for (const k in expected) {
          await eq(expected[k], actual[k], join(sel, k), join(disp, k), unordered);
        }
        for (const k in actual) {
          if (expected[k] === undefined) fail(disp, "unexpected key " + k + " in actual response");
        }
        return;
      }
      case "function": {
        let r;
        try {
          r = await expected(actual);
        } catch (e) {
          if (e instanceof Failure) throw e;
          fail(disp, "assertion function threw: " + errorMessage(e));
        }
        if (r === undefined) {
          fail(disp, "assertion function returned undefined (it must return a value; only false fails)");
        }
        if (r === false) fail(disp, "assertion function returned false for " + fmt(actual));
        return;
      }
      default:
        if (expected !== actual) fail(disp, "expected " + fmt(expected) + ", got " + fmt(actual));
    }
  }

  // check compares and returns null, or {message, expected, actual} with
  // pretty dumps. Errors other than assertion failures are thrown.
  async function check(expected, actual, unorderedList) {
    try {
      await eq(expected, actual, "", "", new Set(unorderedList || []));
    } catch (e) {
      if (e instanceof Failure) return { message: e.message, expected: pretty(expected), actual: pretty(actual) };
      throw e;
    }
    return null;
  }

  // rpcPrepare fills missing jsonrpc/id in the expected response(s) from the
  // request and orders a batch response by the ids of the request.
  function rpcPrepare(expected, actual, request) {
    const fill = (e, req) => {
      if (e && typeof e === "object" && !Array.isArray(e) && req && typeof req === "object") {
        if (!("jsonrpc" in e)) e.jsonrpc = "2.0";
        if (!("id" in e)) e.id = req.id;
      }
    };
    if (Array.isArray(request)) {
      if (Array.isArray(expected)) expected.forEach((e, i) => fill(e, request[i]));
      if (Array.isArray(actual)) {
        const order = new Map(request.map((r, i) => [JSON.stringify(r && r.id), i]));
        const pos = (x) => {
          const p = order.get(JSON.stringify(x && x.id));
          return p === undefined ? request.length : p;
        };
        actual = actual.slice().sort((a, b) => pos(a) - pos(b));
      }
    } else {
      fill(expected, request);
    }
    return [expected, actual];
  }

  return { check, rpcPrepare, fmt, pretty };
})();
