package jsrt

import "testing"

func TestStreamsAndMessageChannel(t *testing.T) {
	m := module(t, `
async function run() {
  let n = 0;
  const rs = new ReadableStream({
    type: "bytes",
    pull(c) { n++; if (n <= 3) c.enqueue(new Uint8Array([n])); else c.close(); },
  }, { highWaterMark: 0 });
  const got = [];
  await rs.pipeTo(new WritableStream({ write(chunk) { got.push(chunk[0]); } }));
  const it = [];
  const iter = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } })[Symbol.asyncIterator]();
  for (let r = await iter.next(); !r.done; r = await iter.next()) it.push(r.value);
  const failing = new ReadableStream({ start(c) { c.error(new Error("boom")); } });
  let err;
  try { await failing.getReader().read(); } catch (e) { err = e.message; }
  const msg = await new Promise((res) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = (ev) => res(ev.data);
    ch.port2.postMessage({ x: 1 });
  });
  return [got, it, err, msg, rs.locked];
}`, "run")
	got := mustCall(t, m, "run")
	want := `[[1,2,3],["a","b"],"boom",{"x":1},false]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
