package rpc

import (
	"sort"
	"strings"
	"unicode"

	"github.com/exo-dev/exo/ir"
	"github.com/exo-dev/exo/server/postgres"
)

// methodKind is the kind of a generated RPC method.
type methodKind uint8

const (
	mPK methodKind = iota + 1
	mUnique
	mCollection
	mCreate
	mCreateMany
	mUpdate
	mUpdateMany
	mDelete
	mDeleteMany
	// mUpdateUnique and mDeleteUnique (update_<entity>_by_<unique>, delete_...) have no
	// GraphQL counterpart: they run the many-variant with a where on the unique fields and
	// answer its single element (or null).
	mUpdateUnique
	mDeleteUnique
	// mModuleQuery and mModuleMutation are @deno/@wasm module operations (snake_cased).
	mModuleQuery
	mModuleMutation
)

func (k methodKind) isMutation() bool { return k >= mCreate && k != mModuleQuery }

func (k methodKind) isModule() bool { return k == mModuleQuery || k == mModuleMutation }

func (k methodKind) byUnique() bool { return k == mUnique || k == mUpdateUnique || k == mDeleteUnique }

// many reports whether the method returns a list.
func (k methodKind) many() bool {
	return k == mCollection || k == mCreateMany || k == mUpdateMany || k == mDeleteMany
}

// param is one named parameter of a method.
type param struct {
	name     string
	required bool
	// field is set for key parameters (pk or unique fields).
	field *ir.Field
	// arg is set for module operation arguments.
	arg *ir.Arg
}

// method is one generated JSON-RPC method: the RPC face of a root GraphQL field of the
// postgres engine.
type method struct {
	name   string
	kind   methodKind
	entity int
	// op is the GraphQL root field name the engine resolves.
	op     string
	params []param
	// keys are the key fields (pk or unique) passed as parameters.
	keys []int
	// unique is the index of the unique constraint of by-unique methods.
	unique int
	// modOp is the module operation of module methods.
	modOp *ir.Operation
}

func (m *method) param(name string) (*param, bool) {
	for i := range m.params {
		if m.params[i].name == name {
			return &m.params[i], true
		}
	}
	return nil, false
}

