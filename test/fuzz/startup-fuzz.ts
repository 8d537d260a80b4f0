// Fuzzer (c): truncated and corrupted RDB and AOF files at startup. The corpus's RDB file and
// multi-part AOF (written by redis-server) are cut short or mutated (the RDB mostly re-signed
// with a valid CRC-64, so the decoders see the damage, not only the checksum) and a server is
// started on them. It must either refuse with a load error (the command line: a clear message and
// exit status 1, no stack trace) or load everything: a truncated RDB never loads, a truncated AOF
// only with aof-load-truncated's warning, and whatever loaded can be read, saved and reloaded.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, RespiteServer } from '../../src/index';
import { ReplyError } from '../../src/errors';
import { Reply, SimpleString } from '../../src/resp/reply';
import { Crc64 } from '../../src/persistence/crc64';
import { Rng, corpus, mutate } from './mutate';
import type { FuzzReport } from './restore-fuzz';

export interface StartupFuzzOptions {
  seed: number;
  ms: number;
  maxInputs?: number;
  /** Every n-th input is also started through the command line (slow: a process each). */
  cliEvery?: number;
  onInput?: (n: number, what: string) => void;
}

const CLI = path.resolve(__dirname, '../../src/cli.js');

class Failure extends Error {}

function str(r: Reply): string {
  if (r instanceof SimpleString) return r.value;
  if (r instanceof ReplyError) return `-${r.message}`;
  return Buffer.isBuffer(r) ? r.latin1Slice() : String(r);
}

/** A mutated RDB image: re-signed (mostly), left with a stale checksum, or truncated. */
function rdbInput(rng: Rng, rdb: Buffer): { data: Buffer; truncated: boolean; how: string } {
  const roll = rng.next();
  if (roll < 0.2) {
    const cut = rng.int(rdb.length);
    return { data: rdb.subarray(0, cut), truncated: true, how: `truncated at ${cut}` };
  }
  const body = mutate(rng, rdb.subarray(0, rdb.length - 8));
  const crc = roll < 0.9 ? new Crc64().update(body).toBuffer() : rdb.subarray(rdb.length - 8);
  return { data: Buffer.concat([body, crc]), truncated: false, how: roll < 0.9 ? 'mutated, re-signed' : 'mutated' };
}

interface AofFiles {
  manifest: Buffer;
  base: Buffer;
  incr: Buffer;
}

function aofInput(rng: Rng): { files: AofFiles; truncated: boolean; how: string } {
  const base = Buffer.from(corpus.aof.base, 'hex');
  const incr = Buffer.from(corpus.aof.incr, 'hex');
  const files: AofFiles = { manifest: Buffer.from(corpus.aof.manifest, 'latin1'), base, incr };
  const roll = rng.next();
  if (roll < 0.25) {
    const cut = rng.int(incr.length);
    files.incr = incr.subarray(0, cut);
    return { files, truncated: true, how: `incr truncated at ${cut}` };
  }
  if (roll < 0.55) {
    files.incr = mutate(rng, incr);
    return { files, truncated: false, how: 'incr mutated' };
  }
  if (roll < 0.65) {
    files.manifest = mutate(rng, files.manifest);
    return { files, truncated: false, how: 'manifest mutated' };
  }
  if (roll < 0.75) {
    const cut = rng.int(base.length);
    files.base = base.subarray(0, cut);
    return { files, truncated: true, how: `base truncated at ${cut}` };
  }
  const body = mutate(rng, base.subarray(0, base.length - 8));
  files.base = Buffer.concat([body, new Crc64().update(body).toBuffer()]);
  return { files, truncated: false, how: 'base mutated, re-signed' };
}

/** Reads, saves and reloads everything a server loaded. */
async function checkLoaded(s: RespiteServer): Promise<void> {
  const c = s.connect();
  try {
    const run = async (...args: string[]): Promise<Reply> => {
      const r = await c.send(args);
      if (r instanceof ReplyError) throw new Failure(`${args.join(' ')} -> ${r.message}`);
      return r;
    };
    for (let db = 0; db < 16; db++) {
      await run('SELECT', String(db));
      const keys = (await run('KEYS', '*')) as Reply[];
      for (const k of keys) {
        await run('TYPE', str(k));
        await run('DUMP', str(k));
        await run('DEBUG', 'DIGEST-VALUE', str(k));
      }
    }
    const digest = str(await run('DEBUG', 'DIGEST'));
    await run('SAVE');
    await run('DEBUG', 'RELOAD');
    if (str(await run('DEBUG', 'DIGEST')) !== digest) throw new Failure('DEBUG RELOAD changed the dataset');
  } finally {
    c.close();
  }
}

