// The geohash codec on its own: scores and strings known from Redis, encode/decode properties,
// neighbours, search cells, distances, reply number formats and the partial sort.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LAT_MAX,
  LAT_MIN,
  cellScore,
  cellScoreRange,
  decodeCell,
  decodeScore,
  distance,
  encode,
  encodeScore,
  estimateSteps,
  geohashString,
  neighbours,
  searchCells,
} from '../../src/datatypes/geohash';
import { formatCoordinate, formatDistance, pqsort } from '../../src/commands/geo';
import { rng } from '../helpers/random';


const LON_CELL = 360 / 2 ** 26;
const LAT_CELL = (LAT_MAX - LAT_MIN) / 2 ** 26;

describe('geohash', () => {
  test('scores, strings and positions Redis gives for known places', () => {
    assert.equal(encodeScore(13.361389, 38.115556), 3479099956230698);
    assert.equal(encodeScore(15.087269, 37.502669), 3479447370796909);
    assert.equal(geohashString(...decodeScore(3479099956230698)), 'sqc8b49rny0');
    assert.equal(geohashString(...decodeScore(3479447370796909)), 'sqdtr74hyu0');
    const [lon, lat] = decodeScore(3479099956230698);
    assert.equal(formatCoordinate(lon), '13.36138933897018433');
    assert.equal(formatCoordinate(lat), '38.11555639549629859');
    // The corner: both indexes overflow into a 54-bit score, decoded and clamped like Redis.
    assert.equal(encodeScore(180, LAT_MAX), 13510798882111488);
    assert.deepEqual(decodeScore(13510798882111488), [180, LAT_MAX]);
    assert.equal(formatCoordinate(LAT_MAX), '85.0511287799999991');
  });

  test('property: a point decodes to the centre of its cell, within half a cell', () => {
    const r = rng(1);
    for (let i = 0; i < 20000; i++) {
      const lon = r() * 360 - 180;
      const lat = LAT_MIN + r() * (LAT_MAX - LAT_MIN);
      const score = encodeScore(lon, lat);
      assert.ok(Number.isInteger(score) && score >= 0 && score < 2 ** 52);
      const [dlon, dlat] = decodeScore(score);
      assert.ok(Math.abs(dlon - lon) <= LON_CELL / 2 + 1e-12, `lon ${lon} -> ${dlon}`);
      assert.ok(Math.abs(dlat - lat) <= LAT_CELL / 2 + 1e-12, `lat ${lat} -> ${dlat}`);
      // Decoding is a fixed point: re-encoding the centre gives the same cell.
      assert.equal(encodeScore(dlon, dlat), score);
    }
  });

  test('property: coarser cells hold the score of every point inside them', () => {
    const r = rng(2);
    for (let i = 0; i < 5000; i++) {
      const lon = r() * 360 - 180;
      const lat = LAT_MIN + r() * (LAT_MAX - LAT_MIN);
      const step = 1 + Math.floor(r() * 26);
      const cell = encode(lon, lat, step)!;
      const [min, max] = cellScoreRange(cell);
      const score = encodeScore(lon, lat);
      assert.ok(min <= score && score < max);
      assert.equal(cellScore(cell), min);
      const a = decodeCell(cell);
      assert.ok(a.lonMin <= lon && lon <= a.lonMax && a.latMin <= lat && lat <= a.latMax);
    }
  });

  test('out-of-range coordinates do not encode', () => {
    assert.equal(encode(180.0001, 0, 26), null);
    assert.equal(encode(0, 85.06, 26), null);
    assert.equal(encode(0, -85.06, 26), null);
  });

  test('neighbours touch their cell and wrap around the grid', () => {
    const c = encode(10, 20, 8)!;
    const [n, s, e, w, ne, nw, se, sw] = neighbours(c).map(decodeCell);
    const a = decodeCell(c);
    assert.equal(n.latMin, a.latMax);
    assert.equal(s.latMax, a.latMin);
    assert.equal(e.lonMin, a.lonMax);
    assert.equal(w.lonMax, a.lonMin);
    assert.ok(ne.lonMin === a.lonMax && ne.latMin === a.latMax);
    assert.ok(nw.lonMax === a.lonMin && nw.latMin === a.latMax);
    assert.ok(se.lonMin === a.lonMax && se.latMax === a.latMin);
    assert.ok(sw.lonMax === a.lonMin && sw.latMax === a.latMin);
    const edge = encode(-180, 0, 4)!;
    assert.equal(neighbours(edge)[3].lon, 15); // west of column 0 is the last column
  });

  test('search steps and cells', () => {
    assert.equal(estimateSteps(0, 0), 26);
    assert.equal(estimateSteps(1, 0), 24);
    assert.equal(estimateSteps(5000000, 0), 2);
    assert.equal(estimateSteps(1000, 70), estimateSteps(1000, 0) - 1);
    assert.equal(estimateSteps(1000, 81), estimateSteps(1000, 0) - 2);
    assert.equal(estimateSteps(1e9, 0), 1);
    const cells = searchCells({ lon: 15, lat: 37, box: false, radius: 200, width: 0, height: 0, conversion: 1000 });
    assert.equal(cells.length, 9);
    const live = cells.filter((x) => x.step !== 0);
    assert.ok(live.length >= 1 && live.every((x) => x.step === cells[0].step));
  });

  test('distance is the haversine on Redis\'s sphere', () => {
    const [a, b] = [decodeScore(3479099956230698), decodeScore(3479447370796909)];
    assert.equal(formatDistance(distance(a[0], a[1], b[0], b[1])), '166274.1516');
    assert.equal(formatDistance(distance(a[0], a[1], b[0], b[1]) / 1000), '166.2742');
    assert.equal(distance(1, 2, 1, 2), 0);
    // Same meridian: the shortcut along the meridian.
    assert.equal(Math.round(distance(0, 0, 0, 1)), 111226);
  });

  test('reply number formats', () => {
    assert.equal(formatDistance(0), '0.0000');
    assert.equal(formatDistance(0.00005), '0.0000'); // 0.5 exactly after scaling rounds to even
    assert.equal(formatDistance(0.00015), '0.0001'); // scaled to 1.4999999999999998 first, as llrint sees it
    assert.equal(formatDistance(0.7775), '0.7775');
    assert.equal(formatDistance(12345.67891), '12345.6789');
    assert.equal(formatCoordinate(-0), '0');
    assert.equal(formatCoordinate(-180), '-180');
    assert.equal(formatCoordinate(0.5), '0.5');
    assert.equal(formatCoordinate(1e-18), '0');
    assert.equal(formatCoordinate(-1e-18), '0');
  });

  test('pqsort: the requested prefix is sorted and holds the smallest elements', () => {
    const r = rng(3);
    for (let t = 0; t < 500; t++) {
      const n = 1 + Math.floor(r() * 100);
      const a = Array.from({ length: n }, () => Math.floor(r() * 20));
      const k = 1 + Math.floor(r() * n);
      const b = a.slice();
      pqsort(b, (x, y) => (x > y ? 1 : x === y ? 0 : -1), 0, k - 1);
      assert.deepEqual(b.slice(0, k), a.slice().sort((x, y) => x - y).slice(0, k));
      assert.deepEqual(b.slice().sort((x, y) => x - y), a.slice().sort((x, y) => x - y));
    }
  });
});
