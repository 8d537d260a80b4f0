// Runs the fuzzers for longer than the test suite does (npm run fuzz), each in a child process
// watched by this one: a child that stops reporting progress for WATCHDOG_MS is a hang (the last
// input it started is printed), a child that dies is a crash.
//
// Usage: node dist/test/fuzz/run.js [--seconds N per fuzzer] [--seed S] [--only resp,restore,startup]
import { fork } from 'node:child_process';
import * as net from 'node:net';
import { fuzzRestore, FuzzReport } from './restore-fuzz';
import { fuzzResp } from './resp-fuzz';
import { fuzzStartup } from './startup-fuzz';

const WATCHDOG_MS = 60_000;
const ALL = ['resp', 'restore', 'startup'];

type Msg = { input: number; what: string } | { report: FuzzReport };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function child(name: string, seed: number, ms: number): Promise<void> {
  // Every input is announced before it runs: on a hang the parent prints the one that hung.
  const onInput = (n: number, what: string) => process.send!({ input: n, what });
  const port = await freePort();
  const report =
    name === 'resp'
      ? await fuzzResp({ seed, ms, port, onInput })
      : name === 'restore'
        ? await fuzzRestore({ seed, ms, onInput })
        : await fuzzStartup({ seed, ms, port, onInput });
  process.send!({ report }, () => process.exit(0));
}

function runChild(name: string, seed: number, ms: number): Promise<FuzzReport> {
  return new Promise((resolve) => {
    const p = fork(__filename, ['--child', name, String(seed), String(ms)], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString('latin1')).slice(-4000)));
    let last = { input: -1, what: '(none)' };
    let report: FuzzReport | null = null;
    let timer = setTimeout(() => onHang(), WATCHDOG_MS);
    const onHang = () => {
      p.kill('SIGKILL');
      resolve({ name, inputs: last.input + 1, accepted: 0, rejected: 0, commands: 0, failures: [`hang: no progress for ${WATCHDOG_MS / 1000}s after input ${last.input}: ${last.what.slice(0, 2000)}`] });
    };
    p.on('message', (m: Msg) => {
      if ('report' in m) report = m.report;
      else last = m;
      clearTimeout(timer);
      timer = setTimeout(() => onHang(), WATCHDOG_MS);
    });
    p.on('exit', (code, sig) => {
      clearTimeout(timer);
      if (report !== null) return resolve(report);
      resolve({ name, inputs: last.input + 1, accepted: 0, rejected: 0, commands: 0, failures: [`crash (${code ?? sig}) after input ${last.input}: ${last.what.slice(0, 2000)}\n${stderr}`] });
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], Number(argv[2]), Number(argv[3]));
  const opt = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : def;
  };
  const seconds = Number(opt('--seconds', '60'));
  const seed = Number(opt('--seed', '1'));
  const only = opt('--only', ALL.join(',')).split(',');
  let failed = 0;
  console.log(`fuzzing ${only.join(', ')} for ${seconds}s each, seed ${seed}`);
  for (const name of only) {
    if (!ALL.includes(name)) throw new Error(`unknown fuzzer ${name}`);
    const t0 = Date.now();
    const r = await runChild(name, seed, seconds * 1000);
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    const extra = name === 'resp' ? `peak RSS ${r.peakRssMb} MB` : `accepted ${r.accepted}, refused ${r.rejected}${r.commands ? `, ${r.commands} commands` : ''}`;
    console.log(`${name.padEnd(8)} ${String(r.inputs).padStart(8)} inputs in ${secs}s, ${extra}, failures ${r.failures.length}`);
    for (const f of r.failures.slice(0, 5)) console.log(`  ${f.slice(0, 3000)}`);
    failed += r.failures.length;
  }
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
