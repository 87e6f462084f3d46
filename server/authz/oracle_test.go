package authz

// The Go oracle of the access fuzz test: a tiny model (users, docs, shares), random rows, and
// generators of random access rules and `where` filters that produce both the source text (an
// .exo expression, a GraphQL filter value) and an evaluator over the rows.
//
// Evaluation follows the semantics the server gives rules (EXOGRAPH-NOTES §1.5, §6.3):
//   - context values are known per request; a missing one (absent claim) equals only a null
//     literal, every other comparison with it is false (access.Solve);
//   - what depends on the row is a SQL predicate, so it has SQL's three-valued logic: a
//     comparison with a NULL column is unknown, NOT unknown is unknown, and only rows whose
//     predicate is true are returned; `== null` / `!= null` are IS [NOT] NULL, an ordering
//     against a null literal is false; some(...) is EXISTS (never unknown);
//   - access rules see every row (a some() in a rule does not apply the target's rule), while a
//     `where` filter through a collection sees only the related rows the request may read.

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// tv is a truth value of three-valued logic.
type tv uint8

const (
	tvF tv = iota
	tvT
	tvU
)

func not3(a tv) tv {
	switch a {
	case tvT:
		return tvF
	case tvF:
		return tvT
	}
	return tvU
}

func and3(a, b tv) tv {
	if a == tvF || b == tvF {
		return tvF
	}
	if a == tvT && b == tvT {
		return tvT
	}
	return tvU
}

func or3(a, b tv) tv {
	if a == tvT || b == tvT {
		return tvT
	}
	if a == tvF && b == tvF {
		return tvF
	}
	return tvU
}

func bool3(b bool) tv {
	if b {
		return tvT
	}
	return tvF
}

// --- data

type user struct {
	id   int
	name string
	role *string
}

type doc struct {
	id        int
	title     string
	level     *int
	published bool
	org       *string
	tags      []string // nil: NULL
	owner     *int
}

type share struct {
	id, doc, user int
	canRead       bool
}

type world struct {
	users  []user
	docs   []doc
	shares []share
}

func (w *world) user(id int) *user {
	for i := range w.users {
		if w.users[i].id == id {
			return &w.users[i]
		}
	}
	return nil
}

func (w *world) doc(id int) *doc {
	for i := range w.docs {
		if w.docs[i].id == id {
			return &w.docs[i]
		}
	}
	return nil
}

func (w *world) sharesOf(d int) []*share {
	var out []*share
	for i := range w.shares {
		if w.shares[i].doc == d {
			out = append(out, &w.shares[i])
		}
	}
	return out
}

var (
	roleValues  = []string{"admin", "user", "guest"}
	orgValues   = []string{"a", "b"}
	tagSets     = [][]string{nil, {}, {"red"}, {"red", "blue"}, {"blue", "admin"}, {"user"}}
	rolesClaims = [][]string{{}, {"red"}, {"admin", "user"}, {"a", "b"}, {"a", "guest"}}
)

func strp(s string) *string { return &s }
func intp(i int) *int       { return &i }

// newWorld makes the rows (deterministic: the database is seeded once per process).
func newWorld() *world {
	r := rand.New(rand.NewPCG(1, 2))
	w := &world{}
	for i := 1; i <= 6; i++ {
		u := user{id: i, name: "u" + strconv.Itoa(i)}
		if k := r.IntN(4); k < 3 {
			u.role = strp(roleValues[k])
		}
		w.users = append(w.users, u)
	}
	for i := 1; i <= 16; i++ {
		d := doc{id: i, title: "t" + strconv.Itoa(1+r.IntN(12)), published: r.IntN(2) == 0, tags: tagSets[r.IntN(len(tagSets))]}
		if k := r.IntN(6); k < 5 {
			d.level = intp(k)
		}
		if k := r.IntN(3); k < 2 {
			d.org = strp(orgValues[k])
		}
		if k := r.IntN(8); k < 6 {
			d.owner = intp(1 + k)
		}
		w.docs = append(w.docs, d)
	}
	for i := 1; i <= 22; i++ {
		w.shares = append(w.shares, share{id: i, doc: 1 + r.IntN(16), user: 1 + r.IntN(6), canRead: r.IntN(3) > 0})
	}
	return w
}

