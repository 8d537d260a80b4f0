// SCRIPT DEBUG YES|SYNC|NO: Lua debugger sessions driven over raw TCP (src/scripting/debugger.ts,
// native/lua/ldb.c). The differential twin (test/differential/script-debug.test.ts) compares the
// same sessions byte for byte with redis-server.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startServer, RespiteServer } from '../../src/index';
import { RespClient } from '../helpers/resp-client';

/** The status lines of a debugger reply. */
function lines(raw: Buffer): string[] {
  const s = raw.toString('latin1');
  assert.ok(s.startsWith('*'), `an array of log lines: ${JSON.stringify(s)}`);
  return s
    .split('\r\n')
    .slice(1, -1)
    .map((l) => l.slice(1));
}

async function session(s: RespiteServer, mode: 'yes' | 'sync', script: string, ...keysAndArgs: string[]): Promise<{ c: RespClient; first: string[] }> {
  const c = await RespClient.connect(s.port);
  assert.equal((await c.callRaw('SCRIPT', 'DEBUG', mode)).raw.toString(), '+OK\r\n');
  const first = lines((await c.callRaw('EVAL', script, String(keysAndArgs.length === 0 ? 0 : 1), ...keysAndArgs)).raw);
  return { c, first };
}

async function cmd(c: RespClient, ...args: string[]): Promise<string[]> {
  return lines((await c.callRaw(...args)).raw);
}

test('SCRIPT DEBUG: errors and replies as Redis gives them', async () => {
  const s = await startServer({ port: 0 });
  try {
    const c = await RespClient.connect(s.port);
    assert.equal((await c.callRaw('SCRIPT', 'DEBUG', 'maybe')).raw.toString(), '-ERR Use SCRIPT DEBUG YES/SYNC/NO\r\n');
    assert.equal((await c.callRaw('SCRIPT', 'DEBUG', 'no')).raw.toString(), '+OK\r\n');
    await c.call('MULTI');
    await c.call('SCRIPT', 'DEBUG', 'yes');
    assert.equal((await c.callRaw('EXEC')).raw.toString(), '*1\r\n-ERR SCRIPT DEBUG must be called outside a pipeline\r\n');
    // Pipelined after another command: its reply is still pending.
    const piped = await c.sendRaw('PING\r\nSCRIPT DEBUG YES\r\n');
    assert.equal(piped.raw.toString(), '+PONG\r\n');
    assert.equal((await c.readNext()).raw.toString(), '-ERR SCRIPT DEBUG must be called outside a pipeline\r\n');
    assert.equal((await c.callRaw('EVAL', "return redis.pcall('script','debug','yes')", '0')).raw.toString(), '-ERR This Redis command is not allowed from script\r\n');
    await c.call('SCRIPT', 'DEBUG', 'sync');
    assert.equal((await c.callRaw('EVALSHA', 'a'.repeat(40), '0')).raw.toString(), '-ERR Please use EVAL instead of EVALSHA for debugging\r\n');
    assert.equal((await c.callRaw('EVALSHA', 'abc', '0')).raw.toString(), '-NOSCRIPT No matching script. Please use EVAL.\r\n');
    // A failing EVAL still ends the session: <endsession>, the error, and the connection closes.
    assert.equal((await c.callRaw('EVAL', 'return 1', 'x')).raw.toString(), '*1\r\n+<endsession>\r\n');
    assert.equal((await c.readNext()).raw.toString(), '-ERR value is not an integer or out of range\r\n');
    await c.waitClose();
  } finally {
    await s.close();
  }
});

