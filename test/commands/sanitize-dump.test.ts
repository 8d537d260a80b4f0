// sanitize-dump-payload for files and the INFO counter: an RDB file whose listpack has a bad
// back-length loads with "no" and "clients" (files are trusted then, as Redis trusts them) and is
// refused with "yes"; dump_payload_sanitizations counts the deep checks and CONFIG RESETSTAT
// clears it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer } from '../../src/index';
import { Crc64 } from '../../src/persistence/crc64';
import { ListpackBuilder } from '../../src/persistence/encodings';

function badListpack(): Buffer {
  const b = Buffer.from(new ListpackBuilder().append('f').append('v').finish());
  b[8] = 5; // the first entry's back-length (it should be 2)
  return b;
}

/** An RDB file with one hash key `h` holding `blob` as its listpack. */
function rdbFile(blob: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('REDIS0010', 'latin1'), Buffer.from([0xfe, 0, 16, 1]), Buffer.from('h', 'latin1'), Buffer.from([blob.length]), blob, Buffer.from([0xff])]);
  return Buffer.concat([body, new Crc64().update(body).toBuffer()]);
}

test('an RDB file with a damaged listpack loads unless sanitize-dump-payload is yes', async () => {
  for (const mode of ['no', 'clients', 'yes']) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-sanitize-'));
    fs.writeFileSync(path.join(dir, 'dump.rdb'), rdbFile(badListpack()));
    try {
      const start = startServer({ port: null, dir, save: '', 'sanitize-dump-payload': mode });
      if (mode === 'yes') {
        await assert.rejects(start, (e: Error) => e.name === 'RdbLoadError' && /Hash listpack integrity check failed/.test(e.message));
        continue;
      }
      const s = await start;
      try {
        assert.deepEqual(await s.call('HGETALL', 'h'), ['f', 'v'], mode);
        assert.equal(await s.call('SAVE'), 'OK');
      } finally {
        await s.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('INFO dump_payload_sanitizations counts deep checks; CONFIG RESETSTAT clears it', async () => {
  const s = await startServer({ port: null });
  try {
    const count = async () => Number(/dump_payload_sanitizations:(\d+)/.exec(String(await s.call('INFO', 'stats')))![1]);
    await s.call('HSET', 'h', 'a', '1');
    await s.call('SADD', 'i', '1', '2');
    const hash = (await s.callBuffer('DUMP', 'h')) as Buffer;
    const ints = (await s.callBuffer('DUMP', 'i')) as Buffer;
    await s.call('RESTORE', 'h2', '0', hash);
    assert.equal(await count(), 0);
    await s.call('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
    await s.call('RESTORE', 'h3', '0', hash);
    await s.call('RESTORE', 'i3', '0', ints);
    assert.equal(await count(), 2);
    await s.call('CONFIG', 'RESETSTAT');
    assert.equal(await count(), 0);
  } finally {
    await s.close();
  }
});

/** DUMP payload (RDB version 10, CRC-64) of a hash listpack whose first entry has the unused encoding 0xF5. */
function undecodableHashPayload(): Buffer {
  const lp = Buffer.from(new ListpackBuilder().append('f').append('v').finish());
  lp[6] = 0xf5;
  const body = Buffer.concat([Buffer.from([16, lp.length]), lp, Buffer.from([10, 0])]);
  return Buffer.concat([body, new Crc64().update(body).toBuffer()]);
}

test('sanitize-dump-payload no keeps undecodable contents unchecked: reads answer an error, the key saves, reloads and deletes', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-unchecked-'));
  const s = await startServer({ port: null, dir, save: '', 'enable-debug-command': 'yes' });
  try {
    const payload = undecodableHashPayload();
    await s.call('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
    await assert.rejects(s.call('RESTORE', 'h', '0', payload), /^ReplyError: ERR Bad data format|Bad data format/);
    await s.call('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
    assert.equal(await s.call('RESTORE', 'h', '0', payload), 'OK');
    assert.equal(await s.call('TYPE', 'h'), 'hash');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'h'), 'listpack');
    const unchecked = /^ERR the value of this key was stored unchecked \(sanitize-dump-payload no\) and is corrupt: Hash listpack integrity check failed/;
    for (const cmd of [['HGETALL', 'h'], ['HLEN', 'h'], ['HSET', 'h', 'a', 'b'], ['DEBUG', 'DIGEST-VALUE', 'h']]) {
      await assert.rejects(s.call(...cmd), (e: Error) => unchecked.test(e.message), cmd.join(' '));
    }
    // The bytes go out as they came in (COPY copies them, as Redis copies a listpack), and
    // survive a save and reload.
    assert.deepEqual(await s.callBuffer('DUMP', 'h'), payload);
    assert.equal(await s.call('COPY', 'h', 'h2'), 1);
    assert.deepEqual(await s.callBuffer('DUMP', 'h2'), payload);
    assert.equal(await s.call('DEL', 'h2'), 1);
    assert.equal(await s.call('DEBUG', 'RELOAD'), 'OK');
    assert.deepEqual(await s.callBuffer('DUMP', 'h'), payload);
    assert.equal(await s.call('RENAME', 'h', 'h3'), 'OK');
    assert.equal(await s.call('DEL', 'h3'), 1);
    assert.equal(await s.call('DBSIZE'), 0);
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
