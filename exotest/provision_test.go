package exotest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

type fakeDBServer struct {
	mu     sync.Mutex
	dbs    map[string]string // name -> template it was copied from ("" for empty)
	events []string
}

func (s *fakeDBServer) URL(name string) string { return "postgres://exo@%2Ftmp%2Fpg/" + name }

func (s *fakeDBServer) CreateDatabase(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dbs[name]; ok {
		return fmt.Errorf("database %q already exists", name)
	}
	s.dbs[name] = ""
	s.events = append(s.events, "create "+name)
	return nil
}

func (s *fakeDBServer) CreateDatabaseFromTemplate(ctx context.Context, name, tpl string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dbs[tpl]; !ok {
		return fmt.Errorf("template %q does not exist", tpl)
	}
	s.dbs[name] = tpl
	return nil
}

func (s *fakeDBServer) DropDatabase(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.dbs, name)
	return nil
}

func TestTemplateProvisioner(t *testing.T) {
	srv := &fakeDBServer{dbs: map[string]string{}}
	var mu sync.Mutex
	applied := map[string]int{}
	provision, cleanupAll := NewTemplateProvisioner(srv, func(ctx context.Context, p *Project, url string) error {
		mu.Lock()
		defer mu.Unlock()
		applied[p.Name]++
		if p.Name == "bad" {
			return errors.New("relation \"x\" already exists")
		}
		return nil
	})
	good, bad := &Project{Dir: "/p/good", Name: "good"}, &Project{Dir: "/p/bad", Name: "bad"}
	var wg sync.WaitGroup
	cleanups := make([]func(), 8)
	urls := make([]string, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url, cleanup, err := provision(context.Background(), good, fmt.Sprintf("exotest_%d", i))
			if err != nil {
				t.Error(err)
				return
			}
			urls[i], cleanups[i] = url, cleanup
		}()
	}
	wg.Wait()
	if applied["good"] != 1 {
		t.Errorf("schema applied %d times, want once per project", applied["good"])
	}
	if !strings.HasSuffix(urls[3], "/exotest_3") {
		t.Errorf("url = %q", urls[3])
	}
	if tpl := srv.dbs["exotest_3"]; !strings.HasPrefix(tpl, "exotest_tpl_") {
		t.Errorf("exotest_3 copied from %q, want the template", tpl)
	}
	for _, c := range cleanups {
		c()
	}
	for i := 0; i < 2; i++ {
		if _, _, err := provision(context.Background(), bad, "exotest_bad"); err == nil || !strings.Contains(err.Error(), "apply schema: relation") {
			t.Errorf("bad schema: err = %v", err)
		}
	}
	if applied["bad"] != 1 {
		t.Errorf("a failing schema must be applied once, got %d", applied["bad"])
	}
	cleanupAll()
	var left []string
	for name := range srv.dbs {
		left = append(left, name)
	}
	sort.Strings(left)
	if len(left) != 0 {
		t.Errorf("databases left: %v", left)
	}
}

func TestWithUTC(t *testing.T) {
	tests := map[string]string{
		"postgres://exo@%2Ftmp%2Fpg/db":                "postgres://exo@%2Ftmp%2Fpg/db?options=-c%20TimeZone%3DUTC",
		"postgresql://h/db?sslmode=disable":            "postgresql://h/db?sslmode=disable&options=-c%20TimeZone%3DUTC",
		"postgres://h/db?options=-c%20search_path%3Dx": "postgres://h/db?options=-c%20search_path%3Dx",
		"host=/tmp dbname=x":                           "host=/tmp dbname=x",
	}
	for in, want := range tests {
		if got := WithUTC(in); got != want {
			t.Errorf("WithUTC(%q) = %q, want %q", in, got, want)
		}
	}
}
