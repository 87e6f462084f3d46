package server

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/exo-dev/exo/server/graphql"
)

// trustedDocuments enforces the trusted documents of the IR (Exograph's
// production/trusted-documents.md):
//
//   - a request may name its document by hash instead of sending it:
//     {"extensions": {"persistedQuery": {"sha256Hash": "<hex>"}}};
//   - when the project has a trusted-documents directory (the IR map is not
//     nil), only those documents run; others get "Operation not allowed";
//   - documents that only ask for __schema, __type and __typename are always
//     allowed (code generators introspect); EXO_INTROSPECTION still decides
//     whether introspection answers;
//   - in dev and yolo modes, _EXO_ENFORCE_TRUSTED_DOCUMENTS=false (from
//     --enforce-trusted-documents=false) turns enforcement off, and requests
//     from the playground (header _exo_playground: true) are exempt; in any
//     other mode enforcement cannot be turned off;
//   - queries made by modules through the Exograph shim do not go through
//     HTTP, so they are not checked (they use Handler.Execute directly).
type trustedDocuments struct {
	byHash map[string]string
	// byText holds the documents themselves, so that clients that send the
	// full text of a trusted document are accepted too.
	byText map[string]struct{}
	// enforce is false when there are no trusted documents or enforcement
	// was turned off.
	enforce bool
	// playgroundExempt allows requests from the playground (dev/yolo).
	playgroundExempt bool
}

// playgroundHeader marks the requests of the playground, exempt from
// trusted documents in dev and yolo modes.
const playgroundHeader = "_exo_playground"

func newTrustedDocuments(docs map[string]string, cfg *Config) *trustedDocuments {
	t := &trustedDocuments{byHash: map[string]string{}, byText: map[string]struct{}{}}
	for h, d := range docs {
		t.byHash[strings.ToLower(h)] = d
		t.byText[d] = struct{}{}
	}
	devMode := cfg.Mode == "dev" || cfg.Mode == "yolo"
	t.enforce = docs != nil && (cfg.EnforceTrustedDocuments || !devMode)
	t.playgroundExempt = devMode
	return t
}

// EnforceTrustedDocumentsFromEnv reads _EXO_ENFORCE_TRUSTED_DOCUMENTS (set to
// "false" by exo dev/yolo --enforce-trusted-documents=false); it only has an
// effect in dev and yolo modes.
func enforceTrustedFromEnv(env map[string]string) (bool, []string) {
	v, ok := env["_EXO_ENFORCE_TRUSTED_DOCUMENTS"]
	if !ok || v == "" {
		return true, nil
	}
	b, err := parseBool(v)
	if err != nil {
		return true, []string{"invalid _EXO_ENFORCE_TRUSTED_DOCUMENTS=" + quote(v) + ": expected true or false"}
	}
	return b, nil
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// resolve returns the document to run for req: the text of a persisted
// query named by hash, or the query itself if it may run.
func (t *trustedDocuments) resolve(req *wireRequest, r *http.Request) (string, *graphql.Error) {
	query := req.Query
	if query == "" {
		if hash := req.persistedHash(); hash != "" {
			doc, ok := t.byHash[strings.ToLower(hash)]
			if !ok {
				return "", graphql.NewError(graphql.MsgOperationNotAllowed)
			}
			// A document named by its hash is trusted by construction.
			return doc, nil
		}
	}
	if !t.enforce || query == "" {
		return query, nil
	}
	if t.playgroundExempt && strings.EqualFold(r.Header.Get(playgroundHeader), "true") {
		return query, nil
	}
	if _, ok := t.byText[query]; ok {
		return query, nil
	}
	sum := sha256.Sum256([]byte(query))
	if _, ok := t.byHash[hex.EncodeToString(sum[:])]; ok {
		return query, nil
	}
	if isIntrospectionOnly(query) {
		return query, nil
	}
	return "", graphql.NewError(graphql.MsgOperationNotAllowed)
}

// isIntrospectionOnly reports whether every operation of the document
// selects only __schema, __type and __typename at its root (through
// fragments too). Documents that do not parse are not introspection.
func isIntrospectionOnly(query string) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil || len(doc.Operations) == 0 {
		return false
	}
	frags := map[string]*ast.FragmentDefinition{}
	for _, f := range doc.Fragments {
		frags[f.Name] = f
	}
	var rootOK func(set ast.SelectionSet, seen map[string]bool) bool
	rootOK = func(set ast.SelectionSet, seen map[string]bool) bool {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				switch s.Name {
				case "__schema", "__type", "__typename":
				default:
					return false
				}
			case *ast.InlineFragment:
				if !rootOK(s.SelectionSet, seen) {
					return false
				}
			case *ast.FragmentSpread:
				f, ok := frags[s.Name]
				if !ok || seen[s.Name] {
					return false
				}
				seen[s.Name] = true
				if !rootOK(f.SelectionSet, seen) {
					return false
				}
			}
		}
		return true
	}
	for _, op := range doc.Operations {
		if op.Operation != ast.Query || !rootOK(op.SelectionSet, map[string]bool{}) {
			return false
		}
	}
	return true
}
