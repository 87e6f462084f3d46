package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBridge(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.Unmarshal(body, &msg)
		seen = append(seen, msg.Method+" auth="+r.Header.Get("Authorization")+" cookie="+r.Header.Get("Cookie")+" session="+r.Header.Get("Mcp-Session-Id"))
		switch msg.Method {
		case "initialize":
			w.Header().Set("Mcp-Session-Id", "s-1")
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"jsonrpc":"2.0","id":`+string(msg.ID)+`,"result":{"protocolVersion":"2025-06-18"}}`)
		case "notifications/initialized":
			w.WriteHeader(http.StatusAccepted)
		case "tools/list":
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":"+string(msg.ID)+",\"result\":{\"tools\":[]}}\n\n")
		default:
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "Unauthorized")
		}
	}))
	defer srv.Close()

	b, err := newBridge(srv.URL, []string{"Authorization: Bearer tok"}, []string{"sid=1"})
	if err != nil {
		t.Fatal(err)
	}
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		``,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call"}`,
	}, "\n")
	var out bytes.Buffer
	if err := b.run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 replies (none for the notification), got %d:\n%s", len(lines), out.String())
	}
	if !strings.Contains(lines[0], `"protocolVersion"`) || !strings.Contains(lines[1], `"tools":[]`) {
		t.Errorf("replies:\n%s", out.String())
	}
	if !strings.Contains(lines[2], `"id":3`) || !strings.Contains(lines[2], "HTTP 401") {
		t.Errorf("an HTTP failure must become a JSON-RPC error for its request, got %s", lines[2])
	}
	want := []string{
		"initialize auth=Bearer tok cookie=sid=1 session=",
		"notifications/initialized auth=Bearer tok cookie=sid=1 session=s-1",
		"tools/list auth=Bearer tok cookie=sid=1 session=s-1",
		"tools/call auth=Bearer tok cookie=sid=1 session=s-1",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("server saw:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

func TestBridgeBadFlags(t *testing.T) {
	if _, err := newBridge("http://x", []string{"no colon"}, nil); err == nil {
		t.Error("header without a colon accepted")
	}
	if _, err := newBridge("http://x", nil, []string{"nocookie"}); err == nil {
		t.Error("cookie without = accepted")
	}
}
