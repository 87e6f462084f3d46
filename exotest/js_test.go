package exotest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func newTestJS(t *testing.T) *jsEnv {
	t.Helper()
	e, err := newJSEnv(2 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// expectPass asserts that actual (JSON) matches the expected expression.
func expectPass(t *testing.T, expected, actual string, unordered ...string) {
	t.Helper()
	if err := newTestJS(t).Assert(context.Background(), nil, expected, map[string]any{}, actual, unordered, nil); err != nil {
		t.Fatalf("expected pass, got: %v", err)
	}
}

// expectFail asserts that the comparison fails with an *AssertionError whose
// message contains want.
func expectFail(t *testing.T, expected, actual, want string, unordered ...string) *AssertionError {
	t.Helper()
	err := newTestJS(t).Assert(context.Background(), nil, expected, map[string]any{}, actual, unordered, nil)
	var ae *AssertionError
	if !errors.As(err, &ae) {
		t.Fatalf("expected an assertion failure containing %q, got %v", want, err)
	}
	if !strings.Contains(ae.Message, want) {
		t.Fatalf("message = %q, want it to contain %q", ae.Message, want)
	}
	return ae
}

func TestAssertEqualPasses(t *testing.T) {
	expectPass(t, `{"data": {"a": 1, "b": [true, null], "c": "biz"}}`, `{"data": {"a": 1, "b": [true, null], "c": "biz"}}`)
	// unquoted keys, trailing commas, comments and arithmetic are JavaScript
	expectPass(t, "{\n data: { a: 1 + 1, // two\n },\n}", `{"data": {"a": 2}}`)
}

func TestAssertAlteredResponseFails(t *testing.T) {
	ae := expectFail(t, `{"data": {"a": 1, "c": "biz"}}`, `{"data": {"a": 1, "c": "qux"}}`, "assertion failed at 'data.c': expected biz, got qux")
	if !strings.Contains(ae.Expected, `"c": "biz"`) || !strings.Contains(ae.Got, `"c": "qux"`) {
		t.Errorf("dumps:\nExpected:\n%s\nGot:\n%s", ae.Expected, ae.Got)
	}
	full := ae.Error()
	if !strings.Contains(full, "\nExpected:\n") || !strings.Contains(full, "\nGot:\n") {
		t.Errorf("Error() lacks the dumps: %s", full)
	}
	expectFail(t, `{"data": {"a": 1}}`, `{"data": {"a": "1"}}`, "expected 1, got 1") // strict !==
	expectFail(t, `{"data": {"xs": [1, 2]}}`, `{"data": {"xs": [1, 3]}}`, "at 'data.xs[1]': expected 2, got 3")
	expectFail(t, `{"data": {"xs": [1, 2]}}`, `{"data": {"xs": [1]}}`, "expected an array of length 2, got length 1")
	expectFail(t, `{"data": {"xs": [1]}}`, `{"data": {"xs": 1}}`, "at 'data.xs'")
}

func TestAssertUnexpectedAndMissingKeys(t *testing.T) {
	expectFail(t, `{"data": {"a": 1}}`, `{"data": {"a": 1, "b": 2}}`, "unexpected key b in actual response")
	expectFail(t, `{"data": {"a": 1, "b": 2}}`, `{"data": {"a": 1}}`, "at 'data.b': expected 2, got undefined")
	expectFail(t, `{"data": {"a": 1}}`, `{"data": null}`, "at 'data'")
}

func TestAssertFunctions(t *testing.T) {
	expectPass(t, `{"data": {"id": () => true}}`, `{"data": {"id": 5}}`)
	expectPass(t, `{"data": {"id": (v) => v > 4}}`, `{"data": {"id": 5}}`)
	// only === false fails: other falsy values pass
	expectPass(t, `{"data": {"id": () => 0}}`, `{"data": {"id": 5}}`)
	expectPass(t, `{"data": {"id": () => null}}`, `{"data": {"id": 5}}`)
	expectFail(t, `{"data": {"id": (v) => v > 5}}`, `{"data": {"id": 5}}`, "at 'data.id': assertion function returned false for 5")
	expectFail(t, `{"data": {"id": (v) => { v > 5 }}}`, `{"data": {"id": 5}}`, "returned undefined")
	// async predicates: the job queue runs
	expectPass(t, `{"data": {"id": async (v) => { await null; return v === 5 }}}`, `{"data": {"id": 5}}`)
	expectFail(t, `{"data": {"id": async (v) => { await Promise.resolve(); return false }}}`, `{"data": {"id": 5}}`, "returned false")
	// throwing fails with the thrown message
	expectFail(t, `{"data": {"id": (v) => { throw new ExographError("bad id " + v) }}}`, `{"data": {"id": 5}}`, "bad id 5")
	// a top-level function sees the whole response
	expectPass(t, `(r) => r.data.id === 5`, `{"data": {"id": 5}}`)
}

func TestAssertUnordered(t *testing.T) {
	exp := `{"data": {"xs": [{"id": 1, "ys": [1, 2]}, {"id": 2, "ys": [3]}]}}`
	act := `{"data": {"xs": [{"id": 2, "ys": [3]}, {"id": 1, "ys": [2, 1]}]}}`
	expectPass(t, exp, act, "data.xs", "data.xs.ys")
	expectFail(t, exp, act, "at 'data.xs[0].id': expected 1, got 2")
	expectFail(t, exp, act, "no element of the unordered array matches expected element {\"id\":1,\"ys\":[1,2]}", "data.xs") // nested list still ordered
	// multiset: each actual element matches at most one expected element
	expectFail(t, `{"data": {"xs": [1, 1, 2]}}`, `{"data": {"xs": [1, 2, 2]}}`, "no element of the unordered array matches expected element 1", "data.xs")
	expectPass(t, `{"data": {"xs": [2, 1, 1]}}`, `{"data": {"xs": [1, 2, 1]}}`, "data.xs")
	// predicates take part in matching
	expectPass(t, `{"data": {"xs": [(x) => x > 5, 1]}}`, `{"data": {"xs": [1, 9]}}`, "data.xs")
}

func TestAssertNullQuirk(t *testing.T) {
	// typeof null === "object": an expected null accepts anything without
	// enumerable keys, as in Exograph.
	for _, actual := range []string{`null`, `5`, `0`, `true`, `false`, `""`, `{}`, `[]`} {
		expectPass(t, `{"data": {"v": null}}`, `{"data": {"v": `+actual+`}}`)
	}
	expectFail(t, `{"data": {"v": null}}`, `{"data": {"v": {"a": 1}}}`, "at 'data.v': expected null, got {\"a\":1}")
	expectFail(t, `{"data": {"v": null}}`, `{"data": {"v": "x"}}`, "expected null, got x")
	expectFail(t, `{"data": {"v": null}}`, `{"data": {"v": [1]}}`, "expected null")
	// and the reverse quirk: an empty expected object accepts null
	expectPass(t, `{"data": {"v": {}}}`, `{"data": {"v": null}}`)
	// a non-null scalar does not accept null
	expectFail(t, `{"data": {"v": 1}}`, `{"data": {"v": null}}`, "expected 1, got null")
}

func TestAssertBindingsAndPrelude(t *testing.T) {
	e := newTestJS(t)
	b := map[string]any{"ids": []any{10.0, 11.0}, "name": "abc"}
	prelude := "function rev(s) { return s.split('').reverse().join('') }\nconst K = 2;"
	exp := `{"data": {"id": $.ids[1] + 1, "name": rev($.name), "k": K, "check": (v) => v === $.name}}`
	if err := e.Assert(context.Background(), textPrelude(prelude), exp, b, `{"data": {"id": 12, "name": "cba", "k": 2, "check": "abc"}}`, nil, nil); err != nil {
		t.Fatal(err)
	}
	// the prelude can be evaluated again in the same runtime (const K)
	if err := e.Assert(context.Background(), textPrelude(prelude), exp, b, `{"data": {"id": 12, "name": "cba", "k": 2, "check": "x"}}`, nil, nil); err == nil {
		t.Fatal("expected a failure")
	}
}

func TestAssertErrors(t *testing.T) {
	e := newTestJS(t)
	ctx := context.Background()
	err := e.Assert(ctx, nil, `{"data": `, nil, `{}`, nil, nil)
	var ae *AssertionError
	if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "SyntaxError") {
		t.Errorf("syntax error: got %v", err)
	}
	err = e.Assert(ctx, nil, `{"data": $.nope.x}`, nil, `{}`, nil, nil)
	if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "TypeError") {
		t.Errorf("type error: got %v", err)
	}
	err = e.Assert(ctx, nil, `{"data": () => new Promise(() => {})}`, nil, `{"data": 1}`, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "did not settle") {
		t.Errorf("pending promise: got %v", err)
	}
	short, _ := newJSEnv(50 * time.Millisecond)
	err = short.Assert(ctx, nil, `{"data": () => { for (;;) {} }}`, nil, `{"data": 1}`, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("infinite loop: got %v", err)
	}
	// the runtime is usable after an interrupt
	if err := short.Assert(ctx, nil, `{"a": 1}`, nil, `{"a": 1}`, nil, nil); err != nil {
		t.Errorf("after interrupt: %v", err)
	}
}

