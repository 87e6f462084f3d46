package lambda_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/exo-dev/exo/server/lambda"
	"github.com/exo-dev/exo/server/lambda/lambdatest"
)

// seen is what the echo handler saw of a request.
type seen struct {
	Method, Path, RawPath, RawQuery, RequestURI, Host, RemoteAddr, Proto string
	Query                                                                map[string][]string
	Header                                                               map[string][]string
	Body                                                                 string
	ContentLength                                                        int64
	RequestID, FunctionARN                                               string
	Deadline                                                             int64 // ms, 0 if none
}

// echo answers with what it saw, a status, two cookies and a repeated header.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s := seen{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery, RequestURI: r.RequestURI,
		Host: r.Host, RemoteAddr: r.RemoteAddr, Proto: r.Proto, Query: r.URL.Query(), Header: r.Header, Body: string(body),
		ContentLength: r.ContentLength}
	if inv, ok := lambda.FromContext(r.Context()); ok {
		s.RequestID, s.FunctionARN = inv.RequestID, inv.FunctionARN
	}
	if d, ok := r.Context().Deadline(); ok {
		s.Deadline = d.UnixMilli()
	}
	w.Header().Add("Set-Cookie", "a=1; Path=/")
	w.Header().Add("Set-Cookie", "b=2; HttpOnly")
	w.Header().Add("X-Multi", "one")
	w.Header().Add("X-Multi", "two")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Header().Set("X-Too-Late", "ignored") // after WriteHeader: not sent
	_ = json.NewEncoder(w).Encode(s)
}

// start serves h through the fake runtime API until the test ends.
func start(t *testing.T, h http.Handler) *lambdatest.API {
	t.Helper()
	return serveOn(t, lambdatest.New(t), h)
}

func serveOn(t *testing.T, api *lambdatest.API, h http.Handler) *lambdatest.API {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&lambda.Runtime{API: api.Addr}).Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return after its context ended")
		}
	})
	return api
}

func invoke(t *testing.T, api *lambdatest.API, event string, deadline time.Time) lambdatest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := api.Invoke(ctx, []byte(event), deadline)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func httpResponse(t *testing.T, res lambdatest.Result) lambdatest.HTTPResponse {
	t.Helper()
	h, err := res.HTTP()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func decodeSeen(t *testing.T, h lambdatest.HTTPResponse) seen {
	t.Helper()
	body := h.Body
	if h.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			t.Fatal(err)
		}
		body = string(b)
	}
	var s seen
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	return s
}

// A function URL event (payload format 2.0).
const functionURLEvent = `{
  "version": "2.0",
  "routeKey": "$default",
  "rawPath": "/graphql/a%2Fb",
  "rawQueryString": "query=%7B+x+%7D&x=1&x=2",
  "cookies": ["session=abc", "theme=dark"],
  "headers": {
    "authorization": "Bearer t0ken",
    "content-type": "application/json",
    "accept": "application/json, text/plain",
    "host": "abc123.lambda-url.us-east-1.on.aws",
    "x-forwarded-for": "203.0.113.7"
  },
  "queryStringParameters": {"query": "{ x }", "x": "1,2"},
  "requestContext": {
    "domainName": "abc123.lambda-url.us-east-1.on.aws",
    "http": {"method": "POST", "path": "/graphql/a/b", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"}
  },
  "body": "{\"query\":\"{ x }\"}",
  "isBase64Encoded": false
}`

