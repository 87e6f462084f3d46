package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/lambda/lambdatest"
)

// wantArch is the --architectures of this exo's functions.
func wantArch(t *testing.T) string {
	t.Helper()
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "arm64"
	}
	t.Skipf("AWS Lambda has no %s functions", runtime.GOARCH)
	return ""
}

// zipEntries reads a zip file: the entries' contents and modes by name.
func zipEntries(t *testing.T, path string) (map[string][]byte, map[string]os.FileMode) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	data, modes := map[string][]byte{}, map[string]os.FileMode{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		data[f.Name], modes[f.Name] = b, f.Mode()
	}
	return data, modes
}

func TestDeployAWSLambda(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("exo deploy aws-lambda packages a linux exo (TestDeployAWSLambdaNotLinux covers other systems)")
	}
	arch := wantArch(t)
	t.Chdir(writeProject(t, jwtTodoModel))
	out, errOut, code := runExo(t, "deploy", "aws-lambda", "--app", "todo")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	irData := []byte(readFile(t, ir.DefaultPath))
	if _, err := ir.ReadFile(ir.DefaultPath); err != nil {
		t.Fatalf("the IR was not built: %v", err)
	}

	if st, err := os.Stat(filepath.Join("target", "aws-lambda", "function.zip")); err != nil {
		t.Fatal(err)
	} else if st.Mode().Perm() != 0o644 {
		t.Errorf("function.zip has mode %v, want -rw-r--r--", st.Mode())
	}
	entries, modes := zipEntries(t, filepath.Join("target", "aws-lambda", "function.zip"))
	if len(entries) != 2 {
		t.Errorf("function.zip has %d entries, want bootstrap and %s", len(entries), ir.DefaultPath)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exeData, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(entries["bootstrap"], exeData) {
		t.Errorf("bootstrap (%d bytes) is not this executable (%d bytes)", len(entries["bootstrap"]), len(exeData))
	}
	if modes["bootstrap"] != 0o755 {
		t.Errorf("bootstrap has mode %v, want -rwxr-xr-x", modes["bootstrap"])
	}
	if !bytes.Equal(entries[ir.DefaultPath], irData) || modes[ir.DefaultPath] != 0o644 {
		t.Errorf("%s in the zip (%d bytes, mode %v) differs from the built IR (%d bytes)", ir.DefaultPath, len(entries[ir.DefaultPath]), modes[ir.DefaultPath], len(irData))
	}

	for _, want := range []string{
		"Exograph IR file target/index.exo_ir created\n",
		"Created target/aws-lambda/function.zip (",
		"bootstrap (this exo, a linux/" + runtime.GOARCH + " executable) and target/index.exo_ir.\n",
		"\nCreating a new AWS Lambda function.\n",
		"run `aws configure` to set up access to your AWS account.\n",
		"\nTo deploy the function for the first time, run:\nexo schema migrate --apply-to-database --database <your-postgres-url>\n" +
			"aws lambda create-function --function-name todo --zip-file fileb://target/aws-lambda/function.zip --role arn:aws:iam::<account-id>:role/<role> --runtime=provided.al2023 --handler=bootstrap --architectures " + arch +
			` --environment "Variables={EXO_POSTGRES_URL=<your-postgres-url>,EXO_POSTGRES_READ_WRITE=true,EXO_JWT_SECRET=<your-jwt-secret>}"` + "\n",
		"\nTo deploy a new version of an existing app, run:\n",
		"aws lambda update-function-code --function-name todo --zip-file fileb://target/aws-lambda/function.zip\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}

	// Running it again replaces the package (a build output), here with a
	// changed model.
	if err := os.WriteFile(filepath.Join("src", "index.exo"), []byte(todoModel), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runExo(t, "deploy", "aws-lambda", "-a", "todo_2")
	if code != ExitOK || !strings.Contains(out, "--function-name todo_2 ") {
		t.Fatalf("second run: exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "EXO_JWT_SECRET") {
		t.Errorf("the instructions ask for a JWT secret for a model without JWT:\n%s", out)
	}
	entries, _ = zipEntries(t, filepath.Join("target", "aws-lambda", "function.zip"))
	if newIR := []byte(readFile(t, ir.DefaultPath)); bytes.Equal(newIR, irData) || !bytes.Equal(entries[ir.DefaultPath], newIR) {
		t.Errorf("function.zip does not hold the new IR")
	}
	if left, _ := filepath.Glob(filepath.Join("target", "aws-lambda", ".function-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestDeployAWSLambdaErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no app", []string{"deploy", "aws-lambda"}, ExitUsage, `required flag(s) "app" not set`},
		{"empty app", []string{"deploy", "aws-lambda", "--app", ""}, ExitUsage, `invalid --app "": an AWS Lambda function name has letters, digits, dashes and underscores`},
		{"bad app", []string{"deploy", "aws-lambda", "-a", "my app"}, ExitUsage, `invalid --app "my app"`},
		{"long app", []string{"deploy", "aws-lambda", "-a", strings.Repeat("a", 65)}, ExitUsage, "at most 64 characters"},
		{"argument", []string{"deploy", "aws-lambda", "-a", "x", "extra"}, ExitUsage, `unknown command "extra" for "exo deploy aws-lambda"`},
		{"unknown flag", []string{"deploy", "aws-lambda", "-a", "x", "--region", "us-east-1"}, ExitUsage, "unknown flag: --region"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(writeProject(t, todoModel))
			out, errOut, code := runExo(t, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q: want exit %d and %q\n%s", code, errOut, c.code, c.want, out)
			}
			for _, f := range []string{ir.DefaultPath, filepath.Join("target", "aws-lambda")} {
				if _, err := os.Stat(f); err == nil {
					t.Errorf("%s was created", f)
				}
			}
		})
	}
	t.Run("not a project", func(t *testing.T) {
		t.Chdir(t.TempDir())
		_, errOut, code := runExo(t, "deploy", "aws-lambda", "-a", "x")
		if code != ExitModel || !strings.Contains(errOut, "not an exo project: src/index.exo not found") {
			t.Errorf("exit %d, %q", code, errOut)
		}
	})
	t.Run("model errors", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("stops before building on other systems")
		}
		t.Chdir(writeProject(t, "@postgres\nmodule M {\n  type T {\n    @pk id: Nope\n  }\n}\n"))
		_, errOut, code := runExo(t, "deploy", "aws-lambda", "-a", "x")
		if code != ExitModel || !strings.Contains(errOut, "could not build the model") {
			t.Fatalf("exit %d, %q", code, errOut)
		}
		if _, err := os.Stat(filepath.Join("target", "aws-lambda", "function.zip")); err == nil {
			t.Error("function.zip was created for a model with errors")
		}
	})
}

