// The one stream of propagated writes that the AOF and replicas are fed from (Redis's
// alsoPropagate / propagatePendingCommands / propagateNow). A command's effects, in their
// deterministic form (propagation.ts), and the deletions the keyspace makes on its own (expiry,
// eviction) are gathered for one execution unit: the outermost command. When it ends they go out
// as they are (one command) or wrapped in MULTI/EXEC (several), as Redis 7.0 does; outside a
// command (active expiry, eviction before a command) each goes out alone. Each target tracks its
// own selected database, so SELECT is emitted per target when the db changes.
import type { Client } from '../engine/client';
import type { ServerContext } from '../engine/context';
import { F, type Command } from '../commands/registry';
import type { Reply } from '../resp/reply';
import { propagationOf } from './propagation';

export interface PropagationTarget {
  /** Whether this target takes writes now (AOF on; replicas or a backlog present). */
  wantsPropagation(): boolean;
  /**
   * One command of the stream, in database `dbId` (-1: none, e.g. PING). `last`: it ends an
   * execution unit (what was fed since the previous `last` is one atomic step); `client` is the
   * client whose command the unit was (null for expiry, eviction and other server-side work).
   */
  feed(dbId: number, argv: string[], last: boolean, client: Client | null): void;
  /** Which part of the stream this is: PROPAGATE_AOF or PROPAGATE_REPL (replicas and the backlog). */
  readonly propagationKind: number;
}

/** Where a propagated command goes (Redis's PROPAGATE_AOF / PROPAGATE_REPL; redis.set_repl's values). */
export const PROPAGATE_AOF = 1;
export const PROPAGATE_REPL = 2;
export const PROPAGATE_ALL = PROPAGATE_AOF | PROPAGATE_REPL;

export class Propagator {
  private readonly targets: PropagationTarget[] = [];
  /** Effects of the running outermost command, not emitted yet, with the targets they go to. */
  private ops: [number, string[], number][] = [];
  /**
   * Where the effects of the command running now go: a script's redis.set_repl() narrows it for
   * the commands the script calls (Redis's CLIENT_PREVENT_AOF_PROP / CLIENT_PREVENT_REPL_PROP).
   */
  callMask = PROPAGATE_ALL;
  /** True while the AOF replays: commands already in the file are not propagated again. */
  isSuspended: () => boolean = () => false;

  constructor(private readonly srv: ServerContext) {
    srv.keyspace.onPropagate((dbId, argv) => this.add(dbId, argv));
  }

  /**
   * Called by call() after a command that changed the dataset (dirty counter moved) and whose
   * nested commands (EXEC, scripts) propagated nothing themselves. A command's own effects join
   * its unit after the lazy deletions it caused; at the outermost level (call() after the
   * handler, a served blocked client) the unit ends with them.
   */
  command(c: Client, cmd: Command, argv: string[], reply: Reply): void {
    const srv = this.srv;
    srv.propagations++;
    // (callMask is narrower than ALL only inside a script, where callDepth > 0.)
    const mask = this.callMask;
    if (!this.wanted(mask)) return;
    for (const a of propagationOf(c, cmd, argv, reply)) this.ops.push([c.db.id, a, mask]);
    if (srv.callDepth === 0) this.endUnit(cmd, c);
  }

  /** Drops the effects still pending in the current unit (a killed busy script's writes). */
  discard(): void {
    this.ops = [];
  }

  addTarget(t: PropagationTarget): void {
    this.targets.push(t);
  }

  /** True when some target takes writes (otherwise commands are not rewritten at all). */
  active(): boolean {
    return this.wanted(PROPAGATE_ALL);
  }

  /** True when a target of `mask` takes writes (Redis's shouldPropagate): else nothing is kept. */
  private wanted(mask: number): boolean {
    if (this.isSuspended()) return false;
    const ts = this.targets;
    for (let i = 0; i < ts.length; i++) if (ts[i].propagationKind & mask && ts[i].wantsPropagation()) return true;
    return false;
  }

  /** One command to propagate: held until the running command ends, or emitted now. */
  add(dbId: number, argv: string[], mask = PROPAGATE_ALL): void {
    if (!this.wanted(mask)) return;
    if (this.srv.callDepth > 0) {
      this.ops.push([dbId, argv, mask]);
      return;
    }
    this.emit(dbId, argv, true, null, mask);
  }

  /**
   * A command that changed nothing but goes to replicas (not the AOF): PUBLISH and SPUBLISH
   * outside cluster mode, so a replica's subscribers get the message too (Redis's
   * forceCommandPropagation with PROPAGATE_REPL). It joins the running command's unit.
   */
  replicate(dbId: number, argv: string[]): void {
    this.srv.propagations++;
    this.add(dbId, argv, PROPAGATE_REPL & this.callMask);
  }

  /**
   * The outermost command ended: its effects go out, inside MULTI/EXEC when there are several,
   * except for commands that may expire arbitrary keys (SCAN, RANDOMKEY), whose lazy deletions
   * are independent.
   */
  endUnit(cmd: Command | null, client: Client | null): void {
    const ops = this.ops;
    if (ops.length === 0) return;
    this.ops = [];
    if (!this.active()) return;
    const wrap = ops.length > 1 && (cmd === null || !(cmd.flags & F.TOUCHES_ARBITRARY_KEYS));
    if (wrap) this.emit(ops[0][0], ['MULTI'], false, client);
    for (let i = 0; i < ops.length; i++) this.emit(ops[i][0], ops[i][1], !wrap && i === ops.length - 1, client, ops[i][2]);
    if (wrap) this.emit(ops[ops.length - 1][0], ['EXEC'], true, client);
  }

  private emit(dbId: number, argv: string[], last: boolean, client: Client | null, mask = PROPAGATE_ALL): void {
    const ts = this.targets;
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      if (t.propagationKind & mask && t.wantsPropagation()) t.feed(dbId, argv, last, client);
    }
  }
}
