// Checks that the TextMate grammar's regular expressions compile and that
// a few lines of a model match the expected scopes. Run with `npm test`.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const grammar = require('../syntaxes/exo.tmLanguage.json');
const config = require('../language-configuration.json');
const pkg = require('../package.json');

function* rules(node) {
  if (!node || typeof node !== 'object') return;
  if (node.match || node.begin) yield node;
  for (const p of node.patterns || []) yield* rules(p);
}

function allRules() {
  const out = [...rules(grammar)];
  for (const r of Object.values(grammar.repository)) out.push(...rules(r));
  return out;
}

test('every regular expression compiles', () => {
  for (const r of allRules()) {
    for (const src of [r.match, r.begin, r.end].filter(Boolean)) {
      assert.doesNotThrow(() => new RegExp(src), src);
    }
  }
});

function scopesOf(line) {
  const found = [];
  for (const r of allRules()) {
    if (!r.match) continue;
    const m = new RegExp(r.match).exec(line);
    if (!m) continue;
    if (r.name) found.push([m[0], r.name]);
    for (const [i, c] of Object.entries(r.captures || {})) {
      if (m[i]) found.push([m[i], c.name]);
    }
  }
  return found;
}

test('declarations, annotations and fields are scoped', () => {
  const has = (line, text, scope) =>
    assert.ok(
      scopesOf(line).some(([t, s]) => t === text && s.includes(scope)),
      `${JSON.stringify(text)} in ${JSON.stringify(line)} should be ${scope}: ${JSON.stringify(scopesOf(line))}`,
    );
  has('  type Concert {', 'Concert', 'entity.name.type');
  has('  type Concert {', 'type', 'storage.type');
  has('@postgres', 'postgres', 'decorator');
  has('    title: String', 'title', 'variable.other.property');
  has('    venue: Venue', 'Venue', 'entity.name.type');
  has('  export query hello(): String', 'hello', 'entity.name.function');
  has('  @access(self.published)', 'self', 'variable.language.self');
  has('import "users"', '"users"', 'string.quoted');
});

test('language configuration and package wiring', () => {
  assert.strictEqual(config.comments.lineComment, '//');
  assert.deepStrictEqual(config.comments.blockComment, ['/*', '*/']);
  assert.ok(config.brackets.some(([o, c]) => o === '{' && c === '}'));
  const lang = pkg.contributes.languages.find((l) => l.id === 'exo');
  assert.deepStrictEqual(lang.extensions, ['.exo']);
  assert.strictEqual(pkg.contributes.grammars[0].scopeName, grammar.scopeName);
});
