// Package playground serves the GraphQL playground of exo yolo and exo dev.
//
// It is a small self-contained HTML page (embedded with go:embed; it loads
// nothing from the network): a query editor with variables and headers, a
// run button (Ctrl/Cmd+Enter), the response, and an explorer of the root
// query and mutation fields read through introspection. It stands in for
// the GraphiQL bundle described in DESIGN.md, which is not built yet.
package playground

import (
	"bytes"
	_ "embed"
	"html"
	"net/http"
	"strings"
)

//go:embed index.html
var page []byte

// Handler serves the playground page, which sends its queries to
// graphqlPath (e.g. "/graphql", or an absolute URL).
func Handler(graphqlPath string) http.Handler {
	body := bytes.Replace(page, []byte("{{ENDPOINT}}"), []byte(html.EscapeString(graphqlPath)), 1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src *")
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			// Not the page's business: a GraphQL client pointed here by mistake.
			http.Error(w, "this is the GraphQL playground; send queries to "+graphqlPath, http.StatusNotAcceptable)
			return
		}
		_, _ = w.Write(body)
	})
}
