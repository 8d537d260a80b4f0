// Config parameters whose change the running persistence follows (apply hooks of
// src/config/table.ts). Before persistence is attached (config file at startup) nothing runs.
import type { ServerContext } from '../engine/context';
import { persistenceOf } from './persistence';

export function persistenceConfigChanged(srv: ServerContext, name: string, value?: string): string | void {
  const p = persistenceOf(srv);
  if (p.aof === null) return;
  if (name === 'appendonly') {
    if (value === 'yes') return p.aof.start();
    p.aof.stop();
    return;
  }
  if (name === 'appendfsync') {
    p.aof.updateSyncMode();
    return;
  }
  p.refreshDiskError();
}
