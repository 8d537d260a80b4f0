// Redis's geohash (geohash.c, geohash_helper.c): the 52-bit interleaved cell number that GEOADD
// stores as a sorted-set score, decoding a score back to the cell centre, neighbouring cells, the
// haversine distance and the 9 cells that cover a search shape. The arithmetic follows the C code
// operation by operation, so scores, coordinates and search areas are bit-identical to Redis's.

export const LONG_MIN = -180;
export const LONG_MAX = 180;
export const LAT_MIN = -85.05112878;
export const LAT_MAX = 85.05112878;
/** Bits per coordinate of a stored score (26 + 26 = 52). */
export const STEP_MAX = 26;

const EARTH_RADIUS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180;
const TWO32 = 4294967296;

/**
 * A grid cell: `step` bits per coordinate, `lon`/`lat` its column and row. As in Redis an index
 * may carry one bit more than `step` (a coordinate exactly at the range maximum). A cell with
 * step 0 is Redis's zeroed hash: left out of a search.
 */
export interface Cell {
  lon: number;
  lat: number;
  step: number;
}

export interface Area {
  lonMin: number;
  lonMax: number;
  latMin: number;
  latMax: number;
}

/** Coordinates as [longitude, latitude]. */
export type LonLat = [number, number];

// ---------------------------------------------------------------------------------------------
// Bit interleaving: latitude bits at even positions, longitude bits at odd ones.

/** Spreads the 16 bits of x to the even positions of a 32-bit word. */
function spread(x: number): number {
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  return (x | (x << 1)) & 0x55555555;
}

/** Gathers the even bits of a 32-bit word into 16 bits. */
function squash(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0x0000ffff;
}

/** The interleaved number of a cell (interleave64), exact as a double (indexes up to 27 bits). */
export function cellBits(c: Cell): number {
  const lo = (spread(c.lat & 0xffff) | (spread(c.lon & 0xffff) << 1)) >>> 0;
  const hi = (spread(c.lat >>> 16) | (spread(c.lon >>> 16) << 1)) >>> 0;
  return hi * TWO32 + lo;
}

/** The score of a cell: its number shifted to 52 bits (geohashAlign52Bits). */
export function cellScore(c: Cell): number {
  return cellBits(c) * Math.pow(2, 52 - 2 * c.step);
}

/**
 * Score range [min, max) holding every point of a cell (scoresOfGeoHashBox): the cell number and
 * the number after it, aligned to 52 bits.
 */
export function cellScoreRange(c: Cell): [number, number] {
  const scale = Math.pow(2, 52 - 2 * c.step);
  const bits = cellBits(c);
  return [bits * scale, (bits + 1) * scale];
}

// ---------------------------------------------------------------------------------------------
// Encoding and decoding

/**
 * geohashEncode: the cell of (lon, lat) at `step` bits in the given latitude range (Redis's own
 * ±85.05112878 by default; GEOHASH uses the standard ±90). Null outside the supported area.
 */
export function encode(lon: number, lat: number, step: number, latMin = LAT_MIN, latMax = LAT_MAX): Cell | null {
  if (lon > LONG_MAX || lon < LONG_MIN || lat > LAT_MAX || lat < LAT_MIN) return null;
  if (lat < latMin || lat > latMax) return null;
  const scale = Math.pow(2, step);
  // The C code converts the scaled offsets to uint32 by truncation.
  const latOffset = ((lat - latMin) / (latMax - latMin)) * scale;
  const lonOffset = ((lon - LONG_MIN) / (LONG_MAX - LONG_MIN)) * scale;
  return { lon: lonOffset >>> 0, lat: latOffset >>> 0, step };
}

/** The sorted-set score GEOADD stores for a valid (lon, lat). */
export function encodeScore(lon: number, lat: number): number {
  return cellScore(encode(lon, lat, STEP_MAX)!);
}

