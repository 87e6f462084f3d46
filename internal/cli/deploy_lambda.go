package cli

import (
	"archive/zip"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/ir"
)

// lambdaZipFile is the package exo deploy aws-lambda writes.
var lambdaZipFile = filepath.Join("target", "aws-lambda", "function.zip")

// lambdaDirectUploadLimit is the largest zip file aws lambda
// create-function/update-function-code --zip-file accepts (larger packages
// go through S3).
const lambdaDirectUploadLimit = 50 << 20

func newDeployAWSLambdaCmd(stdio IO) *cobra.Command {
	var app string
	cmd := &cobra.Command{
		Use:   "aws-lambda --app <app-name>",
		Short: "Deploy to AWS Lambda",
		Long: `Deploy to AWS Lambda: builds the model (target/index.exo_ir, as exo build does)
and packages the function in target/aws-lambda/function.zip, then prints the
commands that create or update the function with the AWS CLI.

The package holds this exo executable, named bootstrap (the executable of a
provided.al2023 custom runtime; exo started as bootstrap serves
target/index.exo_ir through the Lambda runtime API), and target/index.exo_ir.
The function answers API Gateway (HTTP and REST APIs) and function URL
requests; its settings are the function's environment variables, those of
exo-server (EXO_POSTGRES_URL, EXO_JWT_SECRET, ...).

Lambda runs Linux executables: run this command with the Linux exo, on Linux
or in a Linux container, of the architecture of the function (amd64 for
x86_64, arm64 for arm64). function.zip is replaced each time: run the command
again after a change, then update the function's code.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkLambdaFunctionName(app); err != nil {
				return err
			}
			if err := requireProject(); err != nil {
				return err
			}
			arch, err := lambdaArchitecture(runtime.GOOS, runtime.GOARCH)
			if err != nil {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return withExitCode(ExitModel, fmt.Errorf("cannot find this exo's executable to package it as bootstrap: %v", err))
			}
			if p, err := filepath.EvalSymlinks(exe); err == nil {
				exe = p
			}
			sys, err := buildProject(stdio, ".", "text")
			if err != nil {
				return err
			}
			if err := ir.WriteFile(ir.DefaultPath, sys); err != nil {
				return withExitCode(ExitModel, err)
			}
			fmt.Fprintf(stdio.Out, "Exograph IR file %s created\n", ir.DefaultPath)
			size, err := writeLambdaZip(lambdaZipFile, exe, ir.DefaultPath)
			if err != nil {
				return withExitCode(ExitModel, fmt.Errorf("creating %s: %v", lambdaZipFile, err))
			}
			fmt.Fprintf(stdio.Out, "Created %s (%.1f MB): bootstrap (this exo, a linux/%s executable) and %s.\n",
				filepath.ToSlash(lambdaZipFile), float64(size)/(1<<20), runtime.GOARCH, ir.DefaultPath)
			if problem := lambdaLinkProblem(exe); problem != "" {
				fmt.Fprintf(stdio.Err, "warning: %s: the function would not start; use a release of exo (static) or build exo with CGO_ENABLED=0\n", problem)
			}
			printLambdaInstructions(stdio.Out, app, arch, size > lambdaDirectUploadLimit, usesJWT(sys))
			return nil
		},
	}
	cmd.Flags().StringVarP(&app, "app", "a", "", "The name of the application (the Lambda function)")
	_ = cmd.MarkFlagRequired("app")
	return cmd
}

var lambdaFunctionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func checkLambdaFunctionName(app string) error {
	if !lambdaFunctionNameRE.MatchString(app) {
		return withExitCode(ExitUsage, fmt.Errorf("invalid --app %q: an AWS Lambda function name has letters, digits, dashes and underscores, at most 64 characters", app))
	}
	return nil
}

// lambdaArchitecture is the --architectures value of a function running
// this exo (built for goos/goarch).
func lambdaArchitecture(goos, goarch string) (string, error) {
	if goos != "linux" {
		return "", withExitCode(ExitModel, fmt.Errorf("exo deploy aws-lambda packages this exo as the function's executable, and this exo is a %s/%s executable while AWS Lambda runs Linux executables: run the command with the Linux exo, on Linux or in a Linux container (for example docker run --rm -v \"$PWD\":/app -w /app <an image with the linux exo> exo deploy aws-lambda --app <app-name>)", goos, goarch))
	}
	switch goarch {
	case "amd64":
		return "x86_64", nil
	case "arm64":
		return "arm64", nil
	}
	return "", withExitCode(ExitModel, fmt.Errorf("this exo is a linux/%s executable, and AWS Lambda runs x86_64 (amd64) and arm64 functions only: run the command with the linux/amd64 or linux/arm64 exo", goarch))
}

// writeLambdaZip writes the function's package to path (replacing it): exe
// as bootstrap (mode 0755, so that Lambda can execute it) and the IR at
// irPath as target/index.exo_ir. It returns the zip's size.
func writeLambdaZip(path, exe, irPath string) (int64, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(dir, ".function-*.zip")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, a no-op
	zw := zip.NewWriter(tmp)
	err = addZipFile(zw, lambdaBootstrap, exe, 0o755)
	if err == nil {
		err = addZipFile(zw, ir.DefaultPath, irPath, 0o644)
	}
	if err == nil {
		err = zw.Close()
	}
	var size int64
	if err == nil {
		size, err = tmp.Seek(0, io.SeekCurrent)
	}
	if err == nil {
		err = tmp.Chmod(0o644) // CreateTemp's 0600 is for secrets
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return size, err
}

func addZipFile(zw *zip.Writer, name, src string, mode os.FileMode) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h := &zip.FileHeader{Name: filepath.ToSlash(name), Method: zip.Deflate, Modified: st.ModTime()}
	h.SetMode(mode) // Unix permissions in the external attributes
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	return err
}

// al2023Glibc is the C library version of Amazon Linux 2023, the system of
// the provided.al2023 runtime.
var al2023Glibc = [2]int{2, 34}

// lambdaLinkProblem explains why the ELF executable at path would not start
// on Amazon Linux 2023 ("" when it would, or when path is unreadable): a
// cgo build needs its C library there, glibc no newer than 2.34.
func lambdaLinkProblem(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	interp := ""
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, _ := io.ReadAll(io.LimitReader(p.Open(), 4096))
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if interp == "" {
		return "" // static
	}
	if strings.Contains(interp, "musl") {
		return fmt.Sprintf("this exo is linked against the musl C library (%s), which Amazon Linux 2023 does not have", interp)
	}
	syms, err := f.ImportedSymbols()
	if err != nil {
		return ""
	}
	versions := make([]string, len(syms))
	for i, s := range syms {
		versions[i] = s.Version
	}
	return glibcProblem(versions)
}

// glibcProblem explains why an executable needing the symbol versions
// would not start on Amazon Linux 2023 ("" if it would).
func glibcProblem(versions []string) string {
	var need [2]int
	for _, s := range versions {
		var v [2]int
		if _, err := fmt.Sscanf(s, "GLIBC_%d.%d", &v[0], &v[1]); err == nil && (v[0] > need[0] || v[0] == need[0] && v[1] > need[1]) {
			need = v
		}
	}
	if need[0] > al2023Glibc[0] || need[0] == al2023Glibc[0] && need[1] > al2023Glibc[1] {
		return fmt.Sprintf("this exo needs GLIBC_%d.%d, and Amazon Linux 2023 (provided.al2023) has glibc %d.%d", need[0], need[1], al2023Glibc[0], al2023Glibc[1])
	}
	return ""
}

func printLambdaInstructions(w io.Writer, app, arch string, large, jwt bool) {
	zipArg := "--zip-file fileb://" + filepath.ToSlash(lambdaZipFile)
	if large {
		// --zip-file takes at most 50 MB: larger packages go through S3.
		zipArg = "--code S3Bucket=<bucket>,S3Key=" + app + "/function.zip"
	}
	vars := []string{"EXO_POSTGRES_URL=<your-postgres-url>", "EXO_POSTGRES_READ_WRITE=true"}
	if jwt {
		vars = append(vars, "EXO_JWT_SECRET=<your-jwt-secret>")
	}
	fmt.Fprintf(w, "\nCreating a new AWS Lambda function.\n")
	fmt.Fprintf(w, "\nIf you haven't already done so, run `aws configure` to set up access to your AWS account.\n")
	if large {
		fmt.Fprintf(w, "\n%s is larger than the 50 MB the AWS CLI uploads directly: upload it to an S3 bucket of the function's region first:\n", filepath.ToSlash(lambdaZipFile))
		fmt.Fprintf(w, "aws s3 cp %s s3://<bucket>/%s/function.zip\n", filepath.ToSlash(lambdaZipFile), app)
	}
	fmt.Fprintf(w, "\nTo deploy the function for the first time, run:\n")
	fmt.Fprintf(w, "exo schema migrate --apply-to-database --database <your-postgres-url>\n")
	fmt.Fprintf(w, "aws lambda create-function --function-name %s %s --role arn:aws:iam::<account-id>:role/<role> --runtime=provided.al2023 --handler=bootstrap --architectures %s --environment \"Variables={%s}\"\n",
		app, zipArg, arch, strings.Join(vars, ","))
	if jwt {
		fmt.Fprintf(w, "(the model reads the JWT: set EXO_JWT_SECRET, or EXO_OIDC_URL instead)\n")
	}
	fmt.Fprintf(w, "\nTo deploy a new version of an existing app, run:\n")
	fmt.Fprintf(w, "exo schema migrate --apply-to-database --database <your-postgres-url>   # if the model's database schema changed\n")
	if large {
		fmt.Fprintf(w, "aws s3 cp %s s3://<bucket>/%s/function.zip\n", filepath.ToSlash(lambdaZipFile), app)
		fmt.Fprintf(w, "aws lambda update-function-code --function-name %s --s3-bucket <bucket> --s3-key %s/function.zip\n", app, app)
	} else {
		fmt.Fprintf(w, "aws lambda update-function-code --function-name %s %s\n", app, zipArg)
	}
	fmt.Fprintf(w, "\nThe function answers its function URL and API Gateway requests; send GraphQL requests with POST to /graphql.\n")
}
