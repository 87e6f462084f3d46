package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/exo-dev/exo/dev"
)

var t0 = time.Date(2025, 1, 2, 15, 4, 5, 0, time.UTC)

func update(t *testing.T, m Model, msg tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	nm, cmd := m.Update(msg)
	return nm.(Model), cmd
}

func key(s string) tea.KeyMsg {
	if s == "ctrl+c" {
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func newModel() Model {
	return New(Info{Mode: "yolo", GraphQLURL: "http://localhost:9876/graphql",
		PlaygroundURL: "http://localhost:9876/playground", DatabaseURL: "postgres://exo@/yolo"}, Actions{})
}

func TestViewShowsServerAndBuild(t *testing.T) {
	m := newModel()
	v := m.View()
	for _, want := range []string{"exo yolo", "starting", "http://localhost:9876/graphql", "http://localhost:9876/playground", "postgres://exo@/yolo", "building...", "q quit"} {
		if !strings.Contains(v, want) {
			t.Errorf("initial view lacks %q:\n%s", want, v)
		}
	}
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventBuildOK, Message: "Model built", Duration: 30 * time.Millisecond})
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventDatabase, Message: "Created a fresh database yolo"})
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventServing, Duration: 45 * time.Millisecond})
	v = m.View()
	for _, want := range []string{"serving", "ok", "15:04:05", "30.0ms", "served after 45.0ms", "Created a fresh database yolo", "none yet"} {
		if !strings.Contains(v, want) {
			t.Errorf("view after a build lacks %q:\n%s", want, v)
		}
	}
	// A failed build keeps serving and shows the diagnostics.
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventBuildFailed, Message: "the model has 1 error(s)",
		Detail: "error[syntax/unexpected-token]: expected declaration\n  --> src/index.exo:11:1"})
	v = m.View()
	for _, want := range []string{"serving the last good build", "failed", "the model has 1 error(s)", "src/index.exo:11:1"} {
		if !strings.Contains(v, want) {
			t.Errorf("view after a failed build lacks %q:\n%s", want, v)
		}
	}
}

func TestOperations(t *testing.T) {
	m := newModel()
	for i := 0; i < 15; i++ {
		op := &dev.Op{Start: t0, Name: "todos", Kind: "query", Duration: 2 * time.Millisecond, HTTP: 200}
		if i == 14 {
			op = &dev.Op{Start: t0, Name: "createTodo", Kind: "mutation", Duration: 3 * time.Millisecond, HTTP: 200, Error: "Not authorized"}
		}
		m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventOperation, Op: op})
	}
	if n := len(m.Ops()); n != maxOps {
		t.Fatalf("kept %d ops, want %d", n, maxOps)
	}
	v := m.View()
	for _, want := range []string{"Recent operations", "createTodo", "mutation", "error", "Not authorized", "todos", "2.0ms"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// Most recent first.
	if strings.Index(v, "createTodo") > strings.Index(v, "todos ") {
		t.Errorf("most recent operation not first:\n%s", v)
	}
}

