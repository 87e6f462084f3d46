package authz

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/exo-dev/exo/internal/pgtest"
)

// todoModel: a user sees their own todos, an admin sees all of them.
const todoModel = `context AuthContext {
  @jwt("sub") id: Int
  @jwt role: String
}

@postgres
module TodoDatabase {
  @access(query = AuthContext.role == "admin" || self.userId == AuthContext.id, mutation = AuthContext.role == "admin")
  type Todo {
    @pk id: Int = autoIncrement()
    title: String
    userId: Int
  }
}
`

const todoSeed = `INSERT INTO todos (title, user_id) VALUES ('t1', 1), ('t2', 2), ('t3', 1);`

const hsSecret = "authz-test-secret"

var b64 = base64.RawURLEncoding

// rawToken assembles header.payload.signature from raw JSON texts, signing with HMAC-SHA256 and
// key when sig is "hs256", else using sig verbatim.
func rawToken(header, payload, sig string, key []byte) string {
	msg := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	if sig == "hs256" {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(msg))
		sig = b64.EncodeToString(mac.Sum(nil))
	}
	return msg + "." + sig
}

func sign(t testing.TB, m jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func payload(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return string(b)
}

// The probes: a list query, a pk query of an existing row and one of a missing row. A rejected
// token must give the same error for all three (nothing tells which rows exist).
var probes = []string{
	`{ todos(orderBy: {id: ASC}) { id } }`,
	`{ todo(id: 1) { id } }`,
	`{ todo(id: 999) { id } }`,
}

type tokenCase struct {
	name   string
	header string // Authorization header ("" for none)
	want   string // error message; "" for the success bodies below
	ok     []string
}

func runTokenCases(t *testing.T, ts *testServer, cases []tokenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i, q := range probes {
				var h []string
				if tc.header != "" {
					h = []string{"Authorization", tc.header}
				}
				status, body := ts.post(q, nil, h...)
				want := errorBody(tc.want)
				if tc.want == "" {
					want = tc.ok[i]
				}
				if status != http.StatusOK || body != want {
					t.Errorf("%s\n got %d %s\nwant 200 %s", q, status, body, want)
				}
			}
		})
	}
}

var (
	user1Bodies = []string{`{"data":{"todos":[{"id":1},{"id":3}]}}`, `{"data":{"todo":{"id":1}}}`, `{"data":{"todo":null}}`}
	adminBodies = []string{`{"data":{"todos":[{"id":1},{"id":2},{"id":3}]}}`, `{"data":{"todo":{"id":1}}}`, `{"data":{"todo":null}}`}
)

