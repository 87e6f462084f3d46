package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server"
)

func init() { commands = append(commands, newDeployCmd) }

// exoReleases is where the release archives of exo (.goreleaser.yaml) are
// published; the generated Dockerfiles download exo-server (and, for
// Railway, exo) from there.
const exoReleases = "https://github.com/exo-dev/exo/releases/download"

// The generated files.
const (
	flyTomlFile           = "fly.toml"
	flyDockerfileFile     = "Dockerfile.fly"
	railwayTomlFile       = "railway.toml"
	railwayDockerfileFile = "Dockerfile.railway"
)

func newDeployCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Create the files to deploy the project to a cloud provider and print the instructions",
		Long: `Deploy creates the files that deploy the project in the current directory to a
cloud provider and prints the deployment instructions:

  exo deploy fly          fly.toml and Dockerfile.fly (Fly.io)
  exo deploy railway      railway.toml and Dockerfile.railway (Railway)
  exo deploy aws-lambda   target/aws-lambda/function.zip (AWS Lambda)

The Dockerfiles build an image of exo-server (the release of the same version
as this exo) serving the project's target/index.exo_ir. Existing files are
never overwritten: remove them to regenerate them. The AWS Lambda package
holds this exo (as the function's bootstrap) and target/index.exo_ir; it is
a build output, replaced each time.`,
		// Unknown targets reach RunE (with their flags) for a precise message.
		FParseErrWhitelist:         cobra.FParseErrWhitelist{UnknownFlags: true},
		SuggestionsMinimumDistance: 2,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			switch args[0] {
			case "cf-worker":
				return withExitCode(ExitUsage, errors.New("exo deploy cf-worker is not available: Exograph's Cloudflare Worker is a WebAssembly build of its server, and exo-server does not run on Workers; deploy exo-server as a container instead (exo deploy fly, exo deploy railway) or as an AWS Lambda function (exo deploy aws-lambda)"))
			}
			msg := fmt.Sprintf("unknown deploy target %q: use fly, railway or aws-lambda", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
			}
			return withExitCode(ExitUsage, errors.New(msg))
		},
	}
	cmd.AddCommand(newDeployFlyCmd(stdio), newDeployRailwayCmd(stdio), newDeployAWSLambdaCmd(stdio))
	return cmd
}

// ---------------------------------------------------------------------------
// exo deploy fly