func (w *world) seedSQL() string {
	var b strings.Builder
	q := func(s *string) string {
		if s == nil {
			return "NULL"
		}
		return "'" + *s + "'"
	}
	qi := func(i *int) string {
		if i == nil {
			return "NULL"
		}
		return strconv.Itoa(*i)
	}
	for _, u := range w.users {
		fmt.Fprintf(&b, "INSERT INTO users (id, name, role) VALUES (%d, '%s', %s);\n", u.id, u.name, q(u.role))
	}
	for _, d := range w.docs {
		tags := "NULL"
		if d.tags != nil {
			quoted := make([]string, len(d.tags))
			for i, t := range d.tags {
				quoted[i] = "'" + t + "'"
			}
			tags = "ARRAY[" + strings.Join(quoted, ",") + "]::text[]"
		}
		fmt.Fprintf(&b, "INSERT INTO docs (id, title, level, published, org, tags, owner_id) VALUES (%d, '%s', %s, %t, %s, %s, %s);\n",
			d.id, d.title, qi(d.level), d.published, q(d.org), tags, qi(d.owner))
	}
	for _, s := range w.shares {
		fmt.Fprintf(&b, "INSERT INTO shares (id, doc_id, user_id, can_read) VALUES (%d, %d, %d, %t);\n", s.id, s.doc, s.user, s.canRead)
	}
	return b.String()
}

// --- request contexts

// claims is one request's JWT payload; nil fields are absent claims.
type claims struct {
	anonymous bool // no token at all
	sub       *int
	subText   bool // send sub as a string (coerced to Int)
	role      *string
	level     *int
	roles     []string // nil: absent
	org       *string
}

func (c *claims) jwt() map[string]any {
	m := map[string]any{}
	if c.sub != nil {
		if c.subText {
			m["sub"] = strconv.Itoa(*c.sub)
		} else {
			m["sub"] = *c.sub
		}
	}
	if c.role != nil {
		m["role"] = *c.role
	}
	if c.level != nil {
		m["level"] = *c.level
	}
	if c.roles != nil {
		m["roles"] = c.roles
	}
	if c.org != nil {
		m["org"] = *c.org
	}
	return m
}

func (c *claims) String() string {
	if c.anonymous {
		return "anonymous"
	}
	return fmt.Sprint(c.jwt())
}

// --- operands and comparisons

type opKind uint8

const (
	okVal     opKind = iota // a known non-null value
	okMissing               // a context value that is absent
	okNull                  // a NULL read from a row
	okNullLit               // the literal null
)

// opv is an evaluated operand: v is int or string.
type opv struct {
	k opKind
	v any
}

func ctxInt(p *int) opv {
	if p == nil {
		return opv{k: okMissing}
	}
	return opv{v: *p}
}

func ctxStr(p *string) opv {
	if p == nil {
		return opv{k: okMissing}
	}
	return opv{v: *p}
}

func rowInt(p *int) opv {
	if p == nil {
		return opv{k: okNull}
	}
	return opv{v: *p}
}

func rowStr(p *string) opv {
	if p == nil {
		return opv{k: okNull}
	}
	return opv{v: *p}
}

// compare evaluates `l op r`.
func compare(op string, l, r opv) tv {
	if (l.k == okMissing && r.k != okNullLit) || (r.k == okMissing && l.k != okNullLit) {
		return tvF
	}
	if l.k == okNullLit {
		l, r = r, l
	}
	if r.k == okNullLit {
		switch {
		case op != "==" && op != "!=":
			return tvF
		case l.k == okNullLit || l.k == okMissing || l.k == okNull:
			return bool3(op == "==")
		default:
			return bool3(op == "!=")
		}
	}
	if l.k == okNull || r.k == okNull {
		return tvU
	}
	switch op {
	case "==":
		return bool3(l.v == r.v)
	case "!=":
		return bool3(l.v != r.v)
	}
	var c int
	switch x := l.v.(type) {
	case int:
		y, ok := r.v.(int)
		if !ok {
			return tvF
		}
		c = x - y
	case string:
		y, ok := r.v.(string)
		if !ok {
			return tvF
		}
		c = strings.Compare(x, y)
	}
	switch op {
	case "<":
		return bool3(c < 0)
	case "<=":
		return bool3(c <= 0)
	case ">":
		return bool3(c > 0)
	case ">=":
		return bool3(c >= 0)
	}
	panic("op " + op)
}

