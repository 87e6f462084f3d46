package syntax

import "fmt"

// Token is the kind of a lexical token. Words (identifiers and keywords) are
// all scanned as IDENT: keywords such as "type", "query" or "in" are
// contextual, because they are also valid names (e.g. @access(query = ...)).
type Token uint8

// Token kinds.
const (
	ILLEGAL Token = iota
	EOF
	IDENT  // Concert, self, true, type
	INT    // 42
	FLOAT  // 4.2
	STRING // "text"

	LPAREN   // (
	RPAREN   // )
	LBRACE   // {
	RBRACE   // }
	LBRACK   // [
	RBRACK   // ]
	LT       // <
	GT       // >
	LEQ      // <=
	GEQ      // >=
	EQL      // ==
	NEQ      // !=
	ASSIGN   // =
	ARROW    // =>
	NOT      // !
	LAND     // &&
	LOR      // ||
	COLON    // :
	SEMI     // ;
	COMMA    // ,
	PERIOD   // .
	ELLIPSIS // ...
	AT       // @
	QUESTION // ?
	SLASH    // /
	SUB      // -
)

var tokenStrings = [...]string{
	ILLEGAL: "ILLEGAL", EOF: "end of file", IDENT: "identifier", INT: "integer", FLOAT: "number", STRING: "string",
	LPAREN: "(", RPAREN: ")", LBRACE: "{", RBRACE: "}", LBRACK: "[", RBRACK: "]",
	LT: "<", GT: ">", LEQ: "<=", GEQ: ">=", EQL: "==", NEQ: "!=", ASSIGN: "=", ARROW: "=>",
	NOT: "!", LAND: "&&", LOR: "||", COLON: ":", SEMI: ";", COMMA: ",", PERIOD: ".",
	ELLIPSIS: "...", AT: "@", QUESTION: "?", SLASH: "/", SUB: "-",
}

// String returns the token's source text for operators and punctuation and
// a description for the other kinds.
func (t Token) String() string {
	if t == IN {
		return "in"
	}
	if int(t) < len(tokenStrings) {
		return tokenStrings[t]
	}
	return fmt.Sprintf("token(%d)", t)
}

// Precedence returns the binary-operator precedence of t (higher binds
// tighter), or 0 if t is not a binary operator. The word operator "in" has
// the precedence of the relational operators ([PrecIn]).
func (t Token) Precedence() int {
	switch t {
	case LOR:
		return 1
	case LAND:
		return 2
	case EQL, NEQ:
		return 3
	case LT, LEQ, GT, GEQ:
		return PrecIn
	}
	return 0
}

// PrecIn is the precedence of the "in" operator.
const PrecIn = 4

// IN is the Op of a [BinaryExpr] for the word operator "in". It is not
// produced by the scanner (which returns "in" as an IDENT).
const IN Token = 200
