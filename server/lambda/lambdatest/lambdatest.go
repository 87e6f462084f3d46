// Package lambdatest is a fake AWS Lambda runtime API for tests: an HTTP
// server implementing the runtime API's next invocation, response, error
// and init error endpoints (version 2018-06-01), to which tests hand events
// and from which they get what the runtime posted.
package lambdatest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/exo-dev/exo/server/lambda"
)

// API is the fake runtime API.
type API struct {
	srv *httptest.Server
	// Addr is the value of AWS_LAMBDA_RUNTIME_API (host:port).
	Addr string
	// MaxResponse, when positive, is the largest response body accepted
	// (larger ones get 413, as Lambda's 6 MB limit).
	MaxResponse int

	pending chan *call
	initErr chan Result
	closing chan struct{}

	mu    sync.Mutex
	calls map[string]*call
	seq   int
	nexts int // next invocation requests received
}

type call struct {
	id       string
	event    []byte
	deadline time.Time
	done     chan Result
	answered bool
}

// Result is what the runtime posted for an invocation, or for its start-up
// failure.
type Result struct {
	RequestID string
	// Response is the body posted to /response (nil when the runtime
	// posted an error).
	Response []byte
	// Error is the report posted to /error or /init/error, and ErrorType
	// the Lambda-Runtime-Function-Error-Type header that came with it.
	Error     *lambda.ErrorReport
	ErrorType string
}

// New starts a fake runtime API, closed at the end of the test.
func New(t testing.TB) *API {
	a := &API{pending: make(chan *call), initErr: make(chan Result, 16), closing: make(chan struct{}), calls: map[string]*call{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	a.Addr = strings.TrimPrefix(a.srv.URL, "http://")
	t.Cleanup(func() {
		close(a.closing) // ends the pending next invocation requests
		a.srv.Close()
	})
	return a
}

// Invoke hands event to the runtime (its next invocation, with the deadline
// when not zero) and waits for what it posts.
func (a *API) Invoke(ctx context.Context, event []byte, deadline time.Time) (Result, error) {
	a.mu.Lock()
	a.seq++
	c := &call{id: fmt.Sprintf("req-%d-%d", a.seq, time.Now().UnixNano()), event: event, deadline: deadline, done: make(chan Result, 1)}
	a.calls[c.id] = c
	a.mu.Unlock()
	select {
	case a.pending <- c:
	case <-ctx.Done():
		return Result{}, fmt.Errorf("the runtime did not ask for the next invocation: %w", ctx.Err())
	}
	select {
	case r := <-c.done:
		return r, nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("the runtime did not answer invocation %s: %w", c.id, ctx.Err())
	}
}

// InitError waits for a start-up failure report.
func (a *API) InitError(ctx context.Context) (Result, error) {
	select {
	case r := <-a.initErr:
		return r, nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("no init error reported: %w", ctx.Err())
	}
}

// NextRequests is the number of next invocation requests received so far.
func (a *API) NextRequests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.nexts
}

const prefix = "/" + lambda.APIVersion + "/runtime/"

func (a *API) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		http.Error(w, `{"errorMessage":"unknown path","errorType":"InvalidRequest"}`, http.StatusNotFound)
		return
	}
	switch {
	case path == "invocation/next" && r.Method == http.MethodGet:
		a.mu.Lock()
		a.nexts++
		a.mu.Unlock()
		select {
		case c := <-a.pending:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", c.id)
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:test")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
			if !c.deadline.IsZero() {
				h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(c.deadline.UnixMilli(), 10))
			}
			h.Set("Content-Type", "application/json")
			_, _ = w.Write(c.event)
		case <-r.Context().Done():
		case <-a.closing:
			http.Error(w, `{"errorMessage":"the fake runtime API is closing","errorType":"Closing"}`, http.StatusInternalServerError)
		}
	case path == "init/error" && r.Method == http.MethodPost:
		res, err := readReport(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		a.initErr <- res
		w.WriteHeader(http.StatusAccepted)
	case strings.HasPrefix(path, "invocation/") && r.Method == http.MethodPost:
		rest := strings.TrimPrefix(path, "invocation/")
		id, kind, _ := strings.Cut(rest, "/")
		a.mu.Lock()
		c := a.calls[id]
		if c == nil || c.answered || (kind != "response" && kind != "error") {
			a.mu.Unlock()
			http.Error(w, `{"errorMessage":"invalid request id or already answered","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if kind == "response" && a.MaxResponse > 0 && len(body) > a.MaxResponse {
			a.mu.Unlock()
			http.Error(w, `{"errorMessage":"Exceeded maximum allowed payload size","errorType":"RequestEntityTooLarge"}`, http.StatusRequestEntityTooLarge)
			return
		}
		c.answered = true
		a.mu.Unlock()
		res := Result{RequestID: id}
		if kind == "response" {
			res.Response = body
		} else {
			var rep lambda.ErrorReport
			if err := json.Unmarshal(body, &rep); err != nil {
				rep = lambda.ErrorReport{ErrorMessage: "unparsable error report: " + string(body)}
			}
			res.Error, res.ErrorType = &rep, r.Header.Get("Lambda-Runtime-Function-Error-Type")
		}
		c.done <- res
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	default:
		http.Error(w, `{"errorMessage":"unknown endpoint","errorType":"InvalidRequest"}`, http.StatusNotFound)
	}
}

func readReport(r *http.Request) (Result, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return Result{}, err
	}
	var rep lambda.ErrorReport
	if err := json.Unmarshal(body, &rep); err != nil {
		return Result{}, errors.New("the error report is not JSON")
	}
	return Result{Error: &rep, ErrorType: r.Header.Get("Lambda-Runtime-Function-Error-Type")}, nil
}

// HTTPResponse is an event response of API Gateway's payload formats 1.0
// and 2.0 (the fields of both).
type HTTPResponse struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// HTTP decodes the posted response as an HTTP event response.
func (r Result) HTTP() (HTTPResponse, error) {
	if r.Response == nil {
		if r.Error != nil {
			return HTTPResponse{}, fmt.Errorf("the runtime posted an error (%s): %s", r.Error.ErrorType, r.Error.ErrorMessage)
		}
		return HTTPResponse{}, errors.New("no response")
	}
	var h HTTPResponse
	if err := json.Unmarshal(r.Response, &h); err != nil {
		return h, fmt.Errorf("the response is not an HTTP event response: %v: %s", err, r.Response)
	}
	return h, nil
}
