// Package exotest runs Exograph's declarative .exotest files unchanged: it is
// the engine behind `exo test [dir] [pattern]`.
//
// # Shape of a run
//
// [Discover] finds projects (directories with src/index.exo and tests/,
// searched recursively from the root, following symlinks) and their tests:
// every *.exotest file, with the init*.gql / init*.sql files of its directory
// and of every parent directory up to the project, parents first, each
// directory sorted by name. A test's name is its path relative to the root
// without "tests/" and ".exotest" (todo/graphql/create-todo-admin); the
// pattern is a '*'/'?' wildcard over that name.
//
// [Run] then builds each project that has matching tests (tests/build*.sh
// with sh first, then [Options.Build]) and runs the tests on a pool of
// [Options.Parallel] workers. Each test attempt gets a fresh database
// ([Options.Provision]; [NewTemplateProvisioner] clones a per-project
// template), an in-process server ([Options.Serve], called through
// http.Handler.ServeHTTP: no sockets), its init files (SQL through
// [Options.ExecSQL], GraphQL files run exactly like test stages) and then its
// stages in order; the first failing stage stops the test. Cleanups run on
// every path, including cancellation.
//
// The compiler, the database launcher and the server are seams (func fields
// of [Options]) so the runner has no dependency on them and is tested with
// fakes; the CLI wires the real ones.
//
// # Evaluation
//
// Everything an .exotest file computes is JavaScript, as in Exograph, where
// the expressions are spliced into a Deno module. Here they run on goja, one
// runtime per test attempt: variable, headers, auth and rpc payloads are
// normalised with JSON.parse(JSON.stringify(expr)); response expressions keep
// their functions and are compared by assert.js, a transcription of
// Exograph's assertEquals with its quirks (unexpected keys fail; functions
// fail only on === false and error on undefined; @unordered lists compare as
// multisets; an expected null accepts any value without enumerable keys).
// $ holds the bindings: values captured with @bind(name: ...) from earlier
// responses (including init files) and the keys of every evaluated
// `variable`. Each evaluation is wrapped in its own function scope, so a
// prelude declaring consts can be evaluated again, and is bounded by
// [Options.EvalTimeout]; goja drains its job queue when the outermost call
// returns, so async predicates settle without an event loop.
//
// A deno prelude may import modules, as in Exograph: its import
// declarations are bundled by [Options.BundlePrelude] (relative imports
// resolve against the directory of the file holding the stage) and the
// imported names are in scope of the prelude and the stage's expressions;
// see prelude.go.
//
// Things that cannot run here are skipped, never passed: RPC stages unless
// [Options.RPC] is set ("rpc not supported yet"), preludes whose imports
// need a network that cannot be reached ("needs network (...)", from
// BundlePrelude) and, without BundlePrelude, every prelude that imports
// modules. A prelude whose imports cannot be bundled otherwise fails the
// test.
//
// # Output
//
// [Report] holds one [Result] per test, sorted by name. [Report.WriteText]
// prints passes, skips, then failures with the first difference and the
// expected/actual dumps, and ends with exactly "N passed, N failed, N
// skipped"; [Report.WriteJSON] is the machine form. [Ratchet] compares a run
// with a checked-in list of tests known to pass.
package exotest
