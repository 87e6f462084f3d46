package access

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const secret = "test-secret"

func hsToken(t *testing.T, key string, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newExtractor(t *testing.T, cfg Config) *Extractor {
	t.Helper()
	x, err := NewExtractor(t.Context(), testSystem(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestJWTHS256(t *testing.T) {
	now := time.Now()
	x := newExtractor(t, Config{JWTSecret: secret})
	tests := []struct {
		name    string
		header  string
		wantID  any
		wantErr ErrorKind
		wantMsg string
	}{
		{"valid", "Bearer " + hsToken(t, secret, jwt.MapClaims{"sub": 5, "exp": now.Add(time.Hour).Unix()}), int64(5), 0, ""},
		{"valid without exp", "Bearer " + hsToken(t, secret, jwt.MapClaims{"sub": "6"}), int64(6), 0, ""},
		{"missing token is anonymous", "", nil, 0, ""},
		{"expired", "Bearer " + hsToken(t, secret, jwt.MapClaims{"sub": 5, "exp": now.Add(-time.Hour).Unix()}), nil, ErrExpired, "Expired authentication"},
		{"expired within leeway", "Bearer " + hsToken(t, secret, jwt.MapClaims{"sub": 5, "exp": now.Add(-10 * time.Second).Unix()}), int64(5), 0, ""},
		{"not yet valid", "Bearer " + hsToken(t, secret, jwt.MapClaims{"sub": 5, "nbf": now.Add(time.Hour).Unix()}), nil, ErrUnauthorized, "Not authorized"},
		{"bad signature", "Bearer " + hsToken(t, "other", jwt.MapClaims{"sub": 5}), nil, ErrUnauthorized, "Not authorized"},
		{"garbage", "Bearer abc.def.ghi", nil, ErrUnauthorized, "Not authorized"},
		{"no bearer prefix", hsToken(t, secret, jwt.MapClaims{"sub": 5}), nil, ErrMalformed, "Malformed"},
		{"wrong algorithm", "Bearer " + func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{"sub": 5}).SignedString([]byte(secret))
			return s
		}(), nil, ErrUnauthorized, "Not authorized"},
		{"alg none", "Bearer " + func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": 5}).SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}(), nil, ErrUnauthorized, "Not authorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"authorization": tt.header}}, nil)
			v, err := rc.Value(cAuth, fID)
			if tt.wantErr != 0 {
				var ae *Error
				if !errors.As(err, &ae) || ae.Kind != tt.wantErr || ae.Message != tt.wantMsg {
					t.Fatalf("err = %v, want kind %d %q", err, tt.wantErr, tt.wantMsg)
				}
				// Cached: the same error again, also for other JWT fields.
				if _, err2 := rc.Value(cAuth, fRole); !errors.As(err2, &ae) || ae.Kind != tt.wantErr {
					t.Fatalf("second field: %v", err2)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v != tt.wantID {
				t.Fatalf("id = %#v, want %#v", v, tt.wantID)
			}
		})
	}
}

func TestJWTNoAuthConfigured(t *testing.T) {
	x := newExtractor(t, Config{})
	rc := x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"Authorization": "Bearer " + hsToken(t, secret, jwt.MapClaims{"sub": 5})}}, nil)
	v, err := rc.Value(cAuth, fID)
	if err != nil || v != nil {
		t.Fatalf("got %v %v, want null", v, err)
	}
}

