// Inside a test worker: the URL of the server the global setup started for this worker.
// The setup publishes one URL per worker in RESPITE_URLS; jest numbers its workers from 1 in
// JEST_WORKER_ID, vitest in VITEST_POOL_ID. With more workers than servers they share, round robin.

/** The environment variable the global setup fills (a JSON array of redis:// URLs). */
export const URLS_ENV = 'RESPITE_URLS';

export function respiteUrl(): string {
  const raw = process.env[URLS_ENV];
  if (raw === undefined) throw new Error(`respite: ${URLS_ENV} is not set: add respite/testing/global-setup to the runner's globalSetup`);
  const urls = JSON.parse(raw) as string[];
  const id = Number(process.env.JEST_WORKER_ID ?? process.env.VITEST_POOL_ID ?? '1');
  return urls[(Number.isInteger(id) && id > 0 ? id - 1 : 0) % urls.length];
}