test('SCRIPT DEBUG SYNC: step, print, list, break, eval, redis, and the changes stay', async () => {
  const s = await startServer({ port: 0 });
  try {
    const script = "local a = 1\nlocal b = {1,2,'x'}\nredis.debug('hi', a, b)\nredis.call('set',KEYS[1],'v')\nreturn b";
    const { c, first } = await session(s, 'sync', script, 'k');
    assert.deepEqual(first, ['* Stopped at 1, stop reason = step over', '-> 1   local a = 1']);
    assert.equal((await cmd(c, 'help')).length, 30);
    assert.deepEqual(await cmd(c, 's'), ['* Stopped at 2, stop reason = step over', '-> 2   local b = {1,2,\'x\'}']);
    assert.deepEqual(await cmd(c, 'n'), ['* Stopped at 3, stop reason = step over', "-> 3   redis.debug('hi', a, b)"]);
    assert.deepEqual(await cmd(c, 'p'), ['<value> a = 1', '<value> b = {1; 2; "x"}']);
    assert.deepEqual(await cmd(c, 'p', 'KEYS'), ['<value> {"k"}']);
    assert.deepEqual(await cmd(c, 'p', 'nope'), ['No such variable.']);
    assert.deepEqual(await cmd(c, 'l', '3', '1'), ["   2   local b = {1,2,'x'}", "-> 3   redis.debug('hi', a, b)", "   4   redis.call('set',KEYS[1],'v')"]);
    assert.deepEqual(await cmd(c, 'b', '5'), ["   4   redis.call('set',KEYS[1],'v')", '  #5   return b']);
    assert.deepEqual(await cmd(c, 'b', 'x'), ["Invalid argument:'x'"]);
    assert.deepEqual(await cmd(c, 'b', '99'), ['Wrong line number.']);
    assert.deepEqual(await cmd(c, 't'), ['In top level:', "-> 3   redis.debug('hi', a, b)"]);
    assert.deepEqual(await cmd(c, 'e', '1+1'), ['<retval> 2']);
    assert.deepEqual(await cmd(c, 'e', 'a'), ["<error> ldb_eval:1: Script attempted to access nonexistent global variable 'a'"]);
    assert.deepEqual(await cmd(c, 'r', 'set', 'other', '1'), ['<redis> set other 1', '<reply> "+OK"']);
    assert.deepEqual(await cmd(c, 'r', 'nosuch'), ['<redis> nosuch', '<error> Unknown Redis command called from script']);
    assert.deepEqual(await cmd(c, 'm', '10'), ['<value> replies are truncated at 60 bytes.']);
    assert.deepEqual(await cmd(c, 'bogus'), ['<error> Unknown Redis Lua debugger command or wrong number of arguments.']);
    assert.deepEqual(await cmd(c, 's'), ['<debug> line 3: "hi", 1, {1; 2; "x"}', '* Stopped at 4, stop reason = step over', "-> 4   redis.call('set',KEYS[1],'v')"]);
    // continue: commands are logged only while stepping.
    assert.deepEqual(await cmd(c, 'c'), ['* Stopped at 5, stop reason = break point', '->#5   return b']);
    assert.deepEqual(await cmd(c, 'c'), ['<endsession>']);
    assert.equal((await c.readNext()).raw.toString(), '*3\r\n:1\r\n:2\r\n$1\r\nx\r\n');
    await c.waitClose();
    assert.equal(await s.call('GET', 'k'), 'v');
    assert.equal(await s.call('GET', 'other'), '1');
  } finally {
    await s.close();
  }
});

test('SCRIPT DEBUG SYNC: other clients wait for the session, then run in order', async () => {
  const s = await startServer({ port: 0 });
  try {
    const { c } = await session(s, 'sync', "redis.call('set','x','from-script')\nreturn 1");
    const other = await RespClient.connect(s.port);
    const got = other.callRaw('GET', 'x');
    let answered = false;
    void got.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(answered, false, 'held while the session waits');
    assert.deepEqual(await cmd(c, 'c'), ['<endsession>']);
    assert.equal((await c.readNext()).raw.toString(), ':1\r\n');
    assert.equal((await got).raw.toString(), '$11\r\nfrom-script\r\n');
    other.close();
  } finally {
    await s.close();
  }
});

test('SCRIPT DEBUG YES: the server goes on, and the script changes nothing', async () => {
  const s = await startServer({ port: 0 });
  try {
    await s.call('SET', 'kept', 'before');
    await s.call('RPUSH', 'list', 'a');
    const { c } = await session(s, 'yes', "redis.call('set','kept','changed')\nredis.call('rpush','list','b')\nreturn redis.call('lrange','list',0,-1)");
    // Others are served meanwhile.
    assert.equal(await s.call('GET', 'kept'), 'before');
    assert.deepEqual(await cmd(c, 's'), ['<redis> set kept changed', '<reply> "+OK"', '* Stopped at 2, stop reason = step over', "-> 2   redis.call('rpush','list','b')"]);
    assert.equal(await s.call('GET', 'kept'), 'before');
    assert.deepEqual(await cmd(c, 'c'), ['<endsession>']);
    assert.equal((await c.readNext()).raw.toString(), '*2\r\n$1\r\na\r\n$1\r\nb\r\n');
    await c.waitClose();
    assert.equal(await s.call('GET', 'kept'), 'before');
    assert.deepEqual(await s.call('LRANGE', 'list', '0', '-1'), ['a']);
  } finally {
    await s.close();
  }
});

