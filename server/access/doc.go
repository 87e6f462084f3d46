// Package access evaluates Exograph access rules for one request.
//
// It has three parts:
//
//   - Context extraction ([Extractor], [RequestContext]): the values of the model's `context`
//     declarations, read lazily per request from a verified JWT (@jwt, HS256 with EXO_JWT_SECRET or
//     RS/ES/PS with the JWKS of EXO_OIDC_URL), headers (@header), cookies (@cookie), the environment
//     (@env), the client address (@clientIp) and internal queries (@query), coerced to the declared
//     field types and cached for the request.
//   - Partial evaluation ([Solve], [SolveInput]): an access expression with the context substituted
//     becomes True, False or a residual *ir.Expr that mentions only `self` / lambda-parameter paths
//     and literals. The postgres package compiles residuals into WHERE clauses and prechecks.
//   - Rule selection ([Rule], [EntityRule], [FieldRule]): the expression that guards an operation,
//     with Exograph's default deny.
//
// Residual expressions share unchanged sub-trees with the IR: treat them as read-only.
package access
