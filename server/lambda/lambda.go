// Package lambda runs an http.Handler as an AWS Lambda function with a
// custom runtime (provided.al2023, handler "bootstrap"): it speaks the Lambda
// runtime API (version 2018-06-01) at AWS_LAMBDA_RUNTIME_API, turning each
// invocation's event into an *http.Request and the handler's response into
// the event's response. Standard library only (no AWS SDK).
//
// Events: API Gateway HTTP API and Lambda function URL requests (payload
// format 2.0: requestContext.http.method, rawPath, rawQueryString, headers,
// cookies), API Gateway REST API and HTTP API payload format 1.0 requests
// (httpMethod, path, multiValueHeaders/headers, query string parameters),
// and the short test event of Exograph's documentation
// (requestContext.http.method and path, body), answered in the 2.0 format.
package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// APIVersion is the version of the runtime API in its URLs.
const APIVersion = "2018-06-01"

// Error types reported by the runtime (the errorType of an error report and
// its Lambda-Runtime-Function-Error-Type header).
const (
	ErrorInvalidEvent     = "Runtime.InvalidEvent"     // the event is not an HTTP request
	ErrorHandlerPanic     = "Runtime.HandlerPanic"     // the handler panicked
	ErrorDeadlineExceeded = "Runtime.DeadlineExceeded" // the invocation's deadline passed
	ErrorResponseTooLarge = "Runtime.ResponseTooLarge" // the runtime API refused the response's size
)

// Runtime is a client of the runtime API.
type Runtime struct {
	// API is the runtime API's host:port (AWS_LAMBDA_RUNTIME_API).
	API string
	// Client makes the requests (default: a client without timeout, as the
	// next invocation is long-polled).
	Client *http.Client
	// Log receives the runtime's own problems (nil: discarded).
	Log *slog.Logger
}

// Invocation describes the invocation a request comes from; handlers get
// it with FromContext.
type Invocation struct {
	RequestID   string    // Lambda-Runtime-Aws-Request-Id
	Deadline    time.Time // Lambda-Runtime-Deadline-Ms (zero: none given)
	FunctionARN string    // Lambda-Runtime-Invoked-Function-Arn
	TraceID     string    // Lambda-Runtime-Trace-Id
}

type invocationKey struct{}

// FromContext returns the invocation of a request served by Serve.
func FromContext(ctx context.Context) (Invocation, bool) {
	inv, ok := ctx.Value(invocationKey{}).(Invocation)
	return inv, ok
}

// ErrorReport is the body of an error report (init or invocation).
type ErrorReport struct {
	ErrorMessage string   `json:"errorMessage"`
	ErrorType    string   `json:"errorType"`
	StackTrace   []string `json:"stackTrace,omitempty"`
}

func (rt *Runtime) client() *http.Client {
	if rt.Client != nil {
		return rt.Client
	}
	return http.DefaultClient
}

