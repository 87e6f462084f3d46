package exotest

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// OpKind is the kind of a stage's operation.
type OpKind int

const (
	// GraphQL operations are POSTed to /graphql.
	GraphQL OpKind = iota
	// RPC operations are POSTed to /rpc (Exograph's JSON-RPC API).
	RPC
)

func (k OpKind) String() string {
	if k == RPC {
		return "rpc"
	}
	return "graphql"
}

// Operation is a stage's `operation`: a GraphQL document (a plain string or
// `{type: graphql, query: ...}`) or `{type: rpc, payload: ..., unorderedPaths: [...]}`.
type Operation struct {
	Kind OpKind
	// Query is the GraphQL document as written, still holding the @bind and
	// @unordered directives.
	Query string
	// Payload is the JavaScript source of the JSON-RPC request (or batch).
	Payload string
	// UnorderedPaths are dot paths ("result", "a.b") compared as multisets.
	UnorderedPaths []string
	// Line is the 1-based line of the operation value in the file.
	Line int
}

// Stage is one request of a test with its expectations. The string fields
// are JavaScript source evaluated at run time; "" means absent.
type Stage struct {
	Operation  Operation
	Variable   string
	Auth       string
	Headers    string
	Deno       string
	Response   string
	Invariants []string // paths relative to the file holding the stage
	Line       int
}

// File is a parsed .exotest file, init*.gql file or invariant file (they
// share the format).
type File struct {
	Path    string
	Stages  []*Stage
	Retries int
	Envs    map[string]string
}

// LoadError is a problem in a test file, with a 1-based position when known.
type LoadError struct {
	Path      string
	Line, Col int
	Msg       string
}

func (e *LoadError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// yamlPosRE matches the "[line:col] " prefix of go-yaml errors.
var yamlPosRE = regexp.MustCompile(`^\[(\d+):(\d+)\] `)

// maxRetries is Exograph's upper bound for `retries`.
const maxRetries = 5

var (
	stageKeys     = []string{"operation", "variable", "auth", "headers", "deno", "response", "invariants"}
	fileKeys      = []string{"stages", "retries", "envs"}
	operationKeys = []string{"type", "query", "payload", "unorderedPaths"}
)

// LoadFile reads and parses a test file.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{Path: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

// Parse parses the YAML of a test file. Unknown keys are errors, as in
// Exograph.
func Parse(path string, data []byte) (*File, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		msg := strings.TrimSpace(yaml.FormatError(err, false, true))
		le := &LoadError{Path: path, Msg: msg}
		if m := yamlPosRE.FindStringSubmatch(msg); m != nil {
			le.Line, _ = strconv.Atoi(m[1])
			le.Col, _ = strconv.Atoi(m[2])
			le.Msg = msg[len(m[0]):]
		}
		return nil, le
	}
	l := &loader{path: path}
	var body ast.Node
	if len(f.Docs) > 0 {
		body = f.Docs[0].Body
	}
	if len(f.Docs) > 1 {
		return nil, l.errf(f.Docs[1], "a test file holds a single YAML document")
	}
	if body == nil {
		return nil, &LoadError{Path: path, Msg: "empty test file"}
	}
	return l.file(body)
}

type loader struct {
	path string
}

func (l *loader) errf(n ast.Node, format string, args ...any) *LoadError {
	e := &LoadError{Path: l.path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		if tk := n.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
	}
	return e
}

func line(n ast.Node) int {
	if n != nil {
		if tk := n.GetToken(); tk != nil && tk.Position != nil {
			return tk.Position.Line
		}
	}
	return 0
}

// unwrap looks through tags and anchors.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.DocumentNode:
			n = v.Body
		default:
			return n
		}
	}
}

type entry struct {
	key   string
	keyN  ast.Node
	value ast.Node
}

// mapping returns the entries of a YAML mapping, rejecting duplicates and
// keys outside allowed.
func (l *loader) mapping(n ast.Node, what string, allowed ...[]string) ([]entry, error) {
	n = unwrap(n)
	mn, ok := n.(ast.MapNode)
	if !ok || n == nil {
		return nil, l.errf(n, "%s must be a mapping", what)
	}
	var out []entry
	seen := map[string]bool{}
	var unknown []string
	var firstUnknown ast.Node
	it := mn.MapRange()
	for it.Next() {
		kv := it.KeyValue()
		k := scalarKey(kv.Key)
		if seen[k] {
			return nil, l.errf(kv.Key, "duplicate field %q", k)
		}
		seen[k] = true
		if !inLists(k, allowed) {
			unknown = append(unknown, k)
			if firstUnknown == nil {
				firstUnknown = kv.Key
			}
			continue
		}
		out = append(out, entry{key: k, keyN: kv.Key, value: kv.Value})
	}
	if len(unknown) > 0 {
		var all []string
		for _, a := range allowed {
			all = append(all, a...)
		}
		return nil, l.errf(firstUnknown, "Unknown fields: %s (expected one of: %s)", strings.Join(unknown, ", "), strings.Join(all, ", "))
	}
	return out, nil
}

