// LOLWUT [VERSION v] [args...]: a piece of computer art and the server version. Version 5 draws
// Georg Nees's "Schotter" (a grid of squares that grows more disordered row after row) in
// braille characters; version 6 draws a city skyline in terminal colours; any other version just
// states the server version, as Redis 7.0 does for its own.
import type { Client } from '../engine/client';
import { Reply, VerbatimReply } from '../resp/reply';
import { intArg, is } from './args';
import { REDIS_VERSION } from './connection';
import { CommandDef } from './registry';

/** A grid of small colour numbers. */
class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    bg: number,
  ) {
    this.pixels = new Uint8Array(width * height).fill(bg);
  }

  set(x: number, y: number, color: number): void {
    if (x >= 0 && y >= 0 && x < this.width && y < this.height) this.pixels[x + y * this.width] = color;
  }

  get(x: number, y: number): number {
    return x >= 0 && y >= 0 && x < this.width && y < this.height ? this.pixels[x + y * this.width] : 0;
  }

  /** Bresenham's line. */
  line(x1: number, y1: number, x2: number, y2: number, color: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1, color);
      if (x1 === x2 && y1 === y2) return;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }

  /** A square of side `size` centred on (x, y), rotated by `angle` radians. */
  square(x: number, y: number, size: number, angle: number, color: number): void {
    // The corners are at half the diagonal from the centre.
    const r = Math.round(size / Math.SQRT2);
    const px: number[] = [];
    const py: number[] = [];
    for (let j = 0, k = Math.PI / 4 + angle; j < 4; j++, k += Math.PI / 2) {
      px.push(Math.round(Math.sin(k) * r + x));
      py.push(Math.round(Math.cos(k) * r + y));
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4], color);
  }
}

const rand = (n: number) => Math.floor(Math.random() * n);

/** The largest canvas LOLWUT draws (pixels). */
const MAX_PIXELS = 1 << 24;

/** Two columns by four rows of pixels per braille character (U+2800 + dot bits), UTF-8 encoded. */
function brailleText(cv: Canvas): string {
  const DOTS: [number, number, number][] = [
    [0, 0, 0], [0, 1, 1], [0, 2, 2], [1, 0, 3], [1, 1, 4], [1, 2, 5], [0, 3, 6], [1, 3, 7],
  ];
  let out = '';
  for (let y = 0; y < cv.height; y += 4) {
    for (let x = 0; x < cv.width; x += 2) {
      let bits = 0;
      for (const [dx, dy, bit] of DOTS) if (cv.get(x + dx, y + dy)) bits |= 1 << bit;
      out += String.fromCharCode(0x2800 + bits);
    }
    if (y !== cv.height - 1) out += '\n';
  }
  return out;
}

function schotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const pad = width > 4 ? 2 : 0;
  const side = (width - pad * 2) / perRow;
  const cv = new Canvas(width, Math.trunc(side * perCol + pad * 2), 0);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(x * side + side / 2 + pad);
      let sy = Math.trunc(y * side + side / 2 + pad);
      let angle = 0;
      // From the third row on, each square turns and shifts at random, more so further down.
      if (y > 1) {
        const jitter = () => ((Math.random() / perCol) * y) * (Math.random() < 0.5 ? -1 : 1);
        angle = jitter();
        sx = Math.trunc(sx + (jitter() * side) / 3);
        sy = Math.trunc(sy + (jitter() * side) / 3);
      }
      cv.square(sx, sy, side, angle, 1);
    }
  }
  return cv;
}

