package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Telemetry is the logging and tracing configuration.
//
// Logs go through log/slog: EXO_LOG sets the level with the syntax of
// Exograph's (tracing EnvFilter) variable, of which exo honours the global
// level: "debug", "info,h2=warn" and "warn,exo=debug" all work; targets of
// the Rust crates are ignored. EXO_LOG_FORMAT is json (default, for log
// collectors) or text (default in yolo, dev, test and playground modes).
// Logs never contain secrets: no header, cookie, variable value, JWT or
// database password.
//
// Tracing is off unless EXO_ENABLE_OTEL=true, and then costs nothing more
// than a nil check per request. Spans: the HTTP request (W3C trace context
// propagated from the caller), graphql.validate (parsing and validation),
// graphql.resolve per root field and postgres.query per SQL statement with
// its text (bind parameters are not recorded). The exporter follows the
// standard variables: OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT,
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL (grpc, the
// default as in Exograph, or http/protobuf), OTEL_EXPORTER_OTLP_HEADERS.
type Telemetry struct {
	LogLevel  slog.Level
	LogFormat string // "json" or "text"

	EnableOTel     bool
	ServiceName    string
	Endpoint       string // OTEL_EXPORTER_OTLP_ENDPOINT
	TracesEndpoint string // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
	Protocol       string // "grpc" or "http/protobuf"
	Headers        map[string]string

	// exporter replaces the OTLP exporter (tests).
	exporter sdktrace.SpanExporter
}

// LevelTrace is EXO_LOG=trace.
const LevelTrace = slog.LevelDebug - 4

// levelOff is above every level: EXO_LOG=off.
const levelOff = slog.Level(100)

func telemetryFromEnv(env map[string]string, mode string) (Telemetry, []string) {
	t := Telemetry{LogLevel: slog.LevelInfo, LogFormat: "json", ServiceName: "exo-server", Protocol: "grpc"}
	var errs []string
	switch mode {
	case "yolo", "dev", "test", "playground":
		t.LogFormat = "text"
	}
	if v := env["EXO_LOG"]; v != "" {
		lvl, err := parseLogLevel(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("invalid EXO_LOG=%q: %v", v, err))
		} else {
			t.LogLevel = lvl
		}
	}
	switch v := strings.ToLower(env["EXO_LOG_FORMAT"]); v {
	case "":
	case "json", "text":
		t.LogFormat = v
	default:
		errs = append(errs, fmt.Sprintf("invalid EXO_LOG_FORMAT=%q: expected json or text", env["EXO_LOG_FORMAT"]))
	}
	if v := env["EXO_ENABLE_OTEL"]; v != "" {
		b, err := parseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("invalid EXO_ENABLE_OTEL=%q: expected true or false", v))
		}
		t.EnableOTel = b
	}
	if v := env["OTEL_SERVICE_NAME"]; v != "" {
		t.ServiceName = v
	}
	t.Endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]
	t.TracesEndpoint = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
	protoVar := "OTEL_EXPORTER_OTLP_PROTOCOL"
	if env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] != "" {
		protoVar = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	}
	switch v := env[protoVar]; v {
	case "":
	case "grpc", "http/protobuf":
		t.Protocol = v
	default:
		if t.EnableOTel {
			errs = append(errs, fmt.Sprintf("invalid %s=%q: expected grpc or http/protobuf", protoVar, v))
		}
	}
	if t.EnableOTel {
		for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
			if v := env[name]; v != "" {
				if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					errs = append(errs, fmt.Sprintf("invalid %s=%q: expected an http:// or https:// URL", name, v))
				}
			}
		}
		h, err := parseOTLPHeaders(env["OTEL_EXPORTER_OTLP_HEADERS"])
		if err != nil {
			// The value may hold an API key: do not echo it.
			errs = append(errs, "invalid OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas")
		}
		t.Headers = h
	}
	return t, errs
}

// parseLogLevel reads the global level of an EnvFilter directive list.
func parseLogLevel(v string) (slog.Level, error) {
	lvl := slog.LevelInfo
	for _, d := range strings.Split(v, ",") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		if target, level, ok := strings.Cut(d, "="); ok {
			if strings.TrimSpace(target) == "" {
				return 0, fmt.Errorf("directive %q has no target", d)
			}
			if _, err := levelByName(level); err != nil {
				return 0, err
			}
			continue // per-target levels of Exograph's crates do not apply
		}
		l, err := levelByName(d)
		if err != nil {
			return 0, err
		}
		lvl = l
	}
	return lvl, nil
}

func levelByName(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "trace":
		return LevelTrace, nil
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	case "off":
		return levelOff, nil
	}
	return 0, fmt.Errorf("unknown level %q (expected trace, debug, info, warn, error or off)", s)
}