func TestDeployAWSLambdaArchitecture(t *testing.T) {
	for _, c := range []struct{ goos, goarch, want, err string }{
		{"linux", "amd64", "x86_64", ""},
		{"linux", "arm64", "arm64", ""},
		{"darwin", "arm64", "", "this exo is a darwin/arm64 executable while AWS Lambda runs Linux executables: run the command with the Linux exo, on Linux or in a Linux container"},
		{"windows", "amd64", "", "this exo is a windows/amd64 executable"},
		{"linux", "386", "", "AWS Lambda runs x86_64 (amd64) and arm64 functions only"},
	} {
		got, err := lambdaArchitecture(c.goos, c.goarch)
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("%s/%s: %q, %v; want %q", c.goos, c.goarch, got, err, c.want)
			}
			continue
		}
		var ee *exitError
		if err == nil || !strings.Contains(err.Error(), c.err) || !errors.As(err, &ee) || ee.code != ExitModel {
			t.Errorf("%s/%s: %v; want exit %d and %q", c.goos, c.goarch, err, ExitModel, c.err)
		}
	}
}

// On other systems than Linux, the command stops before building.
func TestDeployAWSLambdaNotLinux(t *testing.T) {
	if runtime.GOOS == "linux" {
		t.Skip("exo is a linux executable here (lambdaArchitecture is tested on every system)")
	}
	t.Chdir(writeProject(t, todoModel))
	_, errOut, code := runExo(t, "deploy", "aws-lambda", "-a", "todo")
	if code != ExitModel || !strings.Contains(errOut, "AWS Lambda runs Linux executables") {
		t.Fatalf("exit %d, %q", code, errOut)
	}
	if _, err := os.Stat(ir.DefaultPath); err == nil {
		t.Error("the model was built")
	}
}