// member evaluates `el in list` where list is known (a context list or literals): false for a
// missing list or element, unknown for a NULL element read from a row.
func member(el opv, list []string, listMissing bool) tv {
	if listMissing || len(list) == 0 || el.k == okMissing {
		return tvF
	}
	if el.k == okNull {
		return tvU
	}
	s, _ := el.v.(string)
	return bool3(slices.Contains(list, s))
}

// rowContains evaluates `el in self.tags` / `self.tags.contains(el)`.
func rowContains(tags []string, el opv) tv {
	if el.k == okMissing || el.k == okNullLit {
		return tvF
	}
	if tags == nil {
		return tvU
	}
	s, _ := el.v.(string)
	return bool3(slices.Contains(tags, s))
}

// --- generation

// chooser reads decisions from the fuzz input; past its end every decision is 0.
type chooser struct {
	data []byte
	i    int
}

func (c *chooser) n(k int) int {
	if k <= 1 {
		return 0
	}
	if c.i >= len(c.data) {
		return 0
	}
	b := int(c.data[c.i])
	c.i++
	return b % k
}

func (c *chooser) pick(xs []string) string { return xs[c.n(len(xs))] }

var cmpOps = []string{"==", "!=", "<", "<=", ">", ">="}

// env is what a rule sees: the request's context and the whole data set.
type env struct {
	c *claims
	w *world
}

// rule is a generated access expression over rows of type R.
type rule[R any] struct {
	src  string
	eval func(e *env, row R) tv
}

// combine builds a random boolean tree of depth <= depth over atoms.
func combine[R any](c *chooser, depth int, atom func(*chooser) rule[R]) rule[R] {
	if depth == 0 {
		return atom(c)
	}
	switch c.n(6) {
	case 0, 1:
		l, r := combine(c, depth-1, atom), combine(c, depth-1, atom)
		return rule[R]{"(" + l.src + " && " + r.src + ")", func(e *env, x R) tv { return and3(l.eval(e, x), r.eval(e, x)) }}
	case 2, 3:
		l, r := combine(c, depth-1, atom), combine(c, depth-1, atom)
		return rule[R]{"(" + l.src + " || " + r.src + ")", func(e *env, x R) tv { return or3(l.eval(e, x), r.eval(e, x)) }}
	case 4:
		a := combine(c, depth-1, atom)
		return rule[R]{"!(" + a.src + ")", func(e *env, x R) tv { return not3(a.eval(e, x)) }}
	}
	return atom(c)
}

// ctxAtom is a rule atom that reads only the context.
func ctxAtom[R any](c *chooser) rule[R] {
	switch c.n(8) {
	case 0:
		r := c.pick(roleValues)
		return rule[R]{fmt.Sprintf("AuthContext.role == %q", r), func(e *env, _ R) tv { return compare("==", ctxStr(e.c.role), opv{v: r}) }}
	case 1:
		op, n := c.pick(cmpOps), c.n(5)
		return rule[R]{fmt.Sprintf("AuthContext.level %s %d", op, n), func(e *env, _ R) tv { return compare(op, ctxInt(e.c.level), opv{v: n}) }}
	case 2:
		s := c.pick([]string{"admin", "red", "a", "guest"})
		return rule[R]{fmt.Sprintf("%q in AuthContext.roles", s), func(e *env, _ R) tv { return member(opv{v: s}, e.c.roles, e.c.roles == nil) }}
	case 3:
		s := c.pick([]string{"admin", "red", "a", "guest"})
		return rule[R]{fmt.Sprintf("AuthContext.roles.contains(%q)", s), func(e *env, _ R) tv { return member(opv{v: s}, e.c.roles, e.c.roles == nil) }}
	case 4:
		op := c.pick([]string{"==", "!="})
		return rule[R]{"AuthContext.id " + op + " null", func(e *env, _ R) tv { return compare(op, ctxInt(e.c.sub), opv{k: okNullLit}) }}
	case 5:
		op := c.pick([]string{"==", "!="})
		return rule[R]{"AuthContext.org " + op + " null", func(e *env, _ R) tv { return compare(op, ctxStr(e.c.org), opv{k: okNullLit}) }}
	case 6:
		return rule[R]{"AuthContext.role in AuthContext.roles", func(e *env, _ R) tv { return member(ctxStr(e.c.role), e.c.roles, e.c.roles == nil) }}
	}
	b := c.n(2) == 0
	return rule[R]{strconv.FormatBool(b), func(*env, R) tv { return bool3(b) }}
}

