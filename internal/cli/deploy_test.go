package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/goccy/go-yaml"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server"
)

// flyConfig is the part of fly.toml the tests check.
type flyConfig struct {
	App   string `toml:"app"`
	Build struct {
		Dockerfile string `toml:"dockerfile"`
	} `toml:"build"`
	Env         map[string]string `toml:"env"`
	HTTPService struct {
		InternalPort int  `toml:"internal_port"`
		ForceHTTPS   bool `toml:"force_https"`
		Checks       []struct {
			Path string `toml:"path"`
		} `toml:"checks"`
	} `toml:"http_service"`
}

func readFlyConfig(t *testing.T) flyConfig {
	t.Helper()
	var c flyConfig
	md, err := toml.DecodeFile("fly.toml", &c)
	if err != nil {
		b, _ := os.ReadFile("fly.toml")
		t.Fatalf("fly.toml is not valid TOML: %v\n%s", err, b)
	}
	if und := md.Undecoded(); len(und) > 0 {
		// Keys the test does not model are fine; make sure the modelled ones
		// were not misspelt into other tables.
		for _, k := range und {
			if strings.HasPrefix(k.String(), "env.") {
				t.Errorf("undecoded env key %s", k)
			}
		}
	}
	return c
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dockerStage is the final stage of a Dockerfile: its ENV settings and the
// files it copies.
type dockerStage struct {
	env    map[string]string
	copies []string
	expose string
}

// finalStage reads the instructions of the last stage of a Dockerfile (enough
// of the syntax for the generated files: continuation lines, comments,
// unquoted ENV k=v pairs).
func finalStage(t *testing.T, dockerfile string) dockerStage {
	t.Helper()
	var st dockerStage
	joined := strings.ReplaceAll(dockerfile, "\\\n", " ")
	for _, line := range strings.Split(joined, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			st = dockerStage{env: map[string]string{}}
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("ENV without =: %q", line)
				}
				st.env[k] = v
			}
		case "COPY":
			st.copies = append(st.copies, rest)
		case "EXPOSE":
			st.expose = rest
		}
	}
	return st
}

