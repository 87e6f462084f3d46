package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/lexer"

	"github.com/exo-dev/exo/server/graphql"
)

// Limits bound what one GraphQL request may cost. They are exo's own
// settings (Exograph has only EXO_MAX_SELECTION_DEPTH); zero disables a
// limit. The defaults are generous enough for every legitimate client we
// know of, including seed scripts that create hundreds of rows with aliases.
type Limits struct {
	// MaxBodyBytes bounds the request body (EXO_MAX_REQUEST_BYTES, default
	// 10 MiB); larger bodies get HTTP 413.
	MaxBodyBytes int64
	// MaxOperations bounds the operations in one document
	// (EXO_MAX_OPERATIONS, default 100).
	MaxOperations int
	// MaxAliases bounds the aliased fields in one document
	// (EXO_MAX_ALIASES, default 1000): each aliased root field is a query.
	MaxAliases int
	// MaxTokens bounds the lexical tokens of a document (EXO_MAX_TOKENS,
	// default 100000), checked before parsing.
	MaxTokens int
	// RequestTimeout bounds the handling of one request, SQL included: the
	// running statement is cancelled when it passes (EXO_REQUEST_TIMEOUT,
	// seconds or a Go duration such as 1500ms, default 30s).
	RequestTimeout time.Duration
	// ShutdownTimeout is how long a graceful shutdown waits for in-flight
	// requests (EXO_SHUTDOWN_TIMEOUT, default 30s).
	ShutdownTimeout time.Duration
}

// DefaultLimits are the limits when no variable is set.
var DefaultLimits = Limits{
	MaxBodyBytes:    10 << 20,
	MaxOperations:   100,
	MaxAliases:      1000,
	MaxTokens:       100_000,
	RequestTimeout:  30 * time.Second,
	ShutdownTimeout: 30 * time.Second,
}

// Messages of the limit errors (exo's own: Exograph has no such limits).
const (
	msgTooManyOperations = "Too many operations in the document"
	msgTooManyAliases    = "Too many aliases in the document"
	msgTooManyTokens     = "Too many tokens in the document"
)

// limitsFromEnv reads the EXO_MAX_* and timeout variables, returning one
// message per invalid value.
func limitsFromEnv(env map[string]string) (Limits, []string) {
	l := DefaultLimits
	var errs []string
	count := func(name string, dst *int) {
		v, ok := env[name]
		if !ok || v == "" {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			errs = append(errs, fmt.Sprintf("invalid %s=%q: expected a non-negative integer (0 disables the limit)", name, v))
			return
		}
		*dst = n
	}
	if v, ok := env["EXO_MAX_REQUEST_BYTES"]; ok && v != "" {
		n, err := parseBytes(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("invalid EXO_MAX_REQUEST_BYTES=%q: expected a size in bytes such as 1048576, 512KiB or 10MiB (0 disables the limit)", v))
		} else {
			l.MaxBodyBytes = n
		}
	}
	count("EXO_MAX_OPERATIONS", &l.MaxOperations)
	count("EXO_MAX_ALIASES", &l.MaxAliases)
	count("EXO_MAX_TOKENS", &l.MaxTokens)
	for name, dst := range map[string]*time.Duration{
		"EXO_REQUEST_TIMEOUT":  &l.RequestTimeout,
		"EXO_SHUTDOWN_TIMEOUT": &l.ShutdownTimeout,
	} {
		v, ok := env[name]
		if !ok || v == "" {
			continue
		}
		d, err := parseSeconds(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("invalid %s=%q: expected seconds (30) or a duration (1m30s, 1500ms); 0 disables it", name, v))
			continue
		}
		*dst = d
	}
	return l, errs
}

// parseSeconds accepts a number of seconds or a Go duration.
func parseSeconds(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n < 0 || n > 1e9 {
			return 0, fmt.Errorf("out of range")
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a duration")
	}
	return d, nil
}

// parseBytes accepts a byte count with an optional KB/KiB/MB/MiB/GB/GiB suffix.
func parseBytes(v string) (int64, error) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000_000}, {"GB", 1000_000_000}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("not a size")
	}
	return n * mult, nil
}

// checkDocument enforces the operation, alias and token limits with one
// lexical pass (no parsing, no allocation per token), so that an abusive
// document is rejected before the parser builds its tree. Lexical errors
// are left to the parser, which reports them with Exograph's message.
func (l *Limits) checkDocument(query string) *graphql.Error {
	if l.MaxOperations <= 0 && l.MaxAliases <= 0 && l.MaxTokens <= 0 {
		return nil
	}
	lx := lexer.New(&ast.Source{Input: query})
	var (
		tokens, ops, aliases int
		braces, parens       int
		atDefinition         = true // the next top-level token starts a definition
		prevName             bool   // the previous token was a name in a selection set
	)
	for {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil
		}
		if tok.Kind == lexer.Comment {
			continue
		}
		tokens++
		if l.MaxTokens > 0 && tokens > l.MaxTokens {
			return graphql.NewError(msgTooManyTokens)
		}
		wasName := prevName
		prevName = false
		switch tok.Kind {
		case lexer.BraceL:
			if braces == 0 && parens == 0 && atDefinition {
				// Anonymous query shorthand: { ... }
				ops++
			}
			if parens == 0 {
				atDefinition = false
			}
			braces++
		case lexer.BraceR:
			braces--
			if braces == 0 && parens == 0 {
				atDefinition = true
			}
		case lexer.ParenL:
			parens++
		case lexer.ParenR:
			parens--
		case lexer.Name:
			if braces == 0 && parens == 0 && atDefinition {
				atDefinition = false
				switch tok.Value {
				case "query", "mutation", "subscription":
					ops++
				}
			}
			prevName = braces > 0 && parens == 0
		case lexer.Colon:
			// In a selection set (outside arguments and object values,
			// which only occur inside parentheses) "name :" is an alias.
			if wasName {
				aliases++
				if l.MaxAliases > 0 && aliases > l.MaxAliases {
					return graphql.NewError(msgTooManyAliases)
				}
			}
		}
		if l.MaxOperations > 0 && ops > l.MaxOperations {
			return graphql.NewError(msgTooManyOperations)
		}
	}
}

// productionFromEnv reads the settings of the production features into c
// (FromEnv calls it), returning one message per invalid value.
func (c *Config) productionFromEnv(env map[string]string) []string {
	var errs, e []string
	c.Limits, e = limitsFromEnv(env)
	errs = append(errs, e...)
	c.Telemetry, e = telemetryFromEnv(env, c.Mode)
	errs = append(errs, e...)
	c.EnforceTrustedDocuments, e = enforceTrustedFromEnv(env)
	return append(errs, e...)
}
