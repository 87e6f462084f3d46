package compiler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/exo-dev/exo/diag"
)

// TrustedDocumentsDir is the project directory whose *.json files (at any
// depth) list the trusted documents: the operations the server accepts.
const TrustedDocumentsDir = "trusted-documents"

// loadTrustedDocuments reads every trusted-documents/**/*.json file of the
// project in fsys. Each file is either a map {"<sha256 hex>": "<document>"}
// (graphql-codegen, URQL) or an Apollo persisted query manifest
// {"operations": [{"id": "<sha256 hex>", "body": "<document>"}]}. The result
// maps hashes to documents; it is nil when the directory does not exist
// (nothing is enforced) and non-nil (possibly empty) when it does. Keys are
// lowercased; a key that is not a SHA-256 hex digest or does not match its
// document is reported, since clients send the hash of the text.
func loadTrustedDocuments(fsys fs.FS) (map[string]string, diag.List) {
	var diags diag.List
	info, err := fs.Stat(fsys, TrustedDocumentsDir)
	if err != nil || !info.IsDir() {
		return nil, nil
	}
	docs := map[string]string{}
	err = fs.WalkDir(fsys, TrustedDocumentsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			diags.Errorf(diag.Span{}, "compile/trusted-documents", "reading %s: %v", p, err)
			return nil
		}
		if d.IsDir() || path.Ext(p) != ".json" {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			diags.Errorf(diag.Span{}, "compile/trusted-documents", "reading %s: %v", p, err)
			return nil
		}
		entries, err := parseTrustedDocuments(data)
		if err != nil {
			diags.Errorf(diag.Span{}, "compile/trusted-documents", "%s: %v", p, err)
			return nil
		}
		for _, e := range entries {
			hash := strings.ToLower(e.hash)
			if !isSHA256Hex(hash) {
				diags.Errorf(diag.Span{}, "compile/trusted-documents", "%s: %q is not a SHA-256 hash (64 hex digits)", p, e.hash)
				continue
			}
			sum := sha256.Sum256([]byte(e.doc))
			if hex.EncodeToString(sum[:]) != hash {
				diags.Warnf(diag.Span{}, "compile/trusted-documents", "%s: %s is not the SHA-256 hash of its document", p, e.hash)
			}
			docs[hash] = e.doc
		}
		return nil
	})
	if err != nil {
		diags.Errorf(diag.Span{}, "compile/trusted-documents", "reading %s: %v", TrustedDocumentsDir, err)
	}
	return docs, diags
}

type trustedEntry struct{ hash, doc string }

// parseTrustedDocuments decodes one trusted documents file in either format.
func parseTrustedDocuments(data []byte) ([]trustedEntry, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, errors.New("expected a JSON object mapping SHA-256 hashes to documents, or an Apollo manifest {\"operations\": [...]}: " + err.Error())
	}
	if ops, ok := raw["operations"]; ok && bytes.HasPrefix(bytes.TrimSpace(ops), []byte("[")) {
		var manifest struct {
			Operations []struct {
				ID   string `json:"id"`
				Body string `json:"body"`
			} `json:"operations"`
		}
		if err := json.Unmarshal(data, &manifest); err != nil {
			return nil, errors.New("invalid Apollo persisted query manifest: " + err.Error())
		}
		out := make([]trustedEntry, 0, len(manifest.Operations))
		for i, op := range manifest.Operations {
			if op.ID == "" || op.Body == "" {
				return nil, errors.New("invalid Apollo persisted query manifest: operation " + strconv.Itoa(i) + " needs an \"id\" and a \"body\"")
			}
			out = append(out, trustedEntry{op.ID, op.Body})
		}
		return out, nil
	}
	out := make([]trustedEntry, 0, len(raw))
	for k, v := range raw {
		var doc string
		if err := json.Unmarshal(v, &doc); err != nil {
			return nil, errors.New("the value of " + k + " is not a string")
		}
		out = append(out, trustedEntry{k, doc})
	}
	return out, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