func TestLambdaInstructionsLargePackage(t *testing.T) {
	var b strings.Builder
	printLambdaInstructions(&b, "big", "arm64", true, false)
	out := b.String()
	for _, want := range []string{
		"larger than the 50 MB the AWS CLI uploads directly",
		"aws s3 cp target/aws-lambda/function.zip s3://<bucket>/big/function.zip\n",
		"aws lambda create-function --function-name big --code S3Bucket=<bucket>,S3Key=big/function.zip --role ",
		"--architectures arm64 ",
		"aws lambda update-function-code --function-name big --s3-bucket <bucket> --s3-key big/function.zip\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "fileb://") {
		t.Errorf("a package over 50 MB uploaded with --zip-file:\n%s", out)
	}
}

func TestGlibcProblem(t *testing.T) {
	for _, c := range []struct {
		versions []string
		want     string
	}{
		{[]string{"GLIBC_2.2.5", "GLIBC_2.34", "GLIBC_2.3.2", "", "GLIBC_PRIVATE"}, ""},
		{[]string{"GLIBC_2.2.5", "GLIBC_2.38", "GLIBC_2.34"}, "this exo needs GLIBC_2.38, and Amazon Linux 2023 (provided.al2023) has glibc 2.34"},
		{[]string{"GLIBC_3.0"}, "needs GLIBC_3.0"},
		{nil, ""},
	} {
		if got := glibcProblem(c.versions); !strings.Contains(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("%v: %q, want %q", c.versions, got, c.want)
		}
	}
	// Not an ELF executable: nothing known.
	p := filepath.Join(t.TempDir(), "x")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := lambdaLinkProblem(p); got != "" {
		t.Errorf("a script: %q", got)
	}
}

func TestIsLambdaBootstrap(t *testing.T) {
	for argv0, want := range map[string]bool{
		"bootstrap": true, "/var/task/bootstrap": true, "./bootstrap": true, `C:\fn\bootstrap.exe`: runtime.GOOS == "windows",
		"exo": false, "/usr/local/bin/exo": false, "bootstrap2": false, "/bootstrap/exo": false,
	} {
		if got := isLambdaBootstrap(argv0); got != want {
			t.Errorf("isLambdaBootstrap(%q) = %v", argv0, got)
		}
	}
	if got := strings.Join(bootstrapArgs(nil), " "); got != "serve" {
		t.Errorf("bootstrap runs exo %s, want exo serve", got)
	}
}

// buildExo builds the exo command into dir.
func buildExo(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "exo")
	build := exec.Command("go", "build", "-o", bin, "./cmd/exo")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// unzip extracts a zip file into dir with the entries' permissions.
