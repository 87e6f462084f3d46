// Package tui is the terminal dashboard of exo yolo and exo dev, built on
// bubbletea. The Model is pure: it changes only through Update (events of
// the development loop, keys, window sizes) and renders in View; the side
// effects of keys (rebuild, quit) go through the Actions it is given, run as
// tea commands. Run starts a program on a terminal.
package tui

import (
	"fmt"
	"io"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/exo-dev/exo/dev"
)

// Info is the static part of the dashboard.
type Info struct {
	Mode          string // "yolo" or "dev"
	GraphQLURL    string
	PlaygroundURL string
	DatabaseURL   string
	JWT           string // how the JWT secret was chosen (a line for the user)
}

// Actions are what the keys do besides changing the view.
type Actions struct {
	Rebuild func() // r
	Quit    func() // q, Ctrl+C
}

// EventMsg carries a dev.Event into the model.
type EventMsg dev.Event

// InfoMsg updates the static information (e.g. once the server listens).
type InfoMsg Info

// AskMsg puts a yes/no question on the dashboard (say, whether to apply a
// destructive migration). Answer (buffered) receives true for y, false for
// n, Enter or Esc, and false when the dashboard quits first. A new question
// answers a pending one with false.
type AskMsg struct {
	Question string
	Detail   string
	Answer   chan<- bool
}

const (
	maxOps  = 10
	maxLogs = 500
)

type buildState struct {
	known    bool
	ok       bool
	at       time.Time
	message  string
	detail   string
	duration time.Duration
}

// Model is the dashboard's state.
type Model struct {
	info     Info
	actions  Actions
	status   string
	serving  bool
	build    buildState
	lastSwap time.Duration
	db       string
	ops      []dev.Op // most recent last
	logs     []string
	showLogs bool
	flash    string
	width    int
	height   int
	quitting bool
	ask      *AskMsg
}

// New returns the initial model.
func New(info Info, actions Actions) Model {
	return Model{info: info, actions: actions, status: "starting", width: 100, height: 30}
}

// Init implements tea.Model.
func (m Model) Init() tea.Cmd { return nil }

// Quitting reports whether the user asked to quit.
func (m Model) Quitting() bool { return m.quitting }

// ShowingLogs reports whether the log view is open.
func (m Model) ShowingLogs() bool { return m.showLogs }

// Ops returns the recent operations, most recent last.
func (m Model) Ops() []dev.Op { return m.ops }

// Asking returns the pending question ("" when none).
func (m Model) Asking() string {
	if m.ask == nil {
		return ""
	}
	return m.ask.Question
}

// Logs returns the log lines kept.
func (m Model) Logs() []string { return m.logs }

// Update implements tea.Model.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case InfoMsg:
		m.info = Info(msg)
	case AskMsg:
		m = m.answer(false)
		m.ask = &msg
	case EventMsg:
		m = m.event(dev.Event(msg))
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// answer sends a to the pending question, if any, and clears it.
func (m Model) answer(a bool) Model {
	if m.ask != nil {
		select {
		case m.ask.Answer <- a:
		default:
		}
		m.ask = nil
	}
	return m
}

func (m Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.ask != nil {
		switch k.String() {
		case "y", "Y":
			m.flash = "Answered yes"
			return m.answer(true), nil
		case "n", "N", "enter", "esc":
			m.flash = "Answered no"
			return m.answer(false), nil
		case "q", "ctrl+c":
			m = m.answer(false)
		default:
			return m, nil
		}
	}
	switch k.String() {
	case "q", "ctrl+c", "esc":
		if k.String() == "esc" && m.showLogs {
			m.showLogs = false
			return m, nil
		}
		m.quitting = true
		m.status = "stopping"
		quit := m.actions.Quit
		return m, func() tea.Msg {
			if quit != nil {
				quit()
			}
			return tea.Quit()
		}
	case "r":
		m.flash = "Rebuild requested"
		rebuild := m.actions.Rebuild
		if rebuild == nil {
			return m, nil
		}
		return m, func() tea.Msg { rebuild(); return nil }
	case "p":
		m.flash = "Playground: " + m.info.PlaygroundURL
	case "l":
		m.showLogs = !m.showLogs
	}
	return m, nil
}

