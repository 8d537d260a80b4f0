import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { stringEncoding } from '../../src/datatypes/string-encoding';

test('stringEncoding follows tryObjectEncoding', () => {
  assert.equal(stringEncoding('123'), 'int');
  assert.equal(stringEncoding('-9223372036854775808'), 'int');
  assert.equal(stringEncoding('9223372036854775808'), 'embstr'); // beyond long
  assert.equal(stringEncoding('012'), 'embstr'); // not canonical
  assert.equal(stringEncoding('x'.repeat(44)), 'embstr');
  assert.equal(stringEncoding('x'.repeat(45)), 'raw');
  assert.equal(stringEncoding('12', true), 'raw');
  assert.equal(stringEncoding(''), 'embstr');
});
