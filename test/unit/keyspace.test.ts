import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Clock } from '../../src/keyspace/clock';
import { Keyspace } from '../../src/keyspace/keyspace';

function setup(): { clock: Clock; ks: Keyspace; events: string[] } {
  const clock = new Clock();
  clock.freeze(1_000_000);
  const ks = new Keyspace(clock, 4);
  const events: string[] = [];
  ks.setNotifyConfig('KEA');
  ks.setEventPublisher((ch, msg) => events.push(`${ch} ${msg}`));
  return { clock, ks, events };
}

test('lazy expiry: a key past its time is gone on access and emits expired', () => {
  const { clock, ks, events } = setup();
  const db = ks.dbs[0];
  db.setKey('k', 'v');
  db.setExpire('k', clock.now() + 100);
  assert.equal(db.lookupRead('k'), 'v');
  clock.advance(100);
  assert.equal(db.lookupRead('k'), undefined);
  assert.equal(ks.stats.expiredKeys, 1);
  assert.ok(events.includes('__keyevent@0__:expired k'));
  assert.ok(events.includes('__keyspace@0__:k expired'));
});

test('active expiry cycle removes expired keys without any access, walking incrementally', () => {
  const { clock, ks } = setup();
  const db = ks.dbs[1];
  for (let i = 0; i < 1000; i++) {
    db.setKey(`k${i}`, 'v');
    db.setExpire(`k${i}`, clock.now() + (i % 2 === 0 ? 10 : 1_000_000));
  }
  clock.unfreeze();
  clock.freeze(clock.now() + 20);
  // The periodic cycle only samples; run it until the expired half is gone.
  for (let i = 0; i < 200 && db.size > 500; i++) ks.activeExpireCycle(10);
  assert.equal(db.size, 500);
  assert.equal(db.expires.size, 500);
  assert.ok(db.avgTtl > 0);
});

test('the cycle keeps its place across inserts and deletes of the expires table', () => {
  const { clock, ks } = setup();
  const db = ks.dbs[0];
  for (let i = 0; i < 100; i++) {
    db.setKey(`a${i}`, 'v');
    db.setExpire(`a${i}`, clock.now() + 5);
  }
  ks.activeExpireCycle(10); // nothing expired yet: walks part of the table
  for (let i = 0; i < 50; i++) db.delete(`a${i}`);
  for (let i = 0; i < 50; i++) {
    db.setKey(`b${i}`, 'v');
    db.setExpire(`b${i}`, clock.now() + 5);
  }
  clock.advance(10);
  for (let i = 0; i < 50 && db.size > 0; i++) ks.activeExpireCycle(10);
  assert.equal(db.size, 0);
});

test('expireAllDue runs on manual clock changes (embedded clock) and honours pauses', () => {
  const { clock, ks } = setup();
  const db = ks.dbs[0];
  db.setKey('x', '1');
  db.setExpire('x', clock.now() + 1000);
  ks.expirePaused = true;
  clock.advance(2000);
  ks.expireAllDue();
  assert.equal(db.dict.size, 1, 'no expiry while paused');
  ks.expirePaused = false;
  ks.expireAllDue();
  assert.equal(db.dict.size, 0);
});

test('modified hooks see every write path: setKey, delete, setExpire, persist, expiry', () => {
  const { clock, ks } = setup();
  const seen: string[] = [];
  ks.onModified((db, key) => seen.push(`${db.id}:${key}`));
  const db = ks.dbs[2];
  db.setKey('a', '1');
  db.setExpire('a', clock.now() + 5);
  db.persist('a');
  db.delete('a');
  db.setKey('b', '1');
  db.setExpire('b', clock.now() + 5);
  clock.advance(10);
  db.lookupRead('b');
  assert.deepEqual(seen, ['2:a', '2:a', '2:a', '2:a', '2:b', '2:b', '2:b']);
});

test('new-key events only for keys that did not exist', () => {
  const { ks, events } = setup();
  ks.setNotifyConfig('En');
  const db = ks.dbs[0];
  db.setKey('k', '1');
  db.setKey('k', '2');
  assert.deepEqual(events.filter((e) => e.includes(':new')), ['__keyevent@0__:new k']);
});