func TestHS256TokensOverHTTP(t *testing.T) {
	sys := compile(t, todoModel)
	ts := startServer(t, sys, pgtest.NewFromTemplate(t, ddl(sys)+todoSeed), map[string]string{"EXO_JWT_SECRET": hsSecret})
	key := []byte(hsSecret)
	now := time.Now()
	hour := time.Hour
	valid := map[string]any{"sub": 1, "role": "user", "exp": now.Add(hour).Unix()}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	hs := func(claims map[string]any) string {
		return rawToken(`{"alg":"HS256","typ":"JWT"}`, payload(claims), "hs256", key)
	}
	goodSig := strings.Split(hs(valid), ".")[2]
	bearer := func(s string) string { return "Bearer " + s }

	cases := []tokenCase{
		{name: "valid user", header: bearer(hs(valid)), ok: user1Bodies},
		{name: "valid admin", header: bearer(hs(map[string]any{"sub": 2, "role": "admin"})), ok: adminBodies},
		{name: "expired within leeway", header: bearer(hs(map[string]any{"sub": 1, "exp": now.Add(-10 * time.Second).Unix()})), ok: user1Bodies},
		{name: "no token", want: "Not authorized"},

		{name: "expired", header: bearer(hs(map[string]any{"sub": 1, "exp": now.Add(-hour).Unix()})), want: "Expired authentication"},
		{name: "expired admin", header: bearer(hs(map[string]any{"sub": 1, "role": "admin", "exp": now.Add(-hour).Unix()})), want: "Expired authentication"},
		{name: "not yet valid", header: bearer(hs(map[string]any{"sub": 1, "nbf": now.Add(hour).Unix(), "exp": now.Add(2 * hour).Unix()})), want: "Not authorized"},
		{name: "exp not a number", header: bearer(hs(map[string]any{"sub": 1, "exp": "tomorrow"})), want: "Not authorized"},
		{name: "nbf not a number", header: bearer(hs(map[string]any{"sub": 1, "nbf": true})), want: "Not authorized"},
		{name: "bad signature", header: bearer(rawToken(`{"alg":"HS256","typ":"JWT"}`, payload(valid), "hs256", []byte("other secret"))), want: "Not authorized"},
		{name: "tampered payload", header: bearer(rawToken(`{"alg":"HS256","typ":"JWT"}`, payload(map[string]any{"sub": 1, "role": "admin", "exp": now.Add(hour).Unix()}), goodSig, nil)), want: "Not authorized"},
		{name: "truncated signature", header: bearer(hs(valid)[:len(hs(valid))-4]), want: "Not authorized"},
		{name: "empty signature", header: bearer(rawToken(`{"alg":"HS256","typ":"JWT"}`, payload(valid), "", nil)), want: "Not authorized"},

		{name: "alg none", header: bearer(rawToken(`{"alg":"none","typ":"JWT"}`, payload(valid), "", nil)), want: "Not authorized"},
		{name: "alg None", header: bearer(rawToken(`{"alg":"None","typ":"JWT"}`, payload(valid), "", nil)), want: "Not authorized"},
		{name: "alg NONE", header: bearer(rawToken(`{"alg":"NONE","typ":"JWT"}`, payload(valid), "", nil)), want: "Not authorized"},
		{name: "alg none with a valid HMAC", header: bearer(rawToken(`{"alg":"none","typ":"JWT"}`, payload(valid), "hs256", key)), want: "Not authorized"},
		{name: "alg none via library", header: bearer(sign(t, jwt.SigningMethodNone, "", jwt.UnsafeAllowNoneSignatureType, valid)), want: "Not authorized"},

		{name: "HS384 with the secret", header: bearer(sign(t, jwt.SigningMethodHS384, "", key, valid)), want: "Not authorized"},
		{name: "HS512 with the secret", header: bearer(sign(t, jwt.SigningMethodHS512, "", key, valid)), want: "Not authorized"},
		{name: "RS256 token", header: bearer(sign(t, jwt.SigningMethodRS256, "", rsaKey, valid)), want: "Not authorized"},
		{name: "ES256 token", header: bearer(sign(t, jwt.SigningMethodES256, "", ecKey, valid)), want: "Not authorized"},
		{name: "HMAC signature under alg RS256", header: bearer(rawToken(`{"alg":"RS256","typ":"JWT"}`, payload(valid), "hs256", key)), want: "Not authorized"},

		{name: "header not base64", header: bearer("!!!." + b64.EncodeToString([]byte(payload(valid))) + "." + goodSig), want: "Not authorized"},
		{name: "header not JSON", header: bearer(rawToken(`alg=HS256`, payload(valid), "hs256", key)), want: "Not authorized"},
		{name: "header JSON array", header: bearer(rawToken(`["HS256"]`, payload(valid), "hs256", key)), want: "Not authorized"},
		{name: "header without alg", header: bearer(rawToken(`{"typ":"JWT"}`, payload(valid), "hs256", key)), want: "Not authorized"},
		{name: "alg not a string", header: bearer(rawToken(`{"alg":256}`, payload(valid), "hs256", key)), want: "Not authorized"},
		{name: "alg null", header: bearer(rawToken(`{"alg":null}`, payload(valid), "hs256", key)), want: "Not authorized"},
		{name: "payload not JSON", header: bearer(rawToken(`{"alg":"HS256"}`, `sub=1`, "hs256", key)), want: "Not authorized"},
		{name: "payload JSON array", header: bearer(rawToken(`{"alg":"HS256"}`, `[1]`, "hs256", key)), want: "Not authorized"},
		{name: "two segments", header: bearer(strings.Join(strings.Split(hs(valid), ".")[:2], ".")), want: "Not authorized"},
		{name: "four segments", header: bearer(hs(valid) + ".x"), want: "Not authorized"},
		{name: "dots only", header: bearer(".."), want: "Not authorized"},
		{name: "one word", header: bearer("token"), want: "Not authorized"},
		{name: "binary garbage", header: bearer("\xe9\x80.\xff\xfe.\t "), want: "Not authorized"},
		{name: "huge token", header: bearer(strings.Repeat("a", 30000) + "." + strings.Repeat("b", 30000) + ".c"), want: "Not authorized"},
		{name: "not a bearer token", header: "Basic dXNlcjpwYXNz", want: "Malformed"},
		{name: "token without scheme", header: hs(valid), want: "Malformed"},
	}
	runTokenCases(t, ts, cases)
}