func (m Model) event(e dev.Event) Model {
	stamp := e.Time.Format("15:04:05")
	switch e.Kind {
	case dev.EventOperation:
		if e.Op != nil {
			m.ops = append(m.ops, *e.Op)
			if len(m.ops) > maxOps {
				m.ops = append([]dev.Op(nil), m.ops[len(m.ops)-maxOps:]...)
			}
			status := "ok"
			if !e.Op.OK() {
				status = "error: " + e.Op.Error
			}
			m = m.log(fmt.Sprintf("%s %s %s %s %s", stamp, e.Op.Kind, e.Op.Name, fmtDuration(e.Op.Duration), status))
		}
		return m
	case dev.EventBuilding:
		m.status = "rebuilding"
		if !m.serving {
			m.status = "building"
		}
	case dev.EventBuildOK:
		m.build = buildState{known: true, ok: true, at: e.Time, message: e.Message, detail: e.Detail, duration: e.Duration}
	case dev.EventBuildFailed:
		m.build = buildState{known: true, ok: false, at: e.Time, message: e.Message, detail: e.Detail, duration: e.Duration}
		if m.serving {
			m.status = "serving the last good build"
		} else {
			m.status = "waiting for a model without errors"
		}
	case dev.EventServing:
		m.serving = true
		m.status = "serving"
		m.lastSwap = e.Duration
	case dev.EventDatabase:
		m.db = e.Message
	}
	m = m.log(stamp + " " + e.Message)
	if e.Detail != "" && e.Kind != dev.EventBuildFailed {
		for _, l := range strings.Split(strings.TrimRight(e.Detail, "\n"), "\n") {
			m = m.log("         " + l)
		}
	}
	if e.Kind == dev.EventBuildFailed && e.Detail != "" {
		for _, l := range strings.Split(strings.TrimRight(e.Detail, "\n"), "\n") {
			m = m.log("         " + l)
		}
	}
	return m
}

func (m Model) log(line string) Model {
	m.logs = append(m.logs, line)
	if len(m.logs) > maxLogs {
		m.logs = append([]string(nil), m.logs[len(m.logs)-maxLogs:]...)
	}
	return m
}

var (
	titleStyle = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("205"))
	labelStyle = lipgloss.NewStyle().Foreground(lipgloss.Color("245"))
	okStyle    = lipgloss.NewStyle().Foreground(lipgloss.Color("42")).Bold(true)
	errStyle   = lipgloss.NewStyle().Foreground(lipgloss.Color("196")).Bold(true)
	warnStyle  = lipgloss.NewStyle().Foreground(lipgloss.Color("214"))
	keyStyle   = lipgloss.NewStyle().Bold(true)
	boxStyle   = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("240")).Padding(0, 1)
)

// View implements tea.Model.
func (m Model) View() string {
	if m.quitting {
		return "Stopping exo " + m.info.Mode + "...\n"
	}
	width := m.width - 4
	if width < 40 {
		width = 40
	}
	var b strings.Builder
	mode := m.info.Mode
	if mode == "" {
		mode = "dev"
	}
	statusStyle := okStyle
	switch {
	case m.status == "serving":
	case strings.Contains(m.status, "last good") || strings.Contains(m.status, "waiting"):
		statusStyle = errStyle
	default:
		statusStyle = warnStyle
	}
	fmt.Fprintf(&b, "%s  %s\n", titleStyle.Render("exo "+mode), statusStyle.Render(m.status))
	server := []string{
		labelStyle.Render("GraphQL    ") + m.info.GraphQLURL,
		labelStyle.Render("Playground ") + m.info.PlaygroundURL,
	}
	if m.info.DatabaseURL != "" {
		server = append(server, labelStyle.Render("Database   ")+truncate(m.info.DatabaseURL, width-11))
	}
	if m.db != "" {
		server = append(server, labelStyle.Render("           ")+truncate(m.db, width-11))
	}
	if m.info.JWT != "" {
		server = append(server, labelStyle.Render("JWT        ")+truncate(m.info.JWT, width-11))
	}
	b.WriteString(boxStyle.Width(width).Render(strings.Join(server, "\n")))
	b.WriteString("\n")

	b.WriteString(boxStyle.Width(width).Render(m.buildView(width)))
	b.WriteString("\n")

	if m.ask != nil {
		q := errStyle.Render(m.ask.Question) + "  " + keyStyle.Render("y") + " yes · " + keyStyle.Render("n") + " no"
		if m.ask.Detail != "" {
			q += "\n" + clipLines(m.ask.Detail, 12, width)
		}
		b.WriteString(boxStyle.Width(width).Render(q))
		b.WriteString("\n")
	}

	if m.showLogs {
		b.WriteString(boxStyle.Width(width).Render(m.logsView(width)))
	} else {
		b.WriteString(boxStyle.Width(width).Render(m.opsView(width)))
	}
	b.WriteString("\n")
	if m.flash != "" {
		b.WriteString(m.flash + "\n")
	}
	keys := []string{keyStyle.Render("r") + " rebuild", keyStyle.Render("p") + " playground URL", keyStyle.Render("l") + " logs", keyStyle.Render("q") + " quit"}
	if m.showLogs {
		keys[2] = keyStyle.Render("l") + " operations"
	}
	b.WriteString(labelStyle.Render(strings.Join(keys, " · ")))
	b.WriteString("\n")
	return b.String()
}