func TestJWTSources(t *testing.T) {
	tok := hsToken(t, secret, jwt.MapClaims{"sub": 9})
	t.Run("custom header", func(t *testing.T) {
		x := newExtractor(t, Config{JWTSecret: secret, JWTSourceHeader: "X-Token"})
		rc := x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"Authorization": "Bearer junk", "x-token": "Bearer " + tok}}, nil)
		if v, err := rc.Value(cAuth, fID); err != nil || v != int64(9) {
			t.Fatalf("got %v %v", v, err)
		}
	})
	t.Run("cookie", func(t *testing.T) {
		x := newExtractor(t, Config{JWTSecret: secret, JWTSourceCookie: "tok"})
		rc := x.NewRequest(t.Context(), MapRequest{Cookies: map[string]string{"tok": tok}}, nil)
		if v, err := rc.Value(cAuth, fID); err != nil || v != int64(9) {
			t.Fatalf("got %v %v", v, err)
		}
		rc = x.NewRequest(t.Context(), MapRequest{Cookies: map[string]string{"tok": "Bearer " + tok}}, nil)
		if _, err := rc.Value(cAuth, fID); err == nil {
			t.Fatal("cookie with Bearer prefix accepted")
		}
	})
	t.Run("http request", func(t *testing.T) {
		x := newExtractor(t, Config{JWTSecret: secret, Getenv: func(k string) string {
			if k == "__DEV_MODE" {
				return "1"
			}
			return ""
		}})
		r := httptest.NewRequest("POST", "/graphql", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("x-secret-header", "pancake")
		r.AddCookie(&http.Cookie{Name: "session_id", Value: "abcde"})
		r.RemoteAddr = "127.0.0.1:5555"
		rc := x.NewRequest(t.Context(), HTTPRequest(r), nil)
		want := map[string]any{"secret": "pancake", "session": "abcde", "dev": "1", "ip": "127.0.0.1", "limit": nil, "flag": nil}
		obj, err := rc.Object(cReq)
		if err != nil {
			t.Fatal(err)
		}
		for k, w := range want {
			if obj[k] != w {
				t.Errorf("%s = %#v, want %#v", k, obj[k], w)
			}
		}
		if v, _ := rc.Value(cAuth, fID); v != int64(9) {
			t.Errorf("id = %v", v)
		}
	})
}

func TestConfigErrors(t *testing.T) {
	if _, err := NewExtractor(t.Context(), testSystem(), Config{JWTSecret: "a", OIDCURL: "http://x"}); err == nil {
		t.Error("secret + OIDC accepted")
	}
	if _, err := NewExtractor(t.Context(), testSystem(), Config{JWTSourceHeader: "a", JWTSourceCookie: "b"}); err == nil {
		t.Error("header + cookie source accepted")
	}
	if _, err := NewExtractor(t.Context(), nil, Config{}); err == nil {
		t.Error("nil system accepted")
	}
	cfg := ConfigFromEnv(func(k string) string {
		return map[string]string{"EXO_JWT_SECRET": "s", "EXO_JWT_SOURCE_COOKIE": "c"}[k]
	})
	if cfg.JWTSecret != "s" || cfg.JWTSourceCookie != "c" || cfg.OIDCURL != "" || cfg.Getenv == nil {
		t.Errorf("ConfigFromEnv = %+v", cfg)
	}
}

