package playground

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := Handler("/api/graphql")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/playground", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	if !strings.Contains(body, `content="/api/graphql"`) {
		t.Error("the endpoint is not in the page")
	}
	if strings.Contains(body, "{{ENDPOINT}}") {
		t.Error("placeholder left in the page")
	}
	// Self-contained: no script, style or link loaded from elsewhere.
	if m := regexp.MustCompile(`(?i)<(script|link|img)[^>]+(src|href)=`).FindString(body); m != "" {
		t.Errorf("the page loads an external resource: %s", m)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/playground", strings.NewReader("{}")))
	if rec.Code != 405 {
		t.Errorf("POST: %d, want 405", rec.Code)
	}
	// The endpoint is HTML-escaped.
	rec = httptest.NewRecorder()
	Handler(`/x"><script>`).ServeHTTP(rec, httptest.NewRequest("GET", "/playground", nil))
	if strings.Contains(rec.Body.String(), `/x"><script>`) {
		t.Error("endpoint not escaped")
	}
}
