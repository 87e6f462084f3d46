// Package syntax is the front end of the .exo compiler: scanner, recovering
// parser, AST and formatter.
//
// # Design
//
// [Parse] turns a [diag.File] into a [*File] and a [diag.List]. It never
// fails and never panics: on a syntax error it records one diagnostic
// (further errors on the same line are dropped, as in go/parser and CUE),
// resynchronises at the next member or declaration boundary (a new line
// starting with an identifier, '@', "...", or a closing brace at the same
// nesting depth) and keeps going, so editors get a useful partial tree.
// Missing tokens are recorded as [NoPos] and missing nodes as nil or
// [BadExpr]/[BadDecl]; consumers must tolerate both on files with errors.
//
// The scanner tokenises the whole file up front (the files are small), which
// gives the parser unlimited lookahead for the two places that need it:
// lambdas "(a, b) => ..." and named annotation arguments "k = v". All words
// are IDENT tokens; keywords (module, type, query, in, true, ...) are
// contextual because they are legal names elsewhere (`@access(query = ...)`).
//
// Positions are byte offsets ([Pos]) into the source. Every node has Pos and
// End, with 0 <= Pos <= End <= len(src) and children inside their parent
// (both checked by the fuzzer). Declarations and fields start at their first
// annotation; doc comments are attached (Doc) but lie outside the span, so
// [File.Span] of a field is exactly what Exograph underlines. Line and
// column are computed only when a diagnostic is rendered.
//
// Comments are kept in [File.Comments]; /// and /** */ doc comments are also
// attached to the next type, field, enum value, declaration or method, and
// //! and /*! */ schema docs are listed in [File.Docs].
//
// [Format] prints a file in canonical layout, keeping all comments; it is
// idempotent and Format(Parse(x)) parses to the same tree ([Dump] is the
// position-free comparison form).
//
// Grammar (informal; `?` optional, `*` repeated):
//
//	file        = (import | context | module)*
//	import      = "import" STRING ";"?
//	context     = annotation* "context" IDENT "{" field* "}"
//	module      = annotation* "module" IDENT "{" (type | enum | method | interceptor)* "}"
//	type        = annotation* ("type" | "fragment") IDENT "{" (field | "..." IDENT)* "}"
//	field       = annotation* IDENT ":" typeref ("=" expr)? ";"?
//	enum        = annotation* "enum" IDENT "{" (IDENT ","?)* "}"
//	method      = annotation* "export"? ("query" | "mutation") IDENT "(" params ")" ":" typeref ";"?
//	interceptor = annotation* "interceptor" IDENT "(" params ")" ";"?
//	params      = (annotation* IDENT ":" typeref ("," ...)*)?
//	typeref     = (IDENT ".")? IDENT ("<" typeref ("," typeref)* ">")? "?"?
//	annotation  = "@" IDENT ("(" (arg ("," arg)* ","?)? ")")?
//	arg         = (IDENT "=")? expr
//	expr        = IDENT "=>" expr | "(" IDENT ("," IDENT)* ")" "=>" expr | binary
//	binary      = unary (op unary)*   // || < && < == != < < <= > >= in
//	unary       = ("!" | "-") unary | primary ("." IDENT | "(" exprs ")")*
//	primary     = literal | IDENT | IDENT "/" IDENT | "/" IDENT | "(" expr ")"
//	            | "[" exprs "]" | "{" (key ":" expr ","?)* "}"
package syntax