func TestFunctionURLEvent(t *testing.T) {
	api := start(t, http.HandlerFunc(echo))
	deadline := time.Now().Add(time.Minute)
	res := invoke(t, api, functionURLEvent, deadline)
	h := httpResponse(t, res)
	if h.StatusCode != http.StatusCreated {
		t.Errorf("statusCode = %d, want 201", h.StatusCode)
	}
	if h.Headers["X-Multi"] != "one, two" || h.Headers["Content-Type"] != "application/json" {
		t.Errorf("headers = %v", h.Headers)
	}
	if _, ok := h.Headers["X-Too-Late"]; ok {
		t.Errorf("a header set after WriteHeader was sent: %v", h.Headers)
	}
	if _, ok := h.Headers["Set-Cookie"]; ok || strings.Join(h.Cookies, "|") != "a=1; Path=/|b=2; HttpOnly" {
		t.Errorf("cookies = %q, headers %v: want the Set-Cookie values in cookies only", h.Cookies, h.Headers)
	}
	if h.MultiValueHeaders != nil {
		t.Errorf("a 2.0 response has multiValueHeaders: %v", h.MultiValueHeaders)
	}
	if h.IsBase64Encoded {
		t.Errorf("a JSON body was base64-encoded")
	}
	s := decodeSeen(t, h)
	if s.Method != "POST" || s.Path != "/graphql/a/b" || s.RawPath != "/graphql/a%2Fb" || s.RequestURI != "/graphql/a%2Fb?query=%7B+x+%7D&x=1&x=2" {
		t.Errorf("method %s path %q raw %q uri %q", s.Method, s.Path, s.RawPath, s.RequestURI)
	}
	if strings.Join(s.Query["x"], ",") != "1,2" || s.Query["query"][0] != "{ x }" {
		t.Errorf("query = %v", s.Query)
	}
	if s.Header["Authorization"][0] != "Bearer t0ken" || s.Header["Cookie"][0] != "session=abc; theme=dark" || s.Header["Accept"][0] != "application/json, text/plain" {
		t.Errorf("header = %v", s.Header)
	}
	if s.Host != "abc123.lambda-url.us-east-1.on.aws" || s.RemoteAddr != "203.0.113.7:0" || s.Proto != "HTTP/1.1" {
		t.Errorf("host %q remote %q proto %q", s.Host, s.RemoteAddr, s.Proto)
	}
	if s.Body != `{"query":"{ x }"}` || s.ContentLength != int64(len(s.Body)) {
		t.Errorf("body %q (length %d)", s.Body, s.ContentLength)
	}
	if s.RequestID != res.RequestID || !strings.HasPrefix(s.FunctionARN, "arn:aws:lambda:") {
		t.Errorf("invocation in the context: %q %q, want request id %q", s.RequestID, s.FunctionARN, res.RequestID)
	}
	if s.Deadline != deadline.UnixMilli() {
		t.Errorf("request deadline %d, want the invocation's %d", s.Deadline, deadline.UnixMilli())
	}
	if got := os.Getenv("_X_AMZN_TRACE_ID"); !strings.HasPrefix(got, "Root=1-") {
		t.Errorf("_X_AMZN_TRACE_ID = %q", got)
	}
}

// The test event of Exograph's documentation (AWS console).
const consoleEvent = `{
  "requestContext": {
    "http": {
      "method": "POST",
      "path": "/graphql"
    }
  },
  "path": "/graphql",
  "body": "{\"query\":\"{ todos { id } }\"}"
}`

func TestConsoleEvent(t *testing.T) {
	api := start(t, http.HandlerFunc(echo))
	h := httpResponse(t, invoke(t, api, consoleEvent, time.Time{}))
	s := decodeSeen(t, h)
	if h.StatusCode != 201 || s.Method != "POST" || s.Path != "/graphql" || s.Body != `{"query":"{ todos { id } }"}` {
		t.Errorf("status %d, request %s %s %q", h.StatusCode, s.Method, s.Path, s.Body)
	}
	if s.Deadline != 0 {
		t.Errorf("a deadline without Lambda-Runtime-Deadline-Ms: %d", s.Deadline)
	}
	// A hand-written body may be a JSON object.
	h = httpResponse(t, invoke(t, api, `{"requestContext":{"http":{"method":"POST"}},"path":"/graphql","body":{"query":"{ a }"}}`, time.Time{}))
	if s := decodeSeen(t, h); s.Body != `{"query":"{ a }"}` || s.Path != "/graphql" {
		t.Errorf("object body: %q at %s", s.Body, s.Path)
	}
}

// An API Gateway REST API event (payload format 1.0).
const restEvent = `{
  "resource": "/{proxy+}",
  "path": "/graphql",
  "httpMethod": "POST",
  "headers": {"Content-Type": "application/json", "X-Single": "only-in-headers"},
  "multiValueHeaders": {"Content-Type": ["application/json"], "Authorization": ["Bearer t0ken"], "X-Multi": ["one", "two"], "Host": ["api.example.com"]},
  "queryStringParameters": {"a": "2"},
  "multiValueQueryStringParameters": {"a": ["1", "2"], "b": ["x y"]},
  "requestContext": {"identity": {"sourceIp": "198.51.100.1"}, "domainName": "api.example.com"},
  "body": "eyJxdWVyeSI6InsgdjEgfSJ9",
  "isBase64Encoded": true
}`

