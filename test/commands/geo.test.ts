// Geo commands through the embedded API: a geo set is a sorted set, searches filter and order,
// stores replace or delete the destination, MULTI and WATCH see the writes, RESP3 doubles.
import * as assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { RespiteServer, startServer } from '../../src/index';
import { DoubleReply, NULL_ARRAY } from '../../src/resp/reply';

describe('geo commands', () => {
  let s: RespiteServer;
  before(async () => {
    s = await startServer({ port: null });
  });
  after(async () => {
    await s.close();
  });
  beforeEach(async () => {
    await s.call('FLUSHALL');
    await s.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
  });

  const err = async (p: Promise<unknown>, text: string) => assert.rejects(p, (e: Error) => e.message === text);

  test('GEOADD stores geohash scores in a plain sorted set', async () => {
    assert.equal(await s.call('TYPE', 'Sicily'), 'zset');
    assert.equal(await s.call('ZSCORE', 'Sicily', 'Palermo'), '3479099956230698');
    assert.equal(await s.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo'), 0);
    assert.equal(await s.call('GEOADD', 'Sicily', 'CH', '13.5', '38.115556', 'Palermo', '1', '1', 'x'), 2);
    assert.equal(await s.call('GEOADD', 'Sicily', 'NX', '1', '1', 'x', '2', '2', 'y'), 1);
    assert.deepEqual(await s.call('GEOPOS', 'Sicily', 'x'), [['0.99999994039535522', '0.99999945914297683']]);
    assert.equal(await s.call('GEOADD', 'Sicily', 'XX', '3', '3', 'x', '4', '4', 'z'), 0);
    assert.equal(await s.call('ZCARD', 'Sicily'), 4);
    assert.equal(await s.call('GEOADD', 'none', 'XX', '3', '3', 'x'), 0);
    assert.equal(await s.call('EXISTS', 'none'), 0);
    // Sorted-set commands work on geo sets and the other way round.
    assert.equal(await s.call('ZREM', 'Sicily', 'x', 'y'), 2);
    await s.call('ZADD', 'Sicily', '0', 'origin');
    assert.deepEqual(await s.call('GEOPOS', 'Sicily', 'origin'), [['-179.99999731779098511', '-85.05112751263942528']]);
  });

  test('errors leave the set untouched', async () => {
    await err(s.call('GEOADD', 'Sicily', '1', '1', 'a', '200', '0', 'b'), 'ERR invalid longitude,latitude pair 200.000000,0.000000');
    await err(s.call('GEOADD', 'Sicily', '1', 'x', 'a'), 'ERR value is not a valid float');
    await err(s.call('GEOADD', 'Sicily', 'NX', 'XX', '1', '1', 'a'), 'ERR syntax error');
    assert.equal(await s.call('ZCARD', 'Sicily'), 2);
    await s.call('SET', 'str', 'v');
    await err(s.call('GEOADD', 'str', '1', '1', 'a'), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    await err(s.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd'), 'ERR unsupported unit provided. please use M, KM, FT, MI');
    await err(s.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nobody', 'BYRADIUS', '1', 'km'), 'ERR could not decode requested zset member');
    await err(s.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'COUNT', '2', 'DESC'), 'ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH');
    await err(s.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km', 'ANY'), 'ERR the ANY argument requires COUNT argument');
    await err(s.call('GEORADIUS_RO', 'Sicily', '0', '0', '1', 'km', 'STORE', 'x'), 'ERR syntax error');
  });

  test('GEODIST, GEOHASH, GEOPOS', async () => {
    assert.equal(await s.call('GEODIST', 'Sicily', 'Palermo', 'Catania'), '166274.1516');
    assert.equal(await s.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'), '166.2742');
    assert.equal(await s.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'mi'), '103.3182');
    assert.equal(await s.call('GEODIST', 'Sicily', 'Palermo', 'nobody'), null);
    assert.equal(await s.call('GEODIST', 'none', 'a', 'b'), null);
    assert.deepEqual(await s.call('GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nobody'), ['sqc8b49rny0', 'sqdtr74hyu0', null]);
    assert.deepEqual(await s.call('GEOPOS', 'Sicily', 'Palermo', 'nobody'), [['13.36138933897018433', '38.11555639549629859'], null]);
    assert.deepEqual(await s.call('GEOPOS', 'none', 'a'), [null]);
  });

  test('searches: radius and box, order, COUNT and ANY, options', async () => {
    await s.call('GEOADD', 'Sicily', '12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'edge2');
    assert.deepEqual(await s.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ASC'), ['Catania', 'Palermo']);
    assert.deepEqual(await s.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'DESC'), [
      ['Palermo', '190.4424'],
      ['Catania', '56.4413'],
    ]);
    assert.deepEqual(await s.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '1'), ['Catania']);
    const any = (await s.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '400', 'km', 'COUNT', '2', 'ANY')) as string[];
    assert.equal(any.length, 2);
    assert.deepEqual(await s.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHHASH'), [
      ['Catania', 3479447370796909],
      ['Palermo', 3479099956230698],
      ['edge2', 3481342659049484],
      ['edge1', 3479273021651468],
    ]);
    assert.deepEqual(await s.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '100', 'km', 'WITHCOORD'), [
      ['Palermo', ['13.36138933897018433', '38.11555639549629859']],
      ['edge1', ['12.7584877610206604', '38.78813451624225195']],
    ]);
    assert.deepEqual(await s.call('GEORADIUSBYMEMBER', 'Sicily', 'Catania', '1', 'm'), ['Catania']);
    assert.deepEqual(await s.call('GEOSEARCH', 'none', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'm'), []);
  });

  test('stores replace the destination (dropping its TTL) or delete it when nothing is found', async () => {
    await s.call('SET', 'dst', 'old', 'EX', '100');
    assert.equal(await s.call('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'), 2);
    assert.equal(await s.call('TTL', 'dst'), -1);
    assert.deepEqual(await s.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'), ['Palermo', '3479099956230698', 'Catania', '3479447370796909']);
    assert.equal(await s.call('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST', 'DESC', 'COUNT', '1'), 1);
    assert.deepEqual(await s.call('ZRANGE', 'dst', '0', '-1'), ['Palermo']);
    assert.equal(Math.round(Number(await s.call('ZSCORE', 'dst', 'Palermo')) * 1000), 190442);
    assert.equal(await s.call('GEORADIUS', 'Sicily', '0', '0', '1', 'km', 'STORE', 'dst'), 0);
    assert.equal(await s.call('EXISTS', 'dst'), 0);
    assert.equal(await s.call('GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'STOREDIST', 'd2'), 2);
    assert.equal(await s.call('ZSCORE', 'd2', 'Palermo'), '0');
    assert.equal(await s.call('OBJECT', 'ENCODING', 'd2'), 'listpack');
  });

  test('WATCH sees GEOADD and stores; MULTI queues geo commands', async () => {
    const c = s.connect();
    await c.send(['WATCH', 'Sicily']);
    await s.call('GEOADD', 'Sicily', '1', '1', 'new');
    await c.send(['MULTI']);
    await c.send(['GEOADD', 'Sicily', '2', '2', 'other']);
    assert.equal(await c.send(['EXEC']), NULL_ARRAY);
    await c.send(['MULTI']);
    await c.send(['GEOADD', 'Sicily', '2', '2', 'other']);
    await c.send(['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'other', 'BYRADIUS', '1', 'm']);
    assert.deepEqual(await c.send(['EXEC']), [1, ['other']]);
  });

  test('RESP3: coordinates are doubles, distances stay strings (exact bytes: differential test)', async () => {
    const c = s.connect();
    await c.send(['HELLO', '3']);
    const pos = (await c.send(['GEOPOS', 'Sicily', 'Palermo'])) as DoubleReply[][];
    assert.ok(pos[0][0] instanceof DoubleReply);
    assert.equal(pos[0][0].value, 13.361389338970184);
    assert.equal(await c.send(['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km']), '166.2742');
  });
});
