package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// format is the payload format of an event, which its response follows.
type format uint8

const (
	formatV2 format = iota // HTTP API 2.0, function URLs, the documentation's test event
	formatV1               // REST API, HTTP API 1.0
)

// event is the union of the HTTP events' fields this runtime reads.
type event struct {
	Version string `json:"version"`

	// Format 2.0.
	RawPath        string   `json:"rawPath"`
	RawQueryString string   `json:"rawQueryString"`
	Cookies        []string `json:"cookies"`

	// Format 1.0.
	HTTPMethod                      string              `json:"httpMethod"`
	Path                            string              `json:"path"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`

	// Both.
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	RequestContext        struct {
		DomainName string `json:"domainName"`
		HTTP       struct {
			Method   string `json:"method"`
			Path     string `json:"path"`
			Protocol string `json:"protocol"`
			SourceIP string `json:"sourceIp"`
		} `json:"http"`
		Identity struct {
			SourceIP string `json:"sourceIp"`
		} `json:"identity"`
	} `json:"requestContext"`
	// Body is a string (or null); an object or array is taken as its JSON
	// text, for hand-written test events.
	Body            json.RawMessage `json:"body"`
	IsBase64Encoded bool            `json:"isBase64Encoded"`
}

// parseEvent turns an HTTP event into a request with context ctx.
func parseEvent(ctx context.Context, data []byte) (*http.Request, format, error) {
	var e event
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, 0, fmt.Errorf("the event is not a JSON object of an HTTP request: %v", err)
	}
	var (
		f        format
		method   string
		u        = &url.URL{}
		sourceIP string
	)
	switch {
	case e.RequestContext.HTTP.Method != "":
		f, method, sourceIP = formatV2, e.RequestContext.HTTP.Method, e.RequestContext.HTTP.SourceIP
		switch {
		case e.RawPath != "":
			p, err := url.PathUnescape(e.RawPath)
			if err != nil {
				return nil, 0, fmt.Errorf("invalid rawPath %q: %v", e.RawPath, err)
			}
			u.Path, u.RawPath = p, e.RawPath
		case e.RequestContext.HTTP.Path != "":
			u.Path = e.RequestContext.HTTP.Path
		default:
			u.Path = e.Path
		}
		u.RawQuery = e.RawQueryString
		if u.RawQuery == "" && len(e.QueryStringParameters) > 0 {
			q := url.Values{}
			for k, v := range e.QueryStringParameters {
				q.Set(k, v)
			}
			u.RawQuery = q.Encode()
		}
	case e.HTTPMethod != "":
		f, method, sourceIP = formatV1, e.HTTPMethod, e.RequestContext.Identity.SourceIP
		u.Path = e.Path
		q := url.Values{}
		if len(e.MultiValueQueryStringParameters) > 0 {
			for k, vs := range e.MultiValueQueryStringParameters {
				q[k] = append([]string(nil), vs...)
			}
		} else {
			for k, v := range e.QueryStringParameters {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
	default:
		return nil, 0, errors.New("the event is not an HTTP request of API Gateway or a function URL: it has neither requestContext.http.method (payload format 2.0) nor httpMethod (format 1.0)")
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if !strings.HasPrefix(u.Path, "/") {
		return nil, 0, fmt.Errorf("invalid path %q: it does not start with /", u.Path)
	}

	body, err := eventBody(e.Body, e.IsBase64Encoded)
	if err != nil {
		return nil, 0, err
	}

	header := http.Header{}
	if f == formatV1 && len(e.MultiValueHeaders) > 0 {
		for k, vs := range e.MultiValueHeaders {
			for _, v := range vs {
				header.Add(k, v)
			}
		}
	} else {
		// Format 2.0 joins the values of a repeated header with commas.
		for k, v := range e.Headers {
			header.Set(k, v)
		}
	}
	if len(e.Cookies) > 0 {
		header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	host := header.Get("Host")
	if host == "" {
		host = e.RequestContext.DomainName
	}
	u.Scheme, u.Host = "https", host
	if u.Host == "" {
		u.Host = "localhost"
	}

	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("invalid request in the event: %v", err)
	}
	req.Header = header
	req.RequestURI = u.RequestURI()
	if p := e.RequestContext.HTTP.Protocol; p != "" {
		if major, minor, ok := http.ParseHTTPVersion(p); ok {
			req.Proto, req.ProtoMajor, req.ProtoMinor = p, major, minor
		}
	}
	if sourceIP != "" {
		req.RemoteAddr = net.JoinHostPort(sourceIP, "0")
	}
	return req, f, nil
}

func eventBody(raw json.RawMessage, b64 bool) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '"' {
		if raw[0] == '{' || raw[0] == '[' {
			return raw, nil
		}
		return nil, fmt.Errorf("the event's body is %s, not a string", raw)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("the event's body: %v", err)
	}
	if !b64 {
		return []byte(s), nil
	}
	body, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the event's body is not valid base64 (isBase64Encoded is true): %v", err)
	}
	return body, nil
}

// responseWriter collects the handler's response.
type responseWriter struct {
	header http.Header
	sent   http.Header // the header when the status was written
	status int
	body   bytes.Buffer
}

func newResponseWriter() *responseWriter { return &responseWriter{header: http.Header{}} }

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if w.status != 0 || code < 200 { // once; informational responses are not sent
		return
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		if _, ok := w.header["Content-Type"]; !ok && len(p) > 0 {
			w.header.Set("Content-Type", http.DetectContentType(p))
		}
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(p)
}

// Flush is a no-op: the response is sent whole.
func (w *responseWriter) Flush() {}

type responseV2 struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Cookies         []string          `json:"cookies,omitempty"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

type responseV1 struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// response is the event response: the body in base64 unless it is UTF-8
// text without a content encoding; Set-Cookie in cookies (2.0) or only in
// multiValueHeaders (1.0).
func (w *responseWriter) response(f format) any {
	status, h := w.status, w.sent
	if status == 0 {
		status, h = http.StatusOK, w.header
	}
	body := w.body.Bytes()
	ce := h.Get("Content-Encoding")
	b64 := !utf8.Valid(body) || (ce != "" && !strings.EqualFold(ce, "identity"))
	text := string(body)
	if b64 {
		text = base64.StdEncoding.EncodeToString(body)
	}
	headers := map[string]string{}
	if f == formatV1 {
		multi := map[string][]string{}
		for k, vs := range h {
			if len(vs) == 0 {
				continue
			}
			multi[k] = vs
			if k != "Set-Cookie" {
				headers[k] = vs[len(vs)-1]
			}
		}
		return responseV1{StatusCode: status, Headers: headers, MultiValueHeaders: multi, Body: text, IsBase64Encoded: b64}
	}
	var cookies []string
	for k, vs := range h {
		if len(vs) == 0 {
			continue
		}
		if k == "Set-Cookie" {
			cookies = append(cookies, vs...)
			continue
		}
		headers[k] = strings.Join(vs, ", ")
	}
	return responseV2{StatusCode: status, Headers: headers, Cookies: cookies, Body: text, IsBase64Encoded: b64}
}