func docAtom(c *chooser) rule[*doc] {
	if c.n(4) == 0 {
		return ctxAtom[*doc](c)
	}
	switch c.n(18) {
	case 0:
		return rule[*doc]{"self.published", func(_ *env, d *doc) tv { return bool3(d.published) }}
	case 1:
		op, n := c.pick(cmpOps), c.n(5)
		return rule[*doc]{fmt.Sprintf("self.level %s %d", op, n), func(_ *env, d *doc) tv { return compare(op, rowInt(d.level), opv{v: n}) }}
	case 2:
		op := c.pick(cmpOps)
		return rule[*doc]{"self.level " + op + " AuthContext.level", func(e *env, d *doc) tv { return compare(op, rowInt(d.level), ctxInt(e.c.level)) }}
	case 3:
		op := c.pick(cmpOps)
		return rule[*doc]{"AuthContext.level " + op + " self.level", func(e *env, d *doc) tv { return compare(op, ctxInt(e.c.level), rowInt(d.level)) }}
	case 4:
		op, s := c.pick([]string{"==", "!=", "<", ">="}), "t"+strconv.Itoa(1+c.n(12))
		return rule[*doc]{fmt.Sprintf("self.title %s %q", op, s), func(_ *env, d *doc) tv { return compare(op, opv{v: d.title}, opv{v: s}) }}
	case 5:
		op := c.pick([]string{"==", "!="})
		return rule[*doc]{"self.org " + op + " AuthContext.org", func(e *env, d *doc) tv { return compare(op, rowStr(d.org), ctxStr(e.c.org)) }}
	case 6:
		return rule[*doc]{"self.org in AuthContext.roles", func(e *env, d *doc) tv { return member(rowStr(d.org), e.c.roles, e.c.roles == nil) }}
	case 7:
		op := c.pick([]string{"==", "!=", "<"})
		return rule[*doc]{"self.level " + op + " null", func(_ *env, d *doc) tv { return compare(op, rowInt(d.level), opv{k: okNullLit}) }}
	case 8:
		op := c.pick([]string{"==", "!="})
		return rule[*doc]{"self.owner " + op + " null", func(_ *env, d *doc) tv {
			if d.owner == nil {
				return bool3(op == "==")
			}
			return bool3(op == "!=")
		}}
	case 9:
		op := c.pick([]string{"==", "!=", "<", ">="})
		return rule[*doc]{"self.owner.id " + op + " AuthContext.id", func(e *env, d *doc) tv { return compare(op, rowInt(d.owner), ctxInt(e.c.sub)) }}
	case 10:
		op := c.pick([]string{"==", "!="})
		return rule[*doc]{"self.owner.role " + op + " AuthContext.role", func(e *env, d *doc) tv {
			return compare(op, e.ownerRole(d), ctxStr(e.c.role))
		}}
	case 11:
		n := "u" + strconv.Itoa(1+c.n(6))
		return rule[*doc]{fmt.Sprintf("self.owner.name == %q", n), func(e *env, d *doc) tv {
			if d.owner == nil {
				return tvU
			}
			return bool3(e.w.user(*d.owner).name == n)
		}}
	case 12:
		return rule[*doc]{"self.tags.contains(AuthContext.role)", func(e *env, d *doc) tv { return rowContains(d.tags, ctxStr(e.c.role)) }}
	case 13:
		return rule[*doc]{"AuthContext.role in self.tags", func(e *env, d *doc) tv { return rowContains(d.tags, ctxStr(e.c.role)) }}
	case 14:
		s := c.pick([]string{"red", "blue", "user"})
		return rule[*doc]{fmt.Sprintf("self.tags.contains(%q)", s), func(e *env, d *doc) tv { return rowContains(d.tags, opv{v: s}) }}
	case 15:
		a, b := "t"+strconv.Itoa(1+c.n(12)), "t"+strconv.Itoa(1+c.n(12))
		return rule[*doc]{fmt.Sprintf("self.title in [%q, %q]", a, b), func(_ *env, d *doc) tv { return member(opv{v: d.title}, []string{a, b}, false) }}
	}
	body := combine(c, c.n(3), shareBodyAtom)
	return rule[*doc]{"self.shares.some(s => " + body.src + ")", func(e *env, d *doc) tv {
		for _, s := range e.w.sharesOf(d.id) {
			if body.eval(e, s) == tvT {
				return tvT
			}
		}
		return tvF
	}}
}

