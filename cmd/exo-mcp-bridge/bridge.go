package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// bridge forwards stdio JSON-RPC messages to a streamable-HTTP MCP endpoint.
type bridge struct {
	endpoint string
	header   http.Header
	client   *http.Client
	session  string // Mcp-Session-Id handed out by the server
}

func newBridge(endpoint string, headers, cookies []string) (*bridge, error) {
	b := &bridge{endpoint: endpoint, header: http.Header{}, client: &http.Client{Timeout: 5 * time.Minute}}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("--header %q: expected \"Name: value\"", h)
		}
		b.header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	for _, c := range cookies {
		if !strings.Contains(c, "=") {
			return nil, fmt.Errorf("--cookie %q: expected \"name=value\"", c)
		}
		b.header.Add("Cookie", c)
	}
	return b, nil
}

// run forwards every line of in until it ends.
func (b *bridge) run(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	w := bufio.NewWriter(out)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		replies, err := b.forward(line)
		if err != nil {
			// Answer the request with a JSON-RPC error rather than dying:
			// the client keeps its connection.
			replies = [][]byte{errorReply(line, err)}
		}
		for _, r := range replies {
			if len(r) == 0 {
				continue
			}
			w.Write(r)
			w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	return sc.Err()
}

// forward posts one message and returns the messages to print: the JSON
// body, or the data of each event of a text/event-stream answer; nothing
// for an accepted notification.
func (b *bridge) forward(msg []byte) ([][]byte, error) {
	req, err := http.NewRequest(http.MethodPost, b.endpoint, bytes.NewReader(msg))
	if err != nil {
		return nil, err
	}
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if b.session != "" {
		req.Header.Set("Mcp-Session-Id", b.session)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if id := resp.Header.Get("Mcp-Session-Id"); id != "" {
		b.session = id
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return sseData(body), nil
	}
	if !json.Valid(bytes.TrimSpace(body)) {
		return nil, fmt.Errorf("the MCP server answered HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var compact bytes.Buffer
	_ = json.Compact(&compact, body)
	return [][]byte{compact.Bytes()}, nil
}

// sseData returns the data of each event of an event stream.
func sseData(body []byte) [][]byte {
	var out [][]byte
	var cur []byte
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "data:"):
			if cur != nil {
				cur = append(cur, '\n')
			}
			cur = append(cur, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")...)
		case line == "" && cur != nil:
			out = append(out, cur)
			cur = nil
		}
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// errorReply is the JSON-RPC error for a request that could not be
// forwarded (nil for notifications, which get no answer).
func errorReply(msg []byte, err error) []byte {
	var req struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(msg, &req) != nil || len(req.ID) == 0 || string(req.ID) == "null" {
		return nil
	}
	out, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"id":      req.ID,
		"error":   map[string]any{"code": -32603, "message": "exo-mcp-bridge: " + err.Error()},
	})
	return out
}