func defaultServerPort(t *testing.T) int {
	t.Helper()
	cfg, err := server.FromEnv(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Port
}

func TestDeployFly(t *testing.T) {
	t.Chdir(writeProject(t, todoModel))
	envFile := "# deployment settings\nexport EXO_INTROSPECTION=true\nEXO_MAX_SELECTION_DEPTH=8\nmy.key='single quoted'\nOVERRIDDEN=from-file\n"
	if err := os.WriteFile("deploy.env", []byte(envFile), 0o644); err != nil {
		t.Fatal(err)
	}
	tricky := "a \"quoted\" \\ value\twith tab"
	out, errOut, code := runExo(t, "deploy", "fly", "--app", "todo",
		"-e", "EXO_CORS_DOMAINS=https://a.example,https://b.example",
		"--env", "OVERRIDDEN=from-flag",
		"-e", "TRICKY="+tricky,
		"-e", "WITH_EQUALS=a=b",
		"--env-file", "deploy.env")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}

	// The IR was built, as by exo build.
	if _, err := ir.ReadFile(ir.DefaultPath); err != nil {
		t.Fatalf("the IR was not built: %v", err)
	}

	c := readFlyConfig(t)
	if c.App != "todo" {
		t.Errorf("app = %q, want todo", c.App)
	}
	if c.Build.Dockerfile != "Dockerfile.fly" {
		t.Errorf("build.dockerfile = %q, want Dockerfile.fly", c.Build.Dockerfile)
	}
	port := defaultServerPort(t)
	if c.HTTPService.InternalPort != port {
		t.Errorf("http_service.internal_port = %d, want exo-server's default port %d", c.HTTPService.InternalPort, port)
	}
	if !c.HTTPService.ForceHTTPS || len(c.HTTPService.Checks) != 1 || c.HTTPService.Checks[0].Path != "/health" {
		t.Errorf("http_service = %+v, want force_https and a /health check", c.HTTPService)
	}
	wantEnv := map[string]string{
		"EXO_POSTGRES_READ_WRITE": "true",
		"EXO_CORS_DOMAINS":        "https://a.example,https://b.example",
		"EXO_INTROSPECTION":       "true",
		"EXO_MAX_SELECTION_DEPTH": "8",
		"my.key":                  "single quoted",
		"OVERRIDDEN":              "from-flag",
		"TRICKY":                  tricky,
		"WITH_EQUALS":             "a=b",
	}
	for k, v := range wantEnv {
		if c.Env[k] != v {
			t.Errorf("env %s = %q, want %q", k, c.Env[k], v)
		}
	}
	if len(c.Env) != len(wantEnv) {
		t.Errorf("env = %v, want %v", c.Env, wantEnv)
	}

	// Dockerfile.fly: exo-server and the IR on a slim image, on the same port.
	df := readFile(t, "Dockerfile.fly")
	st := finalStage(t, df)
	if !strings.Contains(df, "FROM gcr.io/distroless/static-debian12:nonroot\n") {
		t.Errorf("the final image is not distroless:\n%s", df)
	}
	wantCopies := []string{"--from=exo-server /tmp/exo/exo-server /usr/local/bin/exo-server", "target/index.exo_ir ./target/index.exo_ir"}
	if strings.Join(st.copies, "|") != strings.Join(wantCopies, "|") {
		t.Errorf("final stage copies %q, want %q", st.copies, wantCopies)
	}
	if st.expose != "9876" || st.env["EXO_SERVER_PORT"] != "9876" || port != 9876 {
		t.Errorf("EXPOSE %s, EXO_SERVER_PORT %s, want %d", st.expose, st.env["EXO_SERVER_PORT"], port)
	}
	if !strings.Contains(df, "ARG EXO_VERSION="+Version+"\n") {
		t.Errorf("Dockerfile.fly does not pin this exo's version %s:\n%s", Version, df)
	}

	// What exo-server sees on Fly.io: the image's ENV, fly.toml's [env] and
	// the DATABASE_URL secret.
	runtime := map[string]string{"DATABASE_URL": "postgres://u:p@db.flycast:5432/todo"}
	for k, v := range st.env {
		runtime[k] = v
	}
	for k, v := range c.Env {
		runtime[k] = v
	}
	cfg, err := server.FromEnv(runtime)
	if err != nil {
		t.Fatalf("exo-server rejects the deployed settings: %v", err)
	}
	if cfg.Host != "0.0.0.0" || cfg.Port != c.HTTPService.InternalPort || !cfg.PostgresReadWrite ||
		cfg.PostgresURL != runtime["DATABASE_URL"] || len(cfg.CORSDomains) != 2 || cfg.MaxSelectionDepth != 8 {
		t.Errorf("exo-server config on Fly.io: host %s port %d rw %v url %s cors %v depth %d",
			cfg.Host, cfg.Port, cfg.PostgresReadWrite, cfg.PostgresURL, cfg.CORSDomains, cfg.MaxSelectionDepth)
	}

	// The instructions, for an external database and a model without JWT.
	for _, want := range []string{
		"fly apps create todo\n",
		"fly secrets set --app todo DATABASE_URL=<your-postgres-url>\n",
		"exo schema migrate --apply-to-database --database <your-postgres-url>\n",
		"fly deploy\n",
		"To deploy a new version of an existing app, run:\nexo build\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "EXO_JWT_SECRET") || strings.Contains(out, "fly postgres") {
		t.Errorf("stdout mentions JWT or Fly Postgres:\n%s", out)
	}
}

const jwtTodoModel = `context AuthContext {
  @jwt("role") role: String = "guest"
}

@postgres
module TodoDatabase {
  @access(query = true, mutation = AuthContext.role == "admin")
  type Todo {
    @pk id: Int = autoIncrement()
    title: String
  }
}
`

