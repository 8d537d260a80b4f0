// The call-site rewrite that lets error({err = ...}) reply with the err text, as Redis does.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { errorHelperName, rewriteErrorCalls } from '../../src/scripting/call-args';

test('bodies without an error(...) whose argument may be a table are left alone', () => {
  assert.equal(rewriteErrorCalls('return 1'), null);
  assert.equal(rewriteErrorCalls("error('plain text')"), null);
  assert.equal(rewriteErrorCalls('error("x", 0) error(KEYS[1]) error(ARGV[2], 2) error(42)'), null);
  assert.equal(rewriteErrorCalls("myerror(t) t.error(t) o:error(t) errors(t)"), null);
});

test('the arguments of an error(...) whose first may be a table go through __e (which returns them all), in place', () => {
  assert.equal(rewriteErrorCalls("error({err = 'My Error'})"), "error(__e({err = 'My Error'}))");
  assert.equal(rewriteErrorCalls('if x then error(e, 0) end'), 'if x then error(__e(e, 0)) end');
  assert.equal(rewriteErrorCalls("local ok = pcall(f)\nerror(f(a, b), 2)"), "local ok = pcall(f)\nerror(__e(f(a, b), 2))");
  assert.equal(rewriteErrorCalls('error(\n  t\n)'), 'error(__e(\n  t\n))');
});

test('strings, comments and long brackets are not code', () => {
  const body = "local s = 'error(t)' -- error(t)\nlocal u = [==[ error(t) ]==] --[[ error(t)\n]] return \"error(t)\"";
  assert.equal(rewriteErrorCalls(body), null);
  assert.equal(rewriteErrorCalls("local s = 'a\\'b' error(s .. t)"), "local s = 'a\\'b' error(__e(s .. t))");
});

test('the helper name avoids names the body uses', () => {
  assert.equal(errorHelperName('return 1'), '__e');
  assert.equal(errorHelperName('local __e = 1 error(t)'), '__e1');
  assert.equal(rewriteErrorCalls('local __e = 1 error(t)', errorHelperName('local __e = 1 error(t)')), 'local __e = 1 error(__e1(t))');
});
