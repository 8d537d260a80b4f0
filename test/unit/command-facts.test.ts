// Facts about a command live in its definition (src/commands/<family>.ts): how it propagates,
// whether a RESP2 subscriber may run it, whether MULTI queues it, whether scripts may never call
// it. These pin which commands carry each fact, so moving one is a visible change.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { allCommandDefs } from '../../src/commands';
import { Command, Registry } from '../../src/commands/registry';

function registry(): Registry {
  const r = new Registry();
  r.register(allCommandDefs());
  return r;
}

function names(r: Registry, has: (c: Command) => boolean): string[] {
  return r.commands.filter(has).map((c) => c.name).sort();
}

test('commands propagated as a rewrite of their arguments', () => {
  assert.deepEqual(
    names(registry(), (c) => c.propagate !== null),
    ['blmove', 'blmpop', 'blpop', 'brpop', 'brpoplpush', 'bzmpop', 'bzpopmax', 'bzpopmin', 'expire', 'expireat', 'getdel', 'getex', 'getset', 'hincrbyfloat', 'incrbyfloat', 'lmpop', 'pexpire', 'pexpireat', 'psetex', 'restore', 'set', 'setex', 'spop', 'xadd', 'xautoclaim', 'xclaim', 'xreadgroup', 'xtrim', 'zmpop'],
  );
});

test('commands a RESP2 subscriber may run, and the ones MULTI does not queue', () => {
  const r = registry();
  assert.deepEqual(names(r, (c) => c.subscriberMode), ['ping', 'psubscribe', 'punsubscribe', 'quit', 'reset', 'ssubscribe', 'subscribe', 'sunsubscribe', 'unsubscribe']);
  assert.deepEqual(names(r, (c) => c.notQueued), ['discard', 'exec', 'multi', 'quit', 'reset', 'watch']);
  // Subcommands: a subscriber's PUBSUB is refused with its container; SLOWLOG RESET is queued.
  assert.equal(r.lookup('slowlog')!.lookupSub('reset')!.notQueued, false);
});

test('scripting commands, refused inside scripts', () => {
  const r = registry();
  assert.deepEqual(names(r, (c) => c.scripting), ['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro', 'function', 'script']);
  assert.equal(r.lookup('script')!.lookupSub('flush')!.scripting, true);
});