func TestRESTEvent(t *testing.T) {
	api := start(t, http.HandlerFunc(echo))
	h := httpResponse(t, invoke(t, api, restEvent, time.Time{}))
	if h.StatusCode != 201 || h.Cookies != nil {
		t.Errorf("status %d, cookies %v", h.StatusCode, h.Cookies)
	}
	if strings.Join(h.MultiValueHeaders["Set-Cookie"], "|") != "a=1; Path=/|b=2; HttpOnly" || strings.Join(h.MultiValueHeaders["X-Multi"], "|") != "one|two" {
		t.Errorf("multiValueHeaders = %v", h.MultiValueHeaders)
	}
	if _, ok := h.Headers["Set-Cookie"]; ok || h.Headers["Content-Type"] != "application/json" {
		t.Errorf("headers = %v: want single values, Set-Cookie only in multiValueHeaders", h.Headers)
	}
	s := decodeSeen(t, h)
	if s.Method != "POST" || s.Path != "/graphql" || s.Body != `{"query":"{ v1 }"}` {
		t.Errorf("request %s %s %q", s.Method, s.Path, s.Body)
	}
	if strings.Join(s.Query["a"], ",") != "1,2" || s.Query["b"][0] != "x y" {
		t.Errorf("query = %v: want multiValueQueryStringParameters", s.Query)
	}
	if strings.Join(s.Header["X-Multi"], ",") != "one,two" || s.Header["Authorization"][0] != "Bearer t0ken" || s.Header["X-Single"] != nil {
		t.Errorf("header = %v: want multiValueHeaders", s.Header)
	}
	if s.Host != "api.example.com" || s.RemoteAddr != "198.51.100.1:0" {
		t.Errorf("host %q remote %q", s.Host, s.RemoteAddr)
	}

	// Without multi-value fields, headers and queryStringParameters.
	h = httpResponse(t, invoke(t, api, `{"httpMethod":"GET","path":"/p","headers":{"X-One":"1"},"queryStringParameters":{"q":"a&b"},"body":null}`, time.Time{}))
	if s := decodeSeen(t, h); s.Method != "GET" || s.Header["X-One"][0] != "1" || s.Query["q"][0] != "a&b" || s.Body != "" {
		t.Errorf("request %s %v %v %q", s.Method, s.Header, s.Query, s.Body)
	}
}

func TestBinaryAndCompressedBodies(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte("hello"))
	_ = zw.Close()
	api := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/binary":
			_, _ = w.Write([]byte{0x00, 0xff, 0xfe, 0x01})
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write(gz.Bytes())
		case "/text":
			_, _ = io.WriteString(w, "<p>héllo</p>")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	for _, c := range []struct {
		path   string
		status int
		b64    bool
		body   []byte
		ctype  string
	}{
		{"/binary", 200, true, []byte{0x00, 0xff, 0xfe, 0x01}, "application/octet-stream"},
		{"/gzip", 200, true, gz.Bytes(), "text/plain"},
		{"/text", 200, false, []byte("<p>héllo</p>"), "text/html; charset=utf-8"},
		{"/empty", 204, false, nil, ""},
	} {
		h := httpResponse(t, invoke(t, api, `{"version":"2.0","rawPath":"`+c.path+`","requestContext":{"http":{"method":"GET"}}}`, time.Time{}))
		body := []byte(h.Body)
		if h.IsBase64Encoded {
			body, _ = base64.StdEncoding.DecodeString(h.Body)
		}
		if h.StatusCode != c.status || h.IsBase64Encoded != c.b64 || !bytes.Equal(body, c.body) || h.Headers["Content-Type"] != c.ctype {
			t.Errorf("%s: status %d base64 %v body %q type %q; want %d %v %q %q", c.path, h.StatusCode, h.IsBase64Encoded, body, h.Headers["Content-Type"], c.status, c.b64, c.body, c.ctype)
		}
	}
}

func TestHandlerPanic(t *testing.T) {
	api := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		_, _ = io.WriteString(w, "ok")
	}))
	res := invoke(t, api, `{"version":"2.0","rawPath":"/panic","requestContext":{"http":{"method":"GET"}}}`, time.Time{})
	if res.Error == nil || res.Error.ErrorType != lambda.ErrorHandlerPanic || res.ErrorType != lambda.ErrorHandlerPanic || res.Error.ErrorMessage != "boom" {
		t.Fatalf("result %+v (error %+v): want a %s error report", res, res.Error, lambda.ErrorHandlerPanic)
	}
	if !strings.Contains(strings.Join(res.Error.StackTrace, "\n"), "lambda_test.TestHandlerPanic") {
		t.Errorf("stack trace without the handler: %q", res.Error.StackTrace)
	}
	// The runtime goes on.
	h := httpResponse(t, invoke(t, api, `{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}}}`, time.Time{}))
	if h.StatusCode != 200 || h.Body != "ok" {
		t.Errorf("after a panic: %d %q", h.StatusCode, h.Body)
	}
}

