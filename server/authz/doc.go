// Package authz holds end-to-end tests of authentication and access control: a real
// [server.Server] on a real PostgreSQL database (internal/pgtest), driven over HTTP. The tests
// cover token rejection (HS256 and OIDC/JWKS) and a fuzz test that compares the rows the server
// returns with a Go oracle evaluating the access rule and the `where` filter over every row.
package authz