func newDeployFlyCmd(stdio IO) *cobra.Command {
	var app, envFile string
	var envs []string
	var useFlyDB bool
	cmd := &cobra.Command{
		Use:   "fly",
		Short: "Deploy to Fly.io",
		Long: `Deploy to Fly.io: builds the model (target/index.exo_ir, as exo build does),
creates fly.toml (the app, its environment, the HTTP service on exo-server's
port with a /health check) and Dockerfile.fly (exo-server and the IR on a
distroless image), and prints the commands that create and deploy the app.

Environment variables given with --env and --env-file go to the [env] section
of fly.toml (--env wins over the file); keep secrets such as EXO_JWT_SECRET
or the database URL out of them and use fly secrets set instead.
EXO_POSTGRES_READ_WRITE defaults to true so that mutations work.

Existing fly.toml or Dockerfile.fly files are not overwritten: the command
stops and names them. After a model change, run exo build and fly deploy.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := deployEnv(envFile, envs)
			if err != nil {
				return err
			}
			if app == "" {
				if app, err = appNameFromDir(); err != nil {
					return err
				}
			} else if err := checkFlyAppName(app); err != nil {
				return err
			}
			if _, ok := env.get("EXO_POSTGRES_READ_WRITE"); !ok {
				env.setFirst("EXO_POSTGRES_READ_WRITE", "true")
			}
			cfg, err := server.FromEnv(env.asMap())
			if err != nil {
				return withExitCode(ExitUsage, fmt.Errorf("the environment given with --env/--env-file is not valid for exo-server: %v", err))
			}
			if cfg.Port == 0 {
				return withExitCode(ExitUsage, errors.New("EXO_SERVER_PORT=0 (a random port) cannot be the internal port of a Fly.io service"))
			}
			if err := requireProject(); err != nil {
				return err
			}
			if err := refuseExisting(flyTomlFile, flyDockerfileFile); err != nil {
				return err
			}
			sys, err := buildProject(stdio, ".", "text")
			if err != nil {
				return err
			}
			if err := ir.WriteFile(ir.DefaultPath, sys); err != nil {
				return withExitCode(ExitModel, err)
			}
			fmt.Fprintf(stdio.Out, "Exograph IR file %s created\n", ir.DefaultPath)

			version := releaseVersion(stdio, flyDockerfileFile)
			data := deployData{App: app, Version: version, Port: cfg.Port, Releases: exoReleases}
			files := []generatedFile{
				{flyTomlFile, flyToml(app, env, cfg.Port)},
				{flyDockerfileFile, render(flyDockerfileTmpl, data)},
			}
			if err := writeNewFiles(files); err != nil {
				return err
			}
			fmt.Fprintf(stdio.Out, "Created %s and %s for the Fly.io app %s.\n", flyTomlFile, flyDockerfileFile, app)
			warnFlyEnv(stdio, app, env)
			warnDockerignore(stdio)
			printFlyInstructions(stdio.Out, app, useFlyDB, usesJWT(sys))
			return nil
		},
	}
	cmd.Flags().StringVarP(&app, "app", "a", "", "The name of the application (defaults to the current directory name)")
	// StringArray, not StringSlice: values such as EXO_CORS_DOMAINS=a,b keep their commas.
	cmd.Flags().StringArrayVarP(&envs, "env", "e", nil, "Environment variables to pass to the application e.g. -e KEY=VALUE (may be specified multiple times)")
	cmd.Flags().StringVar(&envFile, "env-file", "", "Path to a file containing environment variables to pass to the application")
	cmd.Flags().BoolVar(&useFlyDB, "use-fly-db", false, "Use database provided by Fly.io")
	return cmd
}

func printFlyInstructions(w io.Writer, app string, useFlyDB, jwt bool) {
	db := app + "-db"
	// fly postgres attach creates a database and a user named after the
	// app, with underscores for dashes, and sets the DATABASE_URL secret.
	dbName := strings.ReplaceAll(app, "-", "_")
	proxyURL := fmt.Sprintf("postgres://%s:<password>@localhost:15432/%s", dbName, dbName)

	fmt.Fprintf(w, "\nIf you haven't already done so, run `fly auth login` to log in to Fly.io.\n")
	fmt.Fprintf(w, "\nTo deploy the app for the first time, run:\n")
	fmt.Fprintf(w, "fly apps create %s\n", app)
	if jwt {
		fmt.Fprintf(w, "fly secrets set --app %s EXO_JWT_SECRET=<your-jwt-secret>   # or EXO_OIDC_URL=<your-oidc-url>\n", app)
	}
	if useFlyDB {
		fmt.Fprintf(w, "fly postgres create --name %s\n", db)
		fmt.Fprintf(w, "fly postgres attach --app %s %s   # sets the DATABASE_URL secret and prints it\n", app, db)
		fmt.Fprintf(w, "fly proxy 15432:5432 --app %s   # in another terminal, to reach the database from here\n", db)
		fmt.Fprintf(w, "exo schema migrate --apply-to-database --database %s   # the password is in the DATABASE_URL printed by fly postgres attach\n", proxyURL)
	} else {
		fmt.Fprintf(w, "fly secrets set --app %s DATABASE_URL=<your-postgres-url>\n", app)
		fmt.Fprintf(w, "exo schema migrate --apply-to-database --database <your-postgres-url>\n")
	}
	fmt.Fprintf(w, "fly deploy\n")

	fmt.Fprintf(w, "\nTo deploy a new version of an existing app, run:\n")
	fmt.Fprintf(w, "exo build\n")
	if useFlyDB {
		fmt.Fprintf(w, "exo schema migrate --apply-to-database --database %s   # through fly proxy, if the model's database schema changed\n", proxyURL)
	} else {
		fmt.Fprintf(w, "exo schema migrate --apply-to-database --database <your-postgres-url>   # if the model's database schema changed\n")
	}
	fmt.Fprintf(w, "fly deploy\n")
}

// flyToml renders fly.toml. Keys and values are quoted for TOML.
func flyToml(app string, env *envList, port int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `# Fly.io configuration of the exo application %[1]s, created by exo deploy fly.
# See https://fly.io/docs/reference/configuration/
app = %[2]s
# primary_region = "iad"   # keep the app in the region of its database

[build]
  dockerfile = %[3]s

# Settings of exo-server (put secrets in fly secrets set, not here).
[env]
`, app, tomlString(app), tomlString(flyDockerfileFile))
	for _, kv := range env.vars {
		fmt.Fprintf(&b, "  %s = %s\n", tomlKey(kv[0]), tomlString(kv[1]))
	}
	fmt.Fprintf(&b, `
[http_service]
  internal_port = %d
  force_https = true
  auto_stop_machines = "stop"
  auto_start_machines = true
  min_machines_running = 0

  [[http_service.checks]]
    method = "GET"
    path = "/health"
    interval = "30s"
    timeout = "5s"
    grace_period = "10s"

[[vm]]
  cpu_kind = "shared"
  cpus = 1
  memory = "512mb"
`, port)
	return b.String()
}

const flyDockerfileTmpl = `# Image of the exo application {{.App}} for Fly.io, created by exo deploy fly
# (fly deploy builds it, see fly.toml). It serves target/index.exo_ir: run
# exo build before each fly deploy.
#
# The first stage downloads the exo-server release of the exo that built the
# IR (exo-server reads only IR files of its own release) and checks it
# against the release's checksums. The image is distroless: the static
# exo-server binary, the IR and CA certificates, run as a non-root user.

ARG EXO_VERSION={{.Version}}

FROM alpine:3 AS exo-server
ARG EXO_VERSION
ARG TARGETARCH
WORKDIR /tmp/exo
RUN set -eu; \
    archive="exo-server_${EXO_VERSION}_linux_${TARGETARCH:-amd64}.tar.gz"; \
    release="{{.Releases}}/v${EXO_VERSION}"; \
    wget -q "$release/$archive" "$release/checksums.txt"; \
    grep " $archive\$" checksums.txt > archive.sha256 || { echo "no checksum for $archive" >&2; exit 1; }; \
    sha256sum -c archive.sha256; \
    tar -xzf "$archive" exo-server

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=exo-server /tmp/exo/exo-server /usr/local/bin/exo-server
COPY target/index.exo_ir ./target/index.exo_ir
# exo-server must listen on all interfaces; internal_port in fly.toml is
# EXO_SERVER_PORT. Other settings are in fly.toml ([env]) and fly secrets.
ENV EXO_SERVER_HOST=0.0.0.0 \
    EXO_SERVER_PORT={{.Port}} \
    EXO_ENV=production
EXPOSE {{.Port}}
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/exo-server"]
`

// ---------------------------------------------------------------------------
// exo deploy railway

func newDeployRailwayCmd(stdio IO) *cobra.Command {
	var useRailwayDB bool
	cmd := &cobra.Command{
		Use:   "railway",
		Short: "Deploy to Railway",
		Long: `Deploy to Railway: creates Dockerfile.railway and railway.toml (which points
Railway at Dockerfile.railway) and prints the deployment instructions.

Railway builds Dockerfile.railway from the repository: its first stage builds
target/index.exo_ir with exo build and migrates the database (DATABASE_URL,
a build variable); its second stage serves the IR with exo-server, on
Railway's PORT, with the database at DATABASE_PRIVATE_URL
(--use-railway-db=true) or DATABASE_URL (--use-railway-db=false). Without
--use-railway-db, the command asks which database the app uses.

Existing railway.toml or Dockerfile.railway files are not overwritten: the
command stops and names them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireProject(); err != nil {
				return err
			}
			if err := refuseExisting(railwayTomlFile, railwayDockerfileFile); err != nil {
				return err
			}
			if !cmd.Flags().Changed("use-railway-db") {
				var err error
				if useRailwayDB, err = askRailwayDB(stdio); err != nil {
					return err
				}
			}
			// Check the model now rather than in Railway's build.
			sys, err := buildProject(stdio, ".", "text")
			if err != nil {
				return err
			}
			version := releaseVersion(stdio, railwayDockerfileFile)
			data := deployData{Version: version, Releases: exoReleases, UseRailwayDB: useRailwayDB}
			files := []generatedFile{
				{railwayTomlFile, railwayToml},
				{railwayDockerfileFile, render(railwayDockerfileTmpl, data)},
			}
			if err := writeNewFiles(files); err != nil {
				return err
			}
			fmt.Fprintf(stdio.Out, "Created %s and %s.\n", railwayTomlFile, railwayDockerfileFile)
			printRailwayInstructions(stdio.Out, useRailwayDB, usesJWT(sys))
			return nil
		},
	}
	cmd.Flags().BoolVar(&useRailwayDB, "use-railway-db", false, "Use database provided by Railway (true or false; asked when not given)")
	return cmd
}