func (e *env) ownerRole(d *doc) opv {
	if d.owner == nil {
		return opv{k: okNull}
	}
	return rowStr(e.w.user(*d.owner).role)
}

// shareBodyAtom is an atom over a share bound to the lambda parameter s.
func shareBodyAtom(c *chooser) rule[*share] {
	switch c.n(6) {
	case 0:
		return rule[*share]{"s.canRead", func(_ *env, s *share) tv { return bool3(s.canRead) }}
	case 1:
		op := c.pick([]string{"==", "!="})
		return rule[*share]{"s.user.id " + op + " AuthContext.id", func(e *env, s *share) tv { return compare(op, opv{v: s.user}, ctxInt(e.c.sub)) }}
	case 2:
		return rule[*share]{"s.user.role == AuthContext.role", func(e *env, s *share) tv {
			return compare("==", rowStr(e.w.user(s.user).role), ctxStr(e.c.role))
		}}
	case 3:
		n := "u" + strconv.Itoa(1+c.n(6))
		return rule[*share]{fmt.Sprintf("s.user.name == %q", n), func(e *env, s *share) tv { return bool3(e.w.user(s.user).name == n) }}
	}
	return ctxAtom[*share](c)
}

func shareAtom(c *chooser) rule[*share] {
	switch c.n(7) {
	case 0:
		return rule[*share]{"self.canRead", func(_ *env, s *share) tv { return bool3(s.canRead) }}
	case 1:
		op := c.pick([]string{"==", "!="})
		return rule[*share]{"self.user.id " + op + " AuthContext.id", func(e *env, s *share) tv { return compare(op, opv{v: s.user}, ctxInt(e.c.sub)) }}
	case 2:
		return rule[*share]{"self.doc.published", func(e *env, s *share) tv { return bool3(e.w.doc(s.doc).published) }}
	case 3:
		op := c.pick(cmpOps)
		return rule[*share]{"self.doc.level " + op + " AuthContext.level", func(e *env, s *share) tv {
			return compare(op, rowInt(e.w.doc(s.doc).level), ctxInt(e.c.level))
		}}
	case 4:
		return rule[*share]{"self.doc.owner.id == AuthContext.id", func(e *env, s *share) tv {
			return compare("==", rowInt(e.w.doc(s.doc).owner), ctxInt(e.c.sub))
		}}
	}
	return ctxAtom[*share](c)
}

func userAtom(c *chooser) rule[*user] {
	switch c.n(7) {
	case 0:
		op := c.pick([]string{"==", "!=", ">"})
		return rule[*user]{"self.id " + op + " AuthContext.id", func(e *env, u *user) tv { return compare(op, opv{v: u.id}, ctxInt(e.c.sub)) }}
	case 1:
		return rule[*user]{"self.role == AuthContext.role", func(e *env, u *user) tv { return compare("==", rowStr(u.role), ctxStr(e.c.role)) }}
	case 2:
		op := c.pick([]string{"==", "!="})
		return rule[*user]{"self.role " + op + " null", func(_ *env, u *user) tv { return compare(op, rowStr(u.role), opv{k: okNullLit}) }}
	case 3:
		n := "u" + strconv.Itoa(1+c.n(6))
		return rule[*user]{fmt.Sprintf("self.name != %q", n), func(_ *env, u *user) tv { return bool3(u.name != n) }}
	case 4:
		return rule[*user]{"self.docs.some(d => d.published && d.level != null)", func(e *env, u *user) tv {
			for _, d := range e.w.docs {
				if d.owner != nil && *d.owner == u.id && d.published && d.level != nil {
					return tvT
				}
			}
			return tvF
		}}
	}
	return ctxAtom[*user](c)
}

