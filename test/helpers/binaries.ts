// Reference binaries on PATH (redis-server, redis-cli). Tests that need one skip with a message
// when it is missing; under CI=true its absence fails the run instead (CI must install it).
import { execFileSync } from 'node:child_process';

/** The path of a program on PATH, or null. */
export function which(bin: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** which(bin); under CI=true a missing binary throws (`what` says which tests cannot run). */
export function findBinary(bin: string, what: string): string | null {
  const p = which(bin);
  if (!p && process.env.CI === 'true') throw new Error(`CI=true but ${bin} is not installed: ${what} cannot run`);
  return p;
}