// askRailwayDB asks which database the app uses; end of input without an
// answer is a usage error.
func askRailwayDB(stdio IO) (bool, error) {
	in := bufio.NewReader(stdio.In)
	fmt.Fprint(stdio.Err, "Which PostgreSQL database will the app use?\n  1) a database provided by Railway\n  2) an external database (Neon, ...)\n")
	for {
		fmt.Fprint(stdio.Err, "Choice [1/2]: ")
		line, err := in.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "1", "railway":
			return true, nil
		case "2", "external":
			return false, nil
		}
		if err != nil {
			fmt.Fprintln(stdio.Err)
			return false, withExitCode(ExitUsage, errors.New("no database choice: pass --use-railway-db=true or --use-railway-db=false"))
		}
		fmt.Fprintln(stdio.Err, "Please answer 1 or 2.")
	}
}

func printRailwayInstructions(w io.Writer, useRailwayDB, jwt bool) {
	fmt.Fprintf(w, "\nCommit %s and %s, then push the repository to GitHub.\n", railwayTomlFile, railwayDockerfileFile)
	fmt.Fprintf(w, "\nTo deploy the app for the first time, in Railway:\n")
	fmt.Fprintf(w, "- Create a new project.\n")
	fmt.Fprintf(w, "- Add a \"New Service\" to the project and select \"GitHub Repo\" pointing to the repository.\n")
	if useRailwayDB {
		fmt.Fprintf(w, "- Provision a new PostgreSQL database in the project.\n")
		fmt.Fprintf(w, "- Add \"Variable Reference\"s to the service for the database's URLs:\n")
		fmt.Fprintf(w, "    DATABASE_URL: its public URL (the build migrates the database through it)\n")
		fmt.Fprintf(w, "    DATABASE_PRIVATE_URL: its private network URL (exo-server uses it)\n")
	} else {
		fmt.Fprintf(w, "- Add the DATABASE_URL variable to the service, set to your database's URL (postgres://...).\n")
	}
	if jwt {
		fmt.Fprintf(w, "- Add the EXO_JWT_SECRET variable (or EXO_OIDC_URL) to the service.\n")
	}
	fmt.Fprintf(w, "- Wait for the deployment to complete.\n")
	fmt.Fprintf(w, "- Click on \"Add a Domain\" and note the server URL (its GraphQL endpoint is /graphql).\n")
	fmt.Fprintf(w, "\nTo deploy a new version, push to the repository: the build migrates the database first, and fails\n")
	fmt.Fprintf(w, "if the model needs destructive changes (apply those with exo schema migrate --allow-destructive-changes).\n")
}