/** geohashDecode: the bounds of a cell. Indexes are uint32 and `index + 1` wraps like C's. */
export function decodeCell(c: Cell): Area {
  const div = Math.pow(2, c.step);
  const latScale = LAT_MAX - LAT_MIN;
  const lonScale = LONG_MAX - LONG_MIN;
  return {
    latMin: LAT_MIN + (c.lat / div) * latScale,
    latMax: LAT_MIN + (((c.lat + 1) >>> 0) / div) * latScale,
    lonMin: LONG_MIN + (c.lon / div) * lonScale,
    lonMax: LONG_MIN + (((c.lon + 1) >>> 0) / div) * lonScale,
  };
}

/**
 * The high and low 32-bit halves of the 64-bit word C's `(uint64_t)score` gives on x86-64:
 * values past the range wrap (negative), or give 2^63 (below -2^63) or 0 (at least 2^64, +inf).
 */
let wordHi = 0;
let wordLo = 0;
function scoreWord(score: number): void {
  const t = Math.trunc(score);
  if (t >= 0 && t < 18446744073709551616) {
    wordHi = Math.floor(t / TWO32) >>> 0;
    wordLo = t >>> 0;
  } else if (t >= 0 || Number.isNaN(t)) {
    wordHi = wordLo = 0;
  } else if (t < -9223372036854775808) {
    wordHi = 0x80000000;
    wordLo = 0;
  } else {
    const w = BigInt.asUintN(64, BigInt(t));
    wordHi = Number(w >> 32n);
    wordLo = Number(w & 0xffffffffn);
  }
}

/**
 * decodeGeohash: the centre of the step-26 cell a stored score names, clamped to the valid area
 * (geohashDecode + geohashDecodeAreaToLongLat, inlined: it runs for every search candidate).
 */
export function decodeScore(score: number): LonLat {
  scoreWord(score);
  const lat = ((squash(wordHi) << 16) | squash(wordLo)) >>> 0;
  const lon = ((squash(wordHi >>> 1) << 16) | squash(wordLo >>> 1)) >>> 0;
  const div = 67108864; // 2^26
  const latScale = LAT_MAX - LAT_MIN;
  let x = (LONG_MIN + (lon / div) * 360 + (LONG_MIN + (((lon + 1) >>> 0) / div) * 360)) / 2;
  if (x > LONG_MAX) x = LONG_MAX;
  if (x < LONG_MIN) x = LONG_MIN;
  let y = (LAT_MIN + (lat / div) * latScale + (LAT_MIN + (((lat + 1) >>> 0) / div) * latScale)) / 2;
  if (y > LAT_MAX) y = LAT_MAX;
  if (y < LAT_MIN) y = LAT_MIN;
  return [x, y];
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * GEOHASH's 11-character string: the point re-encoded in the standard ±90 latitude range; the
 * 11th character stands for bits Redis does not have, so it is always '0'.
 */
export function geohashString(lon: number, lat: number): string {
  const bits = cellBits(encode(lon, lat, STEP_MAX, -90, 90)!);
  let s = '';
  for (let i = 0; i < 10; i++) s += BASE32[Math.floor(bits / Math.pow(2, 52 - (i + 1) * 5)) % 32];
  return s + '0';
}

// ---------------------------------------------------------------------------------------------
// Neighbours (geohash_move_x / geohash_move_y): a move wraps around within `step` bits and masks
// only the coordinate it moves, so an overflowing index survives a move along the other axis.

function moved(c: Cell, dlon: number, dlat: number): Cell {
  const mask = Math.pow(2, c.step) - 1;
  return {
    lon: dlon === 0 ? c.lon : (c.lon + dlon) & mask,
    lat: dlat === 0 ? c.lat : (c.lat + dlat) & mask,
    step: c.step,
  };
}

/** The 8 neighbours in Redis's order: N, S, E, W, NE, NW, SE, SW. */
export function neighbours(c: Cell): Cell[] {
  return [moved(c, 0, 1), moved(c, 0, -1), moved(c, 1, 0), moved(c, -1, 0), moved(c, 1, 1), moved(c, -1, 1), moved(c, 1, -1), moved(c, -1, -1)];
}

// ---------------------------------------------------------------------------------------------
// Distances

/** Distance along a meridian (geohashGetLatDistance). */
export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS * Math.abs(lat2 * D_R - lat1 * D_R);
}

