// CRC16 and hash slots: Redis's reference values (cluster spec) and hash tag rules.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { crc16, keyHashSlot } from '../../src/cluster/slots';
import { SlotKeys } from '../../src/cluster/slot-keys';

test('CRC16/XMODEM of "123456789" is 0x31C3 (the cluster spec check value)', () => {
  assert.equal(crc16('123456789'), 0x31c3);
});

test('key slots and hash tags', () => {
  assert.equal(keyHashSlot('foo'), 12182);
  assert.equal(keyHashSlot('bar'), 5061);
  assert.equal(keyHashSlot(''), 0);
  assert.equal(keyHashSlot('{user1000}.following'), keyHashSlot('user1000'));
  assert.equal(keyHashSlot('foo{}{bar}'), keyHashSlot('foo{}{bar}')); // empty tag: whole key
  assert.notEqual(keyHashSlot('foo{}{bar}'), keyHashSlot('bar'));
  assert.equal(keyHashSlot('foo{{bar}}zap'), keyHashSlot('{bar'));
  assert.equal(keyHashSlot('foo{bar}{zap}'), keyHashSlot('bar'));
  assert.equal(keyHashSlot('{'), crc16('{') & 16383);
  assert.equal(keyHashSlot('\xff\x00'), crc16('\xff\x00') & 16383); // binary (latin1) keys
});

test('SlotKeys counts and lists keys per slot', () => {
  const s = new SlotKeys();
  s.add('{a}1');
  s.add('{a}2');
  s.add('b');
  const slot = keyHashSlot('a');
  assert.equal(s.count(slot), 2);
  assert.deepEqual(s.keys(slot, 1), ['{a}1']);
  s.remove('{a}1');
  assert.deepEqual(s.keys(slot, 10), ['{a}2']);
  s.clear();
  assert.equal(s.count(keyHashSlot('b')), 0);
});