const railwayToml = `# Railway configuration of this exo application, created by exo deploy railway.
# See https://docs.railway.com/reference/config-as-code
[build]
builder = "DOCKERFILE"
dockerfilePath = "Dockerfile.railway"

[deploy]
healthcheckPath = "/health"
restartPolicyType = "ON_FAILURE"
restartPolicyMaxRetries = 10
`

const railwayDockerfileTmpl = `# Image of this exo application for Railway, created by exo deploy railway
# (railway.toml points Railway at this file). Railway builds it from the
# repository:
#
# - the first stage downloads the exo release of the exo that created this
#   file (checked against the release's checksums), builds
#   target/index.exo_ir with exo build and migrates the database at
#   DATABASE_URL (a variable of the service, which Railway passes to the
#   build): a migration that needs destructive changes fails the build;
# - the second stage serves the IR with exo-server on a distroless image,
#   run as a non-root user.
#
# Add settings for exo-server (EXO_CORS_DOMAINS, ...) to the ENV instruction
# below or as variables of the service (secrets such as EXO_JWT_SECRET as
# variables only).

ARG EXO_VERSION={{.Version}}

FROM alpine:3 AS builder
ARG EXO_VERSION
ARG TARGETARCH
WORKDIR /tmp/exo
RUN set -eu; \
    archive="exo_${EXO_VERSION}_linux_${TARGETARCH:-amd64}.tar.gz"; \
    release="{{.Releases}}/v${EXO_VERSION}"; \
    wget -q "$release/$archive" "$release/checksums.txt"; \
    grep " $archive\$" checksums.txt > archive.sha256 || { echo "no checksum for $archive" >&2; exit 1; }; \
    sha256sum -c archive.sha256; \
    tar -xzf "$archive" exo exo-server; \
    mv exo exo-server /usr/local/bin/

WORKDIR /app
COPY . .
RUN exo build

# The migration needs the database when the image is built. It applies the
# changes that destroy nothing; verify fails if the database still does not
# fit the model (destructive changes: apply them yourself with
# exo schema migrate --allow-destructive-changes --apply-to-database).
ARG DATABASE_URL
RUN set -eu; \
    if [ -z "${DATABASE_URL:-}" ]; then echo "DATABASE_URL is not set: add it to the variables of the service" >&2; exit 1; fi; \
    exo schema migrate --use-ir --non-interactive --apply-to-database --database "$DATABASE_URL"; \
    exo schema verify --use-ir --database "$DATABASE_URL"

# exo-server reads /app/.env and expands its variables when it starts: it
# listens on Railway's PORT{{if .UseRailwayDB}} and uses the database's private URL{{end}}.
RUN printf '%s\n' 'EXO_SERVER_PORT=${PORT}'{{if .UseRailwayDB}} 'EXO_POSTGRES_URL=${DATABASE_PRIVATE_URL}'{{end}} > /tmp/exo/server.env

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=builder /usr/local/bin/exo-server /usr/local/bin/exo-server
COPY --from=builder /app/target/index.exo_ir ./target/index.exo_ir
COPY --from=builder /tmp/exo/server.env ./.env
# exo-server must listen on all interfaces; EXO_POSTGRES_READ_WRITE lets
# mutations write. The database is {{if .UseRailwayDB}}DATABASE_PRIVATE_URL (DATABASE_URL if unset){{else}}DATABASE_URL{{end}}.
ENV EXO_SERVER_HOST=0.0.0.0 \
    EXO_ENV=production \
    EXO_POSTGRES_READ_WRITE=true
# ENV EXO_CORS_DOMAINS="https://app.example.com"
EXPOSE 9876
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/exo-server"]
`

