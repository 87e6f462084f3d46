package graphql

import (
	"strconv"
	"strings"
)

// Location is a 1-based line and column in the request document.
type Location struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// Error is a user-visible GraphQL error. Message is the exact text Exograph shows; Locations are
// present for parse and validation errors only.
type Error struct {
	Message   string
	Locations []Location
	// keepNewlines is set for syntax errors, whose multi-line message is shown with escaped
	// newlines instead of being joined with "; ".
	keepNewlines bool
}

func (e *Error) Error() string { return e.Message }

// NewError returns a user-visible error without locations (e.g. "Not authorized").
func NewError(msg string) *Error { return &Error{Message: msg} }

func errAt(msg string, locs ...Location) *Error { return &Error{Message: msg, Locations: locs} }

// Standard runtime messages shown by Exograph.
const (
	MsgNotAuthorized       = "Not authorized"
	MsgInternalServerError = "Internal server error"
	MsgOperationFailed     = "Operation failed"
	MsgOperationNotAllowed = "Operation not allowed"
)

// sanitizedMessage applies Exograph's message rules: double quotes are removed and newlines are
// replaced by "; " (except for syntax errors).
func (e *Error) sanitizedMessage() string {
	m := e.Message
	if strings.IndexByte(m, '"') >= 0 {
		m = strings.ReplaceAll(m, `"`, "")
	}
	if !e.keepNewlines && strings.IndexByte(m, '\n') >= 0 {
		m = strings.ReplaceAll(m, "\n", "; ")
	}
	return m
}

// AppendJSON appends {"errors":[{"message":...,"locations":[...]}]} to dst.
func (e *Error) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"errors":[{"message":`...)
	dst = appendJSONString(dst, e.sanitizedMessage())
	if len(e.Locations) > 0 {
		dst = append(dst, `,"locations":[`...)
		for i, l := range e.Locations {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"line":`...)
			dst = strconv.AppendInt(dst, int64(l.Line), 10)
			dst = append(dst, `,"column":`...)
			dst = strconv.AppendInt(dst, int64(l.Column), 10)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, "}]}"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string literal (no HTML escaping, invalid UTF-8 replaced).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s[i:])
		if r == 0xFFFD && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
