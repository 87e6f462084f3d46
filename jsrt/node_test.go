package jsrt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNodePath(t *testing.T) {
	m := module(t, `
function run() {
  const p = globalThis.__exo_node("node:path");
  return [
    p.join("/a/b", "../c", "./d.txt"), p.resolve("/x", "y", "..", "z"), p.normalize("a//b/../c/"),
    p.dirname("/a/b/c.js"), p.dirname("/"), p.dirname("a"), p.basename("/a/b.test.js", ".js"),
    p.extname("x/.rc"), p.extname("a.b.c"), p.extname("a."), p.relative("/a/b/c", "/a/d"),
    p.parse("/home/u/f.txt"), p.isAbsolute("a"), p.format({ dir: "/d", name: "n", ext: ".e" }),
    p.resolve("rel").startsWith("/"), p.sep, p.posix === p,
  ];
}`, "run")
	got := mustCall(t, m, "run")
	want := `["/a/c/d.txt","/x/z","a/c/","/a/b","/",".","b.test","",".c",".","../../d",{"root":"/","dir":"/home/u","base":"f.txt","ext":".txt","name":"f"},false,"/d/n.e",true,"/",true]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNodeOSAndURL(t *testing.T) {
	m, err := NewModule("t.js", []byte(`var `+global+` = { run() {
  const os = globalThis.__exo_node("os"), url = globalThis.__exo_node("url");
  return [os.homedir(), os.tmpdir(), os.platform(), os.EOL, url.pathToFileURL("/a b/#c").href, url.fileURLToPath("file:///x/y%20z")];
} };`), nil, global, Options{Environ: func() []string { return []string{"HOME=/home/exo"} }})
	if err != nil {
		t.Fatal(err)
	}
	got := mustCall(t, m, "run")
	want := `["/home/exo","/tmp","linux","\n","file:///a%20b/%23c","/x/y z"]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestNodeFSConfined(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "project")
	if err := os.MkdirAll(filepath.Join(root, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(root, "sub", "a.txt"), []byte("héllo"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644))
	must(os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(root, "link.txt")))
	src := `var ` + global + ` = {
  sync(root) {
    const fs = globalThis.__exo_node("fs");
    const code = (f) => { try { f(); return "ok"; } catch (e) { return e.code; } };
    return [
      fs.readFileSync(root + "/sub/a.txt", "utf8"), fs.readFileSync(root + "/sub/../sub/a.txt").length,
      fs.existsSync(root + "/sub/a.txt"), fs.statSync(root + "/sub").isDirectory(), fs.statSync(root + "/sub/a.txt").size,
      fs.readdirSync(root + "/sub"), fs.existsSync(root + "/../secret.txt"), fs.existsSync("/etc/passwd"),
      code(() => fs.readFileSync(root + "/link.txt")), code(() => fs.readFileSync(root + "/sub")),
      code(() => fs.accessSync(root + "/nope")), code(() => fs.writeFileSync(root + "/x", "y")),
      fs.statSync(root + "/nope", { throwIfNoEntry: false }) === undefined,
    ];
  },
  async async(root) {
    const fs = globalThis.__exo_node("fs");
    const text = await fs.promises.readFile(root + "/sub/a.txt", { encoding: "utf8" });
    let err;
    try { await fs.promises.access(root + "/missing"); } catch (e) { err = e.code + " " + e.message; }
    const cb = await new Promise((res) => fs.readFile(root + "/sub/a.txt", "utf8", (e, d) => res(d)));
    return [text, err, cb, (await fs.promises.stat(root)).isDirectory()];
  },
};`
	m, err := NewModule("t.js", []byte(src), nil, global, Options{FSRoot: root})
	if err != nil {
		t.Fatal(err)
	}
	got := mustCall(t, m, "sync", root)
	want := `["héllo",6,true,true,6,["a.txt"],false,false,"ENOENT","EISDIR","ENOENT","EROFS",true]`
	if got != want {
		t.Errorf("sync: got  %s\nwant %s", got, want)
	}
	got = mustCall(t, m, "async", root)
	want = `["héllo","ENOENT ENOENT: no such file or directory, access '` + root + `/missing'","héllo",true]`
	if got != want {
		t.Errorf("async: got  %s\nwant %s", got, want)
	}
	// Without FSRoot nothing exists.
	m2, err := NewModule("t.js", []byte(src), nil, global, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Call(t.Context(), "sync", root); err == nil || !strings.Contains(err.Error(), "ENOENT") {
		t.Errorf("without FSRoot: got %v, want ENOENT", err)
	}
}
