// Geo commands side by side with redis-server: scores, coordinates, distances, hashes, searches
// (fixed and seeded random, RESP2 and RESP3), stores, errors and keyspace events, byte for byte.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { DiffContext, Pair, differential } from '../helpers/differential';
import { RawReply, RespClient } from '../helpers/resp-client';
import { rng } from '../helpers/random';

type Arg = string | Buffer | number;

/** A RESP2 pair and a RESP3 pair on the same two servers; `both` runs a command on each. */
async function pairs(ctx: DiffContext): Promise<{ p: Pair; p3: Pair; both: (...a: Arg[]) => Promise<void> }> {
  const p = await ctx.pair();
  const p3 = await ctx.pair();
  await p3.redis.call('HELLO', '3');
  await p3.respite.call('HELLO', '3');
  const both = async (...a: Arg[]) => {
    await p.run(...a);
    await p3.run(...a);
  };
  return { p, p3, both };
}


const SICILY = ['13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'];
const UNITS = ['m', 'km', 'ft', 'mi', 'KM', 'Mi'];

/** Random points in clusters (so searches find something), with duplicates, poles and the antimeridian. */
function randomPoints(r: () => number, n: number): string[] {
  const centres: [number, number][] = [
    [13.4, 38.1],
    [-0.12, 51.5],
    [179.9, -16.5],
    [-179.95, 65],
    [2.35, 84.9],
    [-70, -84.5],
    [0, 0],
  ];
  const args: string[] = [];
  for (let i = 0; i < n; i++) {
    let lon: number;
    let lat: number;
    const kind = r();
    if (kind < 0.1) {
      lon = r() * 360 - 180;
      lat = r() * 170.1 - 85.05;
    } else if (kind < 0.15 && i > 0) {
      // The same position as an earlier point: equal distances exercise the sort order.
      const j = Math.floor(r() * (args.length / 3));
      lon = Number(args[3 * j]);
      lat = Number(args[3 * j + 1]);
    } else {
      const [clon, clat] = centres[Math.floor(r() * centres.length)];
      const spread = r() < 0.5 ? 0.05 : 2;
      lon = Math.max(-180, Math.min(180, clon + (r() - 0.5) * spread));
      lat = Math.max(-85.05112878, Math.min(85.05112878, clat + (r() - 0.5) * spread));
    }
    args.push(String(lon), String(lat), `p${i}`);
  }
  return args;
}

/** A random GEOSEARCH/GEORADIUS-style query tail: shape plus options. */
function randomOptions(r: () => number, withOptions: boolean): string[] {
  const o: string[] = [];
  if (withOptions) {
    if (r() < 0.4) o.push('WITHCOORD');
    if (r() < 0.4) o.push('WITHDIST');
    if (r() < 0.3) o.push('WITHHASH');
  }
  const s = r();
  if (s < 0.33) o.push('ASC');
  else if (s < 0.66) o.push('DESC');
  if (r() < 0.5) {
    o.push('COUNT', String(1 + Math.floor(r() * 12)));
    if (r() < 0.3) o.push('ANY');
  }
  // Shuffle a little: options may come in any order.
  if (o.length > 1 && r() < 0.5) o.push(o.shift()!);
  return o;
}

function randomRadius(r: () => number): [string, string] {
  const unit = UNITS[Math.floor(r() * UNITS.length)];
  const perUnit = { m: 1, km: 1000, ft: 0.3048, mi: 1609.34 }[unit.toLowerCase() as 'm']!;
  const metres = Math.pow(10, 1 + r() * 6.5); // 10 m .. 30000 km
  return [String(+(metres / perUnit).toPrecision(6)), unit];
}

