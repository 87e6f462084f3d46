package jsrt

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/dop251/goja"
)

// NodeGlobal is the global function require(name) through which bundles
// reach the Node built-ins jsrt implements (node:path, node:os, node:url
// and a read-only node:fs; see nodeJS). jsbundle's shims call it.
const NodeGlobal = "__exo_node"

// MaxReadFile bounds the size of a file node:fs reads.
const MaxReadFile = 64 << 20

var (
	nodeOnce sync.Once
	nodePrg  *goja.Program
	nodeErr  error
)

// fsRoot is the directory node:fs may read, opened once per module.
type fsRoot struct {
	once sync.Once
	dir  string // absolute, cleaned
	root *os.Root
}

func (r *fsRoot) open(dir string) *os.Root {
	r.once.Do(func() {
		if dir == "" {
			return
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return
		}
		root, err := os.OpenRoot(abs)
		if err != nil {
			return
		}
		r.dir, r.root = filepath.ToSlash(abs), root
	})
	return r.root
}

// rel maps an absolute path (as node:path resolved it) into the root, or
// reports false when it lies outside.
func (r *fsRoot) rel(p string) (string, bool) {
	if r.root == nil || !strings.HasPrefix(p, "/") || strings.ContainsRune(p, 0) {
		return "", false
	}
	p = path.Clean(p)
	if p == r.dir {
		return ".", true
	}
	rest, ok := strings.CutPrefix(p, strings.TrimSuffix(r.dir, "/")+"/")
	if !ok {
		return "", false
	}
	return filepath.FromSlash(rest), true
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "file"
	case m.IsDir():
		return "dir"
	}
	return "other"
}

func (v *vmState) installNode() error {
	nodeOnce.Do(func() {
		nodePrg, nodeErr = goja.Compile("exo:node", nodeJS, true)
	})
	if nodeErr != nil {
		return nodeErr
	}
	vm := v.vm
	fnv, err := vm.RunProgram(nodePrg)
	if err != nil {
		return err
	}
	install, ok := goja.AssertFunction(fnv)
	if !ok {
		return errors.New("node prelude is not a function")
	}
	m := v.m
	root := func() *fsRoot { m.fsRoot.open(m.opts.FSRoot); return &m.fsRoot }
	host := vm.NewObject()
	arch := map[string]string{"amd64": "x64", "386": "ia32", "arm64": "arm64", "arm": "arm"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	machine := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	_ = host.Set("arch", arch)
	_ = host.Set("machine", machine)
	_ = host.Set("stat", func(p string) goja.Value {
		r := root()
		rel, ok := r.rel(p)
		if !ok {
			return goja.Null()
		}
		st, err := r.root.Stat(rel)
		if err != nil {
			return goja.Null()
		}
		o := vm.NewObject()
		_ = o.Set("type", fileType(st.Mode()))
		_ = o.Set("size", st.Size())
		_ = o.Set("mode", uint32(st.Mode().Perm()))
		_ = o.Set("mtimeMs", st.ModTime().UnixMilli())
		return o
	})
	// readFile returns an ArrayBuffer or an error code.
	_ = host.Set("readFile", func(p string) goja.Value {
		r := root()
		rel, ok := r.rel(p)
		if !ok {
			return vm.ToValue("ENOENT")
		}
		f, err := r.root.Open(rel)
		if err != nil {
			return vm.ToValue("ENOENT")
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return vm.ToValue("ENOENT")
		}
		if st.IsDir() {
			return vm.ToValue("EISDIR")
		}
		b, err := io.ReadAll(io.LimitReader(f, MaxReadFile+1))
		if err != nil || len(b) > MaxReadFile {
			return vm.ToValue("ENOENT")
		}
		return vm.ToValue(vm.NewArrayBuffer(b))
	})
	// readdir returns [{name, type}] or an error code.
	_ = host.Set("readdir", func(p string) goja.Value {
		r := root()
		rel, ok := r.rel(p)
		if !ok {
			return vm.ToValue("ENOENT")
		}
		f, err := r.root.Open(rel)
		if err != nil {
			return vm.ToValue("ENOENT")
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return vm.ToValue("ENOENT")
		}
		if !st.IsDir() {
			return vm.ToValue("ENOTDIR")
		}
		ents, err := f.ReadDir(-1)
		if err != nil {
			return vm.ToValue("ENOENT")
		}
		out := make([]any, 0, len(ents))
		for _, e := range ents {
			o := vm.NewObject()
			_ = o.Set("name", e.Name())
			_ = o.Set("type", fileType(e.Type()))
			out = append(out, o)
		}
		return vm.ToValue(out)
	})
	req, err := install(goja.Undefined(), vm.GlobalObject(), host)
	if err != nil {
		return err
	}
	return vm.GlobalObject().DefineDataProperty(NodeGlobal, req, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}