func TestDeployFlyUseFlyDBAndJWT(t *testing.T) {
	t.Chdir(writeProject(t, jwtTodoModel))
	out, errOut, code := runExo(t, "deploy", "fly", "-a", "todo-api", "--use-fly-db", "-e", "EXO_JWT_SECRET=s3cret")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"fly apps create todo-api\n",
		"fly secrets set --app todo-api EXO_JWT_SECRET=<your-jwt-secret>",
		"fly postgres create --name todo-api-db\n",
		"fly postgres attach --app todo-api todo-api-db",
		"fly proxy 15432:5432 --app todo-api-db",
		"exo schema migrate --apply-to-database --database postgres://todo_api:<password>@localhost:15432/todo_api",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "DATABASE_URL=<your-postgres-url>") {
		t.Errorf("stdout asks for an external database URL with --use-fly-db:\n%s", out)
	}
	if !strings.Contains(errOut, "warning: EXO_JWT_SECRET is written in clear in fly.toml") {
		t.Errorf("no warning about the secret in fly.toml:\n%s", errOut)
	}
	if c := readFlyConfig(t); c.App != "todo-api" || c.Env["EXO_JWT_SECRET"] != "s3cret" {
		t.Errorf("fly.toml: app %q env %v", c.App, c.Env)
	}
}

func TestDeployFlyPortFromEnv(t *testing.T) {
	t.Chdir(writeProject(t, todoModel))
	out, errOut, code := runExo(t, "deploy", "fly", "-a", "todo", "-e", "EXO_SERVER_PORT=8080")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if c := readFlyConfig(t); c.HTTPService.InternalPort != 8080 || c.Env["EXO_SERVER_PORT"] != "8080" {
		t.Errorf("internal_port %d, env %v: want the port given with -e", c.HTTPService.InternalPort, c.Env)
	}
}

func TestDeployFlyAppNameFromDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "My_Todo App")
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "index.exo"), []byte(todoModel), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	out, errOut, code := runExo(t, "deploy", "fly")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if c := readFlyConfig(t); c.App != "my-todo-app" {
		t.Errorf("app = %q, want my-todo-app (from the directory name)", c.App)
	}
	if !strings.Contains(out, "fly apps create my-todo-app\n") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestDeployRefusesToOverwrite(t *testing.T) {
	for _, c := range []struct {
		target string
		exist  []string
		other  string // the file that must not be created either
		want   string
	}{
		{"fly", []string{"fly.toml"}, "Dockerfile.fly", "fly.toml already exists: exo deploy does not overwrite it"},
		{"fly", []string{"Dockerfile.fly"}, "fly.toml", "Dockerfile.fly already exists"},
		{"fly", []string{"fly.toml", "Dockerfile.fly"}, "", "fly.toml and Dockerfile.fly already exist"},
		{"railway", []string{"railway.toml"}, "Dockerfile.railway", "railway.toml already exists"},
		{"railway", []string{"Dockerfile.railway"}, "railway.toml", "Dockerfile.railway already exists"},
	} {
		t.Run(c.target+"/"+strings.Join(c.exist, "+"), func(t *testing.T) {
			t.Chdir(writeProject(t, todoModel))
			for _, f := range c.exist {
				if err := os.WriteFile(f, []byte("mine\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := map[string][]string{"fly": {"--use-fly-db"}, "railway": {"--use-railway-db=true"}}[c.target]
			out, errOut, code := runExo(t, append([]string{"deploy", c.target}, args...)...)
			if code != ExitModel || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q: want exit %d and %q\n%s", code, errOut, ExitModel, c.want, out)
			}
			for _, f := range c.exist {
				if got := readFile(t, f); got != "mine\n" {
					t.Errorf("%s was overwritten: %q", f, got)
				}
			}
			if c.other != "" {
				if _, err := os.Stat(c.other); err == nil {
					t.Errorf("%s was created although the command refused", c.other)
				}
			}
			if _, err := os.Stat(ir.DefaultPath); err == nil {
				t.Errorf("the model was built although the command refused")
			}
		})
	}
}

func TestDeployFlagErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"env without =", []string{"deploy", "fly", "-e", "FOO"}, ExitUsage, `invalid --env "FOO": expected KEY=VALUE`},
		{"env without key", []string{"deploy", "fly", "-e", "=value"}, ExitUsage, `invalid --env "=value": expected KEY=VALUE`},
		{"env bad name", []string{"deploy", "fly", "--env", "1X=y"}, ExitUsage, `invalid --env "1X=y"`},
		{"missing env file", []string{"deploy", "fly", "--env-file", "nope.env"}, ExitUsage, "--env-file nope.env: no such file"},
		{"malformed env file", []string{"deploy", "fly", "--env-file", "bad.env"}, ExitUsage, "--env-file bad.env:2: expected KEY=VALUE"},
		{"env file is a directory", []string{"deploy", "fly", "--env-file", "src"}, ExitUsage, "--env-file src: is a directory"},
		{"bad app name", []string{"deploy", "fly", "-a", "Todo_App"}, ExitUsage, `invalid --app "Todo_App": a Fly.io app name has lowercase letters, digits and dashes`},
		{"bad server setting", []string{"deploy", "fly", "-e", "EXO_INTROSPECTION=maybe"}, ExitUsage, `not valid for exo-server: invalid EXO_INTROSPECTION="maybe"`},
		{"port 0", []string{"deploy", "fly", "-e", "EXO_SERVER_PORT=0"}, ExitUsage, "EXO_SERVER_PORT=0"},
		{"argument", []string{"deploy", "fly", "extra"}, ExitUsage, `unknown command "extra" for "exo deploy fly"`},
		{"unknown flag", []string{"deploy", "fly", "--region", "iad"}, ExitUsage, "unknown flag: --region"},
		{"railway bad bool", []string{"deploy", "railway", "--use-railway-db=maybe"}, ExitUsage, `invalid argument "maybe" for "--use-railway-db"`},
		{"railway no answer", []string{"deploy", "railway"}, ExitUsage, "no database choice: pass --use-railway-db=true or --use-railway-db=false"},
		{"cf-worker", []string{"deploy", "cf-worker"}, ExitUsage, "exo deploy cf-worker is not available"},
		{"typo", []string{"deploy", "fyl"}, ExitUsage, `unknown deploy target "fyl": use fly, railway or aws-lambda (did you mean fly?)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(writeProject(t, todoModel))
			if err := os.WriteFile("bad.env", []byte("A=1\nnot a line\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := runExo(t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q: want exit %d and %q\n%s", code, errOut, c.code, c.want, out)
			}
			for _, f := range []string{"fly.toml", "Dockerfile.fly", "railway.toml", "Dockerfile.railway", ir.DefaultPath} {
				if _, err := os.Stat(f); err == nil {
					t.Errorf("%s was created", f)
				}
			}
		})
	}
}

func TestDeployNotAProject(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, target := range []string{"fly", "railway"} {
		args := map[string][]string{"fly": {"-a", "x"}, "railway": {"--use-railway-db=false"}}[target]
		_, errOut, code := runExo(t, append([]string{"deploy", target}, args...)...)
		if code != ExitModel || !strings.Contains(errOut, "not an exo project: src/index.exo not found") {
			t.Errorf("%s: exit %d, %q", target, code, errOut)
		}
	}
}

func TestDeployModelErrors(t *testing.T) {
	t.Chdir(writeProject(t, "@postgres\nmodule M {\n  type T {\n    @pk id: Nope\n  }\n}\n"))
	_, errOut, code := runExo(t, "deploy", "fly", "-a", "x")
	if code != ExitModel || !strings.Contains(errOut, "could not build the model") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	for _, f := range []string{"fly.toml", "Dockerfile.fly"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s was created for a model with errors", f)
		}
	}
}

func TestDeployHelp(t *testing.T) {
	out, errOut, code := runExo(t, "deploy")
	if code != ExitOK || !strings.Contains(out, "fly") || !strings.Contains(out, "railway") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = runExo(t, "deploy", "fly", "--help")
	for _, want := range []string{"-a, --app string", "-e, --env stringArray", "--env-file string", "--use-fly-db", "Deploy to Fly.io"} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("exo deploy fly --help lacks %q:\n%s", want, out)
		}
	}
}

// railwayRuntime returns what exo-server sees on Railway: the image's ENV,
// the service's variables and /app/.env, which the Dockerfile writes with
// printf in the build stage.
func railwayRuntime(t *testing.T, dockerfile string, vars map[string]string) server.Config {
	t.Helper()
	m := regexp.MustCompile(`(?m)^RUN printf '%s\\n' (.*) > /tmp/exo/server\.env$`).FindStringSubmatch(dockerfile)
	if m == nil {
		t.Fatalf("no printf of server.env in:\n%s", dockerfile)
	}
	var lines []string
	for _, q := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(m[1], -1) {
		lines = append(lines, q[1])
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := finalStage(t, dockerfile)
	if !strings.Contains(strings.Join(st.copies, "|"), "--from=builder /tmp/exo/server.env ./.env") {
		t.Fatalf("server.env is not copied to /app/.env: %q", st.copies)
	}
	system := map[string]string{}
	for k, v := range st.env {
		system[k] = v
	}
	for k, v := range vars {
		system[k] = v
	}
	env, err := server.LoadEnvFiles(dir, system)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := server.FromEnv(env)
	if err != nil {
		t.Fatalf("exo-server rejects the deployed settings: %v", err)
	}
	return cfg
}

func TestDeployRailway(t *testing.T) {
	const public, private = "postgres://u:p@proxy.example:5432/railway", "postgres://u:p@postgres.internal:5432/railway"
	for _, useDB := range []bool{true, false} {
		name := map[bool]string{true: "railway db", false: "external db"}[useDB]
		t.Run(name, func(t *testing.T) {
			t.Chdir(writeProject(t, jwtTodoModel))
			flag := map[bool]string{true: "--use-railway-db=true", false: "--use-railway-db=false"}[useDB]
			out, errOut, code := runExo(t, "deploy", "railway", flag)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			var rc struct {
				Build struct {
					Builder        string `toml:"builder"`
					DockerfilePath string `toml:"dockerfilePath"`
				} `toml:"build"`
				Deploy struct {
					HealthcheckPath string `toml:"healthcheckPath"`
				} `toml:"deploy"`
			}
			if _, err := toml.DecodeFile("railway.toml", &rc); err != nil {
				t.Fatalf("railway.toml: %v", err)
			}
			if rc.Build.Builder != "DOCKERFILE" || rc.Build.DockerfilePath != "Dockerfile.railway" || rc.Deploy.HealthcheckPath != "/health" {
				t.Errorf("railway.toml = %+v", rc)
			}

			df := readFile(t, "Dockerfile.railway")
			for _, want := range []string{
				"ARG EXO_VERSION=" + Version + "\n",
				"COPY . .\nRUN exo build\n",
				"ARG DATABASE_URL\n",
				`exo schema migrate --use-ir --non-interactive --apply-to-database --database "$DATABASE_URL"`,
				`exo schema verify --use-ir --database "$DATABASE_URL"`,
				"FROM gcr.io/distroless/static-debian12:nonroot\n",
				"COPY --from=builder /app/target/index.exo_ir ./target/index.exo_ir\n",
			} {
				if !strings.Contains(df, want) {
					t.Errorf("Dockerfile.railway lacks %q:\n%s", want, df)
				}
			}

			// On Railway: PORT and the database variables.
			vars := map[string]string{"PORT": "7001", "DATABASE_URL": public, "DATABASE_PRIVATE_URL": private}
			cfg := railwayRuntime(t, df, vars)
			wantURL := map[bool]string{true: private, false: public}[useDB]
			if cfg.Port != 7001 || cfg.Host != "0.0.0.0" || !cfg.PostgresReadWrite || cfg.PostgresURL != wantURL {
				t.Errorf("exo-server on Railway: port %d host %s rw %v url %s, want 7001 0.0.0.0 true %s",
					cfg.Port, cfg.Host, cfg.PostgresReadWrite, cfg.PostgresURL, wantURL)
			}
			// Without PORT, exo-server's default port (EXPOSE).
			if cfg := railwayRuntime(t, df, map[string]string{"DATABASE_URL": public}); cfg.Port != defaultServerPort(t) || cfg.PostgresURL != public {
				t.Errorf("without PORT: port %d url %s", cfg.Port, cfg.PostgresURL)
			}
			if st := finalStage(t, df); st.expose != "9876" {
				t.Errorf("EXPOSE %s", st.expose)
			}

			for _, want := range []string{"Commit railway.toml and Dockerfile.railway", "\"GitHub Repo\"", "EXO_JWT_SECRET", "Add a Domain"} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			if got := strings.Contains(out, "DATABASE_PRIVATE_URL"); got != useDB {
				t.Errorf("stdout mentions DATABASE_PRIVATE_URL: %v, want %v:\n%s", got, useDB, out)
			}
		})
	}
}

func TestDeployRailwayAsks(t *testing.T) {
	for _, c := range []struct {
		input       string
		wantPrivate bool
	}{
		{"1\n", true},
		{"2\n", false},
		{"maybe\n2", false}, // asked again; an answer without a newline counts
	} {
		t.Chdir(writeProject(t, todoModel))
		var out, errb bytes.Buffer
		code := Run([]string{"deploy", "railway"}, IO{In: strings.NewReader(c.input), Out: &out, Err: &errb})
		if code != ExitOK {
			t.Fatalf("input %q: exit %d\n%s%s", c.input, code, out.String(), errb.String())
		}
		if !strings.Contains(errb.String(), "Which PostgreSQL database will the app use?") {
			t.Errorf("input %q: no question:\n%s", c.input, errb.String())
		}
		if strings.HasPrefix(c.input, "maybe") && !strings.Contains(errb.String(), "Please answer 1 or 2.") {
			t.Errorf("an invalid answer was not asked again:\n%s", errb.String())
		}
		df := readFile(t, "Dockerfile.railway")
		if got := strings.Contains(df, "EXO_POSTGRES_URL=${DATABASE_PRIVATE_URL}"); got != c.wantPrivate {
			t.Errorf("input %q: Dockerfile.railway uses DATABASE_PRIVATE_URL: %v, want %v", c.input, got, c.wantPrivate)
		}
	}
}

// TestDeployVersion checks the exo-server release the Dockerfiles download:
// this exo's version, with a warning for a development build.
func TestDeployVersion(t *testing.T) {
	saved := Version
	t.Cleanup(func() { Version = saved })
	for _, c := range []struct {
		version, want string
		warn          bool
	}{
		{"1.4.2", "1.4.2", false},
		{"v2.0.0-rc.1", "2.0.0-rc.1", false},
		{"0.1.0-dev", "0.1.0-dev", true},
		{"1.4.3-next", "1.4.3-next", true}, // goreleaser snapshot
	} {
		Version = c.version
		t.Chdir(writeProject(t, todoModel))
		out, errOut, code := runExo(t, "deploy", "fly", "-a", "todo")
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s%s", c.version, code, out, errOut)
		}
		if df := readFile(t, "Dockerfile.fly"); !strings.Contains(df, "ARG EXO_VERSION="+c.want+"\n") {
			t.Errorf("%s: Dockerfile.fly does not pin %s", c.version, c.want)
		}
		if got := strings.Contains(errOut, "is a development build"); got != c.warn {
			t.Errorf("%s: warning %v, want %v: %q", c.version, got, c.warn, errOut)
		}
	}
}

// TestDeployDockerfilesMatchRelease checks the download URLs of the
// Dockerfiles against .goreleaser.yaml: the archive names, the binaries they
// hold and the version exo reports.
func TestDeployDockerfilesMatchRelease(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", ".goreleaser.yaml"))
	if err != nil {
		t.Skipf("no .goreleaser.yaml: %v", err)
	}
	var rel struct {
		ProjectName string `yaml:"project_name"`
		Builds      []struct {
			ID      string   `yaml:"id"`
			Binary  string   `yaml:"binary"`
			Goos    []string `yaml:"goos"`
			Goarch  []string `yaml:"goarch"`
			Ldflags []string `yaml:"ldflags"`
		} `yaml:"builds"`
		Archives []struct {
			ID           string   `yaml:"id"`
			IDs          []string `yaml:"ids"`
			Formats      []string `yaml:"formats"`
			NameTemplate string   `yaml:"name_template"`
		} `yaml:"archives"`
		Checksum struct {
			NameTemplate string `yaml:"name_template"`
		} `yaml:"checksum"`
		Release struct {
			GitHub struct {
				Owner string `yaml:"owner"`
				Name  string `yaml:"name"`
			} `yaml:"github"`
		} `yaml:"release"`
	}
	if err := yaml.Unmarshal(raw, &rel); err != nil {
		t.Fatal(err)
	}
	if want := "https://github.com/" + rel.Release.GitHub.Owner + "/" + rel.Release.GitHub.Name + "/releases/download"; exoReleases != want {
		t.Errorf("exoReleases = %s, want %s", exoReleases, want)
	}
	if rel.Checksum.NameTemplate != "checksums.txt" {
		t.Errorf("checksum file %q, the Dockerfiles download checksums.txt", rel.Checksum.NameTemplate)
	}
	binaries := map[string]string{}
	for _, b := range rel.Builds {
		binaries[b.ID] = b.Binary
		if !contains(b.Goos, "linux") || !contains(b.Goarch, "amd64") || !contains(b.Goarch, "arm64") {
			t.Errorf("build %s is not released for linux amd64 and arm64", b.ID)
		}
		if b.ID == "exo" && !strings.Contains(strings.Join(b.Ldflags, " "), "internal/cli.Version={{ .Version }}") {
			t.Errorf("the exo build does not set cli.Version to the release version: %v", b.Ldflags)
		}
	}
	archive := func(id string) (name string, bins []string) {
		for _, a := range rel.Archives {
			if a.ID != id {
				continue
			}
			name = strings.NewReplacer("{{ .ProjectName }}", rel.ProjectName, "{{ .Version }}", "${EXO_VERSION}",
				"{{ .Os }}", "linux", "{{ .Arch }}", "${TARGETARCH:-amd64}").Replace(a.NameTemplate)
			for _, b := range a.IDs {
				bins = append(bins, binaries[b])
			}
			return name + "." + a.Formats[0], bins
		}
		t.Fatalf("no archive %s in .goreleaser.yaml", id)
		return "", nil
	}

	t.Chdir(writeProject(t, todoModel))
	if _, errOut, code := runExo(t, "deploy", "fly", "-a", "todo"); code != ExitOK {
		t.Fatal(errOut)
	}
	if _, errOut, code := runExo(t, "deploy", "railway", "--use-railway-db=false"); code != ExitOK {
		t.Fatal(errOut)
	}
	for _, c := range []struct {
		file, archiveID string
		extract         []string
	}{
		{"Dockerfile.fly", "exo-server", []string{"exo-server"}},
		{"Dockerfile.railway", "exo", []string{"exo", "exo-server"}},
	} {
		df := readFile(t, c.file)
		name, bins := archive(c.archiveID)
		if !strings.Contains(df, `archive="`+name+`"`) {
			t.Errorf("%s does not download %s:\n%s", c.file, name, df)
		}
		if !strings.Contains(df, `release="`+exoReleases+`/v${EXO_VERSION}"`) {
			t.Errorf("%s does not download from the v${EXO_VERSION} release", c.file)
		}
		if !strings.Contains(df, `tar -xzf "$archive" `+strings.Join(c.extract, " ")+"") {
			t.Errorf("%s does not extract %v", c.file, c.extract)
		}
		for _, b := range c.extract {
			if !contains(bins, b) {
				t.Errorf("%s extracts %s, which archive %s (%v) does not hold", c.file, b, c.archiveID, bins)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDeployDockerignoreWarning(t *testing.T) {
	for _, c := range []struct {
		ignore string
		warn   bool
	}{
		{"target/\n", true},
		{"# build output\n/target\n", true},
		{"*\n!src\n", true},
		{"target\n!target/index.exo_ir\n", false},
		{"node_modules\n.env\n", false},
	} {
		t.Chdir(writeProject(t, todoModel))
		if err := os.WriteFile(".dockerignore", []byte(c.ignore), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := runExo(t, "deploy", "fly", "-a", "todo")
		if code != ExitOK {
			t.Fatalf("%q: exit %d %s", c.ignore, code, errOut)
		}
		if got := strings.Contains(errOut, "the image needs target/index.exo_ir"); got != c.warn {
			t.Errorf(".dockerignore %q: warning %v, want %v: %s", c.ignore, got, c.warn, errOut)
		}
	}
}

func TestTOMLQuoting(t *testing.T) {
	for _, s := range []string{"", "plain", `"`, `\`, "a\nb\r\tc", "\x00\x1f\x7f", "é ü 漢字", `\u0041`} {
		var v struct{ K string }
		if _, err := toml.Decode("K = "+tomlString(s), &v); err != nil || v.K != s {
			t.Errorf("tomlString(%q) = %s decodes to %q, %v", s, tomlString(s), v.K, err)
		}
	}
	for _, k := range []string{"A_B", "a.b", "with space", "x-y"} {
		var m map[string]string
		if _, err := toml.Decode(tomlKey(k)+` = "v"`, &m); err != nil || m[k] != "v" {
			t.Errorf("tomlKey(%q) = %s decodes to %v, %v", k, tomlKey(k), m, err)
		}
	}
}