func TestDeadline(t *testing.T) {
	handlerErr := make(chan error, 1)
	api := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			handlerErr <- r.Context().Err()
		case <-time.After(5 * time.Second):
			handlerErr <- nil
		}
		_, _ = io.WriteString(w, "too late")
	}))
	start := time.Now()
	res := invoke(t, api, consoleEvent, start.Add(300*time.Millisecond))
	if d := time.Since(start); d < 250*time.Millisecond || d > 3*time.Second {
		t.Errorf("answered after %v, want about 300ms", d)
	}
	if err := <-handlerErr; err != context.DeadlineExceeded {
		t.Errorf("the handler's context ended with %v, want the deadline", err)
	}
	if res.Error == nil || res.Error.ErrorType != lambda.ErrorDeadlineExceeded || res.Response != nil {
		t.Errorf("result %+v: want a %s error and no response", res, lambda.ErrorDeadlineExceeded)
	}
	// A deadline already past: the request's context is done from the start.
	res = invoke(t, api, consoleEvent, time.Now().Add(-time.Second))
	if err := <-handlerErr; err != context.DeadlineExceeded {
		t.Errorf("past deadline: the handler's context ended with %v", err)
	}
	if res.Error == nil || res.Error.ErrorType != lambda.ErrorDeadlineExceeded {
		t.Errorf("past deadline: %+v", res)
	}
}

func TestInvalidEvents(t *testing.T) {
	var called atomic.Bool
	api := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called.Store(true) }))
	for _, c := range []struct{ event, want string }{
		{`not json`, "not a JSON object"},
		{`{"detail-type":"Scheduled Event","source":"aws.events"}`, "neither requestContext.http.method"},
		{`{"httpMethod":"POST","path":"/graphql","body":"%%%","isBase64Encoded":true}`, "not valid base64"},
		{`{"httpMethod":"BAD METHOD","path":"/"}`, "invalid request"},
		{`{"httpMethod":"GET","path":"graphql"}`, "does not start with /"},
		{`{"httpMethod":"GET","path":"/","body":12}`, "not a string"},
		{`{"version":"2.0","rawPath":"/%zz","requestContext":{"http":{"method":"GET"}}}`, "invalid rawPath"},
	} {
		res := invoke(t, api, c.event, time.Time{})
		if res.Error == nil || res.Error.ErrorType != lambda.ErrorInvalidEvent || !strings.Contains(res.Error.ErrorMessage, c.want) {
			t.Errorf("%s: %+v (%+v), want %s with %q", c.event, res, res.Error, lambda.ErrorInvalidEvent, c.want)
		}
	}
	if called.Load() {
		t.Error("the handler ran for an invalid event")
	}
}

func TestResponseTooLarge(t *testing.T) {
	api := lambdatest.New(t)
	api.MaxResponse = 1000
	serveOn(t, api, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 2000))
	}))
	res := invoke(t, api, consoleEvent, time.Time{})
	if res.Error == nil || res.Error.ErrorType != lambda.ErrorResponseTooLarge || !strings.Contains(res.Error.ErrorMessage, "Exceeded maximum allowed payload size") {
		t.Errorf("%+v (%+v): want %s", res, res.Error, lambda.ErrorResponseTooLarge)
	}
}

func TestInitError(t *testing.T) {
	api := lambdatest.New(t)
	rt := &lambda.Runtime{API: api.Addr}
	if err := rt.InitError(context.Background(), "Exo.Test", "it broke"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := api.InitError(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error.ErrorType != "Exo.Test" || res.ErrorType != "Exo.Test" || res.Error.ErrorMessage != "it broke" {
		t.Errorf("init error %+v (header %q)", res.Error, res.ErrorType)
	}
}

// A failing runtime API ends Serve with an error (the process exits and
// Lambda starts another).
func TestRuntimeAPIFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"errorMessage":"container error"}`, http.StatusInternalServerError)
	}))
	defer srv.Close()
	err := (&lambda.Runtime{API: strings.TrimPrefix(srv.URL, "http://")}).Serve(context.Background(), http.NotFoundHandler())
	if err == nil || !strings.Contains(err.Error(), "500") || !strings.Contains(err.Error(), "container error") {
		t.Errorf("Serve = %v, want the runtime API's 500", err)
	}
	// Unreachable.
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	if err := (&lambda.Runtime{API: addr}).Serve(context.Background(), http.NotFoundHandler()); err == nil {
		t.Error("Serve returned nil with an unreachable runtime API")
	}
}