// rules are the query rules of the three types.
type rules struct {
	doc   rule[*doc]
	share rule[*share]
	user  rule[*user]
}

func genRules(c *chooser) rules {
	return rules{
		doc:   combine(c, 1+c.n(3), docAtom),
		share: combine(c, c.n(3), shareAtom),
		user:  combine(c, c.n(2), userAtom),
	}
}

func (r rules) model() string {
	return `context AuthContext {
  @jwt("sub") id: Int
  @jwt role: String
  @jwt level: Int
  @jwt roles: Set<String>
  @jwt org: String
}

@postgres
module Db {
  @access(query = ` + r.user.src + `, mutation = false)
  type User {
    @pk id: Int = autoIncrement()
    name: String
    role: String?
    docs: Set<Doc>?
    shares: Set<Share>?
  }

  @access(query = ` + r.doc.src + `, mutation = false)
  type Doc {
    @pk id: Int = autoIncrement()
    title: String
    level: Int?
    published: Boolean
    org: String?
    tags: Array<String>?
    owner: User?
    shares: Set<Share>?
  }

  @access(query = ` + r.share.src + `, mutation = false)
  type Share {
    @pk id: Int = autoIncrement()
    doc: Doc
    user: User
    canRead: Boolean
  }
}
`
}

func genClaims(c *chooser) *claims {
	if c.n(8) == 0 {
		return &claims{anonymous: true}
	}
	cl := &claims{}
	if k := c.n(8); k < 7 {
		cl.sub = intp(k)
		cl.subText = c.n(4) == 0
	}
	if k := c.n(4); k < 3 {
		cl.role = strp(roleValues[k])
	}
	if k := c.n(6); k < 5 {
		cl.level = intp(k)
	}
	if k := c.n(6); k < len(rolesClaims) {
		cl.roles = rolesClaims[k]
	}
	if k := c.n(3); k < 2 {
		cl.org = strp(orgValues[k])
	}
	return cl
}

// filter is a generated DocFilter (or ShareFilter / UserFilter) value and its evaluator.
type filter[R any] struct {
	v    map[string]any
	eval func(e *env, vis *visible, row R) tv
}

// visible holds, per request, which rows each type's rule lets the request read.
type visible struct {
	share map[int]bool
}

