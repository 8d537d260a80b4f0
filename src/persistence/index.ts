// Wires persistence into a server: cron (save points, scheduled saves, AOF rewrites), SHUTDOWN's
// save, the function library store, startup loading, config hooks.
import { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import { ReplyError } from '../errors';
import { functionFlush, functionLoad } from '../scripting/functions';
import { scriptingState } from '../scripting/state';
import { Aof } from './aof';
import { Persistence, persistenceOf, registerFunctionStore } from './persistence';
import { RdbLoadError } from './rdb-file';

export { persistenceOf };

registerFunctionStore({
  dump: (srv) => [...scriptingState(srv).libraries.values()].map((l) => l.code),
  load: (srv, code, replace) => {
    const r = functionLoad(new Client(srv, 'embedded'), replace ? ['FUNCTION', 'LOAD', 'REPLACE', code] : ['FUNCTION', 'LOAD', code]);
    if (r instanceof ReplyError) throw new RdbLoadError(`Failed loading library: ${r.message}`);
  },
  flush: (srv) => void functionFlush(new Client(srv, 'embedded'), ['FUNCTION', 'FLUSH']),
});

/**
 * Sets up persistence for a server. `owned`: the server owns its data directory (respite-server,
 * or an embedded server given `dir`/`appendonly`): it then loads at startup, saves at the save
 * points and on SHUTDOWN like Redis. An embedded server without it is ephemeral: nothing is
 * read or written unless asked (SAVE, BGSAVE, SHUTDOWN SAVE, DEBUG RELOAD).
 */
export function attachPersistence(srv: ServerContext, owned: boolean): Persistence {
  const p = persistenceOf(srv);
  if (p.aof !== null) return p;
  p.aof = new Aof(srv, p);
  p.owned = owned;
  srv.events.on('cron', () => p.cron());
  srv.events.on('shutdown', () => {
    p.killBgsave();
    p.aof?.close();
  });
  p.refreshDiskError();
  return p;
}

/** Loads the dataset at startup (AOF when appendonly yes, else dbfilename). */
export async function loadAtStartup(srv: ServerContext): Promise<void> {
  const p = persistenceOf(srv);
  await p.loadAtStartup();
}