function randomCentre(r: () => number, members: number): string[] {
  if (members > 0 && r() < 0.4) return ['FROMMEMBER', `p${Math.floor(r() * members)}`];
  const [clon, clat] = [
    [13.4, 38.1],
    [-0.12, 51.5],
    [180, -16.5],
    [-180, 65],
    [2.35, 85.05112878],
    [-70, -84.5],
    [0, 0],
  ][Math.floor(r() * 7)];
  const lon = Math.max(-180, Math.min(180, clon + (r() - 0.5) * 3));
  const lat = Math.max(-85.05112878, Math.min(85.05112878, clat + (r() - 0.5) * 3));
  return ['FROMLONLAT', String(lon), String(lat)];
}

/**
 * A STOREDIST result: the same members in the same order, and scores equal to within 1e-12
 * relative. Full-precision distances can differ in the last bit or two, as V8's sin/cos/asin and
 * glibc's do not round every argument alike.
 */
async function sameDistances(p: Pair, key: string): Promise<void> {
  await p.run('ZRANGE', key, '0', '-1');
  const [a, b] = (await Promise.all([p.redis.call('ZRANGE', key, '0', '-1', 'WITHSCORES'), p.respite.call('ZRANGE', key, '0', '-1', 'WITHSCORES')])) as string[][];
  assert.equal(b.length, a.length);
  for (let i = 1; i < a.length; i += 2) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    assert.ok(Math.abs(x - y) <= Math.abs(x) * 1e-12, `distance of ${a[i - 1]}: ${b[i]} vs ${a[i]}`);
  }
}

async function loadPoints(p: Pair, key: string, points: string[]): Promise<void> {
  for (let i = 0; i < points.length; i += 300) await p.run('GEOADD', key, ...points.slice(i, i + 300));
}

