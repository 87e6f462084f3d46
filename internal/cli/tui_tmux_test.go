package cli

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/exo-dev/exo/dev/pg"
)

// TestDashboardInTmux runs `exo yolo` (this test binary acting as exo) on a
// real terminal inside tmux, waits for the dashboard, presses q and checks
// that the process ended and left no cluster directory or process behind.
func TestDashboardInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the terminal test")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the real-terminal dashboard test needs it (apt-get install tmux)")
	}
	if _, err := pg.FindBinDir(); err != nil {
		t.Skipf("PostgreSQL server binaries not found: %v", err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeProject(t, todoModel)
	marker := filepath.Join(t.TempDir(), "exited")
	socket := fmt.Sprintf("exo-tui-test-%d", os.Getpid())
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-L", socket}, args...)...).CombinedOutput()
		return string(out), err
	}
	// Our own tmux server (private socket), killed at the end.
	script := fmt.Sprintf("EXO_CLI_TEST_MAIN=1 %q yolo -p 0 %q; echo $? > %q; sleep 60", exe, dir, marker)
	if out, err := tmux("new-session", "-d", "-s", "exo", "-x", "120", "-y", "40", "sh", "-c", script); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = tmux("kill-server") })

	capture := func() string {
		out, _ := tmux("capture-pane", "-p", "-t", "exo")
		return out
	}
	var screen string
	deadline := time.Now().Add(60 * time.Second)
	for {
		screen = capture()
		if strings.Contains(screen, "Recent operations") && strings.Contains(screen, "served after") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dashboard after 60 s; screen:\n%s", screen)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"exo yolo", "serving", "http://localhost:", "/graphql", "/playground", "q quit"} {
		if !strings.Contains(screen, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, screen)
		}
	}
	// A request shows up among the recent operations.
	m := regexp.MustCompile(`http://(localhost:\d+)/graphql`).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no GraphQL URL on the dashboard:\n%s", screen)
	}
	if _, _, err := postGraphQL(m[1], `query AllTodos { todos { id } }`); err != nil {
		t.Fatalf("query: %v", err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(capture(), "AllTodos") {
		if time.Now().After(deadline) {
			t.Fatalf("operation not listed:\n%s", capture())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The cluster directory, from the database URL on the dashboard.
	var cdir string
	if m := regexp.MustCompile(`host=([^&\s]+)`).FindStringSubmatch(screen); m != nil {
		cdir, _ = url.QueryUnescape(m[1])
	}
	if cdir == "" || !filepath.IsAbs(cdir) {
		t.Fatalf("no cluster directory on the dashboard:\n%s", screen)
	}
	if _, err := os.Stat(cdir); err != nil {
		t.Fatalf("cluster directory %s: %v", cdir, err)
	}

	if out, err := tmux("send-keys", "-t", "exo", "q"); err != nil {
		t.Fatalf("send-keys: %v %s", err, out)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		if b, err := os.ReadFile(marker); err == nil {
			if code := strings.TrimSpace(string(b)); code != "0" {
				t.Errorf("exo yolo exited with %s; screen:\n%s", code, capture())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("exo yolo did not exit after q; screen:\n%s", capture())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := os.Stat(cdir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s left behind (%v)", cdir, err)
	}
	if procs := processesMentioning(cdir); len(procs) > 0 {
		t.Errorf("processes left: %v", procs)
	}
	if procs := processesMentioning(dir); len(procs) > 0 {
		// Only the tmux shell (sleep) may remain, which mentions the marker, not dir.
		for _, p := range procs {
			if strings.Contains(p, "yolo") && !strings.Contains(p, "sh -c") {
				t.Errorf("exo process left: %s", p)
			}
		}
	}
	if screen := capture(); !strings.Contains(screen, "the temporary database was removed") {
		t.Errorf("no stop message on the terminal:\n%s", screen)
	}
}
