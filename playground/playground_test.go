package playground

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("GET", "/playground", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var configRE = regexp.MustCompile(`<script>window\.exoConfig=(\{.*?\});</script>`)

func exoConfig(t *testing.T, page string) map[string]any {
	t.Helper()
	m := configRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no window.exoConfig in the page (starts %q)", page[:min(len(page), 400)])
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("window.exoConfig is not JSON: %v\n%s", err, m[1])
	}
	return cfg
}

func TestPageGzipAndPlain(t *testing.T) {
	h := New(Options{
		GraphQLPath:             "/api/graphql",
		JWTSourceHeader:         "X-Token",
		UpstreamGraphQLEndpoint: "https://example.com/graphql",
		EnableSchemaLiveUpdate:  true,
	})
	gz := get(t, h, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	if gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip GET: %d, Content-Encoding %q", gz.Code, gz.Header().Get("Content-Encoding"))
	}
	if n, _ := strconv.Atoi(gz.Header().Get("Content-Length")); n != gz.Body.Len() {
		t.Errorf("Content-Length %d, body %d bytes", n, gz.Body.Len())
	}
	if gz.Body.Len() > 3<<20 {
		t.Errorf("the compressed page is %d bytes", gz.Body.Len())
	}
	// A strict decoder (one member, CRC and size checked).
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false)
	unzipped, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("the gzip body does not decompress: %v", err)
	}

	plain := get(t, h, nil)
	if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("plain GET: %d, Content-Encoding %q", plain.Code, plain.Header().Get("Content-Encoding"))
	}
	if n, _ := strconv.Atoi(plain.Header().Get("Content-Length")); n != plain.Body.Len() {
		t.Errorf("Content-Length %d, body %d bytes", n, plain.Body.Len())
	}
	if !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Fatalf("the gzip body (%d bytes) and the plain body (%d bytes) differ", len(unzipped), plain.Body.Len())
	}
	page := plain.Body.String()
	if !strings.HasPrefix(page, "<!doctype html>") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("not a whole HTML page: %q ... %q", page[:40], page[len(page)-40:])
	}
	if plain.Header().Get("Vary") != "Accept-Encoding" || !strings.HasPrefix(plain.Header().Get("Content-Type"), "text/html") {
		t.Errorf("headers: %v", plain.Header())
	}
	cfg := exoConfig(t, page)
	want := map[string]any{
		"playgroundHttpPath": "/playground", "graphqlHttpPath": "/api/graphql", "enableSchemaLiveUpdate": true,
		"oidcUrl": "", "upstreamGraphQLEndpoint": "https://example.com/graphql", "jwtSourceHeader": "X-Token", "jwtSourceCookie": "",
	}
	if len(cfg) != len(want) {
		t.Errorf("window.exoConfig = %v, want %v", cfg, want)
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("window.exoConfig.%s = %v, want %v", k, cfg[k], v)
		}
	}
	// GraphiQL is there, and self-contained: no script, style or link loaded from elsewhere.
	for _, s := range []string{"graphiql-container", "monaco", `<div id="root"></div>`} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %q", s)
		}
	}
	for _, m := range regexp.MustCompile(`(?i)<(script|link)[^>]+(src|href)=["']?([^"' >]*)`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[3], "data:") {
			t.Errorf("the page loads an external resource: %s", m[0])
		}
	}
	if strings.Contains(page, "/*EXO_CONFIG*/") {
		t.Error("placeholder left in the page")
	}

	// The ETag revalidates.
	etag := plain.Header().Get("ETag")
	if etag == "" || etag != gz.Header().Get("ETag") {
		t.Fatalf("ETag %q (gzip %q)", etag, gz.Header().Get("ETag"))
	}
	if rec := get(t, h, map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := get(t, Handler("/other"), map[string]string{"If-None-Match": etag}); rec.Code != 200 {
		t.Errorf("another configuration answered %d to the first one's ETag", rec.Code)
	}
}

func TestHandlerDefaults(t *testing.T) {
	rec := get(t, Handler("/graphql"), map[string]string{"Accept-Encoding": "gzip"})
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := exoConfig(t, string(page))
	if cfg["graphqlHttpPath"] != "/graphql" || cfg["enableSchemaLiveUpdate"] != true || cfg["jwtSourceCookie"] != "" {
		t.Errorf("window.exoConfig = %v", cfg)
	}
}

func TestConfigEscaped(t *testing.T) {
	rec := get(t, New(Options{GraphQLPath: `/x</script><script>alert(1)//`, JWTSourceCookie: `a"b`}), nil)
	page := rec.Body.String()
	if strings.Contains(page, "</script><script>alert") {
		t.Error("the endpoint is not escaped")
	}
	cfg := exoConfig(t, page)
	if cfg["graphqlHttpPath"] != `/x</script><script>alert(1)//` || cfg["jwtSourceCookie"] != `a"b` {
		t.Errorf("window.exoConfig = %v", cfg)
	}
}

func TestDisabled(t *testing.T) {
	h := New(Options{Disabled: true})
	rec := get(t, h, map[string]string{"Accept-Encoding": "gzip"})
	if rec.Code != 200 || rec.Body.String() != "Introspection is disabled" || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("disabled: %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
}

func TestMethods(t *testing.T) {
	for _, h := range []http.Handler{Handler("/graphql"), New(Options{Disabled: true})} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/playground", strings.NewReader("{}")))
		if rec.Code != 405 || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST: %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
		}
	}
	rec := httptest.NewRecorder()
	Handler("/graphql").ServeHTTP(rec, httptest.NewRequest("HEAD", "/playground", nil))
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d bytes, Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
	rec = get(t, Handler("/gql"), map[string]string{"Accept": "application/json"})
	if rec.Code != http.StatusNotAcceptable || !strings.Contains(rec.Body.String(), "/gql") {
		t.Errorf("Accept: application/json: %d %q", rec.Code, rec.Body.String())
	}
}

func TestAcceptsGzip(t *testing.T) {
	for ae, want := range map[string]bool{
		"": false, "gzip": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false, "br": false,
		"*": true, "GZIP": true, "identity, gzip ; q=0.0": false, "x-gzip": true,
	} {
		if got := acceptsGzip(ae); got != want {
			t.Errorf("acceptsGzip(%q) = %v", ae, got)
		}
	}
}

func TestCRC32Combine(t *testing.T) {
	for _, c := range [][2]string{{"", ""}, {"a", ""}, {"", "b"}, {"hello, ", "world"}, {"x", strings.Repeat("0123456789", 1000)}} {
		a, b := []byte(c[0]), []byte(c[1])
		got := crc32Combine(crc32.ChecksumIEEE(a), crc32.ChecksumIEEE(b), int64(len(b)))
		if want := crc32.ChecksumIEEE(append(a, b...)); got != want {
			t.Errorf("crc32Combine(%q, %q) = %08x, want %08x", c[0], c[1][:min(len(c[1]), 10)], got, want)
		}
	}
}

func TestParseBundleRejectsDamage(t *testing.T) {
	if _, err := parseBundle(bundleGz); err != nil {
		t.Fatalf("the embedded bundle: %v", err)
	}
	var plain bytes.Buffer
	zw := gzip.NewWriter(&plain)
	_, _ = zw.Write([]byte("<html>"))
	_ = zw.Close()
	for name, data := range map[string][]byte{"empty": nil, "no comment": plain.Bytes(), "truncated": bundleGz[:100]} {
		if _, err := parseBundle(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