// buildMethods generates the methods of every table entity in Exograph's order: collection
// queries, pk queries, unique queries, then deletes, updates and creates.
func buildMethods(sys *ir.System, eng *postgres.Engine) []*method {
	var coll, pk, uniq, delMany, del, delUniq, updMany, upd, updUniq, create, createMany []*method
	for i := range sys.Entities {
		ent := &sys.Entities[i]
		if ent.Kind != ir.EntityTable {
			continue
		}
		n := &ent.Names
		served := func(op string) bool {
			if op == "" {
				return false
			}
			if eng == nil {
				return true
			}
			_, _, ok := eng.Operation(op)
			return ok
		}
		keyParams := func(keys []int) []param {
			ps := make([]param, 0, len(keys))
			for _, k := range keys {
				ps = append(ps, param{name: ent.Fields[k].Name, required: true, field: &ent.Fields[k]})
			}
			return ps
		}
		proj := param{name: "projection"}
		where := param{name: "where"}
		if served(n.Collection) {
			coll = append(coll, &method{name: "get_" + snake(n.Collection), kind: mCollection, entity: i, op: n.Collection,
				params: []param{where, {name: "orderBy"}, {name: "limit"}, {name: "offset"}, proj}})
		}
		if len(ent.PK) > 0 && served(n.PKQuery) {
			pk = append(pk, &method{name: "get_" + snake(n.PKQuery), kind: mPK, entity: i, op: n.PKQuery,
				params: append(keyParams(ent.PK), proj), keys: ent.PK})
		}
		for ui, u := range ent.Uniques {
			if served(u.Query) {
				uniq = append(uniq, &method{name: "get_" + snake(u.Query), kind: mUnique, entity: i, op: u.Query,
					params: append(keyParams(u.Fields), proj), keys: u.Fields, unique: ui})
			}
			if served(n.DeleteMany) {
				delUniq = append(delUniq, &method{name: "delete_" + snake(u.Query), kind: mDeleteUnique, entity: i, op: n.DeleteMany,
					params: append(keyParams(u.Fields), proj), keys: u.Fields, unique: ui})
			}
			if served(n.UpdateMany) {
				updUniq = append(updUniq, &method{name: "update_" + snake(u.Query), kind: mUpdateUnique, entity: i, op: n.UpdateMany,
					params: append(keyParams(u.Fields), proj, param{name: "data", required: true}), keys: u.Fields, unique: ui})
			}
		}
		if served(n.DeleteMany) {
			delMany = append(delMany, &method{name: snake(n.DeleteMany), kind: mDeleteMany, entity: i, op: n.DeleteMany,
				params: []param{where, proj}})
		}
		if len(ent.PK) > 0 && served(n.Delete) {
			del = append(del, &method{name: snake(n.Delete), kind: mDelete, entity: i, op: n.Delete,
				params: append(keyParams(ent.PK), proj), keys: ent.PK})
		}
		if served(n.UpdateMany) {
			updMany = append(updMany, &method{name: snake(n.UpdateMany), kind: mUpdateMany, entity: i, op: n.UpdateMany,
				params: []param{where, {name: "data", required: true}, proj}})
		}
		if len(ent.PK) > 0 && served(n.Update) {
			upd = append(upd, &method{name: snake(n.Update), kind: mUpdate, entity: i, op: n.Update,
				params: append(keyParams(ent.PK), proj, param{name: "data", required: true}), keys: ent.PK})
		}
		if served(n.Create) {
			create = append(create, &method{name: snake(n.Create), kind: mCreate, entity: i, op: n.Create,
				params: []param{{name: "data", required: true}, proj}})
		}
		if served(n.CreateMany) {
			createMany = append(createMany, &method{name: snake(n.CreateMany), kind: mCreateMany, entity: i, op: n.CreateMany,
				params: []param{{name: "data", required: true}, proj}})
		}
	}
	var all []*method
	for _, l := range [][]*method{coll, pk, uniq, delMany, del, delUniq, updMany, upd, updUniq, create, createMany} {
		all = append(all, l...)
	}
	return all
}

// snake converts a GraphQL name to snake_case the way Rust's heck crate does:
// "userByEmail" -> "user_by_email", "createURLShortener" -> "create_url_shortener".
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if r == '_' || r == '-' || r == ' ' {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			continue
		}
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				if !strings.HasSuffix(b.String(), "_") {
					b.WriteByte('_')
				}
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// projectionNames returns the sorted projection names of an entity, built-ins included.
func projectionNames(ent *ir.Entity) []string {
	names := []string{"basic", "pk"}
	for _, p := range ent.Projections {
		if p.Name != "basic" && p.Name != "pk" {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	return names
}

// buildModuleMethods generates a method per operation of the @deno/@wasm modules: the
// operation name snake_cased (asyncDivide -> async_divide), its non-injected arguments as
// parameters.
func buildModuleMethods(sys *ir.System) []*method {
	var out []*method
	for mi := range sys.Modules {
		mod := &sys.Modules[mi]
		for _, group := range []struct {
			ops  []ir.Operation
			kind methodKind
		}{{mod.Queries, mModuleQuery}, {mod.Mutations, mModuleMutation}} {
			for oi := range group.ops {
				op := &group.ops[oi]
				m := &method{name: snake(op.Name), kind: group.kind, entity: -1, op: op.Name, modOp: op}
				for ai := range op.Args {
					a := &op.Args[ai]
					if a.Injected || a.Type.Kind == ir.KindContext || a.Type.Kind == ir.KindInjected {
						continue
					}
					m.params = append(m.params, param{name: a.Name, required: !a.Optional, arg: a})
				}
				out = append(out, m)
			}
		}
	}
	return out
}
