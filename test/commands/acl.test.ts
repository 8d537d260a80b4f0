// ACL users through the embedded API: permissions by command, key (read/write) and channel,
// selectors, EXEC re-checks, scripts, ACL LOG, requirepass as the default user's password,
// connections closed when their user is deleted or loses channels, the ACL file round trip.
import { after, before, beforeEach, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startServer, RespiteServer } from '../../src/index';

/** ACL GETUSER / LOG entries arrive as flat [k, v, ...] arrays over RESP2. */
function obj(r: unknown): Record<string, unknown> {
  const flat = r as unknown[];
  const o: Record<string, unknown> = {};
  for (let i = 0; i < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
  return o;
}

async function logs(s: RespiteServer): Promise<Record<string, unknown>[]> {
  return ((await s.call('ACL', 'LOG')) as unknown[]).map(obj);
}

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => re.test(e.message));
}

describe('ACL (embedded)', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: null });
  });
  after(() => s.close());
  beforeEach(async () => {
    await s.call('FLUSHALL');
    await s.call('ACL', 'LOG', 'RESET');
    for (const u of (await s.call('ACL', 'USERS')) as string[]) if (u !== 'default') await s.call('ACL', 'DELUSER', u);
  });

  test('new users are off, with no commands, keys or channels', async () => {
    await s.call('ACL', 'SETUSER', 'n');
    assert.equal(((await s.call('ACL', 'LIST')) as string[])[0], 'user default on nopass ~* &* +@all');
    assert.equal(((await s.call('ACL', 'LIST')) as string[])[1], 'user n off resetchannels -@all');
    const c = s.connect();
    await rejects(c.call(['AUTH', 'n', 'x']), /^WRONGPASS/);
    await s.call('ACL', 'SETUSER', 'n', 'on', 'nopass');
    assert.equal(await c.call(['AUTH', 'n', 'anything']), 'OK');
    await rejects(c.call(['GET', 'k']), /^NOPERM this user has no permissions to run the 'get' command$/);
    c.close();
  });

  test('passwords are stored as SHA-256 and can be removed', async () => {
    await s.call('ACL', 'SETUSER', 'p', 'on', '>one', '>two', '<one');
    const u = obj(await s.call('ACL', 'GETUSER', 'p'));
    assert.deepEqual(u.passwords, ['3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3']);
    const c = s.connect();
    await rejects(c.call(['AUTH', 'p', 'one']), /^WRONGPASS/);
    assert.equal(await c.call(['AUTH', 'p', 'two']), 'OK');
    assert.equal(await c.call(['ACL', 'WHOAMI']).catch((e) => e.message), "NOPERM this user has no permissions to run the 'acl|whoami' command");
    c.close();
  });

  test('read and write key patterns follow the key specs', async () => {
    await s.call('ACL', 'SETUSER', 'k', 'on', 'nopass', '+@all', '%R~r:*', '%W~w:*', '~rw:*');
    const c = s.connect();
    await c.call(['AUTH', 'k', 'x']);
    assert.equal(await c.call(['GET', 'r:1']), null);
    await rejects(c.call(['SET', 'r:1', 'v']), /^NOPERM this user has no permissions to access one of the keys/);
    assert.equal(await c.call(['SET', 'w:1', 'v']), 'OK');
    await rejects(c.call(['GET', 'w:1']), /^NOPERM/);
    // COPY reads its source and writes its destination.
    assert.equal(await c.call(['COPY', 'rw:1', 'w:2']), 0);
    await rejects(c.call(['COPY', 'w:1', 'rw:2']), /^NOPERM/);
    const log = await logs(s);
    assert.equal(log[0].reason, 'key');
    assert.equal(log[0].object, 'w:1');
    assert.equal(log[0].username, 'k');
    c.close();
  });

  test('selectors grant alternatives; DRYRUN reports the reason', async () => {
    await s.call('ACL', 'SETUSER', 'sel', 'on', 'nopass', '+get', '~a', '(+set ~b)');
    assert.equal(await s.call('ACL', 'DRYRUN', 'sel', 'get', 'a'), 'OK');
    assert.equal(await s.call('ACL', 'DRYRUN', 'sel', 'set', 'b', 'v'), 'OK');
    assert.equal(await s.call('ACL', 'DRYRUN', 'sel', 'set', 'a', 'v'), "This user has no permissions to access the 'a' key");
    assert.equal(await s.call('ACL', 'DRYRUN', 'sel', 'del', 'a'), "This user has no permissions to run the 'del' command");
  });

  test('EXEC re-checks queued commands against the current rules', async () => {
    await s.call('ACL', 'SETUSER', 'm', 'on', 'nopass', '+@all', '~*');
    const c = s.connect();
    await c.call(['AUTH', 'm', 'x']);
    await c.call(['MULTI']);
    await c.call(['SET', 'a', '1']);
    await s.call('ACL', 'SETUSER', 'm', '-set');
    const r = (await c.call(['EXEC'])) as unknown[];
    assert.match(String((r[0] as Error).message ?? r[0]), /^NOPERM ACLs rules changed between the moment the transaction was accumulated/);
    c.close();
  });

  test('scripts run with the caller’s permissions', async () => {
    await s.call('ACL', 'SETUSER', 'lua', 'on', 'nopass', '+eval', '+get', '~*');
    const c = s.connect();
    await c.call(['AUTH', 'lua', 'x']);
    await rejects(c.call(['EVAL', "return redis.call('set', 'a', 'b')", '0']), /The user executing the script can't run this command or subcommand/);
    assert.equal(await c.call(['EVAL', "return redis.acl_check_cmd('get', 'a')", '0']), 1);
    assert.equal(await c.call(['EVAL', "return redis.acl_check_cmd('set', 'a', 'b')", '0']), null);
    const log = await logs(s);
    assert.equal(log[0].context, 'lua');
    assert.equal(log[0].object, 'set');
    c.close();
  });

  test('requirepass is the default user password', async () => {
    await s.call('CONFIG', 'SET', 'requirepass', 'secret');
    try {
      const c = s.connect();
      await rejects(c.call(['PING']), /^NOAUTH/);
      await rejects(c.call(['HELLO', '3']), /^NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option/);
      await rejects(c.call(['AUTH', 'bad']), /^WRONGPASS/);
      assert.equal(await c.call(['AUTH', 'secret']), 'OK');
      assert.equal(await c.call(['PING']), 'PONG');
      c.close();
      const log = await logs(s);
      assert.equal(log[0].reason, 'auth');
      assert.equal(log[0].object, 'AUTH');
    } finally {
      await s.call('CONFIG', 'SET', 'requirepass', '');
    }
  });

  test('deleting a user or revoking its channels closes its connections', async () => {
    await s.call('ACL', 'SETUSER', 'sub', 'on', 'nopass', '+@all', '&news');
    const c = s.connect();
    await c.call(['AUTH', 'sub', 'x']);
    await rejects(c.call(['SUBSCRIBE', 'other']), /^NOPERM this user has no permissions to access one of the channels/);
    await c.call(['SUBSCRIBE', 'news']);
    await s.call('ACL', 'SETUSER', 'sub', 'resetchannels', '&news', '&more');
    assert.equal(await c.call(['PING']).then(() => 'alive'), 'alive');
    await s.call('ACL', 'SETUSER', 'sub', 'resetchannels');
    await rejects(c.call(['PING']), /closed/);
    const d = s.connect();
    await s.call('ACL', 'SETUSER', 'gone', 'on', 'nopass', '+@all');
    await d.call(['AUTH', 'gone', 'x']);
    assert.equal(await s.call('ACL', 'DELUSER', 'gone'), 1);
    await rejects(d.call(['PING']), /closed/);
  });

  test('ACL SAVE and LOAD round-trip through the aclfile', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-acl-'));
    const file = path.join(dir, 'users.acl');
    fs.writeFileSync(file, 'user alice on >pw ~* &* +@all\n');
    const t = await startServer({ port: null, aclfile: file });
    try {
      assert.deepEqual(await t.call('ACL', 'USERS'), ['alice', 'default']);
      await t.call('ACL', 'SETUSER', 'bob', 'on', '#' + 'a'.repeat(64), '~x', '+get');
      assert.equal(await t.call('ACL', 'SAVE'), 'OK');
      assert.match(fs.readFileSync(file, 'latin1'), /^user alice on #[0-9a-f]{64} ~\* &\* \+@all\nuser bob on #a{64} ~x resetchannels -@all \+get\nuser default on nopass ~\* &\* \+@all\n$/);
      fs.writeFileSync(file, 'user carol on nopass +@all\nuser carol off\n');
      await rejects(t.call('ACL', 'LOAD'), /Duplicate user 'carol' found/);
      assert.deepEqual(await t.call('ACL', 'USERS'), ['alice', 'bob', 'default']);
    } finally {
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
