// Package mcp serves Exograph's Model Context Protocol endpoint (streamable HTTP, JSON-RPC):
// initialize, ping, tools/list, tools/call, prompts/list and resources/list. The tools run
// GraphQL through the server's normal execution path, so the caller's JWT, headers and cookies
// and every access rule apply exactly as on /graphql.
//
// Tools: `execute_query` ({query, variables}; its description embeds the schema SDL) and, in
// separate mode (EXO_MCP_MODE=separate), `introspection` (returns the SDL). With profiles from
// exo.toml the tools are `execute_query-<profile>` / `introspection-<profile>`, each over a
// schema restricted to the profile's operations. By default (and in a profile without
// mutation settings) only queries are exposed.
package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/graphql"
)

// ExecFunc executes a GraphQL request against schema with the access context carried by ctx
// and returns the GraphQL response body.
type ExecFunc func(ctx context.Context, schema *ast.Schema, req *graphql.Request) []byte

// Options configure New.
type Options struct {
	System *ir.System
	// Schema is the full GraphQL schema the server serves.
	Schema *ast.Schema
	Exec   ExecFunc
	// Profiles from exo.toml; none means one default profile (tools without suffix).
	Profiles []Profile
	// Separate adds the introspection tools (EXO_MCP_MODE=separate).
	Separate bool
	// WWWAuthenticate, when set (EXO_WWW_AUTHENTICATE_HEADER), turns a tool call refused with
	// "Not authorized" into HTTP 401 with this WWW-Authenticate header.
	WWWAuthenticate string
	// Version is reported in serverInfo.
	Version string
}

type tool struct {
	name        string
	description string
	introspect  bool
	schema      *ast.Schema
	sdl         string
}

// Handler is the /mcp endpoint. It expects the request's access context on the request
// context (the server's middleware attaches it).
type Handler struct {
	opts  Options
	tools []*tool
	byKey map[string]*tool
}

// New builds the tools.
func New(o Options) *Handler {
	h := &Handler{opts: o, byKey: map[string]*tool{}}
	models := modelsOf(o.System)
	profiles := o.Profiles
	suffix := func(p Profile) string { return "-" + p.Name }
	if len(profiles) == 0 {
		profiles = []Profile{{}}
		suffix = func(Profile) string { return "" }
	}
	for _, p := range profiles {
		p := p
		schema := restrict(o.Schema, func(op string, mutation bool) bool {
			if mutation {
				return p.Mutations.allows(op, models[op], false)
			}
			return p.Queries.allows(op, models[op], true)
		})
		sdl := graphql.PrintSchema(schema)
		exec := &tool{name: "execute_query" + suffix(p), schema: schema, sdl: sdl}
		if o.Separate {
			exec.description = "Execute a GraphQL query against the Exograph server and get the JSON result. " +
				"Call the `introspection" + suffix(p) + "` tool first to learn the GraphQL schema."
			h.add(exec)
			h.add(&tool{name: "introspection" + suffix(p), introspect: true, schema: schema, sdl: sdl,
				description: "Get the GraphQL schema (SDL) of the Exograph server, including documentation comments, to form queries for `" + exec.name + "`."})
		} else {
			exec.description = "Execute a GraphQL query against the Exograph server and get the JSON result. " +
				"Use only the operations and types of this GraphQL schema:\n\n" + sdl
			h.add(exec)
		}
	}
	return h
}

func (h *Handler) add(t *tool) {
	h.tools = append(h.tools, t)
	h.byKey[t.name] = t
}

// ToolNames returns the names of the tools offered.
func (h *Handler) ToolNames() []string {
	out := make([]string, len(h.tools))
	for i, t := range h.tools {
		out[i] = t.name
	}
	return out
}

// modelsOf maps each root operation name to the model (type) it returns.
func modelsOf(sys *ir.System) map[string]string {
	m := map[string]string{}
	if sys == nil {
		return m
	}
	for i := range sys.Entities {
		e := &sys.Entities[i]
		n := e.Names
		for _, op := range []string{n.PKQuery, n.Collection, n.Aggregate, n.Create, n.CreateMany, n.Update, n.UpdateMany, n.Delete, n.DeleteMany} {
			if op != "" {
				m[op] = e.Name
			}
		}
		for _, u := range e.Uniques {
			m[u.Query] = e.Name
		}
	}
	for _, mod := range sys.Modules {
		for _, ops := range [][]ir.Operation{mod.Queries, mod.Mutations} {
			for _, op := range ops {
				t := op.Return
				for t.Elem != nil {
					t = *t.Elem
				}
				m[op.Name] = t.Name
			}
		}
	}
	return m
}

// restrict returns a copy of schema whose Query and Mutation types keep only the selected
// root fields (introspection fields stay).
func restrict(full *ast.Schema, keep func(op string, mutation bool) bool) *ast.Schema {
	if full == nil {
		return nil
	}
	c := *full
	c.Types = make(map[string]*ast.Definition, len(full.Types))
	for k, v := range full.Types {
		c.Types[k] = v
	}
	filter := func(def *ast.Definition, mutation bool) *ast.Definition {
		if def == nil {
			return nil
		}
		d := *def
		d.Fields = nil
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") || keep(f.Name, mutation) {
				d.Fields = append(d.Fields, f)
			}
		}
		if len(d.Fields) == 0 && mutation {
			delete(c.Types, def.Name)
			return nil
		}
		c.Types[def.Name] = &d
		return &d
	}
	c.Query = filter(full.Query, false)
	c.Mutation = filter(full.Mutation, true)
	return &c
}

// JSON-RPC plumbing.

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

type request struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// ProtocolVersion is the MCP revision answered when the client asks for an unknown one.
const ProtocolVersion = "2025-06-18"