func inLists(k string, lists [][]string) bool {
	for _, l := range lists {
		for _, s := range l {
			if s == k {
				return true
			}
		}
	}
	return false
}

func scalarKey(k ast.MapKeyNode) string {
	switch v := unwrap(k).(type) {
	case *ast.StringNode:
		return v.Value
	case nil:
		return ""
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// str returns a scalar as a string; ok is false for null.
func (l *loader) str(n ast.Node, what string) (s string, ok bool, err error) {
	n = unwrap(n)
	if n == nil {
		return "", false, nil
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		return "", false, l.errf(n, "%s must be a string", what)
	case *ast.NullNode:
		return "", false, nil
	case *ast.AliasNode:
		return "", false, l.errf(n, "YAML aliases are not supported here")
	}
	var v any
	if err := yaml.NodeToValue(n, &v); err != nil {
		return "", false, l.errf(n, "%s: %v", what, err)
	}
	switch v := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	default:
		return fmt.Sprint(v), true, nil
	}
}

func (l *loader) file(body ast.Node) (*File, error) {
	entries, err := l.mapping(body, "a test file", stageKeys, fileKeys)
	if err != nil {
		return nil, err
	}
	f := &File{Path: l.path}
	var stageEntries []entry
	var stagesN ast.Node
	for _, e := range entries {
		switch e.key {
		case "stages":
			stagesN = e.value
		case "retries":
			s, ok, err := l.str(e.value, "retries")
			if err != nil {
				return nil, err
			}
			if ok {
				var n int
				if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s {
					return nil, l.errf(e.value, "retries must be an integer, got %q", s)
				}
				if n < 0 || n > maxRetries {
					return nil, l.errf(e.value, "retries must be between 0 and %d, got %d", maxRetries, n)
				}
				f.Retries = n
			}
		case "envs":
			envs, err := l.envs(e.value)
			if err != nil {
				return nil, err
			}
			f.Envs = envs
		default:
			stageEntries = append(stageEntries, e)
		}
	}
	if stagesN != nil {
		if len(stageEntries) > 0 {
			return nil, l.errf(stageEntries[0].keyN, "%q cannot be combined with \"stages\": put it inside a stage", stageEntries[0].key)
		}
		seq, ok := unwrap(stagesN).(*ast.SequenceNode)
		if !ok {
			return nil, l.errf(stagesN, "stages must be a list")
		}
		for _, sn := range seq.Values {
			st, err := l.stage(sn, line(sn))
			if err != nil {
				return nil, err
			}
			f.Stages = append(f.Stages, st)
		}
		if len(f.Stages) == 0 {
			return nil, l.errf(stagesN, "stages must not be empty")
		}
		return f, nil
	}
	st, err := l.stageFrom(stageEntries, body, line(body))
	if err != nil {
		return nil, err
	}
	f.Stages = []*Stage{st}
	return f, nil
}

func (l *loader) envs(n ast.Node) (map[string]string, error) {
	if _, ok := unwrap(n).(*ast.NullNode); ok {
		return nil, nil
	}
	n = unwrap(n)
	mn, ok := n.(ast.MapNode)
	if !ok {
		return nil, l.errf(n, "envs must be a mapping of names to strings")
	}
	out := map[string]string{}
	it := mn.MapRange()
	for it.Next() {
		kv := it.KeyValue()
		k := scalarKey(kv.Key)
		v, _, err := l.str(kv.Value, "envs."+k)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func (l *loader) stage(n ast.Node, ln int) (*Stage, error) {
	entries, err := l.mapping(n, "a stage", stageKeys)
	if err != nil {
		return nil, err
	}
	return l.stageFrom(entries, n, ln)
}

func (l *loader) stageFrom(entries []entry, n ast.Node, ln int) (*Stage, error) {
	st := &Stage{Line: ln}
	hasOp := false
	var variableN ast.Node
	for _, e := range entries {
		var dst *string
		switch e.key {
		case "operation":
			op, err := l.operation(e.value)
			if err != nil {
				return nil, err
			}
			st.Operation, hasOp = op, true
			continue
		case "invariants":
			inv, err := l.invariants(e.value)
			if err != nil {
				return nil, err
			}
			st.Invariants = inv
			continue
		case "variable":
			dst, variableN = &st.Variable, e.keyN
		case "auth":
			dst = &st.Auth
		case "headers":
			dst = &st.Headers
		case "deno":
			dst = &st.Deno
		case "response":
			dst = &st.Response
		}
		s, _, err := l.str(e.value, e.key)
		if err != nil {
			return nil, err
		}
		*dst = s
	}
	if !hasOp {
		return nil, l.errf(n, "missing field \"operation\"")
	}
	if st.Operation.Kind == RPC && strings.TrimSpace(st.Variable) != "" {
		return nil, l.errf(variableN, "\"variable\" is not allowed with an rpc operation (put the params in the payload)")
	}
	return st, nil
}

func (l *loader) operation(n ast.Node) (Operation, error) {
	n = unwrap(n)
	if _, isMap := n.(ast.MapNode); !isMap {
		s, ok, err := l.str(n, "operation")
		if err != nil {
			return Operation{}, err
		}
		if !ok || strings.TrimSpace(s) == "" {
			return Operation{}, l.errf(n, "operation must not be empty")
		}
		return Operation{Kind: GraphQL, Query: s, Line: line(n)}, nil
	}
	entries, err := l.mapping(n, "operation", operationKeys)
	if err != nil {
		return Operation{}, err
	}
	op := Operation{Line: line(n)}
	kind := ""
	var query, payload *string
	for _, e := range entries {
		switch e.key {
		case "type":
			s, _, err := l.str(e.value, "type")
			if err != nil {
				return Operation{}, err
			}
			switch s {
			case "graphql", "rpc":
				kind = s
			default:
				return Operation{}, l.errf(e.value, "unknown operation type %q (expected graphql or rpc)", s)
			}
		case "query", "payload":
			s, _, err := l.str(e.value, e.key)
			if err != nil {
				return Operation{}, err
			}
			if e.key == "query" {
				query = &s
			} else {
				payload = &s
			}
			op.Line = line(e.value)
		case "unorderedPaths":
			seq, ok := unwrap(e.value).(*ast.SequenceNode)
			if !ok {
				return Operation{}, l.errf(e.value, "unorderedPaths must be a list of dot paths")
			}
			for _, v := range seq.Values {
				s, ok, err := l.str(v, "unorderedPaths")
				if err != nil {
					return Operation{}, err
				}
				if ok {
					op.UnorderedPaths = append(op.UnorderedPaths, s)
				}
			}
		}
	}
	if kind == "" {
		if payload != nil && query == nil {
			kind = "rpc"
		} else {
			kind = "graphql"
		}
	}
	if kind == "rpc" {
		op.Kind = RPC
		if payload == nil || strings.TrimSpace(*payload) == "" {
			return Operation{}, l.errf(n, "an rpc operation needs a payload")
		}
		if query != nil {
			return Operation{}, l.errf(n, "an rpc operation takes a payload, not a query")
		}
		op.Payload = *payload
		return op, nil
	}
	if query == nil || strings.TrimSpace(*query) == "" {
		return Operation{}, l.errf(n, "a graphql operation needs a query")
	}
	if payload != nil {
		return Operation{}, l.errf(n, "a graphql operation takes a query, not a payload")
	}
	op.Query = *query
	return op, nil
}

func (l *loader) invariants(n ast.Node) ([]string, error) {
	n = unwrap(n)
	if _, ok := n.(*ast.NullNode); ok {
		return nil, nil
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		return nil, l.errf(n, "invariants must be a list of {path: file}")
	}
	var out []string
	for _, v := range seq.Values {
		entries, err := l.mapping(v, "an invariant", []string{"path"})
		if err != nil {
			return nil, err
		}
		if len(entries) == 0 {
			return nil, l.errf(v, "missing field \"path\"")
		}
		s, ok, err := l.str(entries[0].value, "path")
		if err != nil {
			return nil, err
		}
		if !ok || s == "" {
			return nil, l.errf(v, "invariant path must not be empty")
		}
		out = append(out, strings.TrimSpace(s))
	}
	return out, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
