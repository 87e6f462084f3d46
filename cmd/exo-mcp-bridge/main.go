// Command exo-mcp-bridge lets MCP clients that only speak the stdio
// transport use an exo (or Exograph) server's streamable-HTTP MCP endpoint:
// it reads JSON-RPC messages, one per line, from stdin, posts each to
// --endpoint (with the given headers and cookies, and the session id the
// server hands out), and writes the responses, one per line, to stdout.
//
//	exo-mcp-bridge --endpoint http://localhost:9876/mcp \
//	    --header "Authorization: Bearer <token>" --cookie "session_id=<id>"
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var headers, cookies multiFlag
	fs := flag.NewFlagSet("exo-mcp-bridge", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "the MCP server URL, e.g. http://localhost:9876/mcp (required)")
	fs.Var(&headers, "header", `a header to send, "Name: value" (repeatable)`)
	fs.Var(&cookies, "cookie", `a cookie to send, "name=value" (repeatable)`)
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *endpoint == "" {
		fmt.Fprintln(os.Stderr, "exo-mcp-bridge: --endpoint is required")
		os.Exit(2)
	}
	b, err := newBridge(*endpoint, headers, cookies)
	if err != nil {
		fmt.Fprintln(os.Stderr, "exo-mcp-bridge:", err)
		os.Exit(2)
	}
	if err := b.run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "exo-mcp-bridge:", err)
		os.Exit(1)
	}
}