// ---------------------------------------------------------------------------
// Shared

// deployData feeds the Dockerfile templates.
type deployData struct {
	App          string
	Version      string // exo release, without the v of its tag
	Releases     string // base URL of the release downloads
	Port         int
	UseRailwayDB bool
}

func render(tmpl string, data deployData) string {
	var b strings.Builder
	// The templates are constants (tested); a strings.Builder does not fail.
	_ = template.Must(template.New("").Parse(tmpl)).Execute(&b, data)
	return b.String()
}

type generatedFile struct{ path, content string }

// requireProject checks that the current directory holds an exo project.
func requireProject() error {
	if _, err := os.Stat(filepath.Join("src", "index.exo")); err != nil {
		return withExitCode(ExitModel, errors.New("the current directory is not an exo project: src/index.exo not found"))
	}
	return nil
}

// refuseExisting fails, naming them, if any of paths exists: exo deploy
// never overwrites a file.
func refuseExisting(paths ...string) error {
	var exist []string
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			exist = append(exist, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return withExitCode(ExitModel, err)
		}
	}
	switch len(exist) {
	case 0:
		return nil
	case 1:
		return withExitCode(ExitModel, fmt.Errorf("%s already exists: exo deploy does not overwrite it; remove it (or move it away) to create it again", exist[0]))
	}
	return withExitCode(ExitModel, fmt.Errorf("%s already exist: exo deploy does not overwrite them; remove them (or move them away) to create them again", strings.Join(exist, " and ")))
}