/** Haversine great-circle distance in metres (geohashGetDistance). */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = lon1 * D_R;
  const lon2r = lon2 * D_R;
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0) return latDistance(lat1, lat2);
  const lat1r = lat1 * D_R;
  const lat2r = lat2 * D_R;
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS * Math.asin(Math.sqrt(a));
}

// ---------------------------------------------------------------------------------------------
// Search shapes

/** A search: centre, a radius or a box (in the request's unit), and metres per unit. */
export interface Shape {
  lon: number;
  lat: number;
  box: boolean;
  radius: number;
  width: number;
  height: number;
  conversion: number;
}

/**
 * The distance from the centre when (lon, lat) lies inside the shape, else -1
 * (geohashGetDistanceIfInRadius / geohashGetDistanceIfInRectangle).
 */
export function distanceIfInside(s: Shape, lon: number, lat: number): number {
  if (!s.box) {
    const d = distance(s.lon, s.lat, lon, lat);
    return d > s.radius * s.conversion ? -1 : d;
  }
  // Latitude first: it is the cheaper test.
  if (latDistance(lat, s.lat) > (s.height * s.conversion) / 2) return -1;
  if (distance(lon, lat, s.lon, lat) > (s.width * s.conversion) / 2) return -1;
  return distance(s.lon, s.lat, lon, lat);
}

/** geohashEstimateStepsByRadius: the coarsest step whose cells still bound the radius. */
export function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  // Meridians converge towards the poles: use wider cells there.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** geohashBoundingBox: [minLon, minLat, maxLon, maxLat] around the shape. */
export function boundingBox(s: Shape): [number, number, number, number] {
  const height = s.conversion * (s.box ? s.height / 2 : s.radius);
  const width = s.conversion * (s.box ? s.width / 2 : s.radius);
  const latDelta = height / EARTH_RADIUS / D_R;
  const lonDeltaTop = width / EARTH_RADIUS / Math.cos((s.lat + latDelta) * D_R) / D_R;
  const lonDeltaBottom = width / EARTH_RADIUS / Math.cos((s.lat - latDelta) * D_R) / D_R;
  // The box is widest on the side nearer the pole.
  const lonDelta = s.lat < 0 ? lonDeltaBottom : lonDeltaTop;
  return [s.lon - lonDelta, s.lat - latDelta, s.lon + lonDelta, s.lat + latDelta];
}

const ZEROED: Cell = { lon: 0, lat: 0, step: 0 };

/**
 * geohashCalculateAreasByShapeWGS84: the centre cell and its 8 neighbours (Redis's order) at the
 * step estimated for the shape, one step coarser when a neighbour does not reach the bounding
 * box, with the neighbours that lie wholly outside the box zeroed (step 0).
 */
export function searchCells(s: Shape): Cell[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  const radiusMeters = (s.box ? Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2)) : s.radius) * s.conversion;
  let steps = estimateSteps(radiusMeters, s.lat);
  let hash = encode(s.lon, s.lat, steps)!;
  let around = neighbours(hash);
  const north = decodeCell(around[0]);
  const south = decodeCell(around[1]);
  const east = decodeCell(around[2]);
  const west = decodeCell(around[3]);
  const decrease = north.latMax < maxLat || south.latMin > minLat || east.lonMax < maxLon || west.lonMin > minLon;
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(s.lon, s.lat, steps)!;
    around = neighbours(hash);
  }
  const area = decodeCell(hash);
  const cells = [hash, ...around];
  if (steps >= 2) {
    // Indexes into cells: 1 N, 2 S, 3 E, 4 W, 5 NE, 6 NW, 7 SE, 8 SW.
    const drop = (...idx: number[]) => idx.forEach((i) => (cells[i] = ZEROED));
    if (area.latMin < minLat) drop(2, 8, 7);
    if (area.latMax > maxLat) drop(1, 5, 6);
    if (area.lonMin < minLon) drop(4, 8, 6);
    if (area.lonMax > maxLon) drop(3, 7, 5);
  }
  return cells;
}
