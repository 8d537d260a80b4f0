import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { globMatch } from '../../src/datatypes/glob';

// [pattern, string, expected] as Redis's stringmatchlen answers (checked against redis-server
// with KEYS; the differential suite repeats many of these against the live reference).
const CASES: [string, string, boolean][] = [
  // literals and '?'
  ['abc', 'abc', true],
  ['abc', 'abd', false],
  ['abc', 'ab', false],
  ['ab', 'abc', false],
  ['', '', true],
  ['', 'a', false],
  ['a?c', 'abc', true],
  ['a?c', 'ac', false],
  ['???', 'abc', true],
  ['???', 'ab', false],
  // '*'
  ['*', 'anything', true],
  ['*', '', false], // the loop never runs on an empty string (KEYS * special-cases it)
  ['**', '', false],
  ['a*', 'a', true],
  ['a*', 'abc', true],
  ['*c', 'abc', true],
  ['*c', 'abd', false],
  ['a*c', 'ac', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXbY', false],
  ['*a*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac', false],
  ['h*llo', 'heeeello', true],
  ['***x', 'abx', true],
  // classes, ranges, negation
  ['h[ae]llo', 'hello', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['h[b-a]llo', 'hallo', true], // reversed ranges are swapped
  ['[a-c-e]', '-', true], // after a range, '-' is a literal again
  ['[a-c-e]', 'd', false],
  ['[a-c-e]', 'e', true],
  ['[]a]', ']', false], // ']' right after '[' closes an empty class
  ['[]a]', 'a', false],
  ['[]', 'x', false],
  ['[', 'a', false], // unterminated class matches nothing...
  ['[^', 'a', true], // ...unless negated
  ['[abc', 'b', true], // an unterminated class ends with the pattern
  ['[abc', 'bx', false],
  ['[a\\]]', ']', true], // escaped ']' inside a class
  ['[\\a]', 'a', true],
  ['[\\-]', '-', true],
  ['[a-]', '-', false], // "a-]" is the range a..']' and the class is left unterminated
  ['[a-]', '^', true],
  ['[-a]', '-', true],
  ['[\\', '\\', true],
  // escapes
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['\\?', '?', true],
  ['\\[a]', '[a]', true],
  ['a\\', 'a\\', true], // a trailing backslash is literal
  ['\\\\', '\\', true],
  // bytes beyond ASCII: compared as C (signed) chars in ranges
  ['\xe9', '\xe9', true],
  ['[\x80-\xff]', '\xe9', true],
  ['[\xff-\x80]', '\x80', true],
  ['[a-\xff]', 'b', false], // 0xff is -1: the range is [-1, 'a']
  ['[\x01-\x81]', '\xe9', true], // [-127, 1]
  ['[\x01-\x81]', '\x80', false],
  ['[\x01-\x81]', 'b', false],
  ['a\x00b', 'a\x00b', true],
  ['a?b', 'a\x00b', true],
  // case-sensitive by default
  ['ABC', 'abc', false],
  ['[A-Z]', 'q', false],
];

test('globMatch agrees with Redis stringmatchlen', () => {
  for (const [p, s, want] of CASES) assert.equal(globMatch(p, s), want, `globMatch(${JSON.stringify(p)}, ${JSON.stringify(s)})`);
});

test('globMatch nocase folds ASCII letters only', () => {
  assert.equal(globMatch('ABC', 'abc', true), true);
  assert.equal(globMatch('[A-Z]x', 'qX', true), true);
  assert.equal(globMatch('[^A-Z]', 'q', true), false);
  assert.equal(globMatch('h[E]llo', 'HELLO', true), true);
  assert.equal(globMatch('\xc9', '\xe9', true), false); // no Latin-1 folding in the C locale
});

test('globMatch bounds recursion like Redis (1000 nested stars)', () => {
  const s = 'a'.repeat(1100);
  assert.equal(globMatch('a*'.repeat(999), s), true);
  assert.equal(globMatch('a*'.repeat(1005), s), false);
});

test('globMatch on pathological patterns returns quickly', () => {
  const s = 'a'.repeat(60);
  const t0 = Date.now();
  assert.equal(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', s), false);
  assert.ok(Date.now() - t0 < 1000);
});