func scalarFilter(c *chooser, name string, get func(*doc) opv, vals func(*chooser) any, ops []string) filter[*doc] {
	op := c.pick(ops)
	v := vals(c)
	if op == "eqNull" || op == "neqNull" {
		gop := op[:len(op)-4]
		return filter[*doc]{map[string]any{name: map[string]any{gop: nil}}, func(_ *env, _ *visible, d *doc) tv {
			return bool3((get(d).k == okNull) == (gop == "eq"))
		}}
	}
	return filter[*doc]{map[string]any{name: map[string]any{op: v}}, func(_ *env, _ *visible, d *doc) tv {
		x := get(d)
		if x.k == okNull {
			return tvU
		}
		switch op {
		// startsWith / endsWith are LIKE with a % appended / prepended: wildcards in the value
		// stay wildcards (as in Exograph).
		case "startsWith":
			return bool3(like(x.v.(string), v.(string)+"%"))
		case "endsWith":
			return bool3(like(x.v.(string), "%"+v.(string)))
		case "like":
			return bool3(like(x.v.(string), v.(string)))
		}
		return compare(map[string]string{"eq": "==", "neq": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[op], x, opv{v: v})
	}}
}

var filterOps = []string{"eq", "neq", "lt", "lte", "gt", "gte"}

func docFilterAtom(c *chooser) filter[*doc] {
	switch c.n(10) {
	case 0:
		return scalarFilter(c, "id", func(d *doc) opv { return opv{v: d.id} }, func(c *chooser) any { return 1 + c.n(16) }, filterOps)
	case 1:
		return scalarFilter(c, "title", func(d *doc) opv { return opv{v: d.title} }, func(c *chooser) any {
			return c.pick([]string{"", "%", "_"}) + "t" + strconv.Itoa(1+c.n(12)) + c.pick([]string{"", "%", "_"})
		},
			[]string{"eq", "neq", "lt", "gte", "startsWith", "endsWith", "like"})
	case 2:
		return scalarFilter(c, "level", func(d *doc) opv { return rowInt(d.level) }, func(c *chooser) any { return c.n(5) },
			append([]string{"eqNull", "neqNull"}, filterOps...))
	case 3:
		return scalarFilter(c, "published", func(d *doc) opv { return opv{v: d.published} }, func(c *chooser) any { return c.n(2) == 0 }, []string{"eq", "neq"})
	case 4:
		return scalarFilter(c, "org", func(d *doc) opv { return rowStr(d.org) }, func(c *chooser) any { return c.pick(orgValues) },
			[]string{"eq", "neq", "eqNull", "neqNull"})
	case 5:
		n := 1 + c.n(6)
		return filter[*doc]{map[string]any{"owner": map[string]any{"id": map[string]any{"eq": n}}}, func(_ *env, _ *visible, d *doc) tv {
			return compare("==", rowInt(d.owner), opv{v: n})
		}}
	case 6:
		r := c.pick(roleValues)
		return filter[*doc]{map[string]any{"owner": map[string]any{"role": map[string]any{"eq": r}}}, func(e *env, _ *visible, d *doc) tv {
			return bool3(compare("==", e.ownerRole(d), opv{v: r}) == tvT) // EXISTS
		}}
	case 7:
		return filter[*doc]{map[string]any{"owner": nil}, func(_ *env, _ *visible, d *doc) tv { return bool3(d.owner == nil) }}
	case 8:
		b := c.n(2) == 0
		return filter[*doc]{map[string]any{"shares": map[string]any{"canRead": map[string]any{"eq": b}}}, func(e *env, vis *visible, d *doc) tv {
			for _, s := range e.w.sharesOf(d.id) {
				if vis.share[s.id] && s.canRead == b {
					return tvT
				}
			}
			return tvF
		}}
	}
	n := 1 + c.n(6)
	return filter[*doc]{map[string]any{"shares": map[string]any{"user": map[string]any{"id": map[string]any{"eq": n}}}}, func(e *env, vis *visible, d *doc) tv {
		for _, s := range e.w.sharesOf(d.id) {
			if vis.share[s.id] && s.user == n {
				return tvT
			}
		}
		return tvF
	}}
}

func genFilter(c *chooser, depth int) filter[*doc] {
	if depth == 0 {
		return docFilterAtom(c)
	}
	switch c.n(7) {
	case 0, 1:
		k := 1 + c.n(3)
		op := c.pick([]string{"and", "or"})
		parts := make([]filter[*doc], k)
		list := make([]any, k)
		for i := range parts {
			parts[i] = genFilter(c, depth-1)
			list[i] = parts[i].v
		}
		return filter[*doc]{map[string]any{op: list}, func(e *env, vis *visible, d *doc) tv {
			acc := bool3(op == "and")
			for _, p := range parts {
				if op == "and" {
					acc = and3(acc, p.eval(e, vis, d))
				} else {
					acc = or3(acc, p.eval(e, vis, d))
				}
			}
			return acc
		}}
	case 2:
		a := genFilter(c, depth-1)
		return filter[*doc]{map[string]any{"not": a.v}, func(e *env, vis *visible, d *doc) tv { return not3(a.eval(e, vis, d)) }}
	case 3:
		// two keys in one object: an implicit and (when the keys differ)
		a, b := genFilter(c, depth-1), genFilter(c, depth-1)
		m := map[string]any{}
		for k, v := range a.v {
			m[k] = v
		}
		logical := func(m map[string]any) bool { return m["and"] != nil || m["or"] != nil || m["not"] != nil }
		if logical(a.v) && logical(b.v) {
			return a
		}
		for k, v := range b.v {
			if _, dup := m[k]; dup {
				return a
			}
			m[k] = v
		}
		return filter[*doc]{m, func(e *env, vis *visible, d *doc) tv { return and3(a.eval(e, vis, d), b.eval(e, vis, d)) }}
	}
	return docFilterAtom(c)
}

// like is SQL's LIKE (% and _, no escapes), anchored at both ends.
func like(s, pattern string) bool {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(s)
}