func TestEvalJSON(t *testing.T) {
	e := newTestJS(t)
	ctx := context.Background()
	b := map[string]any{"u1Id": 7.0, "challenge": "abc"}
	v, err := e.EvalJSON(ctx, nil, "{\n  \"id\": $.u1Id, f: () => 1, // dropped\n  r: $.challenge.split(\"\").reverse().join(\"\"), n: null,\n}", b)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["id"].(interface{ String() string }).String() != "7" || m["r"] != "cba" || m["n"] != nil {
		t.Errorf("EvalJSON = %#v", v)
	}
	if _, ok := m["f"]; ok {
		t.Error("functions must be dropped by JSON normalisation")
	}
	if _, err := e.EvalJSON(ctx, nil, "undefined", nil); err == nil {
		t.Error("undefined must be an error")
	}
}

func TestConsoleCaptured(t *testing.T) {
	e := newTestJS(t)
	if err := e.Assert(context.Background(), nil, `{"a": (v) => { console.log("seen", v, [1]); return true }}`, nil, `{"a": 2}`, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.Console(); got != "seen 2 [1]\n" {
		t.Errorf("console = %q", got)
	}
}

func TestCompareInvariants(t *testing.T) {
	e := newTestJS(t)
	ctx := context.Background()
	before := `{"data": {"xs": [{"id": 1}, {"id": 2}]}}`
	if err := e.Compare(ctx, before, `{"data": {"xs": [{"id": 2}, {"id": 1}]}}`, []string{"data.xs"}); err != nil {
		t.Errorf("reordered with @unordered: %v", err)
	}
	if err := e.Compare(ctx, before, `{"data": {"xs": [{"id": 1}, {"id": 2}, {"id": 3}]}}`, []string{"data.xs"}); err == nil {
		t.Error("a new row must break the invariant")
	}
}

func TestRPCPrepare(t *testing.T) {
	e := newTestJS(t)
	ctx := context.Background()
	req := &rpcRequest{payload: `{"jsonrpc": "2.0", "id": 7, "method": "m"}`}
	if err := e.Assert(ctx, nil, `{"result": 1}`, nil, `{"jsonrpc": "2.0", "id": 7, "result": 1}`, nil, req); err != nil {
		t.Errorf("single: %v", err)
	}
	batch := &rpcRequest{payload: `[{"jsonrpc": "2.0", "id": 1, "method": "a"}, {"jsonrpc": "2.0", "id": 2, "method": "b"}]`}
	if err := e.Assert(ctx, nil, `[{"result": "a"}, {"result": "b"}]`, nil, `[{"jsonrpc": "2.0", "id": 2, "result": "b"}, {"jsonrpc": "2.0", "id": 1, "result": "a"}]`, nil, batch); err != nil {
		t.Errorf("batch: %v", err)
	}
}

func TestBindingsJSONKeepsNumbers(t *testing.T) {
	v, err := decodeJSON([]byte(`{"big": 12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := bindingsJSON(v.(map[string]any))
	if !reflect.DeepEqual(s, `{"big":12345678901234567890}`) {
		t.Errorf("bindingsJSON = %s", s)
	}
}