var knownVersions = map[string]bool{"2024-11-05": true, "2025-03-26": true, "2025-06-18": true}

// errUnauthorized signals that a tool call was refused for authorization.
type callOutcome struct {
	result       any
	err          *rpcError
	unauthorized bool
}

// ServeHTTP implements the streamable HTTP transport without server-initiated streams: POST
// carries JSON-RPC messages and gets a JSON answer (202 for notifications only); GET, which
// would open an SSE stream, is answered 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	trimmed := bytes.TrimSpace(body)
	batch := len(trimmed) > 0 && trimmed[0] == '['
	var reqs []request
	if batch {
		err = json.Unmarshal(trimmed, &reqs)
	} else {
		var one request
		err = json.Unmarshal(trimmed, &one)
		reqs = []request{one}
	}
	if err != nil || len(reqs) == 0 {
		writeJSON(w, http.StatusBadRequest, response{JSONRPC: "2.0", ID: json.RawMessage("null"),
			Error: &rpcError{Code: -32700, Message: "Parse error"}})
		return
	}
	var out []response
	unauthorized := false
	for _, req := range reqs {
		if len(req.ID) == 0 {
			continue // notification (notifications/initialized, cancelled ...)
		}
		res := h.handle(r.Context(), &req)
		unauthorized = unauthorized || res.unauthorized
		out = append(out, response{JSONRPC: "2.0", ID: req.ID, Result: res.result, Error: res.err})
	}
	if len(out) == 0 {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	status := http.StatusOK
	if unauthorized && h.opts.WWWAuthenticate != "" {
		w.Header().Set("WWW-Authenticate", h.opts.WWWAuthenticate)
		status = http.StatusUnauthorized
	}
	if batch {
		writeJSON(w, status, out)
		return
	}
	writeJSON(w, status, out[0])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"Internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func (h *Handler) handle(ctx context.Context, req *request) callOutcome {
	if req.JSONRPC != "2.0" || req.Method == "" {
		return callOutcome{err: &rpcError{Code: -32600, Message: "Invalid Request"}}
	}
	switch req.Method {
	case "initialize":
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		_ = json.Unmarshal(req.Params, &p)
		v := p.ProtocolVersion
		if !knownVersions[v] {
			v = ProtocolVersion
		}
		version := h.opts.Version
		if version == "" {
			version = "0.0.0"
		}
		return callOutcome{result: map[string]any{
			"protocolVersion": v,
			"capabilities": map[string]any{
				"tools":     map[string]any{"listChanged": false},
				"prompts":   map[string]any{"listChanged": false},
				"resources": map[string]any{"listChanged": false, "subscribe": false},
			},
			"serverInfo": map[string]any{"name": "exograph", "version": version},
		}}
	case "ping":
		return callOutcome{result: map[string]any{}}
	case "tools/list":
		tools := make([]map[string]any, 0, len(h.tools))
		for _, t := range h.tools {
			tools = append(tools, map[string]any{"name": t.name, "description": t.description, "inputSchema": inputSchema(t)})
		}
		return callOutcome{result: map[string]any{"tools": tools}}
	case "prompts/list":
		return callOutcome{result: map[string]any{"prompts": []any{}}}
	case "resources/list":
		return callOutcome{result: map[string]any{"resources": []any{}}}
	case "resources/templates/list":
		return callOutcome{result: map[string]any{"resourceTemplates": []any{}}}
	case "tools/call":
		return h.call(ctx, req.Params)
	}
	return callOutcome{err: &rpcError{Code: -32601, Message: "Method not found"}}
}

func inputSchema(t *tool) map[string]any {
	if t.introspect {
		return map[string]any{"type": "object", "properties": map[string]any{}}
	}
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"query":     map[string]any{"type": "string", "description": "The GraphQL query (or mutation) to execute"},
			"variables": map[string]any{"type": "object", "description": "Values of the variables the query declares"},
		},
		"required": []string{"query"},
	}
}

func textResult(text string, isError bool) map[string]any {
	return map[string]any{"content": []any{map[string]any{"type": "text", "text": text}}, "isError": isError}
}

func (h *Handler) call(ctx context.Context, params json.RawMessage) callOutcome {
	var p struct {
		Name      string         `json:"name"`
		Arguments map[string]any `json:"arguments"`
	}
	dec := json.NewDecoder(bytes.NewReader(params))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return callOutcome{err: &rpcError{Code: -32602, Message: "Invalid params"}}
	}
	t, ok := h.byKey[p.Name]
	if !ok {
		return callOutcome{err: &rpcError{Code: -32602, Message: "Unknown tool: " + p.Name}}
	}
	if t.introspect {
		return callOutcome{result: textResult(t.sdl, false)}
	}
	query, _ := p.Arguments["query"].(string)
	if strings.TrimSpace(query) == "" {
		return callOutcome{result: textResult("Missing required argument: query", true)}
	}
	req := &graphql.Request{Query: query}
	switch v := p.Arguments["variables"].(type) {
	case map[string]any:
		req.Variables = v
	case string:
		// some clients send the variables JSON-encoded
		if strings.TrimSpace(v) != "" {
			d := json.NewDecoder(strings.NewReader(v))
			d.UseNumber()
			var m map[string]any
			if err := d.Decode(&m); err == nil {
				req.Variables = m
			}
		}
	}
	out := h.opts.Exec(ctx, t.schema, req)
	var resp struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(out, &resp)
	isErr := len(resp.Errors) > 0
	unauthorized := false
	for _, e := range resp.Errors {
		if e.Message == "Not authorized" {
			unauthorized = true
		}
	}
	return callOutcome{result: textResult(string(out), isErr), unauthorized: unauthorized}
}