func TestCoercion(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]any
		field  int
		want   any
		errMsg string
	}{
		{"int from number", map[string]any{"sub": json.Number("12")}, fID, int64(12), ""},
		{"int from float number", map[string]any{"sub": 12.0}, fID, int64(12), ""},
		{"int from string", map[string]any{"sub": " 13"}, fID, int64(13), ""},
		{"int from bad string", map[string]any{"sub": "x1"}, fID, nil, "Type mismatch: expected Int, got x1"},
		{"int from fraction", map[string]any{"sub": 1.5}, fID, nil, "Type mismatch: expected Int, got 1.5"},
		{"int from bool", map[string]any{"sub": true}, fID, nil, "Type mismatch: expected Int, got true"},
		{"string from number", map[string]any{"role": json.Number("3")}, fRole, "3", ""},
		{"string from object", map[string]any{"role": map[string]any{}}, fRole, nil, "Type mismatch: expected String, got map[]"},
		{"string null uses default", map[string]any{"role": nil}, fRole, "user", ""},
		{"float from int", map[string]any{"score": 2}, fScore, 2.0, ""},
		{"float from string", map[string]any{"score": "2.5"}, fScore, 2.5, ""},
		{"float bad", map[string]any{"score": "x"}, fScore, nil, "Type mismatch: expected Float, got x"},
		{"bool", map[string]any{"admin": true}, fAdmin, true, ""},
		{"bool from string", map[string]any{"admin": "false"}, fAdmin, false, ""},
		{"bool bad", map[string]any{"admin": "yes"}, fAdmin, nil, "Type mismatch: expected Boolean, got yes"},
		{"uuid", map[string]any{"uid": "550E8400-e29b-41d4-a716-446655440000"}, fUid, "550e8400-e29b-41d4-a716-446655440000", ""},
		{"uuid bad", map[string]any{"uid": "nope"}, fUid, nil, "Type mismatch: expected Uuid, got nope"},
		{"decimal", map[string]any{"price": json.Number("10.50")}, fPrice, "10.5", ""},
		{"decimal string", map[string]any{"price": "10.50"}, fPrice, "10.50", ""},
		{"enum", map[string]any{"erole": "USER"}, fERole, "USER", ""},
		{"enum bad", map[string]any{"erole": "ROOT"}, fERole, nil, "Type mismatch: expected Role, got ROOT"},
		{"array", map[string]any{"roles": []any{"a", json.Number("1")}}, fRoles, []any{"a", "1"}, ""},
		{"array from scalar", map[string]any{"roles": "a"}, fRoles, nil, "Type mismatch: expected Array<String>, got a"},
		{"set of int from strings", map[string]any{"nums": []any{"1", 2}}, fNums, []any{int64(1), int64(2)}, ""},
		{"set element bad", map[string]any{"nums": []any{"x"}}, fNums, nil, "Type mismatch: expected Int, got x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := claimsRequest(t, tt.claims).Value(cAuth, tt.field)
			if tt.errMsg != "" {
				var ae *Error
				if !errors.As(err, &ae) || ae.Kind != ErrTypeMismatch || ae.Message != tt.errMsg {
					t.Fatalf("err = %v, want %q", err, tt.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !valuesEqual(v, tt.want) || jsonText(v) != jsonText(tt.want) {
				t.Fatalf("got %#v, want %#v", v, tt.want)
			}
		})
	}
	// Header strings coerce too.
	x := newExtractor(t, Config{Getenv: func(k string) string { return map[string]string{"FLAG": "true"}[k] }})
	rc := x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"X-Limit": "42"}}, nil)
	if v, err := rc.Value(cReq, 4); err != nil || v != int64(42) {
		t.Errorf("header Int = %v %v", v, err)
	}
	if v, err := rc.Value(cReq, 5); err != nil || v != true {
		t.Errorf("env Boolean = %v %v", v, err)
	}
	rc = x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"X-Limit": "many"}}, nil)
	if _, err := rc.Value(cReq, 4); err == nil {
		t.Error("bad header Int accepted")
	}
	if _, err := rc.Value(9, 0); err == nil {
		t.Error("bad context index accepted")
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct{ fwd, xff, remote, want string }{
		{"", "", "127.0.0.1:1234", "127.0.0.1"},
		{"", "", "[::1]:80", "::1"},
		{"", "203.0.113.7, 10.0.0.1", "127.0.0.1:1", "203.0.113.7"},
		{`for=192.0.2.60;proto=http;by=203.0.113.43`, "1.1.1.1", "127.0.0.1:1", "192.0.2.60"},
		{`For="[2001:db8:cafe::17]:4711"`, "", "127.0.0.1:1", "2001:db8:cafe::17"},
		{`proto=https, for=198.51.100.17`, "", "127.0.0.1:1", "198.51.100.17"},
		{"", "", "", ""},
	}
	for _, tt := range tests {
		if got := ClientIP(tt.fwd, tt.xff, tt.remote); got != tt.want {
			t.Errorf("ClientIP(%q, %q, %q) = %q, want %q", tt.fwd, tt.xff, tt.remote, got, tt.want)
		}
	}
}

func TestQuerySource(t *testing.T) {
	x := newExtractor(t, Config{})
	t.Run("null is an error", func(t *testing.T) {
		rc := x.NewRequest(t.Context(), nil, func(context.Context, string) (any, error) { return nil, nil })
		if _, err := rc.Value(cTrack, 0); err == nil {
			t.Fatal("null @query accepted")
		}
	})
	t.Run("no runner", func(t *testing.T) {
		if _, err := x.NewRequest(t.Context(), nil, nil).Value(cTrack, 0); err == nil {
			t.Fatal("missing runner accepted")
		}
	})
	t.Run("reads other contexts", func(t *testing.T) {
		var rc *RequestContext
		rc = x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"X-Secret-Header": "pancake"}}, func(context.Context, string) (any, error) {
			v, err := rc.Value(cReq, 0)
			return v != "pancake", err
		})
		if v, err := rc.Value(cTrack, 0); err != nil || v != false {
			t.Fatalf("got %v %v", v, err)
		}
	})
	t.Run("recursion is an error", func(t *testing.T) {
		var rc *RequestContext
		rc = x.NewRequest(t.Context(), nil, func(context.Context, string) (any, error) { return rc.Value(cTrack, 0) })
		if _, err := rc.Value(cTrack, 0); err == nil {
			t.Fatal("recursive @query accepted")
		}
	})
	t.Run("coerced", func(t *testing.T) {
		rc := x.NewRequest(t.Context(), nil, func(context.Context, string) (any, error) { return "true", nil })
		if v, err := rc.Value(cTrack, 0); err != nil || v != true {
			t.Fatalf("got %v %v", v, err)
		}
	})
}

