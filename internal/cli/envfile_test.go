package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoopEnvFiles checks that exo yolo and exo dev read the project's .env
// files for their mode through server.LoadEnvFiles (the same reader as
// exo-server): the settings are checked before any database is launched, so
// these runs end at once.
func TestLoopEnvFiles(t *testing.T) {
	for _, c := range []struct {
		name, mode, file, content string
		environ                   []string
		want                      string
	}{
		{"malformed file", "yolo", ".env.yolo", "EXO_JWT_SECRET=a\nnot a line\n", nil, ".env.yolo:2: expected KEY=VALUE"},
		{"mode file read", "dev", ".env.dev", "EXO_JWT_SECRET=from-file\n", []string{"EXO_OIDC_URL=https://example.com"},
			"both EXO_JWT_SECRET and EXO_OIDC_URL are set"},
		{"local file read", "yolo", ".env.yolo.local", "EXO_OIDC_URL=\"https://example.com\"\n", []string{"EXO_JWT_SECRET=s"},
			"both EXO_JWT_SECRET and EXO_OIDC_URL are set"},
		{"dollar expansion", "dev", ".env", "BASE=https://example.com\nEXO_OIDC_URL=${BASE}/oidc\n", []string{"EXO_JWT_SECRET=s"},
			"both EXO_JWT_SECRET and EXO_OIDC_URL are set"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeProject(t, todoModel)
			if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			// A file of another mode is not read.
			other := map[string]string{"yolo": ".env.dev", "dev": ".env.yolo"}[c.mode]
			if err := os.WriteFile(filepath.Join(dir, other), []byte("not a line\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errb syncBuffer
			err := runDevLoop(context.Background(), IO{In: strings.NewReader(""), Out: &out, Err: &errb}, loopOptions{
				mode: c.mode, dir: dir, noTUI: true, environ: c.environ,
				onListen: func(string) { t.Error("the server started") },
			})
			var ee *exitError
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ee) || ee.code != ExitUsage {
				t.Fatalf("got %v, want a usage error containing %q\n%s%s", err, c.want, out.String(), errb.String())
			}
		})
	}
}
