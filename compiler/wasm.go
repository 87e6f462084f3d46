package compiler

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/exo-dev/exo/compiler/check"
	"github.com/exo-dev/exo/diag"
	"github.com/exo-dev/exo/ir"
)

// Diagnostic codes of @wasm module files.
const (
	// CodeWasmMissing: the file named by @wasm cannot be read.
	CodeWasmMissing = "compile/wasm-missing"
	// CodeWasmInvalid: the file is not a usable WebAssembly module.
	CodeWasmInvalid = "compile/wasm-invalid"
	// CodeWasmExport: a declared operation has no matching export.
	CodeWasmExport = "compile/wasm-export"
)

// loadWasm reads the binary of each @wasm module of sys (mods are the
// checked modules, index for index) into Module.Wasm and checks it: a
// WebAssembly module without imports that exports a function for every
// declared query and mutation, with a signature the declared types map to.
func loadWasm(fsys fs.FS, mods []*check.Module, sys *ir.System) diag.List {
	var diags diag.List
	for i := range sys.Modules {
		m := &sys.Modules[i]
		if m.Kind != ir.ModuleWasm || i >= len(mods) || m.Path == "" {
			continue
		}
		cm := mods[i]
		data, err := fs.ReadFile(fsys, m.SourcePath)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				diags.Errorf(cm.PathSpan, CodeWasmMissing, "Module file %s not found", m.SourcePath)
			} else {
				diags.Errorf(cm.PathSpan, CodeWasmMissing, "Cannot read module file %s: %v", m.SourcePath, unwrapPathError(err))
			}
			continue
		}
		if len(data) < 4 || string(data[:4]) != "\x00asm" {
			diags.Errorf(cm.PathSpan, CodeWasmInvalid, "Module file %s is not a WebAssembly module (it does not start with \\0asm)", m.SourcePath)
			continue
		}
		info, err := parseWasm(data)
		if err != nil {
			diags.Errorf(cm.PathSpan, CodeWasmInvalid, "Module file %s is not a valid WebAssembly module: %v", m.SourcePath, err)
			continue
		}
		if len(info.imports) > 0 {
			diags.Errorf(cm.PathSpan, CodeWasmInvalid, "Module file %s imports %s: @wasm modules must not import anything (build for wasm32-unknown-unknown)", m.SourcePath, strings.Join(info.imports, ", "))
			continue
		}
		ok := true
		for _, g := range []struct {
			kind  string
			ops   []ir.Operation
			spans []diag.Span
		}{{"query", m.Queries, cm.QuerySpans}, {"mutation", m.Mutations, cm.MutationSpans}} {
			for oi := range g.ops {
				var span diag.Span
				if oi < len(g.spans) {
					span = g.spans[oi]
				}
				if msg := info.checkExport(g.kind, &g.ops[oi], m.SourcePath); msg != "" {
					diags.Errorf(span, CodeWasmExport, "%s", msg)
					ok = false
				}
			}
		}
		if ok {
			m.Wasm = data
		}
	}
	return diags
}

// Value types of the WebAssembly binary format.
const (
	wasmI32       = 0x7f
	wasmI64       = 0x7e
	wasmF32       = 0x7d
	wasmF64       = 0x7c
	wasmV128      = 0x7b
	wasmFuncref   = 0x70
	wasmExternref = 0x6f
)

func wasmTypeName(t byte) string {
	switch t {
	case wasmI32:
		return "i32"
	case wasmI64:
		return "i64"
	case wasmF32:
		return "f32"
	case wasmF64:
		return "f64"
	case wasmV128:
		return "v128"
	case wasmFuncref:
		return "funcref"
	case wasmExternref:
		return "externref"
	}
	return fmt.Sprintf("type 0x%02x", t)
}

type wasmFuncType struct{ params, results []byte }

func (t wasmFuncType) String() string {
	names := func(ts []byte) string {
		s := make([]string, len(ts))
		for i, x := range ts {
			s[i] = wasmTypeName(x)
		}
		return strings.Join(s, ", ")
	}
	return "(" + names(t.params) + ") -> (" + names(t.results) + ")"
}

// wasmInfo is what the compiler needs of a WebAssembly binary.
type wasmInfo struct {
	// funcs are the signatures of exported functions by name.
	funcs map[string]wasmFuncType
	// other are exports that are not functions (memories, globals, ...).
	other map[string]bool
	// imports are "module.name" of every import.
	imports []string
}

// checkExport returns why op cannot call the export of its name, or "".
func (w *wasmInfo) checkExport(kind string, op *ir.Operation, file string) string {
	ft, ok := w.funcs[op.Name]
	if !ok {
		if w.other[op.Name] {
			return fmt.Sprintf("The export %s of module file %s is not a function (%s %s calls it)", op.Name, file, kind, op.Name)
		}
		return fmt.Sprintf("Module file %s does not export a function named %s (%s %s calls it)", file, op.Name, kind, op.Name)
	}
	var args []ir.Arg
	for _, a := range op.Args {
		if !a.Injected {
			args = append(args, a)
		}
	}
	fits := len(ft.params) == len(args) && len(ft.results) == 1 && wasmFits(op.Return, ft.results[0])
	for i := 0; fits && i < len(args); i++ {
		fits = wasmFits(args[i].Type, ft.params[i])
	}
	if fits {
		return ""
	}
	sig := make([]string, len(args))
	for i, a := range args {
		sig[i] = a.Name + ": " + a.Type.Name
	}
	return fmt.Sprintf("The function %s of module file %s has type %s, which does not fit %s %s(%s): %s (Int maps to i32 or i64, Float to f32 or f64, Boolean to i32, and the function must return one value)",
		op.Name, file, ft, kind, op.Name, strings.Join(sig, ", "), op.Return.Name)
}