// writeNewFiles creates the files, none of which may exist; on an error
// the files it created are removed.
func writeNewFiles(files []generatedFile) error {
	var created []string
	for _, f := range files {
		err := writeNewFile(f.path, f.content)
		if err != nil {
			for _, p := range created {
				os.Remove(p)
			}
			if errors.Is(err, fs.ErrExist) {
				return withExitCode(ExitModel, fmt.Errorf("%s already exists: exo deploy does not overwrite it", f.path))
			}
			return withExitCode(ExitModel, err)
		}
		created = append(created, f.path)
	}
	return nil
}

func writeNewFile(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// envList is an ordered set of environment variables: the first setting of
// a name fixes its position, the last one its value.
type envList struct{ vars [][2]string }

func (l *envList) set(k, v string) {
	for i := range l.vars {
		if l.vars[i][0] == k {
			l.vars[i][1] = v
			return
		}
	}
	l.vars = append(l.vars, [2]string{k, v})
}

// setFirst adds k=v in front.
func (l *envList) setFirst(k, v string) {
	l.vars = append([][2]string{{k, v}}, l.vars...)
}

func (l *envList) get(k string) (string, bool) {
	for _, kv := range l.vars {
		if kv[0] == k {
			return kv[1], true
		}
	}
	return "", false
}

func (l *envList) asMap() map[string]string {
	m := make(map[string]string, len(l.vars))
	for _, kv := range l.vars {
		m[kv[0]] = kv[1]
	}
	return m
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envFileKeyRE is what exo-server's .env reader accepts as a name.
var envFileKeyRE = regexp.MustCompile(`^[A-Za-z_.][A-Za-z0-9_.]*$`)

// deployEnv reads --env-file (dotenv syntax, as exo-server's .env files)
// then the --env KEY=VALUE flags, which win.
func deployEnv(envFile string, envs []string) (*envList, error) {
	l := &envList{}
	if envFile != "" {
		vars, err := readEnvFile(envFile)
		if err != nil {
			return nil, err
		}
		for _, kv := range vars {
			l.set(kv[0], kv[1])
		}
	}
	for _, e := range envs {
		k, v, ok := strings.Cut(e, "=")
		if !ok || !envNameRE.MatchString(k) {
			return nil, withExitCode(ExitUsage, fmt.Errorf("invalid --env %q: expected KEY=VALUE with KEY a variable name (letters, digits and _)", e))
		}
		l.set(k, v)
	}
	return l, nil
}

// readEnvFile parses an env file with exo-server's .env reader (the same
// syntax: comments, quotes, export, $VAR expansion from earlier lines), in
// the order of the file.
func readEnvFile(path string) ([][2]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, withExitCode(ExitUsage, fmt.Errorf("--env-file %s: no such file", path))
		}
		return nil, withExitCode(ExitUsage, fmt.Errorf("--env-file %s: %v", path, unwrapPathError(err)))
	}
	// server.LoadEnvFiles reads the .env file of a directory: give it a
	// copy of the file in a directory of its own.
	tmp, err := os.MkdirTemp("", "exo-env-file-")
	if err != nil {
		return nil, withExitCode(ExitModel, err)
	}
	defer os.RemoveAll(tmp)
	copyPath := filepath.Join(tmp, ".env")
	if err := os.WriteFile(copyPath, data, 0o600); err != nil {
		return nil, withExitCode(ExitModel, err)
	}
	vars, err := server.LoadEnvFiles(tmp, map[string]string{})
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), copyPath, path)
		return nil, withExitCode(ExitUsage, fmt.Errorf("--env-file %s", msg))
	}
	// Keep the order of the file.
	var out [][2]string
	seen := map[string]bool{}
	for _, k := range envFileKeys(data) {
		if v, ok := vars[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, [2]string{k, v})
		}
	}
	for k, v := range vars { // keys envFileKeys missed (none expected)
		if !seen[k] {
			out = append(out, [2]string{k, v})
		}
	}
	return out, nil
}

