package mcp

import (
	"reflect"
	"testing"
)

func TestParseProfiles(t *testing.T) {
	got, err := ParseProfiles([]byte(`
[server]
port = 1

[[mcp.profiles]]
name = "branch_management" # comment
queries.operations.include = ["branches", "customer*"]
queries.operations.exclude = ["*Agg"]

[[mcp.profiles]]
name = "customer_management"
mutations.models.include = ["Customer"]
mutations.operations.include = ["createCustomer", "updateCustomer"]
mutations.operations.exclude = ["deleteCustomer"]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Profile{
		{Name: "branch_management", Queries: Selector{OpsInclude: []string{"branches", "customer*"}, OpsExclude: []string{"*Agg"}}},
		{Name: "customer_management", Mutations: Selector{ModelsInclude: []string{"Customer"},
			OpsInclude: []string{"createCustomer", "updateCustomer"}, OpsExclude: []string{"deleteCustomer"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if _, err := ParseProfiles([]byte("[[mcp.profiles]]\nname = \"x\"\nbogus = []\n")); err == nil {
		t.Error("unknown key accepted")
	}
	if _, err := ParseProfiles([]byte("[[mcp.profiles]]\nqueries.models.include = [\"A\"]\n")); err == nil {
		t.Error("profile without name accepted")
	}
}

func TestSelector(t *testing.T) {
	p := Profile{Name: "p", Queries: Selector{OpsInclude: []string{"branches", "customer*"}, OpsExclude: []string{"*Agg"}},
		Mutations: Selector{ModelsInclude: []string{"Customer"}, OpsExclude: []string{"deleteCustomer"}}}
	cases := []struct {
		op, model string
		mutation  bool
		want      bool
	}{
		{"branches", "Branch", false, true},
		{"branch", "Branch", false, false},
		{"customers", "Customer", false, true},
		{"customersAgg", "Customer", false, false},
		{"createCustomer", "Customer", true, true},
		{"deleteCustomer", "Customer", true, false},
		{"createBranch", "Branch", true, false},
	}
	for _, c := range cases {
		s, def := &p.Queries, true
		if c.mutation {
			s, def = &p.Mutations, false
		}
		if got := s.allows(c.op, c.model, def); got != c.want {
			t.Errorf("%s (%s): got %v, want %v", c.op, c.model, got, c.want)
		}
	}
	var none Selector
	if none.allows("createX", "X", false) || !none.allows("x", "X", true) {
		t.Error("defaults: all queries, no mutations")
	}
}