// --- OIDC

type oidcServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	keys []map[string]any
	hits int
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaJWK(kid string, k *rsa.PrivateKey) map[string]any {
	return map[string]any{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
}

func ecJWK(kid string, k *ecdsa.PrivateKey) map[string]any {
	pad := func(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }
	return map[string]any{"kty": "EC", "kid": kid, "alg": "ES256", "use": "sig", "crv": "P-256",
		"x": b64(pad(k.X.Bytes())), "y": b64(pad(k.Y.Bytes()))}
}

func newOIDCServer(t *testing.T) *oidcServer {
	o := &oidcServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": o.srv.URL + "/", "jwks_uri": o.srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.hits++
		json.NewEncoder(w).Encode(map[string]any{"keys": o.keys})
	})
	o.srv = httptest.NewServer(mux)
	t.Cleanup(o.srv.Close)
	return o
}

func (o *oidcServer) setKeys(keys ...map[string]any) {
	o.mu.Lock()
	o.keys = keys
	o.mu.Unlock()
}

func signed(t *testing.T, m jwt.SigningMethod, kid string, key any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOIDC(t *testing.T) {
	o := newOIDCServer(t)
	rsa1, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsa2, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec1, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	o.setKeys(rsaJWK("k1", rsa1), ecJWK("e1", ec1))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	x, err := NewExtractor(ctx, testSystem(), Config{OIDCURL: o.srv.URL, HTTPClient: o.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	value := func(tok string) (any, error) {
		rc := x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"Authorization": "Bearer " + tok}}, nil)
		return rc.Value(cAuth, fID)
	}
	iss := o.srv.URL + "/"
	exp := time.Now().Add(time.Hour).Unix()

	if v, err := value(signed(t, jwt.SigningMethodRS256, "k1", rsa1, jwt.MapClaims{"sub": 1, "iss": iss, "exp": exp})); err != nil || v != int64(1) {
		t.Fatalf("RS256: %v %v", v, err)
	}
	if v, err := value(signed(t, jwt.SigningMethodES256, "e1", ec1, jwt.MapClaims{"sub": 2, "iss": o.srv.URL})); err != nil || v != int64(2) {
		t.Fatalf("ES256 (issuer without slash): %v %v", v, err)
	}
	checkErr := func(name, tok string, kind ErrorKind) {
		t.Helper()
		_, err := value(tok)
		var ae *Error
		if !errors.As(err, &ae) || ae.Kind != kind {
			t.Errorf("%s: err = %v, want kind %d", name, err, kind)
		}
	}
	checkErr("wrong issuer", signed(t, jwt.SigningMethodRS256, "k1", rsa1, jwt.MapClaims{"sub": 1, "iss": "https://evil/"}), ErrUnauthorized)
	checkErr("missing issuer", signed(t, jwt.SigningMethodRS256, "k1", rsa1, jwt.MapClaims{"sub": 1}), ErrUnauthorized)
	checkErr("expired", signed(t, jwt.SigningMethodRS256, "k1", rsa1, jwt.MapClaims{"sub": 1, "iss": iss, "exp": time.Now().Add(-time.Hour).Unix()}), ErrExpired)
	checkErr("wrong key", signed(t, jwt.SigningMethodRS256, "k1", rsa2, jwt.MapClaims{"sub": 1, "iss": iss}), ErrUnauthorized)
	checkErr("HS256 rejected", hsToken(t, "x", jwt.MapClaims{"sub": 1, "iss": iss}), ErrUnauthorized)

	// Key rotation: a token with a new kid triggers a refresh of the key set.
	o.setKeys(rsaJWK("k2", rsa2))
	if v, err := value(signed(t, jwt.SigningMethodRS256, "k2", rsa2, jwt.MapClaims{"sub": 3, "iss": iss})); err != nil || v != int64(3) {
		t.Fatalf("rotated key: %v %v", v, err)
	}
}

func TestOIDCDiscoveryFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	x, err := NewExtractor(t.Context(), testSystem(), Config{OIDCURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	rc := x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"Authorization": "Bearer a.b.c"}}, nil)
	_, err = rc.Value(cAuth, fID)
	var ae *Error
	if !errors.As(err, &ae) || ae.Kind != ErrInternal || !strings.Contains(err.Error(), "404") {
		t.Fatalf("err = %v", err)
	}
}
