// Package wasmtest assembles small WebAssembly binaries for tests of @wasm
// modules, so that no wasm toolchain (cargo, wat2wasm) is needed. It
// writes the binary format directly: type, import, function, memory,
// export and code sections.
package wasmtest

// Value types.
const (
	I32 byte = 0x7f
	I64 byte = 0x7e
	F32 byte = 0x7d
	F64 byte = 0x7c
)

// Opcodes used by the functions of the tests.
const (
	OpUnreachable byte = 0x00
	OpLoop        byte = 0x03
	OpBr          byte = 0x0c
	OpLocalGet    byte = 0x20
	OpI32Load     byte = 0x28 // followed by align and offset
	OpI32Store    byte = 0x36 // followed by align and offset
	OpI32Const    byte = 0x41
	OpI32Eqz      byte = 0x45
	OpI32Add      byte = 0x6a
	OpI32DivS     byte = 0x6d
	OpI64Add      byte = 0x7c
	OpF32Add      byte = 0x92
	OpF64Mul      byte = 0xa2
	OpF64Div      byte = 0xa3
	BlockEmpty    byte = 0x40
	OpEnd         byte = 0x0b
)

// Func is a function of the module, exported under Name (unless Name is
// empty).
type Func struct {
	Name            string
	Params, Results []byte
	// Code is the body's instructions, without the final end.
	Code []byte
}

// Import is an imported function.
type Import struct {
	Module, Name    string
	Params, Results []byte
}

// Module describes a binary.
type Module struct {
	Imports []Import
	Funcs   []Func
	// MemoryPages, when not 0, adds a memory of that many 64 KiB pages
	// (its minimum), exported as "memory" (as Rust's output has).
	MemoryPages uint32
}

// Bytes encodes the module.
func (m Module) Bytes() []byte {
	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}
	// One type per import and function, in that order.
	var types []byte
	ntypes := 0
	addType := func(params, results []byte) {
		types = append(types, 0x60)
		types = vec(types, len(params), params)
		types = vec(types, len(results), results)
		ntypes++
	}
	for _, im := range m.Imports {
		addType(im.Params, im.Results)
	}
	for _, f := range m.Funcs {
		addType(f.Params, f.Results)
	}
	out = section(out, 1, ntypes, types)
	if len(m.Imports) > 0 {
		var b []byte
		for i, im := range m.Imports {
			b = name(b, im.Module)
			b = name(b, im.Name)
			b = append(b, 0x00)
			b = uleb(b, uint64(i))
		}
		out = section(out, 2, len(m.Imports), b)
	}
	var funcs []byte
	for i := range m.Funcs {
		funcs = uleb(funcs, uint64(len(m.Imports)+i))
	}
	out = section(out, 3, len(m.Funcs), funcs)
	if m.MemoryPages > 0 {
		out = section(out, 5, 1, uleb([]byte{0x00}, uint64(m.MemoryPages)))
	}
	var exports []byte
	nexports := 0
	if m.MemoryPages > 0 {
		exports = name(exports, "memory")
		exports = append(exports, 0x02, 0x00)
		nexports++
	}
	for i, f := range m.Funcs {
		if f.Name == "" {
			continue
		}
		exports = name(exports, f.Name)
		exports = append(exports, 0x00)
		exports = uleb(exports, uint64(len(m.Imports)+i))
		nexports++
	}
	out = section(out, 7, nexports, exports)
	var code []byte
	for _, f := range m.Funcs {
		body := append([]byte{0x00}, f.Code...) // no locals
		body = append(body, OpEnd)
		code = uleb(code, uint64(len(body)))
		code = append(code, body...)
	}
	out = section(out, 10, len(m.Funcs), code)
	return out
}

// Add is what Exograph's wasm integration test builds from Rust: an
// exported memory of 17 pages (rustc's default for wasm32-unknown-unknown:
// 1 MiB of stack and the data) and `add(a: i32, b: i32) -> i32`.
func Add() []byte {
	return Module{MemoryPages: 17, Funcs: []Func{AddFunc()}}.Bytes()
}

// AddFunc is add(i32, i32) -> i32.
func AddFunc() Func {
	return Func{Name: "add", Params: []byte{I32, I32}, Results: []byte{I32},
		Code: []byte{OpLocalGet, 0, OpLocalGet, 1, OpI32Add}}
}

func section(out []byte, id byte, n int, content []byte) []byte {
	body := uleb(nil, uint64(n))
	body = append(body, content...)
	out = append(out, id)
	out = uleb(out, uint64(len(body)))
	return append(out, body...)
}

func vec(out []byte, n int, items []byte) []byte {
	out = uleb(out, uint64(n))
	return append(out, items...)
}

func name(out []byte, s string) []byte {
	out = uleb(out, uint64(len(s)))
	return append(out, s...)
}

func uleb(out []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		out = append(out, c)
		if v == 0 {
			return out
		}
	}
}
