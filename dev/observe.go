package dev

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Op is one GraphQL request seen by Observe.
type Op struct {
	Start    time.Time
	Name     string // operationName, the named operation, or the first root field
	Kind     string // query, mutation or subscription
	Duration time.Duration
	HTTP     int    // response status code
	Error    string // first GraphQL error message, or the HTTP status text on failure
}

// OK reports whether the request succeeded without GraphQL errors.
func (o Op) OK() bool { return o.Error == "" && o.HTTP < 400 }

// maxCapture bounds the response bytes Observe keeps to look for errors.
const maxCapture = 1 << 20

// Observe wraps h: every request to path (the GraphQL endpoint) is reported
// to report after it completes. Other paths pass through untouched. It is a
// development aid: it reads the request body (restoring it for h) and keeps
// up to 1 MB of the response to find GraphQL errors.
func Observe(h http.Handler, path string, report func(Op)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path || report == nil {
			h.ServeHTTP(w, r)
			return
		}
		op := Op{Start: time.Now()}
		op.Name, op.Kind = operationOf(r)
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		op.Duration = time.Since(op.Start)
		op.HTTP = rec.status
		op.Error = responseError(rec)
		report(op)
	})
}

type recorder struct {
	http.ResponseWriter
	status    int
	buf       bytes.Buffer
	truncated bool
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.truncated {
		if r.buf.Len()+len(p) > maxCapture {
			r.truncated = true
			r.buf.Reset()
		} else {
			r.buf.Write(p)
		}
	}
	return r.ResponseWriter.Write(p)
}

// Flush lets streaming handlers flush through the recorder.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func responseError(r *recorder) string {
	if !r.truncated && r.buf.Len() > 0 {
		var body struct {
			Errors []struct {
				Message string `json:"message"`
			} `json:"errors"`
		}
		if json.Unmarshal(r.buf.Bytes(), &body) == nil && len(body.Errors) > 0 {
			return body.Errors[0].Message
		}
	}
	if r.status >= 400 {
		msg := strings.TrimSpace(r.buf.String())
		if msg == "" || len(msg) > 200 || r.truncated {
			msg = http.StatusText(r.status)
		}
		return msg
	}
	return ""
}

var (
	namedOp   = regexp.MustCompile(`^(query|mutation|subscription)\s*([_A-Za-z][_0-9A-Za-z]*)?`)
	firstName = regexp.MustCompile(`[_A-Za-z][_0-9A-Za-z]*`)
)

// operationOf extracts a display name and kind from a GraphQL request (POST
// JSON body or GET query parameters), restoring the body.
func operationOf(r *http.Request) (name, kind string) {
	var req struct {
		Query         string `json:"query"`
		OperationName string `json:"operationName"`
	}
	if r.Method == http.MethodPost && r.Body != nil {
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err == nil {
			_ = json.Unmarshal(body, &req)
		}
	} else {
		req.Query = r.URL.Query().Get("query")
		req.OperationName = r.URL.Query().Get("operationName")
	}
	return describeOperation(req.Query, req.OperationName)
}

// describeOperation names an operation for display: the operation name if
// any, else its first root field.
func describeOperation(query, operationName string) (name, kind string) {
	q := stripComments(query)
	kind = "query"
	rest := strings.TrimSpace(q)
	if operationName != "" {
		// Find that operation's kind.
		re := regexp.MustCompile(`(query|mutation|subscription)\s+` + regexp.QuoteMeta(operationName) + `\b`)
		if m := re.FindStringSubmatch(q); m != nil {
			kind = m[1]
		}
		return operationName, kind
	}
	if m := namedOp.FindStringSubmatch(rest); m != nil {
		kind = m[1]
		if m[2] != "" {
			return m[2], kind
		}
	}
	if i := strings.IndexByte(rest, '{'); i >= 0 {
		if f := firstName.FindString(rest[i+1:]); f != "" {
			return f, kind
		}
	}
	if rest == "" {
		return "(empty)", kind
	}
	return "(anonymous)", kind
}

func stripComments(q string) string {
	if !strings.Contains(q, "#") {
		return q
	}
	var b strings.Builder
	inString := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '"' && (i == 0 || q[i-1] != '\\'):
			inString = !inString
		case c == '#' && !inString:
			for i < len(q) && q[i] != '\n' {
				i++
			}
			b.WriteByte('\n')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
