// What subsystems below the dispatcher need of it: scripts, AOF loading, blocked and paused
// clients run commands through the server's executor (Server.exec, wired to engine/dispatcher.ts
// by the server), so they do not import the layer above them.
import type { Client } from './client';
import type { Command } from '../commands/registry';
import type { ReplyError } from '../errors';

export interface CommandExecutor {
  /** Runs one command line for a client through every check (processCommand). */
  dispatch(c: Client, argv: string[]): void;
  /** Runs a resolved command (stats, slowlog, propagation); the reply goes to the client's writer. */
  call(c: Client, cmd: Command, argv: string[]): void;
  /** The command (or subcommand) argv names, or the error a client gets for it. */
  resolveCommand(c: Client, argv: string[]): Command | ReplyError;
  /** Counts an error reply in the error statistics (INFO errorstats). */
  countError(c: Client, e: ReplyError): void;
}
