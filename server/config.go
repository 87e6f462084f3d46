// Package server wires the HTTP endpoints of an exo server around a loaded
// IR: GraphQL, health, playground. Configuration comes from the environment
// with Exograph's variable names and defaults.
package server

import (
	"fmt"
	"strconv"
	"strings"
)

// IntrospectionMode is EXO_INTROSPECTION.
type IntrospectionMode uint8

const (
	IntrospectionDisabled IntrospectionMode = iota
	IntrospectionEnabled
	// IntrospectionOnly serves only introspection (playground mode).
	IntrospectionOnly
)

// Config is the server's settings. FromEnv fills it with Exograph's
// defaults; the CLI overrides fields for yolo, dev and test modes.
type Config struct {
	Host string
	Port int

	GraphQLPath    string
	PlaygroundPath string
	RPCPath        string
	MCPPath        string

	// CORSDomains: nil means no CORS headers; ["*"] allows any origin.
	CORSDomains []string

	Introspection     IntrospectionMode
	MaxSelectionDepth int
	AllowMutations    bool
	EnableRPC         bool

	PostgresURL         string
	PostgresReadWrite   bool
	PoolSize            int
	CheckConnectionOnUp bool

	// ProjectDir is the project directory (what TypeScript modules may read
	// through node:fs); FromEnv sets the working directory, where exo-server
	// finds target/index.exo_ir.
	ProjectDir string

	// Env is the environment the server sees (for @env contexts, JWT
	// settings and modules); FromEnv keeps a reference to it.
	Env map[string]string
	// Mode is EXO_ENV (yolo, dev, test, playground, production or custom).
	Mode string

	// Limits, Telemetry and EnforceTrustedDocuments are the production
	// settings (limits.go, telemetry.go, trusted.go).
	Limits                  Limits
	Telemetry               Telemetry
	EnforceTrustedDocuments bool
}

// FromEnv reads the configuration from env, returning a precise error for
// every invalid value.
func FromEnv(env map[string]string) (Config, error) {
	c := Config{
		Port:                9876,
		GraphQLPath:         "/graphql",
		PlaygroundPath:      "/playground",
		RPCPath:             "/rpc",
		MCPPath:             "/mcp",
		MaxSelectionDepth:   5,
		AllowMutations:      true,
		PoolSize:            10,
		CheckConnectionOnUp: true,
		Env:                 env,
		ProjectDir:          ".",
		Mode:                env["EXO_ENV"],
	}
	var errs []string
	bad := func(name, val, want string) {
		errs = append(errs, fmt.Sprintf("invalid %s=%q: %s", name, val, want))
	}
	boolVar := func(name string, dst *bool) {
		v, ok := env[name]
		if !ok || v == "" {
			return
		}
		b, err := parseBool(v)
		if err != nil {
			bad(name, v, "expected true or false")
			return
		}
		*dst = b
	}
	intVar := func(name string, dst *int, min int) {
		v, ok := env[name]
		if !ok || v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			bad(name, v, fmt.Sprintf("expected an integer >= %d", min))
			return
		}
		*dst = n
	}
	pathVar := func(name string, dst *string) {
		v, ok := env[name]
		if !ok || v == "" {
			return
		}
		if !strings.HasPrefix(v, "/") {
			bad(name, v, "expected a path starting with /")
			return
		}
		if len(v) > 1 {
			v = strings.TrimSuffix(v, "/")
		}
		*dst = v
	}

	c.Host = env["EXO_SERVER_HOST"]
	if c.Host == "" {
		switch c.Mode {
		case "yolo", "dev", "test", "playground":
			c.Host = "localhost"
		default:
			c.Host = "0.0.0.0"
		}
	}
	intVar("EXO_SERVER_PORT", &c.Port, 0)
	if c.Port > 65535 {
		bad("EXO_SERVER_PORT", env["EXO_SERVER_PORT"], "expected a port number up to 65535")
	}
	pathVar("EXO_GRAPHQL_HTTP_PATH", &c.GraphQLPath)
	pathVar("EXO_PLAYGROUND_HTTP_PATH", &c.PlaygroundPath)
	pathVar("EXO_RPC_HTTP_PATH", &c.RPCPath)
	pathVar("EXO_MCP_HTTP_PATH", &c.MCPPath)

	if v, ok := env["EXO_CORS_DOMAINS"]; ok {
		c.CORSDomains = []string{}
		for _, d := range strings.Split(v, ",") {
			if d = strings.TrimSpace(d); d != "" {
				c.CORSDomains = append(c.CORSDomains, d)
			}
		}
	}

	switch v := strings.ToLower(env["EXO_INTROSPECTION"]); v {
	case "", "false", "disabled", "0":
		c.Introspection = IntrospectionDisabled
	case "true", "enabled", "1":
		c.Introspection = IntrospectionEnabled
	case "only":
		c.Introspection = IntrospectionOnly
	default:
		bad("EXO_INTROSPECTION", env["EXO_INTROSPECTION"], "expected true, false or only")
	}
	intVar("EXO_MAX_SELECTION_DEPTH", &c.MaxSelectionDepth, 1)
	boolVar("EXO_GRAPHQL_ALLOW_MUTATIONS", &c.AllowMutations)
	boolVar("EXO_UNSTABLE_ENABLE_RPC_API", &c.EnableRPC)

	c.PostgresURL = env["EXO_POSTGRES_URL"]
	if c.PostgresURL == "" {
		c.PostgresURL = env["DATABASE_URL"]
	}
	boolVar("EXO_POSTGRES_READ_WRITE", &c.PostgresReadWrite)
	intVar("EXO_CONNECTION_POOL_SIZE", &c.PoolSize, 1)
	boolVar("EXO_CHECK_CONNECTION_ON_STARTUP", &c.CheckConnectionOnUp)

	if env["EXO_JWT_SECRET"] != "" && env["EXO_OIDC_URL"] != "" {
		errs = append(errs, "both EXO_JWT_SECRET and EXO_OIDC_URL are set: choose one")
	}
	if env["EXO_JWT_SOURCE_HEADER"] != "" && env["EXO_JWT_SOURCE_COOKIE"] != "" {
		errs = append(errs, "both EXO_JWT_SOURCE_HEADER and EXO_JWT_SOURCE_COOKIE are set: choose one")
	}
	errs = append(errs, c.productionFromEnv(env)...)
	if len(errs) > 0 {
		return c, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return c, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on", "enabled":
		return true, nil
	case "false", "0", "no", "off", "disabled":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", v)
}

// EnvMap turns os.Environ()-style entries into a map.
func EnvMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
