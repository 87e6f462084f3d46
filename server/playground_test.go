package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPlaygroundMount(t *testing.T) {
	sys, _ := exampleSystem(t)
	base := map[string]string{"EXO_POSTGRES_URL": "postgres://nobody@127.0.0.1:1/none", "EXO_CHECK_CONNECTION_ON_STARTUP": "false"}
	for _, c := range []struct {
		name string
		env  map[string]string
		path string
		code int
		want string // in the body
	}{
		{"production", nil, "/playground", 200, "Introspection is disabled"},
		{"enabled", map[string]string{"EXO_INTROSPECTION": "true", "EXO_JWT_SOURCE_COOKIE": "tok"}, "/playground",
			200, `"graphqlHttpPath":"/graphql","enableSchemaLiveUpdate":false,"oidcUrl":"","upstreamGraphQLEndpoint":"","jwtSourceHeader":"","jwtSourceCookie":"tok"`},
		{"only", map[string]string{"EXO_INTROSPECTION": "only", "_EXO_UPSTREAM_ENDPOINT_URL": "https://prod.example/graphql", "EXO_ENV": "playground"},
			"/playground", 200, `"upstreamGraphQLEndpoint":"https://prod.example/graphql"`},
		{"dev paths", map[string]string{"EXO_INTROSPECTION": "1", "EXO_ENV": "dev", "EXO_PLAYGROUND_HTTP_PATH": "/ui/", "EXO_GRAPHQL_HTTP_PATH": "/api"},
			"/ui", 200, `{"playgroundHttpPath":"/ui","graphqlHttpPath":"/api","enableSchemaLiveUpdate":true`},
		{"live update off", map[string]string{"EXO_INTROSPECTION": "1", "EXO_ENV": "yolo", "EXO_INTROSPECTION_LIVE_UPDATE": "false"},
			"/playground", 200, `"enableSchemaLiveUpdate":false`},
		// The same path as GraphQL: the playground gives way (no panic).
		{"path conflict", map[string]string{"EXO_INTROSPECTION": "1", "EXO_PLAYGROUND_HTTP_PATH": "/graphql"}, "/playground", 404, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range c.env {
				env[k] = v
			}
			cfg, err := FromEnv(env)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(context.Background(), sys, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != c.code || !strings.Contains(string(body), c.want) {
				t.Errorf("GET %s: %d, want %d with %q; body starts %q", c.path, rec.Code, c.code, c.want, string(body[:min(len(body), 600)]))
			}
			if c.code == 200 && c.want != "Introspection is disabled" {
				req := httptest.NewRequest("GET", c.path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, req)
				if rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() > 3<<20 {
					t.Errorf("gzip: Content-Encoding %q, %d bytes", rec.Header().Get("Content-Encoding"), rec.Body.Len())
				}
			}
			// GraphQL still answers at its own path.
			gql := cfg.GraphQLPath
			rec = httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", gql, strings.NewReader(`{"query":"{ __typename }"}`)))
			if rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed {
				t.Errorf("POST %s: %d", gql, rec.Code)
			}
		})
	}
}
