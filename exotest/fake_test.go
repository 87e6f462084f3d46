package exotest

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// fakeWorld stands in for the compiler, the database and the server in the
// runner tests. Its GraphQL "server" answers a handful of fixed root fields
// (see fakeServer.field) from per-database state.
type fakeWorld struct {
	mu       sync.Mutex
	dbs      map[string]*fakeDB // by URL
	attempts map[string]int     // Provision calls by database name
	builds   map[string]int     // Build calls by project dir
	live     map[string]bool    // databases provisioned and not cleaned up

	provisioned, cleaned, served, stopped int
	failBuild                             map[string]string // project base name -> diagnostics
	secret                                string
	hangEntered                           chan struct{}
}

type fakeDB struct {
	mu      sync.Mutex
	name    string
	log     []string
	todos   []map[string]any
	nextID  int
	counter int
}

func newFakeWorld() *fakeWorld {
	return &fakeWorld{
		dbs:         map[string]*fakeDB{},
		attempts:    map[string]int{},
		builds:      map[string]int{},
		live:        map[string]bool{},
		failBuild:   map[string]string{},
		hangEntered: make(chan struct{}, 1),
	}
}

func (w *fakeWorld) options() Options {
	return Options{
		Build:     w.build,
		Provision: w.provision,
		Serve:     w.serve,
		ExecSQL:   w.execSQL,
		JWTSecret: w.secret,
	}
}

func (w *fakeWorld) build(ctx context.Context, dir string) (any, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.builds[dir]++
	for name, diags := range w.failBuild {
		if strings.HasSuffix(dir, "/"+name) {
			return nil, errors.New(diags)
		}
	}
	return "artifact:" + dir, nil
}

func (w *fakeWorld) provision(ctx context.Context, p *Project, dbName string) (string, func(), error) {
	if p.Artifact != "artifact:"+p.Dir {
		return "", nil, errors.New("project artifact not passed through")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.live[dbName] {
		return "", nil, errors.New("database " + dbName + " already exists")
	}
	url := "fake://" + dbName
	w.dbs[url] = &fakeDB{name: dbName, nextID: 100}
	w.attempts[dbName]++
	w.live[dbName] = true
	w.provisioned++
	var once sync.Once
	return url, func() {
		once.Do(func() {
			w.mu.Lock()
			defer w.mu.Unlock()
			delete(w.live, dbName)
			w.cleaned++
		})
	}, nil
}

var sqlValueRE = regexp.MustCompile(`\('([^']*)'\)`)

func (w *fakeWorld) execSQL(ctx context.Context, url, sql string) error {
	w.mu.Lock()
	db := w.dbs[url]
	w.mu.Unlock()
	if db == nil {
		return errors.New("no database at " + url)
	}
	m := sqlValueRE.FindStringSubmatch(sql)
	if m == nil {
		return errors.New("syntax error at or near \"" + strings.TrimSpace(sql) + "\"")
	}
	db.mu.Lock()
	db.log = append(db.log, "sql:"+m[1])
	db.mu.Unlock()
	return nil
}

func (w *fakeWorld) serve(ctx context.Context, p *Project, url string, env map[string]string) (http.Handler, func(), error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	db := w.dbs[url]
	if db == nil {
		return nil, nil, errors.New("no database at " + url)
	}
	if env["EXO_POSTGRES_URL"] != url || env["EXO_JWT_SECRET"] == "" {
		return nil, nil, errors.New("bad server environment")
	}
	w.served++
	var once sync.Once
	return &fakeServer{w: w, db: db, env: env}, func() {
		once.Do(func() {
			w.mu.Lock()
			w.stopped++
			w.mu.Unlock()
		})
	}, nil
}

type fakeServer struct {
	w   *fakeWorld
	db  *fakeDB
	env map[string]string
}

type gqlRequest struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables"`
}