test('SCRIPT DEBUG: malformed input answers as Redis does and never blocks the server', async () => {
  const s = await startServer({ port: 0 });
  try {
    // NUL bytes in a command name; a redis command with 100 arguments.
    let { c } = await session(s, 'sync', 'return 1');
    for (const name of ["'hello\0world'", "'hello\0'", "'\0hello'"]) {
      assert.deepEqual(await cmd(c, name), ['<error> Unknown Redis Lua debugger command or wrong number of arguments.']);
    }
    const many = '*101\r\n$5\r\nredis\r\n' + '$4\r\ntest\r\n'.repeat(100);
    assert.deepEqual(lines((await c.sendRaw(many)).raw), ['<redis> test test test test test test test test test test ... (89 more)', '<error> Unknown Redis command called from script']);
    // A count past 1024: protocol error, the script stops, the session ends.
    assert.equal((await c.sendRaw('*1025\r\n')).raw.toString(), '*1\r\n+<endsession>\r\n');
    assert.match((await c.readNext()).raw.toString(), /^-ERR protocol error script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    await c.waitClose();
    // abort
    ({ c } = await session(s, 'sync', 'return 1'));
    assert.deepEqual(await cmd(c, 'a'), ['<endsession>']);
    assert.match((await c.readNext()).raw.toString(), /^-ERR script aborted for user request script: /);
    // The client vanishing mid-session: the script runs to its end and the server serves again.
    ({ c } = await session(s, 'sync', "redis.call('set','after','1')\nreturn 1"));
    c.close();
    for (let i = 0; i < 50 && (await s.call('GET', 'after')) === null; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await s.call('GET', 'after'), '1');
    assert.equal(await s.call('PING'), 'PONG');
  } finally {
    await s.close();
  }
});

test('SCRIPT DEBUG: an infinite loop stops by itself after busy-reply-threshold', async () => {
  const s = await startServer({ port: 0, busyReplyThreshold: 100 });
  try {
    const { c } = await session(s, 'sync', 'local i = 0\nwhile true do\ni = i + 1\nend');
    const stop = await cmd(c, 'c');
    assert.equal(stop[0], '* Stopped at 3, stop reason = timeout reached, infinite loop?');
    c.close();
    // Gone while looping: the script is stopped and the server answers again.
    for (let i = 0; i < 100; i++) {
      const r = await Promise.race([s.call('PING'), new Promise((res) => setTimeout(() => res(null), 50))]);
      if (r === 'PONG') return;
    }
    assert.fail('the server stayed blocked');
  } finally {
    await s.close();
  }
});

test('MONITOR shows EVAL, EVALSHA and FCALL first, refused ones too (as Redis feeds it)', async () => {
  const s = await startServer({ port: 0 });
  try {
    const m = await RespClient.connect(s.port);
    assert.equal((await m.callRaw('MONITOR')).raw.toString(), '+OK\r\n');
    const c = await RespClient.connect(s.port);
    const sent: string[][] = [
      ['EVALSHA', 'a'.repeat(40), '0'],
      ['EVAL', 'return 1', '5'],
      ['FCALL', 'nosuch', '0'],
      ['SCRIPT', 'DEBUG', 'yes'],
      ['EVALSHA', 'b'.repeat(40), '0'],
    ];
    for (const argv of sent) await c.callRaw(...argv);
    for (const argv of sent) {
      const line = (await m.readNext()).raw.toString();
      assert.ok(line.endsWith(' ' + argv.map((a) => `"${a}"`).join(' ') + '\r\n'), `MONITOR line for ${argv.join(' ')}: ${JSON.stringify(line)}`);
    }
    c.close();
    m.close();
  } finally {
    await s.close();
  }
});