func unzip(t *testing.T, path, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		w, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm())
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(w, rc)
		rc.Close()
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestLambdaBootstrapEndToEnd builds exo, packages a project with exo deploy
// aws-lambda, extracts function.zip as Lambda does into /var/task and runs
// its bootstrap, without arguments, against a fake runtime API and a real
// PostgreSQL database.
func TestLambdaBootstrapEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the exo binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the function is a linux executable")
	}
	wantArch(t)
	tmp := t.TempDir()
	exo := buildExo(t, tmp)
	project := writeProject(t, todoModel)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	deploy := exec.CommandContext(ctx, exo, "deploy", "aws-lambda", "--app", "todo")
	deploy.Dir = project
	var dout, derr bytes.Buffer
	deploy.Stdout, deploy.Stderr = &dout, &derr
	if err := deploy.Run(); err != nil {
		t.Fatalf("exo deploy aws-lambda: %v\n%s%s", err, dout.String(), derr.String())
	}
	if !strings.Contains(dout.String(), "--handler=bootstrap") {
		t.Errorf("no instructions:\n%s", dout.String())
	}
	zipPath := filepath.Join(project, "target", "aws-lambda", "function.zip")
	st, err := os.Stat(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	task := filepath.Join(tmp, "task") // /var/task
	unzip(t, zipPath, task)
	exoData, _ := os.ReadFile(exo)
	bootData, _ := os.ReadFile(filepath.Join(task, "bootstrap"))
	if !bytes.Equal(exoData, bootData) {
		t.Fatal("the extracted bootstrap is not the exo that ran exo deploy")
	}

	// The docs' first step: the schema, with exo schema migrate.
	db := pgtest.New(t)
	migrate := exec.CommandContext(ctx, exo, "schema", "migrate", "--apply-to-database", "--non-interactive", "--database", db)
	migrate.Dir = project
	if out, err := migrate.CombinedOutput(); err != nil {
		t.Fatalf("exo schema migrate: %v\n%s", err, out)
	}

	api := lambdatest.New(t)
	boot := exec.Command(filepath.Join(task, "bootstrap")) // the handler, no arguments
	boot.Dir = task
	boot.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + api.Addr,
		"LAMBDA_TASK_ROOT=" + task,
		"EXO_POSTGRES_URL=" + db,
		"EXO_POSTGRES_READ_WRITE=true",
		"PATH=/usr/bin:/bin",
	}
	var bout, berr syncBuffer
	boot.Stdout, boot.Stderr = &bout, &berr
	started := time.Now()
	if err := boot.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = boot.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			_ = boot.Process.Kill()
			<-exited
		}
	}()

	invoke := func(query string) (int, gqlResponse) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"query": query})
		event, _ := json.Marshal(map[string]any{
			"requestContext": map[string]any{"http": map[string]any{"method": "POST", "path": "/graphql"}},
			"path":           "/graphql",
			"body":           string(body),
		})
		res, err := api.Invoke(ctx, event, time.Now().Add(30*time.Second))
		if err != nil {
			t.Fatalf("%v\nstdout: %s\nstderr: %s", err, bout.String(), berr.String())
		}
		h, err := res.HTTP()
		if err != nil {
			t.Fatalf("%v\nstderr: %s", err, berr.String())
		}
		var r gqlResponse
		if err := json.Unmarshal([]byte(h.Body), &r); err != nil {
			t.Fatalf("body %q: %v", h.Body, err)
		}
		return h.StatusCode, r
	}

	status, r := invoke(`mutation { createTodo(data: {title: "Deploy", completed: false}) { id title } }`)
	coldStart := time.Since(started)
	if status != 200 || len(r.Errors) > 0 || compactJSON(r.Data["createTodo"]) != `{"id":1,"title":"Deploy"}` {
		t.Fatalf("mutation: %d %+v\nstderr: %s", status, r, berr.String())
	}
	status, r = invoke(`{ todos { id title completed } }`)
	if status != 200 || len(r.Errors) > 0 || compactJSON(r.Data["todos"]) != `[{"id":1,"title":"Deploy","completed":false}]` {
		t.Fatalf("query: %d %+v", status, r)
	}
	t.Logf("function.zip %.1f MB; bootstrap cold start to the first answered invocation: %v", float64(st.Size())/(1<<20), coldStart)
	if !strings.Contains(bout.String(), "Started AWS Lambda function in ") {
		t.Errorf("stdout: %q", bout.String())
	}

	// Lambda's shutdown: SIGTERM, then a clean exit.
	if err := boot.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Errorf("bootstrap after SIGTERM: %v\nstderr: %s", waitErr, berr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("bootstrap did not exit after SIGTERM")
	}

	// Without the IR, bootstrap reports the init error and exits non-zero.
	if err := os.Remove(filepath.Join(task, filepath.FromSlash(ir.DefaultPath))); err != nil {
		t.Fatal(err)
	}
	bad := exec.CommandContext(ctx, filepath.Join(task, "bootstrap"))
	bad.Dir, bad.Env = task, boot.Env
	out, err := bad.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Errorf("bootstrap without its IR: %v, want a non-zero exit\n%s", err, out)
	}
	res, err := api.InitError(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error.ErrorType != "Exo.MissingIR" || !strings.Contains(res.Error.ErrorMessage, ir.DefaultPath+" not found") {
		t.Errorf("init error %+v", res.Error)
	}
}

func compactJSON(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}
