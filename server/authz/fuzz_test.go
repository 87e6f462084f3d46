package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"testing"

	"github.com/exo-dev/exo/internal/pgtest"
	"github.com/exo-dev/exo/server"
)

// FuzzAccess generates access rules for three related types (comparisons, &&, ||, !, in,
// contains, some() through a relation, null checks, mixing AuthContext fields and self paths),
// request contexts (JWT claims) and `where` filters, queries a real server over GraphQL and
// checks every answer against the Go oracle (oracle_test.go): the filtered list, its count, a pk
// lookup, and the nested selections (a to-one relation and a collection, each under its own
// type's rule). No row outside the rules may ever be returned, and no row the rules and the
// filter allow may be missing.
//
// Without -fuzz the seed corpus (deterministic) runs as a regular test.
func FuzzAccess(f *testing.F) {
	w := newWorld()
	sys0 := compile(f, rules{doc: rule[*doc]{src: "true"}, share: rule[*share]{src: "true"}, user: rule[*user]{src: "true"}}.model())
	db := pgtest.NewFromTemplate(f, ddl(sys0)+w.seedSQL()+
		// Without statistics the planner overestimates the tables and JIT-compiles the
		// correlated sub-selects of access residuals: hundreds of ms per query.
		"ANALYZE;")
	fs := &fuzzServer{db: db}
	f.Cleanup(fs.close)
	f.Cleanup(func() {
		f.Logf("requests %d: removed from the API %d, not authorized %d, filtered lists non-empty %d, strictly filtered %d, pk found %d",
			stats.requests, stats.removed, stats.notAuthorized, stats.nonEmpty, stats.filtered, stats.pkFound)
	})

	r := rand.New(rand.NewPCG(7, 11))
	for range 120 {
		seed := make([]byte, 24+r.IntN(72))
		for i := range seed {
			seed[i] = byte(r.Uint32())
		}
		f.Add(seed)
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		c := &chooser{data: data}
		rs := genRules(c)
		fs.use(t, rs.model())
		for range 1 + c.n(4) {
			cl := genClaims(c)
			fl := genFilter(c, c.n(3))
			pk := 1 + c.n(17)
			checkRequest(t, fs, w, rs, cl, fl, pk)
		}
	})
}

// fuzzServer keeps one server for the current model (rules change from input to input; the
// tables do not, so every model is served from the same database).
type fuzzServer struct {
	db    string
	model string
	s     *server.Server
	http  *httptest.Server
}

func (fs *fuzzServer) close() {
	if fs.s != nil {
		fs.http.Close()
		fs.s.Close()
		fs.s, fs.http = nil, nil
	}
}

func (fs *fuzzServer) use(t *testing.T, model string) {
	t.Helper()
	if model == fs.model && fs.s != nil {
		return
	}
	fs.close()
	sys := compile(t, model)
	cfg, err := server.FromEnv(map[string]string{"EXO_POSTGRES_URL": fs.db, "EXO_JWT_SECRET": hsSecret, "EXO_CONNECTION_POOL_SIZE": "1"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), sys, cfg, nil)
	if err != nil {
		t.Fatalf("server.New: %v\n%s", err, model)
	}
	fs.s, fs.http, fs.model = s, httptest.NewServer(s.Handler()), model
}

// stats show that the generated cases exercise the interesting paths (go test -v).
var stats struct{ requests, notAuthorized, removed, nonEmpty, filtered, pkFound int }

var removedField = regexp.MustCompile(`^Field '(\w+)' is not valid for type '\w+'$`)

type gqlResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

func (fs *fuzzServer) query(t *testing.T, cl *claims, query string, vars map[string]any) (gqlResponse, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, fs.http.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if !cl.anonymous {
		req.Header.Set("Authorization", "Bearer "+rawToken(`{"alg":"HS256","typ":"JWT"}`, payload(cl.jwt()), "hs256", []byte(hsSecret)))
	}
	resp, err := fs.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	stats.requests++
	var out gqlResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if len(out.Errors) > 1 || (len(out.Errors) == 1 && out.Data != nil) {
		t.Fatalf("not an Exograph response: %s", raw)
	}
	return out, string(raw)
}