differential('geo commands vs redis-server', (ctx) => {
  test('GEOADD scores are identical (ZRANGE WITHSCORES), NX/XX/CH', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('GEOADD', 'Sicily', ...SICILY);
    await both('ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES');
    await p.run('GEOADD', 'k', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '0', '0', 'zero', '-0', '-0', 'negzero');
    await p.run('GEOADD', 'k', '180', '-85.05112878', 'se', '-180', '85.05112878', 'nw', '1e-300', '-1e-300', 'tiny');
    await both('ZRANGE', 'k', '0', '-1', 'WITHSCORES');
    await p.run('GEOADD', 'k', 'NX', '1', '1', 'zero', '2', '2', 'new');
    await p.run('GEOADD', 'k', 'XX', '1', '1', 'zero', '2', '2', 'new2');
    await p.run('GEOADD', 'k', 'XX', 'CH', '1.5', '1', 'zero', '2', '2', 'new3');
    await p.run('GEOADD', 'k', 'ch', '1.5', '1', 'zero', '2', '2.5', 'new');
    await p.run('GEOADD', 'k', 'CH', 'NX', '3', '3', 'zero', '3', '3', 'new4');
    await p.run('GEOADD', 'k', '1.5', '1', 'zero');
    await p.run('GEOADD', 'nokey', 'XX', '1', '1', 'a');
    await p.run('EXISTS', 'nokey');
    await both('ZRANGE', 'k', '0', '-1', 'WITHSCORES');
    await p.run('OBJECT', 'ENCODING', 'k');
    // Hex floats and exponents are doubles too.
    await p.run('GEOADD', 'h', '0x10', '0x1p3', 'hex', '1.5e1', '-2E1', 'exp', '+7', '.5', 'plus');
    await both('ZRANGE', 'h', '0', '-1', 'WITHSCORES');
    await both('GEOPOS', 'h', 'hex', 'exp', 'plus');
  });

  test('GEOPOS, GEOHASH, GEODIST in RESP2 and RESP3', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('GEOADD', 'Sicily', ...SICILY);
    await p.run('GEOADD', 'k', '180', '85.05112878', 'ne', '-180', '-85.05112878', 'sw', '0', '0', 'zero', '-73.9454966', '40.747533', 'ny', '0', '85', 'north');
    for (const key of ['Sicily', 'k']) {
      await both('GEOPOS', key, 'Palermo', 'Catania', 'ne', 'sw', 'zero', 'ny', 'north', 'missing');
      await both('GEOHASH', key, 'Palermo', 'Catania', 'ne', 'sw', 'zero', 'ny', 'north', 'missing');
    }
    await both('GEOPOS', 'nokey', 'a', 'b');
    await both('GEOHASH', 'nokey', 'a', 'b');
    await both('GEOPOS', 'Sicily');
    await both('GEOHASH', 'Sicily');
    for (const unit of [[], ['m'], ['km'], ['ft'], ['mi'], ['KM'], ['Mi']]) {
      await both('GEODIST', 'Sicily', 'Palermo', 'Catania', ...unit);
      await both('GEODIST', 'k', 'ne', 'sw', ...unit);
      await both('GEODIST', 'k', 'zero', 'ny', ...unit);
    }
    await both('GEODIST', 'k', 'zero', 'zero');
    await both('GEODIST', 'k', 'zero', 'missing');
    await both('GEODIST', 'k', 'missing', 'zero');
    await both('GEODIST', 'nokey', 'a', 'b');
    await both('GEODIST', 'nokey', 'a', 'b', 'km');
  });

  test('any sorted set score decodes as Redis does (negative, huge, fractional, infinite)', async () => {
    const { p, both } = await pairs(ctx);
    const scores = ['-1', '-1.5', 'inf', '-inf', '1e19', '2e19', '-1e19', '0.7', '4503599627370496', '9007199254740992', '1e300', '123456789.25', '-9223372036854775808', '18446744073709549568'];
    for (let i = 0; i < scores.length; i++) await p.run('ZADD', 'z', scores[i], `m${i}`);
    const members = scores.map((_, i) => `m${i}`);
    await both('GEOPOS', 'z', ...members);
    await both('GEOHASH', 'z', ...members);
    await both('GEODIST', 'z', 'm0', 'm2', 'km');
    await both('GEOSEARCH', 'z', 'FROMLONLAT', '-179.9', '-85', 'BYRADIUS', '100', 'km', 'WITHHASH', 'WITHCOORD', 'ASC');
    await both('GEOSEARCH', 'z', 'FROMMEMBER', 'm0', 'BYBOX', '400', '400', 'km', 'WITHHASH', 'WITHDIST');
  });

  test('binary member names', async () => {
    const { p, both } = await pairs(ctx);
    const a = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x80]);
    const b = Buffer.from('caf\xe9', 'latin1');
    await p.run('GEOADD', 'k', '1', '2', a, '1.001', '2.001', b);
    await both('GEOPOS', 'k', a, b);
    await both('GEOHASH', 'k', b, a);
    await both('GEODIST', 'k', a, b);
    await both('GEOSEARCH', 'k', 'FROMMEMBER', a, 'BYRADIUS', '1', 'km', 'WITHDIST', 'ASC');
    await both('GEORADIUSBYMEMBER', 'k', b, '1', 'km', 'DESC');
  });

  test('GEOSEARCH / GEORADIUS fixed cases', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('GEOADD', 'Sicily', ...SICILY, '12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'edge2');
    const searches: string[][] = [
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'DESC', 'COUNT', '1'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'ASC', 'COUNT', '1', 'ANY'],
      ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'WITHDIST'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '300', 'km', 'WITHDIST', 'ASC'],
      ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '300', 'km', 'WITHCOORD', 'DESC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '200', '200', 'km', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '0', 'm', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '0', '0', 'm', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', 'inf', 'km', 'ASC', 'WITHDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1e308', '1e308', 'km', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '1e-300', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '10', 'm'],
      ['GEOSEARCH', 'Sicily', 'frommember', 'Catania', 'byradius', '5000', 'KM', 'count', '99999999999', 'desc'],
      ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'nokey', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm'],
      ['GEORADIUSBYMEMBER', 'nokey', 'x', '1', 'mm'],
      ['GEORADIUS', 'nokey', '0', '0', '1', 'm'],
    ];
    for (const s of searches) await both(...s);
  });

  test('stores: GEOSEARCHSTORE, GEORADIUS STORE/STOREDIST, empty results, missing source', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('GEOADD', 'Sicily', ...SICILY);
    await p.run('SET', 'dst', 'old');
    await p.run('EXPIRE', 'dst', '1000');
    await p.run('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC', 'COUNT', '1');
    await both('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
    await p.run('TTL', 'dst');
    await p.run('OBJECT', 'ENCODING', 'dst');
    await p.run('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'STOREDIST');
    await sameDistances(p, 'dst');
    await p.run('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '500', '500', 'mi', 'DESC', 'STOREDIST', 'COUNT', '1');
    await sameDistances(p, 'dst');
    await p.run('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'r1');
    await p.run('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'r2', 'DESC');
    await p.run('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'r3', 'STORE', 'r4');
    await p.run('GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'STORE', 'r5', 'STOREDIST', 'r6');
    for (const k of ['r1', 'r4', 'r5']) await both('ZRANGE', k, '0', '-1', 'WITHSCORES');
    for (const k of ['r2', 'r3', 'r6']) await sameDistances(p, k);
    // Nothing found: the destination is deleted.
    await p.run('GEORADIUS', 'Sicily', '0', '0', '1', 'km', 'STORE', 'r1');
    await p.run('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km');
    await p.run('EXISTS', 'r1', 'dst');
    // Missing source: the destination is deleted too.
    await p.run('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'r2');
    await p.run('GEOSEARCHSTORE', 'r2', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km');
    await p.run('GEORADIUSBYMEMBER', 'nokey', 'x', '1', 'km', 'STORE', 'r3');
    await p.run('GEORADIUS', 'nokey', '0', '0', '1', 'km', 'STOREDIST', 'r4');
    await p.run('EXISTS', 'r2', 'r3', 'r4');
    // The store source may be the destination.
    await p.run('GEOSEARCHSTORE', 'Sicily', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km');
    await both('ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES');
  });

  test('store encodings follow zset-max-listpack-*', async () => {
    const { p } = await pairs(ctx);
    const r = rng(7);
    await loadPoints(p, 'big', randomPoints(r, 200));
    await p.run('OBJECT', 'ENCODING', 'big');
    await p.run('GEOSEARCHSTORE', 'd1', 'big', 'FROMLONLAT', '13.4', '38.1', 'BYRADIUS', '100', 'km');
    await p.run('OBJECT', 'ENCODING', 'd1');
    await p.run('GEOSEARCHSTORE', 'd2', 'big', 'FROMLONLAT', '0', '0', 'BYRADIUS', '30000', 'km');
    await p.run('OBJECT', 'ENCODING', 'd2');
    await p.run('ZCARD', 'd2');
    await p.run('GEOADD', 'long', '1', '1', 'x'.repeat(100));
    await p.run('GEOSEARCHSTORE', 'd3', 'long', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km');
    await p.run('OBJECT', 'ENCODING', 'd3');
    await p.run('OBJECT', 'ENCODING', 'long');
  });

  for (const [seed, size] of [
    [1, 60],
    [2, 400],
  ]) {
    test(`random points and searches (seed ${seed}, ${size} points), RESP2 and RESP3`, async () => {
      const { p, p3, both } = await pairs(ctx);
      const r = rng(seed);
      const points = randomPoints(r, size);
      await loadPoints(p, 'g', points);
      await both('ZRANGE', 'g', '0', '-1', 'WITHSCORES');
      const members = size;
      for (let q = 0; q < 250; q++) {
        const useBox = r() < 0.4;
        const centre = randomCentre(r, members);
        let shape: string[];
        if (useBox) {
          const [w, unit] = randomRadius(r);
          const [h] = randomRadius(r);
          shape = ['BYBOX', w, h, unit];
        } else {
          shape = ['BYRADIUS', ...randomRadius(r)];
        }
        const opts = randomOptions(r, true);
        const pair = q % 2 === 0 ? p : p3;
        await pair.run('GEOSEARCH', 'g', ...centre, ...shape, ...opts);
        if (!useBox && q % 3 === 0) {
          // The deprecated forms with the same circle.
          const tail = [shape[1], shape[2], ...opts];
          if (centre[0] === 'FROMMEMBER') await pair.run('GEORADIUSBYMEMBER_RO', 'g', centre[1], ...tail);
          else await pair.run('GEORADIUS', 'g', centre[1], centre[2], ...tail);
        }
        if (q % 5 === 0) {
          const storeOpts = randomOptions(r, false);
          const dist = r() < 0.5;
          if (dist) storeOpts.push('STOREDIST');
          await p.run('GEOSEARCHSTORE', 'out', 'g', ...centre, ...shape, ...storeOpts);
          if (dist) await sameDistances(p, 'out');
          else await both('ZRANGE', 'out', '0', '-1', 'WITHSCORES');
        }
        if (q % 7 === 0) {
          const a = `p${Math.floor(r() * members)}`;
          const b = `p${Math.floor(r() * members)}`;
          await both('GEODIST', 'g', a, b, UNITS[Math.floor(r() * UNITS.length)]);
          await both('GEOPOS', 'g', a, b);
          await both('GEOHASH', 'g', a, b);
        }
      }
    });
  }

  test('searches near cell edges, poles and the antimeridian with many radii', async () => {
    const { p, p3 } = await pairs(ctx);
    const r = rng(99);
    // A regular grid makes many points sit near cell borders at every step.
    const grid: string[] = [];
    let n = 0;
    for (let lon = -180; lon <= 180; lon += 22.5) for (let lat = -85; lat <= 85; lat += 17) grid.push(String(lon), String(lat), `g${n++}`);
    await loadPoints(p, 'grid', grid);
    for (let q = 0; q < 150; q++) {
      const lon = [-180, 180, 0, -90, 90, 45][Math.floor(r() * 6)] + (r() - 0.5) * 0.01;
      // Jittered: a centre exactly on the grid's mirror axis makes mirror points tie, and their
      // order then hangs on the last bit of sin/cos, where V8 and glibc can differ.
      const lat = Math.max(-85.05112878, Math.min(85.05112878, [-85.05112878, 85.05112878, 0, -68, 68, 81][Math.floor(r() * 6)] + (r() - 0.5) * 0.01));
      const km = String(Math.floor(Math.pow(10, r() * 4.3)));
      const pair = q % 2 ? p : p3;
      const clon = String(Math.max(-180, Math.min(180, lon)));
      await pair.run('GEOSEARCH', 'grid', 'FROMLONLAT', clon, String(lat), 'BYRADIUS', km, 'km', 'WITHDIST', 'ASC');
      await pair.run('GEOSEARCH', 'grid', 'FROMLONLAT', clon, String(lat), 'BYBOX', km, String(Number(km) * 2), 'km', 'WITHCOORD');
    }
  });

  test('errors, in Redis 7.0 wording and order', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('GEOADD', 'Sicily', ...SICILY);
    await p.run('SET', 'str', 'x');
    const errors: Arg[][] = [
      ['GEOADD', 'k', '200', '100', 'm'],
      ['GEOADD', 'k', '1', '100', 'm'],
      ['GEOADD', 'k', '1', '-85.06', 'm'],
      ['GEOADD', 'k', '-180.0000001', '0', 'm'],
      ['GEOADD', 'k', 'inf', '0', 'm'],
      ['GEOADD', 'k', '-inf', '-inf', 'm'],
      ['GEOADD', 'k', '-0', '1e300', 'm'],
      ['GEOADD', 'k', '1e21', '1.5e-7', 'm'],
      ['GEOADD', 'k', '0.0000005', '-0.0000005', 'x', '200.0000015', '0.0000025', 'm'],
      ['GEOADD', 'k', '1', 'foo', 'm'],
      ['GEOADD', 'k', 'nan', '1', 'm'],
      ['GEOADD', 'k', ' 1', '1', 'm'],
      ['GEOADD', 'k', '1 ', '1', 'm'],
      ['GEOADD', 'k', '', '1', 'm'],
      ['GEOADD', 'k', '1e400', '1', 'm'],
      ['GEOADD', 'k', '1', '2'],
      ['GEOADD', 'k', '1', '2', 'm', '3'],
      ['GEOADD', 'k', 'NX', 'XX', '1', '2', 'm'],
      ['GEOADD', 'k', 'CH', 'CH', 'CH'],
      ['GEOADD', 'k', 'GT', '1', '2', 'm'],
      ['GEOADD', 'k', 'INCR', '1', '2', 'm'],
      ['GEOADD', 'k', '1', '2', 'm', '200', '0', 'm2'],
      ['GEOADD', 'str', '1', '2', 'm'],
      ['GEOADD', 'str', '200', '2', 'm'],
      ['GEOADD', 'k'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'x'],
      ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'mm'],
      ['GEODIST', 'nokey', 'a', 'b', 'mm'],
      ['GEODIST', 'str', 'a', 'b'],
      ['GEODIST', 'Sicily', 'a'],
      ['GEOPOS', 'str', 'a'],
      ['GEOPOS'],
      ['GEOHASH', 'str', 'a'],
      ['GEOHASH'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'BYBOX', '1', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'x', 'BYBOX', '1', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'ANY'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'COUNT', '0'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'COUNT', '-3'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'COUNT', 'x'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'm', 'COUNT'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '1', 'mm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '-1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '-1', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '1', '-1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', 'x', '-1', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '-1', 'x', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYBOX', '-1', '1', 'xx'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', 'x', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', 'nan', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'WITHDIST', 'STORE', 'x'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'STOREDIST'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '200', '0', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', 'x', '0', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'FOO'],
      ['GEOSEARCH', 'Sicily', 'BYRADIUS', '1', 'm', 'ASC', 'ASC'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'COUNT', '1', 'ASC'],
      ['geosearch', 'Sicily', 'fromlonlat', '0', '0', 'count', '1', 'asc'],
      ['GeoSearch', 'Sicily', 'ASC', 'ASC', 'ASC', 'ASC', 'ASC'],
      ['GEOSEARCH', 'nokey', 'BYRADIUS', '1', 'm', 'ASC', 'ASC'],
      ['GEOSEARCH', 'nokey', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'xx'],
      ['GEOSEARCH', 'nokey', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'ANY'],
      ['GEOSEARCH', 'str', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'xx'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'WITHDIST'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'WITHHASH', 'STOREDIST'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'STORE', 'x'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'STOREDIST', 'x'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'ASC', 'ASC'],
      ['GEOSEARCHSTORE', 'd', 'str', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'WITHDIST', 'STORE', 'x'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'STORE'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'STOREDIST'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'FROMLONLAT', '0', '0'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'BYRADIUS', '1', 'm'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'mm'],
      ['GEORADIUS', 'Sicily', '0', '0', '-1', 'm'],
      ['GEORADIUS', 'Sicily', '0', '0', 'x', 'm'],
      ['GEORADIUS', 'Sicily', '0', '100', 'x', 'm'],
      ['GEORADIUS', 'Sicily', '0', 'y', 'x', 'm'],
      ['GEORADIUS', 'str', '0', 'y', 'x', 'm'],
      ['GEORADIUS', 'Sicily', '0', '0', '1'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'ANY'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'm', 'COUNT', '0', 'ANY'],
      ['GEORADIUS_RO', 'Sicily', '0', '0', '1', 'm', 'STORE', 'x'],
      ['GEORADIUS_RO', 'Sicily', '0', '0', '1', 'm', 'STOREDIST', 'x'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'nomember', '1', 'm'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'nomember', '1', 'mm'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '1', 'mm'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '-1', 'm'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '1', 'm', 'WITHCOORD', 'STOREDIST', 'x'],
      ['GEORADIUSBYMEMBER', 'nokey', 'x', '1', 'm', 'FOO'],
      ['GEORADIUSBYMEMBER', 'nokey', 'x', '-1', 'mm', 'STORE', 'd'],
      ['GEORADIUSBYMEMBER', 'str', 'x', '1', 'm'],
      ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '1', 'm', 'STORE', 'x'],
      ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '1'],
    ];
    for (const e of errors) await both(...e);
    await p.run('EXISTS', 'k', 'd', 'x');
  });

  test('option names end at a NUL byte (strcasecmp), units too', async () => {
    const { p, both } = await pairs(ctx);
    await p.run('GEOADD', 'Sicily', ...SICILY);
    const nul = (s: string) => Buffer.from(s + '\0junk', 'latin1');
    await p.run('GEOADD', 'k', nul('NX'), '1', '2', 'm');
    await both('GEOSEARCH', 'Sicily', nul('FROMLONLAT'), '15', '37', nul('BYRADIUS'), '200', nul('km'), nul('WITHDIST'), nul('ASC'));
    await both('GEODIST', 'Sicily', 'Palermo', 'Catania', nul('mi'));
  });

  test('COMMAND GETKEYS and COMMAND INFO', async () => {
    const { p } = await pairs(ctx);
    await p.run('COMMAND', 'GETKEYS', 'GEORADIUS', 'k', '0', '0', '1', 'm', 'STORE', 'a', 'STOREDIST', 'b');
    await p.run('COMMAND', 'GETKEYS', 'GEORADIUSBYMEMBER', 'k', 'm', '1', 'm', 'STORE', 'a');
    await p.run('COMMAND', 'GETKEYS', 'GEOSEARCHSTORE', 'd', 's', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm');
    await p.run('COMMAND', 'GETKEYS', 'GEOADD', 'k', '0', '0', 'm');
    for (const c of ['GEOADD', 'GEODIST', 'GEOHASH', 'GEOPOS', 'GEORADIUS', 'GEORADIUS_RO', 'GEORADIUSBYMEMBER', 'GEORADIUSBYMEMBER_RO', 'GEOSEARCH', 'GEOSEARCHSTORE']) {
      await p.run('COMMAND', 'INFO', c);
    }
  });

  test('keyspace events', async () => {
    const p = await ctx.pair();
    const sub = await ctx.pair();
    await p.run('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await sub.runN(1, 'PSUBSCRIBE', '__key*__:*');
    const cmds: Arg[][] = [
      ['GEOADD', 'Sicily', ...SICILY],
      ['GEOADD', 'Sicily', 'NX', '13.361389', '38.115556', 'Palermo'],
      ['GEOADD', 'Sicily', 'XX', '13.5', '38.115556', 'Palermo'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['GEOSEARCHSTORE', 'd', 'Sicily', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km'],
      ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'r'],
      ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'STOREDIST', 'r'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'km', 'STORE', 'r'],
      ['GEORADIUS', 'Sicily', '0', '0', '1', 'km', 'STORE', 'r'],
      ['SET', 'gone', '1'],
      ['GEOSEARCHSTORE', 'gone', 'nokey', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km'],
      ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'],
      ['PUBLISH', '__keysentinel__:end', 'end'],
    ];
    for (const c of cmds) await p.run(...c);
    const [a, b] = await Promise.all([untilSentinel(sub.redis), untilSentinel(sub.respite)]);
    assert.deepEqual(b, a);
    assert.ok(a.some((m) => m.includes('georadiusstore')) && a.some((m) => m.includes('geosearchstore')));
  });
});

async function untilSentinel(c: RespClient): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m: RawReply = await c.readNext();
    const s = m.raw.toString('latin1');
    if (s.includes('__keysentinel__')) return out;
    out.push(s);
  }
}