/** Starts the command line on the files; resolves with its exit status (null: it started) and output. */
function runCli(dir: string, aof: boolean, port: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const args = [CLI, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', aof ? 'yes' : 'no'];
    const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (code: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (p.exitCode === null) p.kill('SIGKILL');
      resolve({ code, out });
    };
    const timer = setTimeout(() => finish(-1), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString('latin1');
      if (out.includes('Ready to accept connections')) finish(null);
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('exit', (code) => finish(code ?? -2));
  });
}

export async function fuzzStartup(opts: StartupFuzzOptions & { port: number }): Promise<FuzzReport> {
  const rng = new Rng(opts.seed);
  const rdb = Buffer.from(corpus.rdb, 'hex');
  const report: FuzzReport = { name: 'startup', inputs: 0, accepted: 0, rejected: 0, commands: 0, failures: [] };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'respite-fuzz-startup-'));
  const deadline = Date.now() + opts.ms;
  const cliEvery = opts.cliEvery ?? 25;
  try {
    while (Date.now() < deadline && (opts.maxInputs === undefined || report.inputs < opts.maxInputs)) {
      const input = report.inputs++;
      const dir = path.join(root, String(input));
      fs.mkdirSync(dir);
      const useAof = rng.chance(0.4);
      let truncated: boolean;
      let how: string;
      if (useAof) {
        const a = aofInput(rng);
        truncated = a.truncated;
        how = `AOF ${a.how}`;
        const d = path.join(dir, 'appendonlydir');
        fs.mkdirSync(d);
        fs.writeFileSync(path.join(d, 'appendonly.aof.manifest'), a.files.manifest);
        fs.writeFileSync(path.join(d, corpus.aof.baseName), a.files.base);
        fs.writeFileSync(path.join(d, corpus.aof.incrName), a.files.incr);
      } else {
        const r = rdbInput(rng, rdb);
        truncated = r.truncated;
        how = `RDB ${r.how}`;
        fs.writeFileSync(path.join(dir, 'dump.rdb'), r.data);
      }
      opts.onInput?.(input, `${how} (files kept in ${dir} on failure)`);
      const log: string[] = [];
      let refused: string | null = null;
      try {
        let s: RespiteServer | null = null;
        try {
          s = await startServer({ port: null, dir, save: '', appendonly: useAof ? 'yes' : 'no', 'enable-debug-command': 'yes', log: (l: string) => log.push(l) });
        } catch (e) {
          if (!(e instanceof Error && e.name.endsWith('LoadError'))) throw new Failure(`startup threw ${e instanceof Error ? e.stack : String(e)}`);
          refused = e.message;
        }
        if (s !== null) {
          try {
            if (truncated) {
              const cut = Number(/at (\d+)/.exec(how)![1]);
              const incr = Buffer.from(corpus.aof.incr, 'hex');
              // Complete as far as anyone can tell: an empty file, or an incr file cut between commands.
              const clean = cut === 0 || (how.includes('incr') && incr[cut] === 0x2a);
              if (!useAof && cut !== 0) throw new Failure('a truncated RDB file loaded as a success');
              if (useAof && how.includes('base') && cut !== 0) throw new Failure('a truncated AOF base loaded as a success');
              if (useAof && !clean && !log.some((l) => /truncated/i.test(l))) throw new Failure('a truncated AOF loaded without a warning');
            }
            await checkLoaded(s);
          } finally {
            await s.close();
          }
          report.accepted++;
        } else report.rejected++;
        if (input % cliEvery === 0) {
          const r = await runCli(dir, useAof, opts.port);
          if (r.code === -1) throw new Failure('the command line neither started nor exited');
          if (/\n\s+at \S+ \(|TypeError|RangeError|ReferenceError/.test(r.out)) throw new Failure(`the command line printed a stack trace:\n${r.out}`);
          if (refused !== null && r.code !== 1) throw new Failure(`refused in-process (${refused}) but the command line ${r.code === null ? 'started' : `exited with ${r.code}`}`);
          if (refused === null && r.code !== null) throw new Failure(`loaded in-process but the command line exited with ${r.code}:\n${r.out}`);
        }
        fs.rmSync(dir, { recursive: true, force: true });
      } catch (e) {
        const what = e instanceof Failure ? e.message : `exception: ${e instanceof Error ? e.stack : String(e)}`;
        report.failures.push(`seed ${opts.seed} input ${input} (${how}): ${what}\n  files kept in ${dir}`);
      }
    }
  } finally {
    if (report.failures.length === 0) fs.rmSync(root, { recursive: true, force: true });
  }
  return report;
}