func checkRequest(t *testing.T, fs *fuzzServer, w *world, rs rules, cl *claims, fl filter[*doc], pk int) {
	t.Helper()
	e := &env{c: cl, w: w}
	vis := &visible{share: map[int]bool{}}
	var docVis, userVis []int
	for i := range w.shares {
		if rs.share.eval(e, &w.shares[i]) == tvT {
			vis.share[w.shares[i].id] = true
		}
	}
	userOK := map[int]bool{}
	for i := range w.users {
		if rs.user.eval(e, &w.users[i]) == tvT {
			userVis = append(userVis, w.users[i].id)
			userOK[w.users[i].id] = true
		}
	}
	var want []int
	for i := range w.docs {
		d := &w.docs[i]
		if rs.doc.eval(e, d) != tvT {
			continue
		}
		docVis = append(docVis, d.id)
		if fl.eval(e, vis, d) == tvT {
			want = append(want, d.id)
		}
	}
	filterJSON, _ := json.Marshal(fl.v)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s\nrules:\n  Doc:   %s\n  Share: %s\n  User:  %s\ncontext: %s\nwhere: %s",
			fmt.Sprintf(format, args...), rs.doc.src, rs.share.src, rs.user.src, cl, filterJSON)
	}
	// A rule that fails with "Not authorized" (a literal false after partial evaluation) must
	// not allow any row.
	notAuthorized := func(out gqlResponse, raw string, ok bool) bool {
		t.Helper()
		if len(out.Errors) == 0 {
			return false
		}
		// A rule that is the literal false removes the type's operations from the API (and
		// the relation fields leading to it).
		if m := removedField.FindStringSubmatch(out.Errors[0].Message); m != nil {
			removed := map[string]bool{"docs": rs.doc.src == "false", "doc": rs.doc.src == "false", "docsAgg": rs.doc.src == "false",
				"shares": rs.share.src == "false", "owner": rs.user.src == "false"}
			if !removed[m[1]] {
				fail("unexpected error %s", raw)
			}
			stats.removed++
			return true
		}
		if out.Errors[0].Message != "Not authorized" || !ok {
			fail("unexpected error %s", raw)
		}
		stats.notAuthorized++
		return true
	}

	// 1. The filtered list and its count.
	out, raw := fs.query(t, cl, `query($w: DocFilter) {
  docs(where: $w, orderBy: {id: ASC}) { id }
  agg: docsAgg(where: $w) { id { count } }
}`, map[string]any{"w": fl.v})
	if !notAuthorized(out, raw, len(docVis) == 0 || (len(vis.share) == 0 && bytes.Contains(filterJSON, []byte(`"shares"`)))) {
		var got []struct{ ID int }
		var agg struct{ ID struct{ Count int } }
		if json.Unmarshal(out.Data["docs"], &got) != nil || json.Unmarshal(out.Data["agg"], &agg) != nil {
			fail("bad data %s", raw)
		}
		ids := make([]int, len(got))
		for i, g := range got {
			ids[i] = g.ID
		}
		for _, id := range ids {
			if !slices.Contains(docVis, id) {
				fail("LEAK: doc %d is returned but the rule does not allow it (got %v, want %v)", id, ids, want)
			}
		}
		if !slices.Equal(ids, want) {
			fail("docs: got %v, want %v", ids, want)
		}
		if len(want) > 0 {
			stats.nonEmpty++
		}
		if len(want) < len(docVis) {
			stats.filtered++
		}
		if agg.ID.Count != len(want) {
			fail("docsAgg count: got %d, want %d", agg.ID.Count, len(want))
		}
	}

	// 2. A pk lookup.
	out, raw = fs.query(t, cl, `query($id: Int!) { doc(id: $id) { id title } }`, map[string]any{"id": pk})
	if !notAuthorized(out, raw, len(docVis) == 0) {
		got := string(out.Data["doc"])
		wantPK := "null"
		if slices.Contains(docVis, pk) {
			wantPK = fmt.Sprintf(`{"id":%d,"title":%q}`, pk, w.doc(pk).title)
		}
		if wantPK != "null" {
			stats.pkFound++
		}
		if got != wantPK {
			fail("doc(id: %d): got %s, want %s", pk, got, wantPK)
		}
	}

	// 3. Nested selections: each level under its own type's rule.
	out, raw = fs.query(t, cl, `{ docs(orderBy: {id: ASC}) { id owner { id } shares(orderBy: {id: ASC}) { id } } }`, nil)
	if !notAuthorized(out, raw, len(docVis) == 0 || len(vis.share) == 0 || len(userVis) == 0) {
		var got []struct {
			ID    int
			Owner *struct{ ID int }
			Share []struct{ ID int } `json:"shares"`
		}
		if json.Unmarshal(out.Data["docs"], &got) != nil {
			fail("bad data %s", raw)
		}
		var ids []int
		for _, g := range got {
			ids = append(ids, g.ID)
			d := w.doc(g.ID)
			if d == nil {
				fail("unknown doc %d", g.ID)
			}
			switch {
			case g.Owner == nil:
				if d.owner != nil && userOK[*d.owner] {
					fail("doc %d: owner %d is visible but null was returned", d.id, *d.owner)
				}
			case d.owner == nil || g.Owner.ID != *d.owner:
				fail("doc %d: wrong owner %d", d.id, g.Owner.ID)
			case !userOK[g.Owner.ID]:
				fail("LEAK: doc %d: owner %d is returned but the User rule does not allow it", d.id, g.Owner.ID)
			}
			var wantShares, gotShares []int
			for _, s := range w.sharesOf(d.id) {
				if vis.share[s.id] {
					wantShares = append(wantShares, s.id)
				}
			}
			for _, s := range g.Share {
				gotShares = append(gotShares, s.ID)
				if !vis.share[s.ID] {
					fail("LEAK: share %d is returned but the Share rule does not allow it", s.ID)
				}
			}
			if !slices.Equal(gotShares, wantShares) {
				fail("doc %d shares: got %v, want %v", d.id, gotShares, wantShares)
			}
		}
		if !slices.Equal(ids, docVis) {
			fail("nested docs: got %v, want %v", ids, docVis)
		}
	}
}