func (m Model) buildView(width int) string {
	if !m.build.known {
		return labelStyle.Render("Build      ") + "building..."
	}
	at := m.build.at.Format("15:04:05")
	if m.build.ok {
		line := labelStyle.Render("Build      ") + okStyle.Render("ok") + fmt.Sprintf(" at %s (%s", at, fmtDuration(m.build.duration))
		if m.lastSwap > 0 {
			line += fmt.Sprintf(", served after %s", fmtDuration(m.lastSwap))
		}
		line += ")"
		if m.build.detail != "" {
			line += "\n" + warnStyle.Render(clipLines(m.build.detail, 6, width))
		}
		return line
	}
	line := labelStyle.Render("Build      ") + errStyle.Render("failed") + " at " + at + ": " + truncate(m.build.message, width-30)
	if m.build.detail != "" {
		line += "\n" + clipLines(m.build.detail, 12, width)
	}
	return line
}

func (m Model) opsView(width int) string {
	if len(m.ops) == 0 {
		return labelStyle.Render("Recent operations") + "\n" + labelStyle.Render("  none yet: try the playground")
	}
	lines := []string{labelStyle.Render("Recent operations")}
	for i := len(m.ops) - 1; i >= 0; i-- {
		op := m.ops[i]
		status := okStyle.Render("ok")
		if !op.OK() {
			status = errStyle.Render("error") + " " + truncate(op.Error, width-50)
		}
		lines = append(lines, fmt.Sprintf("  %s %-8s %-28s %8s  %s", op.Start.Format("15:04:05"), op.Kind, truncate(op.Name, 28), fmtDuration(op.Duration), status))
	}
	return strings.Join(lines, "\n")
}

func (m Model) logsView(width int) string {
	n := m.height - 16
	if n < 5 {
		n = 5
	}
	logs := m.logs
	if len(logs) > n {
		logs = logs[len(logs)-n:]
	}
	lines := []string{labelStyle.Render("Logs")}
	for _, l := range logs {
		lines = append(lines, truncate(l, width))
	}
	return strings.Join(lines, "\n")
}

func truncate(s string, n int) string {
	if n < 4 {
		n = 4
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func clipLines(s string, max, width int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	extra := 0
	if len(lines) > max {
		extra = len(lines) - max
		lines = lines[:max]
	}
	for i, l := range lines {
		lines[i] = truncate(l, width)
	}
	if extra > 0 {
		lines = append(lines, fmt.Sprintf("... %d more line(s): press l for the logs", extra))
	}
	return strings.Join(lines, "\n")
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	}
	return d.Round(100 * time.Millisecond).String()
}

// Program is a running dashboard.
type Program struct {
	p    *tea.Program
	done chan struct{}
	err  error
}

// Run starts the dashboard on the terminal in/out (alternate screen) and
// returns at once; Send feeds it events.
func Run(info Info, actions Actions, in io.Reader, out io.Writer) *Program {
	p := tea.NewProgram(New(info, actions), tea.WithInput(in), tea.WithOutput(out), tea.WithAltScreen())
	prog := &Program{p: p, done: make(chan struct{})}
	go func() {
		defer close(prog.done)
		_, prog.err = p.Run()
	}()
	return prog
}

// Send delivers an event or info update to the dashboard.
func (p *Program) Send(msg tea.Msg) { p.p.Send(msg) }

// Event delivers a dev.Event.
func (p *Program) Event(e dev.Event) { p.p.Send(EventMsg(e)) }

// SetInfo replaces the static information.
func (p *Program) SetInfo(i Info) { p.p.Send(InfoMsg(i)) }

// Stop ends the dashboard (restoring the terminal) and waits for it.
func (p *Program) Stop() error {
	p.p.Quit()
	<-p.done
	return p.err
}

// Ask puts a yes/no question on the dashboard and waits for the answer
// (false when the dashboard ends first).
func (p *Program) Ask(question, detail string) bool {
	answer := make(chan bool, 1)
	p.p.Send(AskMsg{Question: question, Detail: detail, Answer: answer})
	select {
	case a := <-answer:
		return a
	case <-p.done:
		return false
	}
}

// Done is closed when the dashboard has ended.
func (p *Program) Done() <-chan struct{} { return p.done }