function building(cv: Canvas, xoff: number, width: number, height: number, windows: boolean, color: number): void {
  const bottom = cv.height - 1;
  const top = bottom - height + 1;
  for (let y = bottom; y >= top; y--) {
    for (let x = xoff; x < xoff + width; x++) {
      // The roof is narrower by two pixels on each side.
      if (y === top && (x <= xoff + 1 || x >= xoff + width - 2)) continue;
      let c = color;
      if (windows && x > xoff + 1 && x < xoff + width - 2 && y > top + 1 && y < bottom - 1) {
        const rx = x - (xoff + 1);
        const ry = y - (top + 1);
        // Windows two pixels wide on every other row, lit in one of the other greys.
        if (Math.trunc(rx / 2) % 2 && ry % 2) {
          do c = 1 + rand(2);
          while (c === color);
          if (rx % 2) c = cv.get(x - 1, y);
        }
      }
      cv.set(x, y, c);
    }
  }
}

function skyline(cols: number, rows: number): Canvas {
  const cv = new Canvas(cols, rows, 3);
  const h = cv.height;
  // Two rows of background buildings without windows, then the foreground with windows.
  for (let color = 2; color >= 1; color--) {
    for (let off = -10; off < cv.width; ) {
      off += rand(8);
      const w = 10 + rand(9);
      const ht = Math.trunc(h / 2) + Math.trunc(rand(h) / (color === 2 ? 2 : 3));
      building(cv, off, w, ht, false, color);
      off += color === 2 ? Math.trunc(w / 2) : w + 1;
    }
  }
  for (let off = -10; off < cv.width; ) {
    off += rand(8);
    let w = 5 + rand(14);
    if (w % 4) w += w % 3;
    building(cv, off, w, Math.trunc(h / 3) + Math.trunc(rand(h) / 2), true, 0);
    off += w + 5;
  }
  return cv;
}

const ANSI = ['0;30;40m', '0;90;100m', '0;37;47m', '0;97;107m'];

function colourText(cv: Canvas): string {
  let out = '';
  for (let y = 0; y < cv.height; y++) {
    for (let x = 0; x < cv.width; x++) out += `\x1b[${ANSI[cv.get(x, y)] ?? ANSI[0]} \x1b[0m`;
    if (y !== cv.height - 1) out += '\n';
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** UTF-8 text as the latin1 byte string replies carry. */
function bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

function lolwut(_c: Client, argv: string[]): Reply {
  let version = REDIS_VERSION;
  let args = argv.slice(1);
  if (argv.length >= 3 && is(argv[1], 'VERSION')) {
    version = `${intArg(argv[2]) >>> 0}.0.0`;
    args = argv.slice(3);
  }
  const num = (i: number, dflt: number) => (args.length > i ? intArg(args[i]) : dflt);
  // 4.9 was the preview of 5, and 5.9 of 6.
  const v5 = /^5\.[^9]/.test(version) || version.startsWith('4.9');
  const v6 = /^6\.[^9]/.test(version) || version.startsWith('5.9');
  if (v5) {
    const cols = clamp(num(0, 66), 1, 1000);
    const perRow = clamp(num(1, 8), 1, 200);
    let perCol = clamp(num(2, 12), 1, 200);
    // Redis would draw up to 2000 x 400,000 pixels (800 MB); the canvas is capped at 16M pixels
    // by drawing fewer rows of squares (the art is random anyway).
    const side = Math.max(1, (cols * 2 - 4) / perRow);
    perCol = Math.max(1, Math.min(perCol, Math.floor(MAX_PIXELS / (cols * 2) / side)));
    const art = brailleText(schotter(cols, perRow, perCol));
    return new VerbatimReply('txt', bytes(`${art}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`));
  }
  if (v6) {
    const cols = clamp(num(0, 80), 1, 1000);
    const rows = clamp(num(1, 20), 1, 1000);
    const art = colourText(skyline(cols, rows));
    return new VerbatimReply(
      'txt',
      `${art}\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`,
    );
  }
  return new VerbatimReply('txt', `Redis ver. ${REDIS_VERSION}\n`);
}

export const lolwutCommands: CommandDef[] = [
  { name: 'lolwut', summary: 'Computer art and the server version.', arity: -1, flags: 'readonly fast', handler: lolwut },
];
