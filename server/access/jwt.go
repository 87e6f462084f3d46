package access

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// leeway is the clock skew allowed for exp and nbf (the Rust jsonwebtoken default).
const leeway = 60 * time.Second

// verifier checks a raw token and returns its claims.
type verifier interface {
	verify(ctx context.Context, token string) (map[string]any, error)
}

func parseErr(err error) *Error {
	if errors.Is(err, jwt.ErrTokenExpired) {
		return &Error{Kind: ErrExpired, Message: MsgExpired, Err: err}
	}
	return errUnauthorized(err)
}

// hmacVerifier verifies HS256 tokens with a shared secret.
type hmacVerifier struct {
	secret []byte
	parser *jwt.Parser
}

func newHMACVerifier(secret string) *hmacVerifier {
	return &hmacVerifier{
		secret: []byte(secret),
		parser: jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithLeeway(leeway), jwt.WithJSONNumber()),
	}
}

func (h *hmacVerifier) verify(_ context.Context, token string) (map[string]any, error) {
	claims := jwt.MapClaims{}
	_, err := h.parser.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return h.secret, nil })
	if err != nil {
		return nil, parseErr(err)
	}
	return claims, nil
}

// oidcVerifier verifies asymmetric tokens with the JWKS published by an OpenID Connect issuer.
// Discovery happens on first use (and is retried after failures); keyfunc refreshes the key set
// hourly and on unknown key ids (rate limited), which covers key rotation.
type oidcVerifier struct {
	issuer string // without trailing slash
	client *http.Client
	bg     context.Context
	parser *jwt.Parser

	mu    sync.Mutex
	kf    keyfunc.Keyfunc
	lastE time.Time
}

var asymmetricMethods = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}

func newOIDCVerifier(bg context.Context, issuer string, client *http.Client) *oidcVerifier {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &oidcVerifier{
		issuer: strings.TrimRight(issuer, "/"),
		client: client,
		bg:     bg,
		parser: jwt.NewParser(jwt.WithValidMethods(asymmetricMethods), jwt.WithLeeway(leeway), jwt.WithJSONNumber()),
	}
}

func (o *oidcVerifier) keys(ctx context.Context) (keyfunc.Keyfunc, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.kf != nil {
		return o.kf, nil
	}
	if !o.lastE.IsZero() && time.Since(o.lastE) < 5*time.Second {
		return nil, errors.New("oidc discovery failed recently")
	}
	jwksURL, err := o.discover(ctx)
	if err == nil {
		o.kf, err = keyfunc.NewDefaultOverrideCtx(o.bg, []string{jwksURL}, keyfunc.Override{Client: o.client})
	}
	if err != nil {
		o.lastE = time.Now()
		return nil, err
	}
	return o.kf, nil
}

func (o *oidcVerifier) discover(ctx context.Context) (string, error) {
	u := o.issuer + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("oidc discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("oidc discovery: %s returned %s", u, resp.Status)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", fmt.Errorf("oidc discovery: %w", err)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("oidc discovery: %s has no jwks_uri", u)
	}
	return doc.JWKSURI, nil
}

func (o *oidcVerifier) verify(ctx context.Context, token string) (map[string]any, error) {
	kf, err := o.keys(ctx)
	if err != nil {
		return nil, &Error{Kind: ErrInternal, Message: MsgInternal, Err: err}
	}
	claims := jwt.MapClaims{}
	if _, err := o.parser.ParseWithClaims(token, claims, kf.KeyfuncCtx(ctx)); err != nil {
		return nil, parseErr(err)
	}
	// The issuer is accepted with or without a trailing slash.
	iss, _ := claims["iss"].(string)
	if strings.TrimRight(iss, "/") != o.issuer {
		return nil, errUnauthorized(fmt.Errorf("unexpected issuer %q", iss))
	}
	return claims, nil
}
