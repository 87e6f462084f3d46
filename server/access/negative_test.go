package access

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// rawJWT assembles a token from raw header and payload JSON; sig "hs256" signs with key.
func rawJWT(header, payload, sig string, key []byte) string {
	msg := b64([]byte(header)) + "." + b64([]byte(payload))
	if sig == "hs256" {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(msg))
		sig = b64(mac.Sum(nil))
	}
	return msg + "." + sig
}

func wantKind(t *testing.T, name string, rc *RequestContext, kind ErrorKind, msg string) {
	t.Helper()
	v, err := rc.Value(cAuth, fID)
	var ae *Error
	if !errors.As(err, &ae) || ae.Kind != kind || ae.Message != msg {
		t.Errorf("%s: got %v %v, want kind %d %q", name, v, err, kind, msg)
	}
}

// Tokens the HS256 verifier must reject beyond TestJWTHS256: algorithm confusion and malformed
// headers.
func TestJWTHS256Rejections(t *testing.T) {
	x := newExtractor(t, Config{JWTSecret: secret})
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	claims := `{"sub":5,"exp":` + jsonText(time.Now().Add(time.Hour).Unix()) + `}`
	key := []byte(secret)
	tests := []struct{ name, token string }{
		{"RS256 token", signed(t, jwt.SigningMethodRS256, "", rsaKey, jwt.MapClaims{"sub": 5})},
		{"HMAC signature under alg RS256", rawJWT(`{"alg":"RS256"}`, claims, "hs256", key)},
		{"HMAC signature under alg HS512", rawJWT(`{"alg":"HS512"}`, claims, "hs256", key)},
		{"alg None", rawJWT(`{"alg":"None"}`, claims, "", nil)},
		{"alg none with a valid HMAC", rawJWT(`{"alg":"none"}`, claims, "hs256", key)},
		{"header not base64", "!!!." + b64([]byte(claims)) + ".x"},
		{"header not JSON", rawJWT(`alg=HS256`, claims, "hs256", key)},
		{"header without alg", rawJWT(`{"typ":"JWT"}`, claims, "hs256", key)},
		{"alg not a string", rawJWT(`{"alg":1}`, claims, "hs256", key)},
		{"payload not an object", rawJWT(`{"alg":"HS256"}`, `[1,2]`, "hs256", key)},
		{"exp not a number", rawJWT(`{"alg":"HS256"}`, `{"sub":5,"exp":"soon"}`, "hs256", key)},
		{"two segments", "a.b"},
		{"four segments", rawJWT(`{"alg":"HS256"}`, claims, "hs256", key) + ".x"},
	}
	for _, tt := range tests {
		rc := x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"Authorization": "Bearer " + tt.token}}, nil)
		wantKind(t, tt.name, rc, ErrUnauthorized, MsgNotAuthorized)
	}
	// The control: the same construction with the right header and key is accepted.
	rc := x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"Authorization": "Bearer " + rawJWT(`{"alg":"HS256"}`, claims, "hs256", key)}}, nil)
	if v, err := rc.Value(cAuth, fID); err != nil || v != int64(5) {
		t.Fatalf("control token: %v %v", v, err)
	}
}

// Tokens the OIDC verifier must reject beyond TestOIDC: unknown key ids, alg none, HMAC keyed
// with the public key (algorithm confusion), an algorithm other than the key's, not yet valid,
// malformed headers.
func TestOIDCRejections(t *testing.T) {
	o := newOIDCServer(t)
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	stranger, _ := rsa.GenerateKey(rand.Reader, 2048)
	o.setKeys(rsaJWK("k1", k1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	x, err := NewExtractor(ctx, testSystem(), Config{OIDCURL: o.srv.URL, HTTPClient: o.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	iss := o.srv.URL + "/"
	claims := jwt.MapClaims{"sub": 1, "iss": iss, "exp": time.Now().Add(time.Hour).Unix()}
	claimsJSON, _ := json.Marshal(claims)
	der, _ := x509.MarshalPKIXPublicKey(&k1.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	req := func(tok string) *RequestContext {
		return x.NewRequest(t.Context(), MapRequest{Headers: map[string]string{"Authorization": "Bearer " + tok}}, nil)
	}
	if v, err := req(signed(t, jwt.SigningMethodRS256, "k1", k1, claims)).Value(cAuth, fID); err != nil || v != int64(1) {
		t.Fatalf("control token: %v %v", v, err)
	}
	tests := []struct{ name, token string }{
		{"unknown kid", signed(t, jwt.SigningMethodRS256, "k9", stranger, claims)},
		{"unknown kid signed with a known key", signed(t, jwt.SigningMethodRS256, "k9", k1, claims)},
		{"known kid, other key", signed(t, jwt.SigningMethodRS256, "k1", stranger, claims)},
		{"alg none", rawJWT(`{"alg":"none","kid":"k1"}`, string(claimsJSON), "", nil)},
		{"HS256 keyed with the public key PEM", rawJWT(`{"alg":"HS256","kid":"k1"}`, string(claimsJSON), "hs256", pubPEM)},
		{"HS256 keyed with the public key DER", rawJWT(`{"alg":"HS256","kid":"k1"}`, string(claimsJSON), "hs256", der)},
		{"RS384 under an RS256 key", signed(t, jwt.SigningMethodRS384, "k1", k1, claims)},
		{"PS256 under an RS256 key", signed(t, jwt.SigningMethodPS256, "k1", k1, claims)},
		{"not yet valid", signed(t, jwt.SigningMethodRS256, "k1", k1, jwt.MapClaims{"sub": 1, "iss": iss, "nbf": time.Now().Add(time.Hour).Unix()})},
		{"malformed header", rawJWT(`{"alg":"RS256","kid":`, string(claimsJSON), "x", nil)},
		{"kid not a string", rawJWT(`{"alg":"RS256","kid":["k1"]}`, string(claimsJSON), "x", nil)},
	}
	for _, tt := range tests {
		wantKind(t, tt.name, req(tt.token), ErrUnauthorized, MsgNotAuthorized)
	}
}
