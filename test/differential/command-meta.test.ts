// The command table against the reference server: every registered command and subcommand has
// a handler and the same COMMAND INFO as redis-server 7.0.15 (byte for byte, RESP2 and RESP3;
// subcommands compared as a set since Redis lists them in hash order).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { differential } from '../helpers/differential';
import { RespClient } from '../helpers/resp-client';
import { Reply, SetReply, SimpleString } from '../../src/resp/reply';

/** Subcommands respite adds from later Redis versions (absent from the 7.0 reference). */
const EXTENSIONS = new Set(['client|setinfo', 'client|no-touch']);

function items(r: Reply): Reply[] {
  if (Array.isArray(r)) return r;
  if (r instanceof SetReply) return r.items;
  throw new Error(`not an aggregate: ${String(r)}`);
}

function strings(r: Reply): string[] {
  return items(r).map((x) => (x instanceof SimpleString ? x.value : String(x)));
}

differential('command metadata', (ctx) => {
  test('every registered command has a handler or subcommands, and its metadata matches COMMAND INFO', async () => {
    const ref = await RespClient.connect(ctx.reference.port);
    try {
      let checked = 0;
      for (const cmd of ctx.respite.server.registry.all()) {
        assert.ok(cmd.handler !== null || cmd.subcommands !== null, `${cmd.fullName} has neither handler nor subcommands`);
        if (cmd.subcommands) for (const sub of cmd.subcommands.values()) assert.ok(sub.handler, `${sub.fullName} has no handler`);
        if (EXTENSIONS.has(cmd.fullName)) continue;
        const [entry] = items(await ref.call('COMMAND', 'INFO', cmd.fullName));
        assert.ok(entry !== null, `${cmd.fullName} is unknown to the reference server`);
        const e = items(entry);
        const what = cmd.fullName;
        assert.equal(cmd.arity, e[1], `${what} arity`);
        assert.deepEqual(cmd.visibleFlags(), strings(e[2]), `${what} flags`);
        assert.deepEqual([cmd.first, cmd.last, cmd.step], [e[3], e[4], e[5]], `${what} first/last/step`);
        assert.deepEqual(cmd.categoryNames(), strings(e[6]), `${what} ACL categories`);
        checked++;
      }
      assert.ok(checked > 20);
    } finally {
      ref.close();
    }
  });

  for (const proto of ['2', '3']) {
    test(`COMMAND INFO replies are identical to the reference (RESP${proto})`, async () => {
      const p = await ctx.pair();
      await p.check('type', 'HELLO', proto);
      for (const cmd of ctx.respite.server.registry.commands) {
        if (!cmd.subcommands) {
          await p.run('COMMAND', 'INFO', cmd.fullName);
          continue;
        }
        // Containers: the fixed fields exactly, the subcommand entries as a set.
        const [a, b] = await Promise.all([p.redis.call('COMMAND', 'INFO', cmd.name), p.respite.call('COMMAND', 'INFO', cmd.name)]);
        const ea = items(items(a)[0]);
        const eb = items(items(b)[0]);
        assert.deepEqual(eb.slice(0, 9), ea.slice(0, 9), `${cmd.name} entry`);
        const refSubs = new Map(items(ea[9]).map((s) => [String(items(s)[0]), s]));
        for (const s of items(eb[9])) {
          const name = String(items(s)[0]);
          if (EXTENSIONS.has(name)) continue;
          assert.ok(refSubs.has(name), `${name} unknown to the reference`);
          assert.deepEqual(s, refSubs.get(name), `${name} entry`);
        }
        // Each subcommand on its own, byte for byte.
        for (const sub of new Set(cmd.subcommands.values())) if (!EXTENSIONS.has(sub.fullName)) await p.run('COMMAND', 'INFO', sub.fullName);
      }
    });
  }
});
