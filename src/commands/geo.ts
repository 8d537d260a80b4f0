// Geospatial commands (Redis's geo.c). A geo set is a sorted set whose scores are 52-bit geohash
// cells, so every sorted-set command works on it and the scores match redis-server's. Searches
// scan the 9 cells that cover the shape and filter points exactly, in Redis's order.
import type { Client } from '../engine/client';
import { ReplyError, SYNTAX, errorf } from '../errors';
import { Cell, LAT_MAX, LAT_MIN, LONG_MAX, LONG_MIN, LonLat, Shape, cellScoreRange, decodeScore, distance, distanceIfInside, encodeScore, geohashString, searchCells } from '../datatypes/geohash';
import { ZSet } from '../datatypes/zset';
import { DoubleReply, NULL_ARRAY, Reply } from '../resp/reply';
import { is, intArg } from './args';
import { CommandDef } from './registry';
import { readZset, writeZset, zsetLimits } from './sorted-set';
import { zscoreArg } from './zset-parse';

const BAD_UNIT = errorf('ERR unsupported unit provided. please use M, KM, FT, MI');
const NO_MEMBER = errorf('ERR could not decode requested zset member');

// ---------------------------------------------------------------------------------------------
// Number formatting as Redis prints it

/** Round half to even, like llrint() in the default rounding mode. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** fixedpoint_d2string(d, 4): distances, always with 4 decimals, scaled and rounded as a double. */
export function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  let v = rint(d * 10000);
  let sign = '';
  if (v < 0) {
    sign = '-';
    v = -v;
  }
  const digits = String(v).padStart(5, '0');
  return `${sign}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/**
 * printf("%.Nf") of the exact binary value, with glibc's round-half-even on exact ties (toFixed
 * rounds them up; a tie needs at most N+1 fractional bits, so toFixed(N+1) is then exact).
 */
function toFixedC(x: number, n: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  if (Math.abs(x) >= 1e21) return `${BigInt(x)}.${'0'.repeat(n)}`;
  let s = x.toFixed(n);
  if (Object.is(x, -0) || (x < 0 && s[0] !== '-')) s = '-' + s;
  if (Number.isInteger(x * Math.pow(2, n + 1)) && !Number.isInteger(x * Math.pow(2, n))) {
    const longer = Math.abs(x).toFixed(n + 1);
    if (longer.endsWith('5')) {
      const down = longer.slice(0, -1);
      const lastDigit = down.charCodeAt(down.length - 1) - 48;
      // toFixed rounded away from zero; an even digit before the tie means round down instead.
      if (lastDigit % 2 === 0) s = (x < 0 ? '-' : '') + (n === 0 ? down.slice(0, -1) : down);
    }
  }
  return s;
}

/** ld2string(LD_STR_HUMAN): "%.17Lf" of the double without trailing zeros; -0 prints as 0. */
export function formatCoordinate(x: number): string {
  let s = toFixedC(x, 17);
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  s = s.slice(0, end);
  return s === '-0' ? '0' : s;
}

/** addReplyHumanLongDouble: a bulk string in RESP2, a double with the same digits in RESP3. */
function coordinateReply(c: Client, x: number): Reply {
  const text = formatCoordinate(x);
  return c.protocol === 3 ? new DoubleReply(x, text) : text;
}

function lonLatReply(c: Client, xy: LonLat): Reply {
  return [coordinateReply(c, xy[0]), coordinateReply(c, xy[1])];
}

// ---------------------------------------------------------------------------------------------
// Arguments

/** extractLongLatOrReply: two doubles, then the range check. */
function lonLatArg(lonArg: string, latArg: string): LonLat {
  const lon = zscoreArg(lonArg);
  const lat = zscoreArg(latArg);
  if (lon < LONG_MIN || lon > LONG_MAX || lat < LAT_MIN || lat > LAT_MAX) {
    throw errorf(`ERR invalid longitude,latitude pair ${toFixedC(lon, 6)},${toFixedC(lat, 6)}`);
  }
  return [lon, lat];
}

/** extractUnitOrReply: metres per unit. */
function unitArg(u: string): number {
  if (is(u, 'M')) return 1;
  if (is(u, 'KM')) return 1000;
  if (is(u, 'FT')) return 0.3048;
  if (is(u, 'MI')) return 1609.34;
  throw BAD_UNIT;
}

function nonNegative(s: string, notNumber: ReplyError, negative: ReplyError): number {
  const v = zscoreArg(s, notNumber);
  if (v < 0) throw negative;
  return v;
}

const RADIUS_NAN = errorf('ERR need numeric radius');
const RADIUS_NEGATIVE = errorf('ERR radius cannot be negative');
const WIDTH_NAN = errorf('ERR need numeric width');
const HEIGHT_NAN = errorf('ERR need numeric height');
const BOX_NEGATIVE = errorf('ERR height or width cannot be negative');

/** extractDistanceOrReply: radius then unit, into the shape. */
function radiusArgs(s: Shape, argv: string[], at: number): void {
  s.radius = nonNegative(argv[at], RADIUS_NAN, RADIUS_NEGATIVE);
  s.conversion = unitArg(argv[at + 1]);
  s.box = false;
}

/** extractBoxOrReply: width, height (both parsed before the sign check), unit. */
function boxArgs(s: Shape, argv: string[], at: number): void {
  const w = zscoreArg(argv[at], WIDTH_NAN);
  const h = zscoreArg(argv[at + 1], HEIGHT_NAN);
  if (h < 0 || w < 0) throw BOX_NEGATIVE;
  s.conversion = unitArg(argv[at + 2]);
  s.width = w;
  s.height = h;
  s.box = true;
}

/** The decoded position of a member, or undefined when it is not in the set. */
function memberPosition(z: ZSet, member: string): LonLat | undefined {
  const score = z.score(member);
  return score === undefined ? undefined : decodeScore(score);
}

// ---------------------------------------------------------------------------------------------
// GEOADD, GEODIST, GEOHASH, GEOPOS

function geoadd(c: Client, argv: string[]): Reply {
  let nx = false;
  let xx = false;
  let ch = false;
  let at = 2;
  for (; at < argv.length; at++) {
    const o = argv[at];
    if (is(o, 'NX')) nx = true;
    else if (is(o, 'XX')) xx = true;
    else if (is(o, 'CH')) ch = true;
    else break;
  }
  if ((argv.length - at) % 3 !== 0 || (nx && xx)) throw SYNTAX;
  const n = (argv.length - at) / 3;
  const scores = new Array<number>(n);
  for (let j = 0; j < n; j++) {
    const [lon, lat] = lonLatArg(argv[at + 3 * j], argv[at + 3 * j + 1]);
    scores[j] = encodeScore(lon, lat);
  }
  // Redis hands the rest to ZADD, which rejects an empty element list.
  if (n === 0) throw SYNTAX;

  const db = c.db;
  const key = argv[1];
  let z = writeZset(db, key);
  const created = z === undefined;
  if (z === undefined) {
    if (xx) return 0;
    z = new ZSet();
    db.add(key, z);
  }
  const limits = zsetLimits(c);
  let added = 0;
  let updated = 0;
  for (let j = 0; j < n; j++) {
    const member = argv[at + 3 * j + 2];
    const cur = z.score(member);
    if (cur === undefined) {
      if (xx) continue;
      z.set(member, scores[j], limits);
      added++;
    } else if (!nx && cur !== scores[j]) {
      z.set(member, scores[j], limits);
      updated++;
    }
  }
  if (added + updated > 0) {
    if (!created) db.touched(key);
    db.notify('z', 'zadd', key, added + updated);
  }
  return ch ? added + updated : added;
}

function geodist(c: Client, argv: string[]): Reply {
  let toMeters = 1;
  if (argv.length === 5) toMeters = unitArg(argv[4]);
  else if (argv.length > 5) throw SYNTAX;
  const z = readZset(c.db, argv[1]);
  if (z === undefined) return null;
  const a = memberPosition(z, argv[2]);
  const b = a === undefined ? undefined : memberPosition(z, argv[3]);
  if (a === undefined || b === undefined) return null;
  return formatDistance(distance(a[0], a[1], b[0], b[1]) / toMeters);
}

function geohash(c: Client, argv: string[]): Reply {
  const z = readZset(c.db, argv[1]);
  const res: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const xy = z === undefined ? undefined : memberPosition(z, argv[i]);
    res.push(xy === undefined ? null : geohashString(xy[0], xy[1]));
  }
  return res;
}

function geopos(c: Client, argv: string[]): Reply {
  const z = readZset(c.db, argv[1]);
  const res: Reply[] = [];
  for (let i = 2; i < argv.length; i++) {
    const xy = z === undefined ? undefined : memberPosition(z, argv[i]);
    res.push(xy === undefined ? NULL_ARRAY : lonLatReply(c, xy));
  }
  return res;
}

// ---------------------------------------------------------------------------------------------
// Searching

/** A point found by a search (Redis's geoPoint). */
interface Found {
  member: string;
  score: number;
  lon: number;
  lat: number;
  dist: number;
}

/**
 * geoGetPointsInRange: the points of one cell (scores in [min, max)) inside the shape, appended
 * in set order; stops once `limit` points are found (0: no limit).
 */
function pointsInCell(z: ZSet, cell: Cell, s: Shape, out: Found[], limit: number): void {
  const [min, max] = cellScoreRange(cell);
  z.walkScore({ min, max, minex: false, maxex: true }, false, 0, (member, score) => {
    if (score >= max) return false;
    const [lon, lat] = decodeScore(score);
    const dist = distanceIfInside(s, lon, lat);
    if (dist < 0) return true;
    out.push({ member, score, lon, lat, dist });
    return limit === 0 || out.length < limit;
  });
}

/** membersOfAllNeighbors: the centre cell and its neighbours, skipping zeroed and repeated ones. */
function pointsInShape(z: ZSet, s: Shape, limit: number): Found[] {
  const cells = searchCells(s);
  const out: Found[] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (cell.step === 0) continue;
    // Huge radii make neighbours coincide; Redis compares each with the last one searched (never
    // with the centre, as its index 0 doubles as "none yet").
    const prev = cells[last];
    if (last !== 0 && cell.lon === prev.lon && cell.lat === prev.lat && cell.step === prev.step) continue;
    if (limit !== 0 && out.length >= limit) break;
    pointsInCell(z, cell, s, out, limit);
    last = i;
  }
  return out;
}

const byDistance = (a: Found, b: Found): number => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1);
const byDistanceDesc = (a: Found, b: Found): number => -byDistance(a, b);

/**
 * Redis 7.0's pqsort (NetBSD qsort made partial, without the switch to insertion sort on
 * already-ordered input): sorts enough of `a` that positions lrange..rrange hold their final
 * elements. Ported step by step so equal distances end up in Redis's order.
 */
export function pqsort<T>(a: T[], cmp: (x: T, y: T) => number, lrange: number, rrange: number): void {
  // Element k spans "bytes" [2k, 2k+1]; the range ends are compared as Redis compares pointers.
  const lo = 2 * lrange;
  const hi = 2 * rrange + 1;
  const swap = (i: number, j: number) => {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  };
  const vecswap = (i: number, j: number, n: number) => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const med3 = (x: number, y: number, z: number) =>
    cmp(a[x], a[y]) < 0 ? (cmp(a[y], a[z]) < 0 ? y : cmp(a[x], a[z]) < 0 ? z : x) : cmp(a[y], a[z]) > 0 ? y : cmp(a[x], a[z]) < 0 ? x : z;
  const insertion = (base: number, n: number) => {
    for (let pm = base + 1; pm < base + n; pm++) for (let pl = pm; pl > base && cmp(a[pl - 1], a[pl]) > 0; pl--) swap(pl, pl - 1);
  };
  const outside = (l: number, r: number) => (lo < l && hi < l) || (lo > r && hi > r);

  const sort = (base: number, n: number): void => {
    for (;;) {
      if (n < 7) return insertion(base, n);
      let pm = base + (n >> 1);
      if (n > 7) {
        let pl = base;
        let pn = base + n - 1;
        if (n > 40) {
          const d = n >> 3;
          pl = med3(pl, pl + d, pl + 2 * d);
          pm = med3(pm - d, pm, pm + d);
          pn = med3(pn - 2 * d, pn - d, pn);
        }
        pm = med3(pl, pm, pn);
      }
      swap(base, pm);
      let pa = base + 1;
      let pb = pa;
      let pc = base + n - 1;
      let pd = pc;
      for (;;) {
        let r: number;
        while (pb <= pc && (r = cmp(a[pb], a[base])) <= 0) {
          if (r === 0) {
            swap(pa, pb);
            pa++;
          }
          pb++;
        }
        while (pb <= pc && (r = cmp(a[pc], a[base])) >= 0) {
          if (r === 0) {
            swap(pc, pd);
            pd--;
          }
          pc--;
        }
        if (pb > pc) break;
        swap(pb, pc);
        pb++;
        pc--;
      }
      const pn = base + n;
      let r = Math.min(pa - base, pb - pa);
      vecswap(base, pb - r, r);
      r = Math.min(pd - pc, pn - pd - 1);
      vecswap(pb, pn - r, r);
      if ((r = pb - pa) > 1 && !outside(2 * base, 2 * (base + r) - 1)) sort(base, r);
      if ((r = pd - pc) > 1) {
        base = pn - r;
        n = r;
        if (!outside(2 * base, 2 * (base + r) - 1)) continue;
      }
      return;
    }
  };
  sort(0, a.length);
}

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

/**
 * georadiusGeneric: GEORADIUS[BYMEMBER][_RO] and GEOSEARCH[STORE]. Validation order, errors and
 * the early answers for a missing key follow Redis, as does the order of the results.
 */
function searchGeneric(c: Client, argv: string[], srcIndex: number, flags: number): Reply {
  const db = c.db;
  const z = readZset(db, argv[srcIndex]);
  const shape: Shape = { lon: 0, lat: 0, box: false, radius: 0, width: 0, height: 0, conversion: 1 };
  let base: number;
  let storeKey: string | null = null;
  let storeDist = false;
  if (flags & RADIUS_COORDS) {
    base = 6;
    [shape.lon, shape.lat] = lonLatArg(argv[2], argv[3]);
    radiusArgs(shape, argv, 4);
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    // Without the key Redis only parses the options, to choose its empty answer.
    if (z !== undefined) {
      const xy = memberPosition(z, argv[2]);
      if (xy === undefined) throw NO_MEMBER;
      [shape.lon, shape.lat] = xy;
      radiusArgs(shape, argv, 3);
    }
  } else {
    base = 2;
    if (flags & GEOSEARCHSTORE) {
      base = 3;
      storeKey = argv[1];
    }
  }

  let withDist = false;
  let withHash = false;
  let withCoord = false;
  let fromMember = false;
  let fromLonLat = false;
  let byRadius = false;
  let byBox = false;
  let sort = 0; // 0 none, 1 ascending, -1 descending
  let any = false;
  let count = 0;
  const search = (flags & GEOSEARCH) !== 0;
  const storeOk = !(flags & RADIUS_NOSTORE) && !search;
  const argc = argv.length;
  for (let i = base; i < argc; i++) {
    const o = argv[i];
    const left = argc - i - 1;
    if (is(o, 'WITHDIST')) withDist = true;
    else if (is(o, 'WITHHASH')) withHash = true;
    else if (is(o, 'WITHCOORD')) withCoord = true;
    else if (is(o, 'ANY')) any = true;
    else if (is(o, 'ASC')) sort = 1;
    else if (is(o, 'DESC')) sort = -1;
    else if (is(o, 'COUNT') && left >= 1) {
      count = intArg(argv[++i]);
      if (count <= 0) throw errorf('ERR COUNT must be > 0');
    } else if (is(o, 'STORE') && left >= 1 && storeOk) {
      storeKey = argv[++i];
      storeDist = false;
    } else if (is(o, 'STOREDIST') && left >= 1 && storeOk) {
      storeKey = argv[++i];
      storeDist = true;
    } else if (is(o, 'STOREDIST') && flags & GEOSEARCHSTORE) {
      storeDist = true;
    } else if (is(o, 'FROMMEMBER') && left >= 1 && search && !fromLonLat) {
      if (z !== undefined) {
        const xy = memberPosition(z, argv[i + 1]);
        if (xy === undefined) throw NO_MEMBER;
        [shape.lon, shape.lat] = xy;
      }
      fromMember = true;
      i++;
    } else if (is(o, 'FROMLONLAT') && left >= 2 && search && !fromMember) {
      [shape.lon, shape.lat] = lonLatArg(argv[i + 1], argv[i + 2]);
      fromLonLat = true;
      i += 2;
    } else if (is(o, 'BYRADIUS') && left >= 2 && search && !byBox) {
      radiusArgs(shape, argv, i + 1);
      byRadius = true;
      i += 2;
    } else if (is(o, 'BYBOX') && left >= 3 && search && !byRadius) {
      boxArgs(shape, argv, i + 1);
      byBox = true;
      i += 3;
    } else throw SYNTAX;
  }

  if (storeKey !== null && (withDist || withHash || withCoord)) {
    const what = flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS';
    throw errorf(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
  }
  if (search && fromMember === fromLonLat) throw errorf(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
  if (search && byRadius === byBox) throw errorf(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
  if (any && count === 0) throw errorf('ERR the ANY argument requires COUNT argument');

  if (z === undefined) {
    if (storeKey === null) return [];
    if (db.delete(storeKey)) db.notify('g', 'del', storeKey);
    return 0;
  }

  // COUNT means "the nearest N" unless ANY says any N will do.
  if (count !== 0 && sort === 0 && !any) sort = 1;
  const found = pointsInShape(z, shape, any ? count : 0);
  if (found.length === 0 && storeKey === null) return [];
  const returned = count === 0 || found.length < count ? found.length : count;
  if (sort !== 0) {
    const cmp = sort === 1 ? byDistance : byDistanceDesc;
    // glibc's qsort is a stable merge sort, as is Array.prototype.sort.
    if (returned === found.length) found.sort(cmp);
    else pqsort(found, cmp, 0, returned - 1);
  }

  const conversion = shape.conversion;
  if (storeKey === null) {
    const options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoord ? 1 : 0);
    const res = new Array<Reply>(returned);
    for (let i = 0; i < returned; i++) {
      const p = found[i];
      if (options === 0) {
        res[i] = p.member;
        continue;
      }
      const item: Reply[] = [p.member];
      if (withDist) item.push(formatDistance(p.dist / conversion));
      if (withHash) item.push(Math.trunc(p.score));
      if (withCoord) item.push(lonLatReply(c, [p.lon, p.lat]));
      res[i] = item;
    }
    return res;
  }

  if (returned > 0) {
    const dst = ZSet.fromSorted(zsetLimits(c), (insert) => {
      for (let i = 0; i < returned; i++) insert(found[i].member, storeDist ? found[i].dist / conversion : found[i].score);
    });
    db.setKey(storeKey, dst);
    db.notify('z', search ? 'geosearchstore' : 'georadiusstore', storeKey, returned);
  } else if (db.delete(storeKey)) {
    db.notify('g', 'del', storeKey);
  }
  return returned;
}

const georadius = (c: Client, argv: string[]) => searchGeneric(c, argv, 1, RADIUS_COORDS);
const georadiusRo = (c: Client, argv: string[]) => searchGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE);
const georadiusByMember = (c: Client, argv: string[]) => searchGeneric(c, argv, 1, RADIUS_MEMBER);
const georadiusByMemberRo = (c: Client, argv: string[]) => searchGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE);
const geosearch = (c: Client, argv: string[]) => searchGeneric(c, argv, 1, GEOSEARCH);
const geosearchstore = (c: Client, argv: string[]) => searchGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE);

/** georadiusGetKeys: the source key, plus the last STORE/STOREDIST key after the fixed arguments. */
function georadiusKeys(argv: string[]): number[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    if ((is(argv[i], 'STORE') || is(argv[i], 'STOREDIST')) && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  return stored === -1 ? [1] : [1, stored];
}

export const geoCommands: CommandDef[] = [
  { name: 'geoadd', summary: 'Adds or moves named points, given as longitude and latitude, in a geo set', arity: -5, flags: 'write denyoom', keys: [1, 1, 1], acl: '@geo', handler: geoadd },
  { name: 'geodist', summary: 'Distance between two points of a geo set, in a chosen unit', arity: -4, flags: 'readonly', keys: [1, 1, 1], acl: '@geo', handler: geodist },
  { name: 'geohash', summary: 'Standard 11-character geohash strings of points of a geo set', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: '@geo', handler: geohash },
  { name: 'geopos', summary: 'Longitude and latitude of points of a geo set', arity: -2, flags: 'readonly', keys: [1, 1, 1], acl: '@geo', handler: geopos },
  { name: 'georadius', summary: 'Points within a radius of a position; can store the result (deprecated form of GEOSEARCH)', arity: -6, flags: 'write denyoom movablekeys', keys: [1, 1, 1], acl: '@geo', handler: georadius, getKeys: georadiusKeys },
  { name: 'georadius_ro', summary: 'Points within a radius of a position, read-only (deprecated form of GEOSEARCH)', arity: -6, flags: 'readonly', keys: [1, 1, 1], acl: '@geo', handler: georadiusRo },
  { name: 'georadiusbymember', summary: 'Points within a radius of a member; can store the result (deprecated form of GEOSEARCH)', arity: -5, flags: 'write denyoom movablekeys', keys: [1, 1, 1], acl: '@geo', handler: georadiusByMember, getKeys: georadiusKeys },
  { name: 'georadiusbymember_ro', summary: 'Points within a radius of a member, read-only (deprecated form of GEOSEARCH)', arity: -5, flags: 'readonly', keys: [1, 1, 1], acl: '@geo', handler: georadiusByMemberRo },
  { name: 'geosearch', summary: 'Points of a geo set inside a circle or a box around a member or a position', arity: -7, flags: 'readonly', keys: [1, 1, 1], acl: '@geo', handler: geosearch },
  { name: 'geosearchstore', summary: 'Like GEOSEARCH, storing the points (or their distances) in a sorted set', arity: -8, flags: 'write denyoom', keys: [1, 2, 1], acl: '@geo', handler: geosearchstore },
];