func TestKeys(t *testing.T) {
	rebuilds, quits := 0, 0
	m := New(Info{Mode: "dev", PlaygroundURL: "http://localhost:1/playground"}, Actions{
		Rebuild: func() { rebuilds++ },
		Quit:    func() { quits++ },
	})
	m, cmd := update(t, m, key("r"))
	if cmd == nil {
		t.Fatal("r returned no command")
	}
	cmd()
	if rebuilds != 1 || !strings.Contains(m.View(), "Rebuild requested") {
		t.Errorf("r: rebuilds=%d view=%s", rebuilds, m.View())
	}
	m, _ = update(t, m, key("p"))
	if !strings.Contains(m.View(), "Playground: http://localhost:1/playground") {
		t.Errorf("p did not show the playground URL:\n%s", m.View())
	}
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventLog, Message: "hello from the log"})
	if strings.Contains(m.View(), "hello from the log") {
		t.Error("log line shown before l")
	}
	m, _ = update(t, m, key("l"))
	if !m.ShowingLogs() || !strings.Contains(m.View(), "hello from the log") {
		t.Errorf("l did not show the logs:\n%s", m.View())
	}
	m, _ = update(t, m, key("l"))
	if m.ShowingLogs() {
		t.Error("second l did not close the logs")
	}
	for _, k := range []string{"q", "ctrl+c"} {
		quits = 0
		m2, cmd := update(t, m, key(k))
		if !m2.Quitting() || cmd == nil {
			t.Fatalf("%s: not quitting", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok || quits != 1 {
			t.Errorf("%s: command did not quit (quits=%d)", k, quits)
		}
	}
}

func TestLogsBounded(t *testing.T) {
	m := newModel()
	for i := 0; i < maxLogs+50; i++ {
		m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventLog, Message: "line"})
	}
	if n := len(m.Logs()); n != maxLogs {
		t.Errorf("kept %d log lines, want %d", n, maxLogs)
	}
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 20, Height: 10})
	if v := m.View(); v == "" {
		t.Error("empty view on a tiny window")
	}
}

func TestAsk(t *testing.T) {
	m := newModel()
	first := make(chan bool, 1)
	m, _ = update(t, m, AskMsg{Question: "Apply this destructive migration?", Detail: `ALTER TABLE "todos" DROP COLUMN "done";`, Answer: first})
	if m.Asking() == "" {
		t.Fatal("no pending question")
	}
	v := m.View()
	for _, want := range []string{"Apply this destructive migration?", `DROP COLUMN "done"`, "y yes", "n no"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
	// other keys do nothing while asking
	m, _ = update(t, m, key("r"))
	if m.Asking() == "" || len(first) != 0 {
		t.Fatal("r answered the question")
	}
	m, _ = update(t, m, key("y"))
	if m.Asking() != "" || len(first) != 1 || !<-first {
		t.Fatal("y did not answer yes")
	}
	if strings.Contains(m.View(), `DROP COLUMN "done"`) {
		t.Error("question still shown after the answer")
	}
	// a new question answers a pending one with no; n answers no
	second, third := make(chan bool, 1), make(chan bool, 1)
	m, _ = update(t, m, AskMsg{Question: "one?", Answer: second})
	m, _ = update(t, m, AskMsg{Question: "two?", Answer: third})
	if a := <-second; a {
		t.Error("replaced question answered yes")
	}
	m, _ = update(t, m, key("n"))
	if a := <-third; a {
		t.Error("n answered yes")
	}
	// quitting answers no and quits
	fourth := make(chan bool, 1)
	m, _ = update(t, m, AskMsg{Question: "three?", Answer: fourth})
	m, cmd := update(t, m, key("ctrl+c"))
	if len(fourth) != 1 || <-fourth || !m.Quitting() || cmd == nil {
		t.Error("ctrl+c while asking did not answer no and quit")
	}
}

// exo dev pausing on a failed migration: the dashboard shows the failure
// with the SQL error as the build and keeps serving the last good build.
func TestMigrationFailureShown(t *testing.T) {
	m := newModel()
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventBuildOK, Message: "Model built"})
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventServing, Duration: time.Millisecond})
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventDatabase, Message: "The database schema differs from the model (the migration failed)"})
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventBuildFailed, Message: "the migration failed: fix the model or the database, then change a file to retry",
		Detail: "migration failed (rolled back) at\nALTER TABLE \"todos\" ADD \"priority\" INT NOT NULL;\nERROR: column \"priority\" of relation \"todos\" contains null values (SQLSTATE 23502)"})
	m, _ = update(t, m, EventMsg{Time: t0, Kind: dev.EventWarning, Message: "Still serving the last good build"})
	v := m.View()
	for _, want := range []string{"serving the last good build", "failed", "the migration failed", "SQLSTATE 23502", "the migration failed)"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}
