package server

import (
	"github.com/exo-dev/exo/playground"
)

// PlaygroundOptions returns the settings of the playground page (GraphiQL,
// package playground) for cfg, as Exograph's window.exoConfig: the paths,
// the JWT source, the upstream endpoint of `exo playground`
// (_EXO_UPSTREAM_ENDPOINT_URL), the live schema update
// (EXO_INTROSPECTION_LIVE_UPDATE, on by default in yolo and dev modes), and
// Disabled when introspection is off.
func PlaygroundOptions(cfg Config) playground.Options {
	live := cfg.Mode == "yolo" || cfg.Mode == "dev"
	if v := cfg.Env["EXO_INTROSPECTION_LIVE_UPDATE"]; v != "" {
		if b, err := parseBool(v); err == nil {
			live = b
		}
	}
	return playground.Options{
		PlaygroundPath:          cfg.PlaygroundPath,
		GraphQLPath:             cfg.GraphQLPath,
		EnableSchemaLiveUpdate:  live,
		OIDCURL:                 cfg.Env["EXO_OIDC_URL"],
		UpstreamGraphQLEndpoint: cfg.Env["_EXO_UPSTREAM_ENDPOINT_URL"],
		JWTSourceHeader:         cfg.Env["EXO_JWT_SOURCE_HEADER"],
		JWTSourceCookie:         cfg.Env["EXO_JWT_SOURCE_COOKIE"],
		Disabled:                cfg.Introspection == IntrospectionDisabled,
	}
}

// mountPlayground serves the playground at cfg.PlaygroundPath, unless that
// path is taken by another endpoint (http.ServeMux would panic).
func (s *Server) mountPlayground() {
	p := s.cfg.PlaygroundPath
	if p == "" || p == s.cfg.GraphQLPath || p == "/health" || p == "/ready" || p == s.cfg.MCPPath ||
		(s.cfg.EnableRPC && (p == s.cfg.RPCPath || p == s.cfg.RPCPath+"/discover")) {
		s.log.Warn("the playground is not served: its path is used by another endpoint", "path", p)
		return
	}
	s.mux.Handle(p, playground.New(PlaygroundOptions(s.cfg)))
}
