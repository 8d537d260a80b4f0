// ACL users compared byte for byte with redis-server: rule parsing and its error texts, ACL
// GETUSER / LIST descriptions, NOPERM errors at top level, in MULTI and in scripts, DRYRUN,
// AUTH / HELLO with users, channel permissions.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential, Pair } from '../helpers/differential';

/**
 * ACL GETUSER with the command rules compared as a set of words: Redis emits single-command
 * rules in its command table's hash order, which changes with each process's hash seed.
 */
async function getuserWords(p: Pair, name: string): Promise<void> {
  const norm = (r: unknown) => {
    const flat = r as unknown[];
    return flat.map((v, i) => (flat[i - 1] === 'commands' ? String(v).split(' ').sort().join(' ') : v));
  };
  const [a, b] = await Promise.all([p.redis.call('ACL', 'GETUSER', name), p.respite.call('ACL', 'GETUSER', name)]);
  assert.deepEqual(norm(b), norm(a));
}

differential('ACL users', (ctx) => {
  test('SETUSER rules, GETUSER and LIST descriptions', async () => {
    const p = await ctx.pair();
    await p.script([
      ['ACL', 'SETUSER', 'alice', 'on', '>p1', '>p2', '<p1', '~cache:*', '%R~ro:*', '%W~wo:*', '&news.*', '+@hash', '+select|0'],
      ['ACL', 'GETUSER', 'alice'],
      ['ACL', 'SETUSER', 'bob', 'nopass', 'on', 'allkeys', 'allchannels', '+@all', '-@dangerous', '+debug|digest'],
      ['ACL', 'GETUSER', 'bob'],
      ['ACL', 'SETUSER', 'carol', 'on', 'nopass', '(+get ~k1)', '(+set', '~k2)', 'resetchannels'],
      ['ACL', 'GETUSER', 'carol'],
      ['ACL', 'LIST'],
      ['ACL', 'USERS'],
      ['ACL', 'SETUSER', 'dave', 'on', '+@hash', '-hdel', '+get', '+client|id', '-config|set'],
    ]);
    await getuserWords(p, 'dave');
    await p.script([
      ['ACL', 'DELUSER', 'dave'],
      ['ACL', 'SETUSER', 'carol', 'clearselectors', 'reset'],
      ['ACL', 'LIST'],
      ['ACL', 'DELUSER', 'alice', 'bob', 'nobody'],
      ['ACL', 'DELUSER', 'default'],
      ['ACL', 'GETUSER', 'nobody'],
    ]);
  });

  test('rule errors', async () => {
    const p = await ctx.pair();
    await p.script([
      ['ACL', 'SETUSER', 'x', '+nosuchcommand'],
      ['ACL', 'SETUSER', 'x', '+@nosuchcategory'],
      ['ACL', 'SETUSER', 'x', 'allkeys', '~foo'],
      ['ACL', 'SETUSER', 'x', 'allchannels', '&foo'],
      ['ACL', 'SETUSER', 'x', '<neverset'],
      ['ACL', 'SETUSER', 'x', '#abc'],
      ['ACL', 'SETUSER', 'x', '+config|get|x'],
      ['ACL', 'SETUSER', 'x', '-select|0'],
      ['ACL', 'SETUSER', 'x', '%X~foo'],
      ['ACL', 'SETUSER', 'x', '(+get', '~foo'],
      ['ACL', 'SETUSER', 'x y'],
      ['ACL', 'SETUSER', 'x', 'bogus'],
      ['ACL', 'USERS'],
      ['ACL', 'CAT', 'nope'],
      ['ACL', 'CAT', 'a', 'b'],
      ['ACL', 'GENPASS', '0'],
      ['ACL', 'LOG', 'x'],
      ['ACL', 'DRYRUN', 'nobody', 'get', 'x'],
    ]);
  });

  test('CAT lists categories and their commands', async () => {
    const p = await ctx.pair();
    await p.run('ACL', 'CAT');
    // (Categories holding commands respite does not have, like MIGRATE, are left out.)
    for (const cat of ['string', 'hash', 'list', 'set', 'sortedset', 'stream', 'geo', 'bitmap', 'hyperloglog']) await p.check('sorted', 'ACL', 'CAT', cat);
  });

  test('permission errors, DRYRUN, AUTH and WHOAMI', async () => {
    const p = await ctx.pair();
    await p.script([
      ['ACL', 'SETUSER', 'u', 'on', '>pw', '~k*', '%R~r*', '&ch', '+get', '+set', '+multi', '+exec', '+publish', '+acl|whoami', '+eval'],
      ['ACL', 'DRYRUN', 'u', 'get', 'k1'],
      ['ACL', 'DRYRUN', 'u', 'get', 'x'],
      ['ACL', 'DRYRUN', 'u', 'set', 'r1', 'v'],
      ['ACL', 'DRYRUN', 'u', 'del', 'k1'],
      ['ACL', 'DRYRUN', 'u', 'publish', 'other', 'm'],
      ['ACL', 'DRYRUN', 'u', 'get'],
      ['AUTH', 'u', 'wrong'],
      ['AUTH', 'u', 'pw'],
      ['ACL', 'WHOAMI'],
      ['GET', 'k1'],
      ['GET', 'x'],
      ['SET', 'r1', 'v'],
      ['GET', 'r1'],
      ['DEL', 'k1'],
      ['PUBLISH', 'ch', 'm'],
      ['PUBLISH', 'other', 'm'],
      ['EVAL', "return redis.call('get', KEYS[1])", '1', 'k1'],
      ['EVAL', "return redis.pcall('del', KEYS[1])", '1', 'k1'],
      ['EVAL', "return redis.pcall('get', 'x')", '0'],
      ['MULTI'],
      ['GET', 'k1'],
      ['GET', 'x'],
      ['EXEC'],
      ['AUTH', 'nopw'],
      ['HELLO', '2', 'AUTH', 'u', 'bad'],
    ]);
  });

  test('ACL LOG entries (without timing fields)', async () => {
    const p = await ctx.pair();
    await p.script([
      ['ACL', 'LOG', 'RESET'],
      ['ACL', 'SETUSER', 'lg', 'on', 'nopass', '+get', '~a*'],
      ['AUTH', 'lg', 'x'],
      ['GET', 'b'],
      ['GET', 'b'],
      ['SET', 'a', 'b'],
      ['AUTH', 'default', 'x'],
      ['hello', '2', 'AUTH', 'nosuch', 'bad'],
      ['MULTI'],
      ['auth', 'nosuch', 'bad'],
      ['EXEC'],
    ]);
    const a = (await p.redis.call('ACL', 'LOG')) as unknown[];
    const b = (await p.respite.call('ACL', 'LOG')) as unknown[];
    const strip = (entries: unknown[]) =>
      entries.map((e) => {
        const flat = e as unknown[];
        const out: unknown[] = [];
        for (let i = 0; i < flat.length; i += 2) if (flat[i] !== 'age-seconds' && flat[i] !== 'client-info') out.push(flat[i], flat[i + 1]);
        return out;
      });
    assert.deepEqual(strip(b), strip(a));
  });

  test('HELLO without authentication', async () => {
    const p = await ctx.pair();
    await p.script([
      ['ACL', 'SETUSER', 'default', 'resetpass', '>secret'],
      ['RESET'],
      ['HELLO', '3'],
      ['AUTH', 'default', 'secret'],
      ['ACL', 'SETUSER', 'default', 'nopass'],
    ]);
  });
});