func (rt *Runtime) log() *slog.Logger {
	if rt.Log != nil {
		return rt.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (rt *Runtime) endpoint(path string) string {
	return "http://" + rt.API + "/" + APIVersion + path
}

// InitError reports a start-up failure (/runtime/init/error). The process
// should exit afterwards.
func (rt *Runtime) InitError(ctx context.Context, errorType, message string) error {
	return rt.postError(ctx, "/runtime/init/error", ErrorReport{ErrorMessage: message, ErrorType: errorType})
}

// Serve answers invocations with h until ctx ends (then it returns nil) or
// the runtime API fails (the process should then exit: Lambda starts a new
// one). Each request's context carries the invocation's deadline and its
// Invocation; a panic of h, or a deadline that passed before h returned, is
// reported as the invocation's error, not answered.
func (rt *Runtime) Serve(ctx context.Context, h http.Handler) error {
	for {
		inv, event, err := rt.next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := rt.invoke(ctx, h, inv, event); err != nil {
			return err
		}
	}
}

// next long-polls the next invocation.
func (rt *Runtime) next(ctx context.Context) (Invocation, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rt.endpoint("/runtime/invocation/next"), nil)
	if err != nil {
		return Invocation{}, nil, err
	}
	resp, err := rt.client().Do(req)
	if err != nil {
		return Invocation{}, nil, fmt.Errorf("lambda runtime API: next invocation: %w", err)
	}
	defer resp.Body.Close()
	event, err := io.ReadAll(resp.Body)
	if err != nil {
		return Invocation{}, nil, fmt.Errorf("lambda runtime API: next invocation: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return Invocation{}, nil, fmt.Errorf("lambda runtime API: next invocation: %s: %s", resp.Status, bytes.TrimSpace(event))
	}
	inv := Invocation{
		RequestID:   resp.Header.Get("Lambda-Runtime-Aws-Request-Id"),
		FunctionARN: resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn"),
		TraceID:     resp.Header.Get("Lambda-Runtime-Trace-Id"),
	}
	if inv.RequestID == "" {
		return Invocation{}, nil, errors.New("lambda runtime API: next invocation without a Lambda-Runtime-Aws-Request-Id header")
	}
	if ms, err := strconv.ParseInt(resp.Header.Get("Lambda-Runtime-Deadline-Ms"), 10, 64); err == nil && ms > 0 {
		inv.Deadline = time.UnixMilli(ms)
	}
	return inv, event, nil
}

// invoke serves one invocation and posts its response or error. Only a
// failure of the runtime API is returned.
func (rt *Runtime) invoke(ctx context.Context, h http.Handler, inv Invocation, event []byte) error {
	// The result is posted even if ctx ends meanwhile (SIGTERM).
	post := context.WithoutCancel(ctx)
	if inv.TraceID != "" {
		// What the runtime API contract asks of a runtime (X-Ray SDKs read it).
		os.Setenv("_X_AMZN_TRACE_ID", inv.TraceID)
	}
	rctx := context.WithValue(ctx, invocationKey{}, inv)
	if !inv.Deadline.IsZero() {
		var cancel context.CancelFunc
		rctx, cancel = context.WithDeadline(rctx, inv.Deadline)
		defer cancel()
	}
	req, format, err := parseEvent(rctx, event)
	if err != nil {
		return rt.fail(post, inv, ErrorReport{ErrorType: ErrorInvalidEvent, ErrorMessage: err.Error()})
	}
	w := newResponseWriter()
	if report := serveHTTP(h, w, req); report != nil {
		rt.log().Error("lambda handler panicked", "request_id", inv.RequestID, "error", report.ErrorMessage)
		return rt.fail(post, inv, *report)
	}
	if errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return rt.fail(post, inv, ErrorReport{ErrorType: ErrorDeadlineExceeded,
			ErrorMessage: fmt.Sprintf("the invocation's deadline (%s) passed before the response was ready", inv.Deadline.UTC().Format(time.RFC3339Nano))})
	}
	body, err := json.Marshal(w.response(format))
	if err != nil {
		return rt.fail(post, inv, ErrorReport{ErrorType: ErrorHandlerPanic, ErrorMessage: "encoding the response: " + err.Error()})
	}
	status, msg, err := rt.post(post, "/runtime/invocation/"+url.PathEscape(inv.RequestID)+"/response", body, "")
	switch {
	case err != nil:
		return err
	case status == http.StatusRequestEntityTooLarge:
		return rt.fail(post, inv, ErrorReport{ErrorType: ErrorResponseTooLarge,
			ErrorMessage: fmt.Sprintf("the response (%d bytes) is larger than Lambda accepts: %s", len(body), msg)})
	case status >= 500:
		return fmt.Errorf("lambda runtime API: response of %s: %d %s", inv.RequestID, status, msg)
	case status/100 != 2:
		rt.log().Error("lambda runtime API refused a response", "request_id", inv.RequestID, "status", status, "message", msg)
	}
	return nil
}

// serveHTTP runs h, turning a panic into an error report.
func serveHTTP(h http.Handler, w *responseWriter, req *http.Request) (report *ErrorReport) {
	defer func() {
		if v := recover(); v != nil {
			report = &ErrorReport{ErrorType: ErrorHandlerPanic, ErrorMessage: fmt.Sprint(v)}
			for _, line := range strings.Split(strings.TrimSpace(string(debug.Stack())), "\n") {
				report.StackTrace = append(report.StackTrace, strings.TrimSpace(line))
			}
		}
	}()
	h.ServeHTTP(w, req)
	return nil
}

// fail reports an invocation error.
func (rt *Runtime) fail(ctx context.Context, inv Invocation, r ErrorReport) error {
	return rt.postError(ctx, "/runtime/invocation/"+url.PathEscape(inv.RequestID)+"/error", r)
}

func (rt *Runtime) postError(ctx context.Context, path string, r ErrorReport) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	status, msg, err := rt.post(ctx, path, body, r.ErrorType)
	if err != nil {
		return err
	}
	if status >= 500 {
		return fmt.Errorf("lambda runtime API: %s: %d %s", path, status, msg)
	}
	if status/100 != 2 {
		rt.log().Error("lambda runtime API refused an error report", "path", path, "status", status, "message", msg)
	}
	return nil
}

// post sends body and returns the status and the (short) answer.
func (rt *Runtime) post(ctx context.Context, path string, body []byte, errorType string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rt.endpoint(path), bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if errorType != "" {
		req.Header.Set("Lambda-Runtime-Function-Error-Type", errorType)
	}
	resp, err := rt.client().Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("lambda runtime API: %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(bytes.TrimSpace(msg)), nil
}
