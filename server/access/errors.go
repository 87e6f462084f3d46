package access

import "fmt"

// ErrorKind classifies context-extraction failures.
type ErrorKind uint8

const (
	// ErrUnauthorized: the token is invalid (bad signature, wrong algorithm, not yet valid,
	// wrong issuer, unparseable).
	ErrUnauthorized ErrorKind = iota + 1
	// ErrExpired: the token's exp has passed.
	ErrExpired
	// ErrMalformed: the token header does not have the form "Bearer <token>".
	ErrMalformed
	// ErrTypeMismatch: a context value cannot be coerced to the declared field type.
	ErrTypeMismatch
	// ErrQuery: a @query source failed or returned null.
	ErrQuery
	// ErrInternal: anything else (JWKS discovery failure, recursion through @query ...).
	ErrInternal
)

// Error is a context-extraction failure. Message is the user-visible text (what Exograph shows
// in {"errors":[{"message": ...}]}); Err is the underlying cause, for logs.
type Error struct {
	Kind    ErrorKind
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// User-visible messages, exactly as Exograph prints them.
const (
	MsgNotAuthorized = "Not authorized"
	MsgExpired       = "Expired authentication"
	MsgMalformed     = "Malformed"
	MsgInternal      = "Internal server error"
)

func errUnauthorized(cause error) *Error {
	return &Error{Kind: ErrUnauthorized, Message: MsgNotAuthorized, Err: cause}
}

func errTypeMismatch(expected string, actual any) *Error {
	return &Error{Kind: ErrTypeMismatch, Message: fmt.Sprintf("Type mismatch: expected %s, got %s", expected, describe(actual))}
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "null"
	default:
		return fmt.Sprint(v)
	}
}
