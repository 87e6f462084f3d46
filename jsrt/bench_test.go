package jsrt

import (
	"context"
	"strings"
	"testing"
)

// benchScript is a module of realistic size: ~200 small functions.
func benchScript() string {
	var b strings.Builder
	b.WriteString("var " + global + " = (() => {\n")
	for i := 0; i < 200; i++ {
		b.WriteString("function f")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("_")
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString("(a, b) { const o = { a, b, s: `${a}-${b}` }; return JSON.stringify(o).length + a * b; }\n")
	}
	b.WriteString("function add(a, b) { return a + b; }\nasync function asyncAdd(a, b) { await null; return a + b; }\n")
	b.WriteString("async function query(ex) { const r = await ex.executeQuery('q'); return r.foos.length; }\n")
	b.WriteString("return { add, asyncAdd, query };\n})();\n")
	return b.String()
}

// BenchmarkNewVM measures a fresh VM running the compiled program (the cost
// of a pool miss).
func BenchmarkNewVM(b *testing.B) {
	m, err := NewModule("bench.js", []byte(benchScript()), nil, global, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.newVM(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCall(b *testing.B, fn string, args ...any) {
	m, err := NewModule("bench.js", []byte(benchScript()), nil, global, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := m.Call(ctx, fn, args...); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Call(ctx, fn, args...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallSync is a pooled call of a sync export with result encoding.
func BenchmarkCallSync(b *testing.B) { benchCall(b, "add", 1, 2) }

// BenchmarkCallAsync is a pooled call of an async export.
func BenchmarkCallAsync(b *testing.B) { benchCall(b, "asyncAdd", 1, 2) }

// BenchmarkCallExecuteQuery is an async export awaiting the Exograph shim.
func BenchmarkCallExecuteQuery(b *testing.B) {
	benchCall(b, "query", &Exograph{Host: &fakeHost{}})
}
