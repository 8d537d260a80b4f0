// Loading and running the programs of examples/ (plain ES modules, as their readers would write
// them) from the compiled tests: require() of an ES module without top-level await is synchronous
// on Node >= 20.19, so each test file reaches the example's exports directly.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { format } from 'node:util';

export const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

/** The exports of examples/<name>/<file>, typed by the caller. */
export function loadExample<T>(name: string, file: string): T {
  return require(path.join(EXAMPLES, name, file)) as T;
}

/** Runs `node examples/<name>/<file>` (an embedded respite of its own); resolves to its output. */
export function runExample(name: string, file: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.REDIS_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(EXAMPLES, name, file)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs an example's demo in this process (it starts an embedded respite of its own); its output. */
export async function captureMain(main: (log: (...args: unknown[]) => void) => Promise<void>): Promise<string> {
  const lines: string[] = [];
  await main((...args) => lines.push(format(...args)));
  return lines.join('\n');
}