// wasmFits reports whether GraphQL type t maps to WebAssembly type w.
func wasmFits(t ir.TypeRef, w byte) bool {
	if t.Kind != ir.KindScalar {
		return false
	}
	switch t.Scalar {
	case ir.Int:
		return w == wasmI32 || w == wasmI64
	case ir.Float:
		return w == wasmF32 || w == wasmF64
	case ir.Boolean:
		return w == wasmI32
	}
	return false
}

// wasmReader decodes the primitives of the WebAssembly binary format.
type wasmReader struct {
	b   []byte
	off int
	err error
}

var errWasmEOF = errors.New("unexpected end of data")

func (r *wasmReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *wasmReader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail(errWasmEOF)
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// u32 reads an unsigned LEB128 number of at most 32 bits.
func (r *wasmReader) u32() uint32 {
	return uint32(r.uleb(32))
}

// uleb reads an unsigned LEB128 number of at most bits bits.
func (r *wasmReader) uleb(bits int) uint64 {
	var v uint64
	for shift := 0; shift < bits+7; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift == 63 && c > 1 {
			break
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if bits < 64 && v >= 1<<bits {
				r.fail(errors.New("integer too large"))
				return 0
			}
			return v
		}
	}
	r.fail(errors.New("integer representation too long"))
	return 0
}

func (r *wasmReader) bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(r.b)-r.off) {
		r.fail(errWasmEOF)
		return nil
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b
}

func (r *wasmReader) name() string { return string(r.bytes(r.u32())) }

// count reads a vector length, bounded by the bytes left (every element
// takes at least one byte), so that a corrupt length cannot allocate much.
func (r *wasmReader) count() uint32 {
	n := r.u32()
	if r.err == nil && uint64(n) > uint64(len(r.b)-r.off) {
		r.fail(errWasmEOF)
		return 0
	}
	return n
}

// limits reads the limits of a table or memory: flags (bit 0: has a
// maximum, bit 1: shared, bit 2: 64-bit), minimum and maximum.
func (r *wasmReader) limits() {
	flags := r.byte()
	if flags&^0x7 != 0 {
		r.fail(fmt.Errorf("unsupported limits flags 0x%02x", flags))
		return
	}
	bits := 32
	if flags&4 != 0 {
		bits = 64
	}
	r.uleb(bits)
	if flags&1 != 0 {
		r.uleb(bits)
	}
}

// parseWasm reads the type, import, function and export sections of a
// WebAssembly binary. It does not validate code: the server's runtime does
// that when it compiles the module at start.
func parseWasm(data []byte) (*wasmInfo, error) {
	if len(data) < 8 || string(data[:4]) != "\x00asm" {
		return nil, errors.New("bad magic number")
	}
	if v := binary.LittleEndian.Uint32(data[4:8]); v != 1 {
		return nil, fmt.Errorf("unsupported binary format version %d", v)
	}
	info := &wasmInfo{funcs: map[string]wasmFuncType{}, other: map[string]bool{}}
	var (
		types     []wasmFuncType
		funcTypes []uint32 // type index of every function, imported first
	)
	type export struct {
		name  string
		kind  byte
		index uint32
	}
	var exports []export
	r := &wasmReader{b: data, off: 8}
	for r.err == nil && r.off < len(data) {
		id := r.byte()
		size := r.u32()
		body := r.bytes(size)
		if r.err != nil {
			break
		}
		s := &wasmReader{b: body}
		switch id {
		case 1: // type
			for n := s.count(); n > 0 && s.err == nil; n-- {
				if form := s.byte(); form != 0x60 && s.err == nil {
					s.fail(fmt.Errorf("unsupported type form 0x%02x", form))
				}
				var ft wasmFuncType
				ft.params = append([]byte(nil), s.bytes(s.count())...)
				ft.results = append([]byte(nil), s.bytes(s.count())...)
				types = append(types, ft)
			}
		case 2: // import
			for n := s.count(); n > 0 && s.err == nil; n-- {
				mod, name := s.name(), s.name()
				info.imports = append(info.imports, mod+"."+name)
				switch kind := s.byte(); kind {
				case 0: // function
					funcTypes = append(funcTypes, s.u32())
				case 1: // table
					s.byte()
					s.limits()
				case 2: // memory
					s.limits()
				case 3: // global
					s.byte()
					s.byte()
				case 4: // tag
					s.byte()
					s.u32()
				default:
					s.fail(fmt.Errorf("unknown import kind 0x%02x", kind))
				}
			}
		case 3: // function
			for n := s.count(); n > 0 && s.err == nil; n-- {
				funcTypes = append(funcTypes, s.u32())
			}
		case 7: // export
			for n := s.count(); n > 0 && s.err == nil; n-- {
				e := export{name: s.name()}
				e.kind = s.byte()
				e.index = s.u32()
				exports = append(exports, e)
			}
		}
		if s.err != nil {
			return nil, fmt.Errorf("section %d: %w", id, s.err)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	seen := make(map[string]bool, len(exports))
	for _, e := range exports {
		if seen[e.name] {
			return nil, fmt.Errorf("duplicate export name %q", e.name)
		}
		seen[e.name] = true
		if e.kind != 0 {
			info.other[e.name] = true
			continue
		}
		if int64(e.index) >= int64(len(funcTypes)) || int64(funcTypes[e.index]) >= int64(len(types)) {
			return nil, fmt.Errorf("export %s refers to a function that does not exist", e.name)
		}
		info.funcs[e.name] = types[funcTypes[e.index]]
	}
	return info, nil
}