// parseOTLPHeaders parses "k1=v1,k2=v2" with URL-encoded values.
func parseOTLPHeaders(v string) (map[string]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	h := map[string]string{}
	for _, kv := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, errors.New("bad header")
		}
		if dec, err := url.QueryUnescape(strings.TrimSpace(val)); err == nil {
			val = dec
		}
		h[k] = val
	}
	return h, nil
}

// NewLogger returns the server's logger writing to w as configured.
func NewLogger(w io.Writer, t Telemetry) *slog.Logger {
	opts := &slog.HandlerOptions{Level: t.LogLevel, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.LevelKey {
			if l, ok := a.Value.Any().(slog.Level); ok && l <= LevelTrace {
				a.Value = slog.StringValue("TRACE")
			}
		}
		return a
	}}
	if t.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// tracing is the live OpenTelemetry state of a server; nil when disabled.
type tracing struct {
	provider   *sdktrace.TracerProvider
	tracer     trace.Tracer
	propagator propagation.TextMapPropagator
}

func newTracing(ctx context.Context, t Telemetry) (*tracing, error) {
	exp := t.exporter
	if exp == nil {
		var err error
		if exp, err = newOTLPExporter(ctx, t); err != nil {
			return nil, fmt.Errorf("OpenTelemetry exporter: %w", err)
		}
	}
	res := resource.NewSchemaless(attribute.String("service.name", t.ServiceName))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &tracing{
		provider:   tp,
		tracer:     tp.Tracer("github.com/exo-dev/exo/server"),
		propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}, nil
}

func newOTLPExporter(ctx context.Context, t Telemetry) (sdktrace.SpanExporter, error) {
	if t.Protocol == "http/protobuf" {
		var opts []otlptracehttp.Option
		switch {
		case t.TracesEndpoint != "":
			opts = append(opts, otlptracehttp.WithEndpointURL(t.TracesEndpoint))
		case t.Endpoint != "":
			opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimSuffix(t.Endpoint, "/")+"/v1/traces"))
		}
		if len(t.Headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(t.Headers))
		}
		return otlptracehttp.New(ctx, opts...)
	}
	var opts []otlptracegrpc.Option
	switch {
	case t.TracesEndpoint != "":
		opts = append(opts, otlptracegrpc.WithEndpointURL(t.TracesEndpoint))
	case t.Endpoint != "":
		opts = append(opts, otlptracegrpc.WithEndpointURL(t.Endpoint))
	}
	if len(t.Headers) > 0 {
		opts = append(opts, otlptracegrpc.WithHeaders(t.Headers))
	}
	return otlptracegrpc.New(ctx, opts...)
}

// shutdown flushes pending spans.
func (tr *tracing) shutdown() {
	if tr == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tr.provider.Shutdown(ctx)
}

// sqlTracer is the pgx.QueryTracer of the pool. It notes connection-level
// failures in the request state (see connectionError) and, when tracing is
// on (tracer not nil), records a postgres.query span per statement with its
// text (bind parameters are not recorded).
type sqlTracer struct{ tracer trace.Tracer }

var attrDBSystem = attribute.String("db.system.name", "postgresql")

func (t sqlTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if t.tracer == nil {
		return ctx
	}
	ctx, _ = t.tracer.Start(ctx, "postgres.query", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrDBSystem, attribute.String("db.query.text", data.SQL)))
	return ctx
}

func (t sqlTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if data.Err != nil && isConnectionFailure(data.Err) {
		if st := stateFrom(ctx); st != nil {
			st.dbFailure = data.Err
		}
	}
	if t.tracer == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	if data.Err != nil {
		span.RecordError(data.Err)
		span.SetStatus(codes.Error, "query failed")
	} else {
		span.SetAttributes(attribute.Int64("db.response.returned_rows", data.CommandTag.RowsAffected()))
	}
	span.End()
}

// TraceAcquireStart and TraceAcquireEnd make sqlTracer a
// pgxpool.AcquireTracer: a request that cannot get a connection (the server
// is shutting down or unreachable, so connecting fails) lost its database
// as much as one whose session was terminated mid-statement.
func (t sqlTracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	return ctx
}

func (t sqlTracer) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	if data.Err != nil && isConnectionFailure(data.Err) {
		if st := stateFrom(ctx); st != nil {
			st.dbFailure = data.Err
		}
	}
}

// isConnectionFailure reports whether err means the session is gone rather
// than the statement failed: a FATAL or PANIC server error, a connection
// exception (class 08), an administrator or crash shutdown or a server
// still starting (57P01-57P03), or an error below the protocol (network).
func isConnectionFailure(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Severity == "FATAL" || pe.Severity == "PANIC",
			strings.HasPrefix(pe.Code, "08"),
			pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03":
			return true
		}
		return false
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && pgconn.SafeToRetry(err) ||
		isNetError(err)
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