func (s *fakeServer) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	rw.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/rpc" {
		s.rpc(rw, r)
		return
	}
	var req gqlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(rw, map[string]any{"errors": []any{map[string]any{"message": err.Error()}}})
		return
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: req.Query})
	if err != nil || len(doc.Operations) == 0 {
		writeJSON(rw, map[string]any{"errors": []any{map[string]any{"message": "Syntax error"}}})
		return
	}
	data := map[string]any{}
	var errs []any
	for _, sel := range doc.Operations[0].SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok {
			continue
		}
		v, err := s.field(rw, r, f, req.Variables)
		if err != nil {
			errs = append(errs, map[string]any{"message": err.Error()})
			continue
		}
		data[f.Alias] = v
	}
	if len(errs) > 0 {
		writeJSON(rw, map[string]any{"errors": errs})
		return
	}
	writeJSON(rw, map[string]any{"data": data})
}

func arg(f *ast.Field, name string, vars map[string]any) any {
	a := f.Arguments.ForName(name)
	if a == nil {
		return nil
	}
	if a.Value.Kind == ast.Variable {
		return vars[a.Value.Raw]
	}
	return a.Value.Raw
}

func (s *fakeServer) field(rw http.ResponseWriter, r *http.Request, f *ast.Field, vars map[string]any) (any, error) {
	db := s.db
	db.mu.Lock()
	defer db.mu.Unlock()
	switch f.Name {
	case "createTodo":
		title, _ := arg(f, "title", vars).(string)
		db.nextID += 7
		t := map[string]any{"id": db.nextID, "title": title}
		db.todos = append(db.todos, t)
		db.log = append(db.log, "createTodo:"+title)
		return t, nil
	case "todos":
		out := []any{}
		for _, t := range db.todos {
			out = append(out, t)
		}
		return out, nil
	case "log":
		return db.log, nil
	case "setCookie":
		rw.Header().Add("Set-Cookie", "session=abc; Path=/; HttpOnly")
		return true, nil
	case "cookie":
		if c := r.Header.Get("Cookie"); c != "" {
			return c, nil
		}
		return nil, nil
	case "header":
		name, _ := arg(f, "name", vars).(string)
		return r.Header.Get(name), nil
	case "clientIp":
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		return host, nil
	case "variables":
		return vars, nil
	case "env":
		name, _ := arg(f, "name", vars).(string)
		if v, ok := s.env[name]; ok {
			return v, nil
		}
		return nil, nil
	case "whoami":
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return nil, nil
		}
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) {
			return []byte(s.env["EXO_JWT_SECRET"]), nil
		}, jwt.WithValidMethods([]string{"HS256"}))
		if err != nil {
			return nil, err
		}
		exp, _ := claims["exp"].(float64)
		iat, _ := claims["iat"].(float64)
		return map[string]any{"role": claims["role"], "sub": claims["sub"], "nothing": claims["nothing"], "lifetime": exp - iat}, nil
	case "attempt":
		s.w.mu.Lock()
		defer s.w.mu.Unlock()
		return s.w.attempts[db.name], nil
	case "boom":
		return nil, errors.New("boom")
	case "noop":
		return true, nil
	case "bump":
		db.counter++
		return db.counter, nil
	case "counter":
		return db.counter, nil
	case "hang":
		select {
		case s.w.hangEntered <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
		return nil, r.Context().Err()
	}
	return nil, errors.New("Cannot query field \"" + f.Name + "\"")
}

func (s *fakeServer) rpc(rw http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(rw, map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": -32700, "message": "Parse error"}})
		return
	}
	params, _ := req["params"].(map[string]any)
	switch req["method"] {
	case "get_todo":
		writeJSON(rw, map[string]any{"jsonrpc": "2.0", "id": req["id"], "result": map[string]any{"id": params["id"]}})
	default:
		writeJSON(rw, map[string]any{"jsonrpc": "2.0", "id": req["id"], "error": map[string]any{"code": -32601, "message": "Method not found"}})
	}
}

func writeJSON(rw http.ResponseWriter, v any) {
	_ = json.NewEncoder(rw).Encode(v)
}
