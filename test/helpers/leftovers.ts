// Server processes a test file spawns, killed when the file ends whatever happened, so a failed
// assertion does not leave servers running.
import { after } from 'node:test';

/** A list to push spawned pids to; they get SIGKILL after the file's tests. */
export function killAfterTests(): number[] {
  const pids: number[] = [];
  after(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  return pids;
}
