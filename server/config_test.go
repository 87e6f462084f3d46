package server

import (
	"strings"
	"testing"
)

func TestFromEnvDefaults(t *testing.T) {
	c, err := FromEnv(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 9876 || c.GraphQLPath != "/graphql" || c.MaxSelectionDepth != 5 || c.Host != "0.0.0.0" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.Introspection != IntrospectionDisabled || c.CORSDomains != nil || !c.AllowMutations || c.PostgresReadWrite {
		t.Fatalf("defaults: %+v", c)
	}
	c, _ = FromEnv(map[string]string{"EXO_ENV": "dev", "DATABASE_URL": "postgres://x/y"})
	if c.Host != "localhost" || c.PostgresURL != "postgres://x/y" {
		t.Fatalf("dev mode: %+v", c)
	}
}

func TestFromEnvValues(t *testing.T) {
	c, err := FromEnv(map[string]string{
		"EXO_SERVER_PORT": "8080", "EXO_GRAPHQL_HTTP_PATH": "/api/", "EXO_CORS_DOMAINS": "a.com, b.com",
		"EXO_INTROSPECTION": "only", "EXO_MAX_SELECTION_DEPTH": "7", "EXO_POSTGRES_READ_WRITE": "true",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.GraphQLPath != "/api" || len(c.CORSDomains) != 2 || c.CORSDomains[1] != "b.com" ||
		c.Introspection != IntrospectionOnly || c.MaxSelectionDepth != 7 || !c.PostgresReadWrite {
		t.Fatalf("values: %+v", c)
	}
}

func TestFromEnvErrors(t *testing.T) {
	for env, want := range map[string]map[string]string{
		"EXO_SERVER_PORT":         {"EXO_SERVER_PORT": "abc"},
		"EXO_MAX_SELECTION_DEPTH": {"EXO_MAX_SELECTION_DEPTH": "0"},
		"EXO_INTROSPECTION":       {"EXO_INTROSPECTION": "maybe"},
		"EXO_GRAPHQL_HTTP_PATH":   {"EXO_GRAPHQL_HTTP_PATH": "graphql"},
		"choose one":              {"EXO_JWT_SECRET": "s", "EXO_OIDC_URL": "https://x"},
		"EXO_POSTGRES_READ_WRITE": {"EXO_POSTGRES_READ_WRITE": "sometimes"},
	} {
		_, err := FromEnv(want)
		if err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%v: want error mentioning %s, got %v", want, env, err)
		}
	}
}