// envFileKeys lists the keys of a valid env file in the order of their
// first line (LoadEnvFiles returns a map).
func envFileKeys(data []byte) []string {
	var keys []string
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "export ")
		if k, _, ok := strings.Cut(line, "="); ok {
			if k = strings.TrimSpace(k); envFileKeyRE.MatchString(k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var flyAppNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

func checkFlyAppName(app string) error {
	if len(app) > 63 || !flyAppNameRE.MatchString(app) {
		return withExitCode(ExitUsage, fmt.Errorf("invalid --app %q: a Fly.io app name has lowercase letters, digits and dashes (not at either end), at most 63 characters", app))
	}
	return nil
}

// appNameFromDir derives the app name from the current directory's name
// (lowercased, other characters turned into dashes).
func appNameFromDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", withExitCode(ExitModel, err)
	}
	base := filepath.Base(wd)
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(base) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimRight(b.String(), "-")
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	if name == "" {
		return "", withExitCode(ExitUsage, fmt.Errorf("cannot make an app name of the directory name %q: pass --app", base))
	}
	return name, nil
}

var releaseRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-(alpha|beta|rc)(\.?[0-9]+)*)?$`)

// releaseVersion is the exo release the Dockerfile downloads: this exo's
// version (set at release time, or the module version of go install
// .../cmd/exo@vX.Y.Z). A development build has no release; the file is
// still written, with a warning.
func releaseVersion(stdio IO, file string) string {
	v := strings.TrimPrefix(Version, "v")
	if !releaseRE.MatchString(v) {
		if bi, ok := debug.ReadBuildInfo(); ok && releaseRE.MatchString(strings.TrimPrefix(bi.Main.Version, "v")) {
			return strings.TrimPrefix(bi.Main.Version, "v")
		}
		fmt.Fprintf(stdio.Err, "warning: this exo (%s) is a development build, not a release: EXO_VERSION in %s names no downloadable exo-server; use a released exo, or set EXO_VERSION to a release that reads the IR files of this exo\n", Version, file)
	}
	return v
}

// warnFlyEnv warns about settings of fly.toml that will not work well.
func warnFlyEnv(stdio IO, app string, env *envList) {
	if h, ok := env.get("EXO_SERVER_HOST"); ok && h != "0.0.0.0" && h != "::" && h != "[::]" {
		fmt.Fprintf(stdio.Err, "warning: EXO_SERVER_HOST=%s: Fly.io's proxy reaches the app only if exo-server listens on all interfaces (0.0.0.0)\n", h)
	}
	for _, k := range []string{"EXO_JWT_SECRET", "EXO_POSTGRES_URL", "DATABASE_URL"} {
		if _, ok := env.get(k); ok {
			fmt.Fprintf(stdio.Err, "warning: %s is written in clear in fly.toml; prefer `fly secrets set --app %s %s=...`\n", k, app, k)
		}
	}
}

// warnDockerignore warns when a line of .dockerignore seems to leave the IR
// out of the build context (fly deploy sends the directory to the builder).
func warnDockerignore(stdio IO) {
	data, err := os.ReadFile(".dockerignore")
	if err != nil {
		return
	}
	lines := strings.Split(string(data), "\n")
	for _, line := range lines {
		switch strings.TrimSpace(line) {
		case "!target", "!target/", "!/target", "!target/index.exo_ir", "!/target/index.exo_ir":
			return // brought back
		}
	}
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "!") {
			continue
		}
		p := strings.TrimPrefix(line, "/")
		for _, suffix := range []string{"**", "*", "/"} {
			p = strings.TrimSuffix(p, suffix)
		}
		switch p {
		case "", "target", "target/index.exo_ir":
			fmt.Fprintf(stdio.Err, "warning: .dockerignore has %q: the image needs target/index.exo_ir (add the line !target/index.exo_ir after it)\n", line)
			return
		}
	}
}

// usesJWT reports whether a context of the model reads the JWT (the app then
// needs EXO_JWT_SECRET or EXO_OIDC_URL).
func usesJWT(sys *ir.System) bool {
	for _, c := range sys.Contexts {
		for _, f := range c.Fields {
			if f.Source == ir.SourceJWT {
				return true
			}
		}
	}
	return false
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

var tomlBareKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// tomlKey writes k bare when TOML allows it, else quoted.
func tomlKey(k string) string {
	if tomlBareKeyRE.MatchString(k) {
		return k
	}
	return tomlString(k)
}
