package server

import (
	"context"
	"os"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/exo-dev/exo/server/graphql"
	"github.com/exo-dev/exo/server/mcp"
)

// newMCP builds the /mcp handler (EXO_ENABLE_MCP, default on; EXO_MCP_MODE=separate adds the
// introspection tools; EXO_WWW_AUTHENTICATE_HEADER). Profiles come from [[mcp.profiles]] of
// ./exo.toml when the server runs in the project directory. It returns nil when disabled.
func (s *Server) newMCP() (*mcp.Handler, error) {
	if v, ok := s.cfg.Env["EXO_ENABLE_MCP"]; ok && v != "" {
		on, err := parseBool(v)
		if err != nil || !on {
			return nil, nil
		}
	}
	var profiles []mcp.Profile
	if data, err := os.ReadFile("exo.toml"); err == nil {
		if profiles, err = mcp.ParseProfiles(data); err != nil {
			return nil, err
		}
	}
	return mcp.New(mcp.Options{
		System:          s.sys,
		Schema:          s.schema,
		Exec:            s.mcpExec,
		Profiles:        profiles,
		Separate:        s.cfg.Env["EXO_MCP_MODE"] == "separate",
		WWWAuthenticate: s.cfg.Env["EXO_WWW_AUTHENTICATE_HEADER"],
	}), nil
}

// mcpExec runs an MCP tool's GraphQL request on the tool's (restricted) schema through the
// same resolver, transactions, limits and access context as /graphql.
func (s *Server) mcpExec(ctx context.Context, schema *ast.Schema, req *graphql.Request) []byte {
	h := &graphql.Handler{
		Schema:        schema,
		Resolver:      s,
		Tx:            s,
		Limits:        s.gql.Limits,
		Introspection: s.gql.Introspection,
	}
	return h.Execute(ctx, req)
}
