// ReplyError and the catalogue of Redis error texts. Every error a client can see is built here,
// so the texts live in one place and the differential tests guard them.

/** An error reply. `message` is the whole line after '-', e.g. "ERR syntax error". */
export class ReplyError {
  constructor(readonly message: string) {}
  /** The first word: ERR, WRONGTYPE, NOAUTH, ... */
  get code(): string {
    const sp = this.message.indexOf(' ');
    return sp < 0 ? this.message : this.message.slice(0, sp);
  }
  toString(): string {
    return this.message;
  }
}

/**
 * An error reply already counted in the error statistics: a script's error that is a redis.call
 * reply it raised or returned (Redis's ignore_err_stats_update). The script's command still counts
 * as failed.
 */
export class CountedReplyError extends ReplyError {}

function err(text: string): ReplyError {
  return new ReplyError(text);
}

// Frequent errors are preallocated: throwing them costs no allocation.
export const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
export const SYNTAX = err('ERR syntax error');
export const NOT_INTEGER = err('ERR value is not an integer or out of range');
export const NOT_FLOAT = err('ERR value is not a valid float');
export const OVERFLOW = err('ERR increment or decrement would overflow');
export const NO_SUCH_KEY = err('ERR no such key');
export const DB_INDEX_OUT_OF_RANGE = err('ERR DB index is out of range');
export const NOAUTH = err('NOAUTH Authentication required.');
/** Other clients while a script runs past busy-reply-threshold (EVAL-family or a function). */
export const BUSY_EVAL = err('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
export const BUSY_FUNCTION = err('BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.');
/** SCRIPT KILL / FUNCTION KILL with nothing to kill, or a script that already wrote. */
export const NOTBUSY = err('NOTBUSY No scripts in execution right now.');
export const UNKILLABLE = err(
  'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
);
export const LOADING = err('LOADING Redis is loading the dataset in memory');
export const INVALID_EXPIRE = (cmd: string) => err(`ERR invalid expire time in '${cmd}' command`);
export const NOT_ALLOWED_IN_MULTI = err('ERR Command not allowed inside a transaction');
export const STRING_TOO_LONG = err('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
export const INCR_NAN_OR_INF = err('ERR increment would produce NaN or Infinity');
export const TIMEOUT_NOT_FLOAT = err('ERR timeout is not a float or out of range');
export const TIMEOUT_NOT_INTEGER = err('ERR timeout is not an integer or out of range');
export const TIMEOUT_NEGATIVE = err('ERR timeout is negative');
export const SOURCE_DEST_SAME = err('ERR source and destination objects are the same');
export const WRONGPASS = err('WRONGPASS invalid username-password pair or user is disabled.');
export const NOREPLICAS = err('NOREPLICAS Not enough good replicas to write.');
export const READONLY_REPLICA = err("READONLY You can't write against a read only replica.");
export const MASTERDOWN = err("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
export const OOM = err("OOM command not allowed when used memory > 'maxmemory'.");

export function wrongArity(fullName: string): ReplyError {
  return err(`ERR wrong number of arguments for '${fullName}' command`);
}

export function unknownCommand(argv: string[]): ReplyError {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cstr(argv[i]).slice(0, 128 - args.length)}' `;
  return err(oneLine(`ERR unknown command '${cstr(argv[0]).slice(0, 128)}', with args beginning with: ${args}`));
}

export function unknownSubcommand(container: string, sub: string): ReplyError {
  return err(oneLine(`ERR unknown subcommand '${cstr(sub).slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`));
}

/** Redis's addReplySubcommandSyntaxError: an unknown subcommand, or a known one with the wrong arguments. */
export function subcommandSyntax(container: string, sub: string): ReplyError {
  return err(oneLine(`ERR unknown subcommand or wrong number of arguments for '${cstr(sub).slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`));
}

/** Redis formats these arguments with printf("%s"): the text stops at the first NUL byte. */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

export function outOfRange(what: string): ReplyError {
  return err(`ERR ${what} is out of range`);
}

export function mustBePositive(what: string): ReplyError {
  return err(`ERR ${what} must be positive`);
}

export function protocolError(what: string): ReplyError {
  return err(`ERR Protocol error: ${what}`);
}

export function errorf(text: string): ReplyError {
  return err(text);
}

/** Error replies are one line: Redis turns CR and LF into spaces. */
export function oneLine(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/[\r\n]/g, ' ') : s;
}