// --- OIDC

type jwksServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys []map[string]any
	hits int
	fail bool // answer 500
}

func newJWKSServer(t *testing.T) *jwksServer {
	j := &jwksServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		j.mu.Lock()
		fail := j.fail
		j.mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"issuer": j.srv.URL + "/", "jwks_uri": j.srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		j.mu.Lock()
		defer j.mu.Unlock()
		j.hits++
		json.NewEncoder(w).Encode(map[string]any{"keys": j.keys})
	})
	j.srv = httptest.NewServer(mux)
	t.Cleanup(j.srv.Close)
	return j
}

func (j *jwksServer) setKeys(keys ...map[string]any) {
	j.mu.Lock()
	j.keys = keys
	j.mu.Unlock()
}

func (j *jwksServer) hitCount() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.hits
}

func rsaJWK(kid string, k *rsa.PrivateKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PrivateKey) map[string]any {
	pad := func(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	return map[string]any{"kty": "EC", "kid": kid, "alg": "ES256", "use": "sig", "crv": "P-256",
		"x": b64.EncodeToString(pad(k.X.Bytes())), "y": b64.EncodeToString(pad(k.Y.Bytes()))}
}

func TestOIDCTokensOverHTTP(t *testing.T) {
	sys := compile(t, todoModel)
	db := pgtest.NewFromTemplate(t, ddl(sys)+todoSeed)
	j := newJWKSServer(t)
	rsa1, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa2, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaStranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	j.setKeys(rsaJWK("k1", rsa1), ecJWK("e1", ec1))
	ts := startServer(t, sys, db, map[string]string{"EXO_OIDC_URL": j.srv.URL})

	iss := j.srv.URL + "/"
	now := time.Now()
	claims := func(extra map[string]any) jwt.MapClaims {
		c := jwt.MapClaims{"sub": 1, "role": "user", "iss": iss, "exp": now.Add(time.Hour).Unix()}
		for k, v := range extra {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	bearer := func(s string) string { return "Bearer " + s }
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsa1.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsa1.PublicKey)})
	jwkJSON, _ := json.Marshal(rsaJWK("k1", rsa1))
	hsWithKid := func(kid string, key []byte) string {
		return rawToken(`{"alg":"HS256","typ":"JWT","kid":"`+kid+`"}`, payload(claims(nil)), "hs256", key)
	}

	runTokenCases(t, ts, []tokenCase{
		{name: "RS256", header: bearer(sign(t, jwt.SigningMethodRS256, "k1", rsa1, claims(nil))), ok: user1Bodies},
		{name: "ES256 issuer without slash", header: bearer(sign(t, jwt.SigningMethodES256, "e1", ec1, claims(map[string]any{"iss": j.srv.URL}))), ok: user1Bodies},
		{name: "expired", header: bearer(sign(t, jwt.SigningMethodRS256, "k1", rsa1, claims(map[string]any{"exp": now.Add(-time.Hour).Unix()}))), want: "Expired authentication"},
		{name: "not yet valid", header: bearer(sign(t, jwt.SigningMethodRS256, "k1", rsa1, claims(map[string]any{"nbf": now.Add(time.Hour).Unix()}))), want: "Not authorized"},
		{name: "wrong issuer", header: bearer(sign(t, jwt.SigningMethodRS256, "k1", rsa1, claims(map[string]any{"iss": "https://evil.example/"}))), want: "Not authorized"},
		{name: "no issuer", header: bearer(sign(t, jwt.SigningMethodRS256, "k1", rsa1, claims(map[string]any{"iss": nil}))), want: "Not authorized"},
		{name: "bad signature (other key, known kid)", header: bearer(sign(t, jwt.SigningMethodRS256, "k1", rsaStranger, claims(nil))), want: "Not authorized"},
		{name: "EC key id used for an RSA signature", header: bearer(sign(t, jwt.SigningMethodRS256, "e1", rsa1, claims(nil))), want: "Not authorized"},
		{name: "RS384 under an RS256 key", header: bearer(sign(t, jwt.SigningMethodRS384, "k1", rsa1, claims(nil))), want: "Not authorized"},
		{name: "alg none", header: bearer(rawToken(`{"alg":"none","kid":"k1"}`, payload(claims(nil)), "", nil)), want: "Not authorized"},
		{name: "HS256 keyed with the public key PEM", header: bearer(hsWithKid("k1", pubPEM)), want: "Not authorized"},
		{name: "HS256 keyed with the PKCS1 PEM", header: bearer(hsWithKid("k1", pkcs1PEM)), want: "Not authorized"},
		{name: "HS256 keyed with the public key DER", header: bearer(hsWithKid("k1", pubDER)), want: "Not authorized"},
		{name: "HS256 keyed with the JWK", header: bearer(hsWithKid("k1", jwkJSON)), want: "Not authorized"},
		{name: "HS256 keyed with the modulus", header: bearer(hsWithKid("k1", rsa1.N.Bytes())), want: "Not authorized"},
		// Without a kid the token is checked against the published keys: a trusted signature is
		// accepted, any other rejected.
		{name: "no kid, trusted key", header: bearer(sign(t, jwt.SigningMethodRS256, "", rsa1, claims(nil))), ok: user1Bodies},
		{name: "no kid, unknown key", header: bearer(sign(t, jwt.SigningMethodRS256, "", rsaStranger, claims(nil))), want: "Not authorized"},
		{name: "no kid, alg none", header: bearer(rawToken(`{"alg":"none"}`, payload(claims(nil)), "", nil)), want: "Not authorized"},
		{name: "no kid, HS256 keyed with the public key PEM", header: bearer(rawToken(`{"alg":"HS256"}`, payload(claims(nil)), "hs256", pubPEM)), want: "Not authorized"},
		{name: "malformed header", header: bearer(rawToken(`{"alg":"RS256","kid":`, payload(claims(nil)), "abc", nil)), want: "Not authorized"},
		{name: "kid not a string", header: bearer(rawToken(`{"alg":"RS256","kid":7}`, payload(claims(nil)), "abc", nil)), want: "Not authorized"},
		{name: "garbage", header: bearer("a.b.c"), want: "Not authorized"},
	})

	// Key rotation: k2 replaces k1. A token with the new kid makes the server refetch the key
	// set; tokens signed with the retired key are rejected from then on.
	j.setKeys(rsaJWK("k2", rsa2))
	runTokenCases(t, ts, []tokenCase{
		{name: "rotated key", header: bearer(sign(t, jwt.SigningMethodRS256, "k2", rsa2, claims(nil))), ok: user1Bodies},
		{name: "retired key", header: bearer(sign(t, jwt.SigningMethodRS256, "k1", rsa1, claims(nil))), want: "Not authorized"},
		{name: "retired EC key", header: bearer(sign(t, jwt.SigningMethodES256, "e1", ec1, claims(nil))), want: "Not authorized"},
	})

	// Unknown key ids are rejected, and do not make the server hammer the JWKS endpoint.
	before := j.hitCount()
	for i := range 20 {
		status, body := ts.post(probes[0], nil, "Authorization", bearer(sign(t, jwt.SigningMethodRS256, "unknown-"+string(rune('a'+i)), rsaStranger, claims(nil))))
		if status != http.StatusOK || body != errorBody("Not authorized") {
			t.Fatalf("unknown kid: %d %s", status, body)
		}
	}
	if hits := j.hitCount() - before; hits > 2 {
		t.Errorf("20 unknown key ids fetched the JWKS %d times", hits)
	}
	// Tokens with the current key still work.
	if status, body := ts.post(probes[0], nil, "Authorization", bearer(sign(t, jwt.SigningMethodRS256, "k2", rsa2, claims(nil)))); status != http.StatusOK || body != user1Bodies[0] {
		t.Errorf("after unknown kids: %d %s", status, body)
	}
}

// An identity provider that cannot be reached fails the request with an internal error (no
// crash, no data); anonymous requests do not need it.
func TestOIDCProviderDown(t *testing.T) {
	sys := compile(t, todoModel)
	j := newJWKSServer(t)
	j.fail = true
	ts := startServer(t, sys, pgtest.NewFromTemplate(t, ddl(sys)+todoSeed), map[string]string{"EXO_OIDC_URL": j.srv.URL})
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tok := sign(t, jwt.SigningMethodRS256, "k1", key, jwt.MapClaims{"sub": 1, "iss": j.srv.URL})
	for _, q := range probes {
		status, body := ts.post(q, nil, "Authorization", "Bearer "+tok)
		if status != http.StatusOK || body != errorBody("Internal server error") {
			t.Errorf("%s: %d %s", q, status, body)
		}
		if status, body := ts.post(q, nil); status != http.StatusOK || body != errorBody("Not authorized") {
			t.Errorf("anonymous %s: %d %s", q, status, body)
		}
	}
}
