// Function libraries (FUNCTION LOAD / FCALL). The engine keeps no Lua state between runs, so a
// library is kept as source: FUNCTION LOAD runs it once with a load-time `redis` table that records
// redis.register_function calls (names, flags, descriptions); FCALL runs the library code again
// with a register_function that keeps the wanted callback, then calls it with KEYS and ARGV.
// Library code is compiled as written: the `#!lua name=...` line is replaced by our prefix on the
// same line, so error line numbers are Redis's.
import type { Client } from '../engine/client';
import { feedMonitors } from '../engine/monitor';
import { BUSY_EVAL, ReplyError, errorf, subcommandSyntax } from '../errors';
import { globMatch } from '../datatypes/glob';
import { parseIntStrict } from '../resp/format';
import { splitArgs } from '../resp/parser';
import { MapReply, OK, Reply, SetReply, SimpleString } from '../resp/reply';
import { PreparedBody, plainReturns, prepareBody } from './prelude';
import { SLICE_CALLBACK, sliceLibrary } from './library-slice';
import { skipNonCode } from './call-args';
import { NO_CLUSTER, compileCheck, killBusyScript, runScript } from './runner';
import { scriptingState, ScriptingState } from './state';
import { RDB_OPCODE_FUNCTION2, RdbReader, encodePayload, verifyPayload } from './rdb-payload';

export interface FunctionInfo {
  name: string;
  description: string | null;
  flags: string[];
}

export interface Library {
  name: string;
  /** The code as loaded, metadata line included (FUNCTION LIST WITHCODE, DUMP). */
  code: string;
  /** The code with its first line blanked, ready for a prefix. */
  body: string;
  functions: Map<string, FunctionInfo>;
  /** Function name -> the Lua text FCALL runs for it (built on first call). */
  callSources: Map<string, { source: string }>;
}

const NAME_RE = /^[A-Za-z0-9_]+$/;
const BAD_NAME = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

// Library code sees what Redis's load run shows it: globals hold only a read-only `redis` with
// register_function, log, the LOG_* levels and the version; reading anything else raises. Once the
// library's code has run, its functions see the usual globals, and a `redis` kept from load time
// (`local lib = redis`) stays the load-time table, whose register_function now raises. The engine
// has no setfenv, so this is done with locals: the body is compiled inside a function that sees
// `redis` and every standard global it mentions as locals of ours (upvalues of its closures),
// bound to the load-time values while it runs and to the real ones afterwards.
//
// API: the load-time `redis`. At FUNCTION LOAD its register_function validates as Redis's
// luaRegisterFunction does and records names, flags and descriptions in __reg; at FCALL (the
// library code runs again) a light one keeps the callback of the function called, in __fn.
// Errors raised here carry the \0at mark: the runner reports them at the caller's line (the
// position Lua puts in front), as Redis does for its C helpers, not at this prefix's line 1.
const API_HEAD =
  'local __reg, __seen, __fn, __loading = {}, {}, nil, true local __api, __trap = (function(r, tp, err, smt, sel, nx, ts, reg) ' +
  'local function ro() err("\\0at Attempt to modify a readonly table", 2) end ' +
  'local function missing(k) err("\\0at Script attempted to access nonexistent global variable \'" .. ts(k) .. "\'", 3) end ' +
  'local api = {register_function = function(...) if not __loading then err("\\0at ERR redis.register_function can only be called on FUNCTION LOAD command", 2) end return reg(...) end, ' +
  'log = r.log, LOG_DEBUG = r.LOG_DEBUG, LOG_VERBOSE = r.LOG_VERBOSE, LOG_NOTICE = r.LOG_NOTICE, ' +
  'LOG_WARNING = r.LOG_WARNING, REDIS_VERSION = r.REDIS_VERSION, REDIS_VERSION_NUM = r.REDIS_VERSION_NUM} ' +
  'local function trap(name) local function raise() missing(name) end return smt({}, {__index = raise, __newindex = raise, __call = raise}) end ' +
  'return smt({}, {__index = function(_, k) local v = api[k] if v == nil then missing(k) end return v end, __newindex = ro, __metatable = false}), trap ' +
  'end)(redis, type, error, setmetatable, select, next, tostring, ';

const LOAD_REGISTER =
  '(function(tp, err, sel, nx, ts) local function fail(m) err(m, 0) end return function(...) local n = sel("#", ...) local name, cb, desc, flags ' +
  'if n == 1 then local t = ... if tp(t) ~= "table" then fail("ERR calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).") end ' +
  'for k, v in nx, t do if k == "function_name" then name = v elseif k == "callback" then cb = v elseif k == "description" then desc = v elseif k == "flags" then flags = v ' +
  'else fail("ERR unknown argument given to redis.register_function") end end ' +
  'elseif n == 2 then name, cb = ... if tp(name) ~= "string" and tp(name) ~= "number" then fail("ERR first argument to redis.register_function must be a string") end ' +
  'if tp(cb) ~= "function" then fail("ERR second argument to redis.register_function must be a function") end ' +
  'else fail("ERR wrong number of arguments to redis.register_function") end ' +
  'if name == nil then fail("ERR redis.register_function must get a function name argument") end ' +
  'if tp(name) ~= "string" and tp(name) ~= "number" then fail("ERR function_name argument given to redis.register_function must be a string") end ' +
  'if cb == nil then fail("ERR redis.register_function must get a callback argument") end ' +
  'if tp(cb) ~= "function" then fail("ERR callback argument given to redis.register_function must be a function") end ' +
  'if desc ~= nil and tp(desc) ~= "string" and tp(desc) ~= "number" then fail("ERR description argument given to redis.register_function must be a string") end if desc ~= nil then desc = ts(desc) end ' +
  'local fl = "" if flags ~= nil then if tp(flags) ~= "table" then fail("ERR flags argument to redis.register_function must be a table representing function flags") end ' +
  'for i = 1, #flags do local f = flags[i] if tp(f) ~= "string" then fail("ERR unknown flag given") end ' +
  'if not (f == "no-writes" or f == "allow-oom" or f == "allow-stale" or f == "no-cluster" or f == "allow-cross-slot-keys") then fail("ERR unknown flag given") end fl = fl .. f .. "," end end ' +
  'name = ts(name) if not name:find("^[%w_]+$") then fail("ERR ' + BAD_NAME + '") end ' +
  'if __seen[name] then fail("ERR Function already exists in the library") end __seen[name] = true ' +
  '__reg[#__reg + 1] = {name, fl, desc or false} end end)(type, error, select, next, tostring)) ';

const callRegister = (fn: string): string =>
  '(function(tp, ts) return function(a, b) local name, cb if tp(a) == "table" then name, cb = a.function_name, a.callback else name, cb = a, b end ' +
  `if ts(name) == "${fn}" then __fn = cb end end end)(type, tostring)) `;

/** The standard globals of the engine, hidden from library code while it loads (Redis shows only `redis`). */
const STD_GLOBALS = [
  'KEYS', 'ARGV', '_G', '_VERSION', 'assert', 'bit', 'cjson', 'cmsgpack', 'collectgarbage', 'coroutine', 'error', 'gcinfo', 'getmetatable', 'ipairs', 'load',
  'loadstring', 'math', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset', 'select', 'setmetatable', 'string', 'struct', 'table',
  'tonumber', 'tostring', 'type', 'unpack', 'xpcall',
];

/**
 * The body with assignments to the names we bind as locals (`redis = f`, `_G = {}`) made to the
 * real globals table instead (`__G.redis = f`), which is read-only: Redis refuses them with
 * "Attempt to modify a readonly table", where the assignment would otherwise change our local.
 * Only plain statements are rewritten (not `local redis = ...`, `for`, `a, redis = ...` or `{redis = 1}`).
 */
function guardAssignments(body: string, names: string[]): string {
  // A name the body declares itself (local, loop variable, parameter) may be its own variable:
  // left alone.
  names = names.filter((n) => !new RegExp(`\\b(?:local|for)\\s+(?:[\\w\\s,]*,\\s*)?${n}\\b|\\bfunction\\b[^(]*\\([^)]*\\b${n}\\b`).test(body));
  if (names.length === 0) return body;
  const re = new RegExp(`(?:${names.join('|')})\\s*=(?!=)`, 'y');
  let out = '';
  let last = 0;
  for (let i = 0; i < body.length; ) {
    const skip = skipNonCode(body, i);
    if (skip >= 0) {
      i = skip;
      continue;
    }
    if (/[A-Za-z_]/.test(body[i]) && (i === 0 || !/[\w.:]/.test(body[i - 1]))) {
      re.lastIndex = i;
      // Not a declaration, a loop variable, one of several targets or a table constructor's field.
      const declared = /(?:^|\W)(?:local|for)\s*$|[,{]\s*$/.test(body.slice(Math.max(0, i - 16), i));
      if (!declared && re.test(body)) {
        out += body.slice(last, i) + '__G.';
        last = i;
      }
      while (i < body.length && /\w/.test(body[i])) i++;
      continue;
    }
    i++;
  }
  return last === 0 ? body : out + body.slice(last);
}

/**
 * `local redis, math... = <load-time values> local __lib = function() <body> end __lib() <real values>`.
 * At FCALL the library's code already loaded once, so the other globals need no hiding: only
 * `redis` is bound, to the load-time table.
 */
function libraryText(p: PreparedBody, register: string, tail: string, load: boolean): string {
  const names = ['redis'];
  if (load) for (const g of STD_GLOBALS) if (p.body.includes(g) && new RegExp(`(?<![\\w.:])${g}(?!\\w)`).test(p.body)) names.push(g);
  const saved = names.map((_, i) => `__o${i}`).join(', ');
  const traps = names.map((n) => (n === 'redis' ? '__api' : `__trap('${n}')`)).join(', ');
  return (
    p.prelude + API_HEAD + register + `local __G, ${saved} = _G, ${names.join(', ')} local ${names.join(', ')} = ${traps} local __lib = function() ` +
    guardAssignments(p.body, names) + `\nend __lib() __loading = false ${names.join(', ')} = ${saved}` + tail
  );
}

/**
 * The FCALL text of a library that uses `redis` only as `redis.x` (nearly all do): nothing can
 * keep the load-time table, so a light one that records the callback will do (the engine compiles
 * the whole text on every call).
 */
function lightCallText(p: PreparedBody, fn: string): string {
  return (
    p.prelude +
    'local __fn local __o0 = redis local redis = (function(r, tp, smt, ts) return smt({register_function = function(a, b) ' +
    'local name, cb if tp(a) == "table" then name, cb = a.function_name, a.callback else name, cb = a, b end ' +
    `if ts(name) == "${fn}" then __fn = cb end end}, {__index = r}) end)(redis, type, setmetatable, tostring) local __lib = function() ` +
    p.body +
    '\nend __lib() redis = __o0' +
    callTail(p.fixup)
  );
}

/**
 * The FCALL text of a library whose top level only declares and registers (library-slice.ts):
 * the other functions' registrations are left out, and the wanted one's callback is kept in a
 * local (callTail calls it as __fn). The library's code runs in a do block: its top-level locals
 * (`local KEYS`, `local type`) must not be what the tail after it reads.
 */
function sliceCallText(p: PreparedBody): string {
  return (
    p.prelude +
    `local ${SLICE_CALLBACK} do ` +
    p.body +
    // Every return of the library's code gives one plain value: the callback's is the reply as it is.
    (plainReturns(p) ? `\nend return ${SLICE_CALLBACK}(KEYS, ARGV)` : '\nend' + callTail(p.fixup))
  );
}

/** The Lua text FCALL runs for function `fn` of a library. */
export function fcallText(body: string, fn: string): { source: string } {
  const slice = BARE_REDIS.test(body) ? null : sliceLibrary(body, fn);
  if (slice !== null) {
    const p = prepareBody(slice);
    if (plainReturns(p)) {
      // Its returns need no conversion: the callback's body can run in place, as EVAL's does.
      const inPlace = sliceLibrary(body, fn, true);
      if (inPlace !== null) {
        const q = prepareBody(inPlace);
        if (plainReturns(q)) return { source: q.prelude + q.body };
      }
    }
    return { source: sliceCallText(p) };
  }
  const p = prepareBody(body);
  const source = BARE_REDIS.test(p.body) ? libraryText(p, callRegister(fn), callTail(p.fixup), false) : lightCallText(p, fn);
  return { source };
}

/** `redis` used as a value (`local lib = redis`, `f(redis)`, `redis = x`), not only as `redis.x`. */
const BARE_REDIS = /(?<![\w.:])redis(?!\w)(?!\s*[.:[])/;

const callTail = (fixup: string): string =>
  " local __v = __fn(KEYS, ARGV) local t = type(__v) if t == 'function' or t == 'userdata' or t == 'thread' then return nil end" + fixup + ' return __v';

/** Parses the metadata line (quoted as Redis's sdssplitargs) into a library not yet registered. */
function compileLibrary(c: Client, code: string): Library | ReplyError {
  if (!code.startsWith('#!')) return errorf('ERR Missing library metadata');
  const eol = code.indexOf('\n');
  if (eol < 0) return errorf('ERR Invalid library metadata');
  const parts = splitArgs(code.slice(0, eol));
  if (parts === null || parts.length === 0) return errorf('ERR Invalid library metadata');
  const engineName = parts[0].slice(2);
  let name: string | null = null;
  for (const p of parts.slice(1)) {
    if (p.slice(0, 5).toLowerCase() !== 'name=') return errorf(`ERR Invalid metadata value given: ${p}`);
    if (name !== null) return errorf('ERR Invalid metadata value, name argument was given multiple times');
    name = p.slice(5);
  }
  if (name === null) return errorf('ERR Library name was not given');
  if (!NAME_RE.test(name)) return errorf(`ERR ${BAD_NAME}`);
  if (engineName.toLowerCase() !== 'lua') return errorf(`ERR Engine '${engineName}' not found`);
  return { name, code, body: code.slice(eol), functions: new Map(), callSources: new Map() };
}

function registerFunctions(c: Client, lib: Library): ReplyError | null {
  let ce: string | null;
  try {
    ce = compileCheck(lib.body, '@user_function');
  } catch (e) {
    return errorf(`ERR ${(e as Error).message}`);
  }
  if (ce !== null) return errorf(`ERR Error compiling function: ${ce.replace(/[\r\n]/g, ' ')}`);
  const src = libraryText(prepareBody(lib.body), LOAD_REGISTER, ' return __reg', true);
  const r = runScript(c, src, [], [], { kind: 'function', name: lib.name, readOnly: true, load: true });
  if (r instanceof ReplyError) {
    const msg = r.message.replace(/ script: \S+, on @user_function:\d+\.$/, '');
    return errorf(`ERR Error registering functions: ${msg}`);
  }
  if (!Array.isArray(r) || r.length === 0) return errorf('ERR No functions registered');
  for (const entry of r as Reply[][]) {
    const [fname, flags, desc] = entry as [string, string, string | null];
    lib.functions.set(fname, { name: fname, description: desc, flags: flags.split(',').filter((f) => f !== '') });
  }
  return null;
}

/** Installs libraries, all or none: collisions with other libraries' functions are refused. */
function install(st: ScriptingState, libs: Library[], replace: boolean): ReplyError | null {
  for (const lib of libs) {
    const old = st.libraries.get(lib.name);
    if (old !== undefined && !replace) return errorf(`ERR Library '${lib.name}' already exists`);
    for (const fname of lib.functions.keys()) {
      const owner = st.functions.get(fname.toLowerCase());
      if (owner !== undefined && owner.name !== lib.name) return errorf(`ERR Function ${fname} already exists`);
    }
  }
  for (const lib of libs) {
    const old = st.libraries.get(lib.name);
    if (old !== undefined) for (const f of old.functions.keys()) st.functions.delete(f.toLowerCase());
    st.libraries.set(lib.name, lib);
    for (const f of lib.functions.keys()) st.functions.set(f.toLowerCase(), lib);
  }
  return null;
}

export function functionLoad(c: Client, argv: string[]): Reply {
  let replace = false;
  for (let i = 2; i < argv.length - 1; i++) {
    if (argv[i].toLowerCase() === 'replace') replace = true;
    else return errorf(`ERR Unknown option given: ${argv[i]}`);
  }
  const st = scriptingState(c.server);
  const lib = compileLibrary(c, argv[argv.length - 1]);
  if (lib instanceof ReplyError) return lib;
  if (!replace && st.libraries.has(lib.name)) return errorf(`ERR Library '${lib.name}' already exists`);
  const e = registerFunctions(c, lib) ?? install(st, [lib], replace);
  return e ?? lib.name;
}

export function functionDelete(c: Client, argv: string[]): Reply {
  const st = scriptingState(c.server);
  const lib = st.libraries.get(argv[2]);
  if (lib === undefined) return errorf('ERR Library not found');
  for (const f of lib.functions.keys()) st.functions.delete(f.toLowerCase());
  st.libraries.delete(lib.name);
  return OK;
}

const functionSyntax = (argv: string[]): ReplyError => subcommandSyntax('FUNCTION', argv[1]);

export function functionFlush(c: Client, argv: string[]): Reply {
  if (argv.length > 3) return functionSyntax(argv);
  if (argv.length === 3 && !/^(sync|async)$/i.test(argv[2]))
    return errorf('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  const st = scriptingState(c.server);
  st.libraries.clear();
  st.functions.clear();
  return OK;
}

export function functionList(c: Client, argv: string[]): Reply {
  let pattern: string | null = null;
  let withCode = false;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'withcode' && !withCode) withCode = true;
    else if (a === 'libraryname' && pattern === null) {
      if (i + 1 >= argv.length) return errorf('ERR library name argument was not given');
      pattern = argv[++i];
    } else return errorf(`ERR Unknown argument ${argv[i]}`);
  }
  const out: Reply[] = [];
  for (const lib of scriptingState(c.server).libraries.values()) {
    if (pattern !== null && !globMatch(pattern, lib.name, false)) continue;
    const fns: Reply[] = [];
    for (const f of lib.functions.values())
      fns.push(new MapReply(['name', f.name, 'description', f.description, 'flags', new SetReply(f.flags.map((x) => new SimpleString(x)))]));
    const flat: Reply[] = ['library_name', lib.name, 'engine', 'LUA', 'functions', fns];
    if (withCode) flat.push('library_code', lib.code);
    out.push(new MapReply(flat));
  }
  return out;
}

export function functionStats(c: Client): Reply {
  const st = scriptingState(c.server);
  const busy = c.server.busyScript;
  if (busy !== null && busy.isEval) return BUSY_EVAL;
  const running =
    busy === null ? null : new MapReply(['name', busy.name, 'command', busy.argv, 'duration_ms', Math.floor(performance.now() - busy.startedAt)]);
  return new MapReply([
    'running_script',
    running,
    'engines',
    new MapReply(['LUA', new MapReply(['libraries_count', st.libraries.size, 'functions_count', st.functions.size])]),
  ]);
}

export const functionKill = (c: Client): Reply => killBusyScript(c, false);

export function functionDump(c: Client): Reply {
  const libs = [...scriptingState(c.server).libraries.values()].map((l) => l.code);
  return encodePayload(RDB_OPCODE_FUNCTION2, libs).latin1Slice();
}

export function functionRestore(c: Client, argv: string[]): Reply {
  let policy = 'append';
  if (argv.length > 4) return functionSyntax(argv);
  if (argv.length === 4) {
    policy = argv[3].toLowerCase();
    if (policy !== 'flush' && policy !== 'append' && policy !== 'replace')
      return errorf('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
  }
  const data = verifyPayload(Buffer.from(argv[2], 'latin1'));
  if (data === null) return errorf('ERR DUMP payload version or checksum are wrong');
  const codes: string[] = [];
  try {
    const r = new RdbReader(data);
    while (!r.done) {
      if (r.byte() !== RDB_OPCODE_FUNCTION2) return errorf('ERR given type is not a function');
      codes.push(r.string());
    }
  } catch {
    return errorf('ERR payload is corrupted');
  }
  const libs: Library[] = [];
  for (const code of codes) {
    const lib = compileLibrary(c, code);
    if (lib instanceof ReplyError) return lib;
    const e = registerFunctions(c, lib);
    if (e !== null) return e;
    libs.push(lib);
  }
  const st = scriptingState(c.server);
  if (policy === 'flush') {
    const saved = [new Map(st.libraries), new Map(st.functions)] as const;
    st.libraries.clear();
    st.functions.clear();
    const e = install(st, libs, false);
    if (e !== null) {
      saved[0].forEach((v, k) => st.libraries.set(k, v));
      saved[1].forEach((v, k) => st.functions.set(k, v));
      return e;
    }
    return OK;
  }
  if (policy === 'append') {
    for (const lib of libs) if (st.libraries.has(lib.name)) return errorf(`ERR Library ${lib.name} already exists`);
  }
  return install(st, libs, true) ?? OK;
}

/**
 * The function FCALL names: function names are case-insensitive across libraries (Redis's global
 * function dictionary), though a library keeps them as registered.
 */
export function findFunction(st: ScriptingState, name: string): { lib: Library; fn: FunctionInfo } | undefined {
  const lib = st.functions.get(name) ?? st.functions.get(name.toLowerCase());
  if (lib === undefined) return undefined;
  let fn = lib.functions.get(name);
  if (fn === undefined) {
    const lower = name.toLowerCase();
    for (const f of lib.functions.values()) if (f.name.toLowerCase() === lower) fn = f;
  }
  return fn === undefined ? undefined : { lib, fn };
}

function fcallGeneric(c: Client, argv: string[], ro: boolean): Reply {
  // First, as Redis does: MONITOR shows the call before its commands, and a refused one too.
  if (c.server.monitors.size !== 0) feedMonitors(c, argv);
  const st = scriptingState(c.server);
  const found = findFunction(st, argv[1]);
  if (found === undefined) return errorf('ERR Function not found');
  const { lib, fn } = found;
  const n = parseIntStrict(argv[2]);
  if (n === null || typeof n === 'bigint') return errorf('ERR Bad number of keys provided');
  if (n > argv.length - 3) return errorf("ERR Number of keys can't be greater than number of args");
  if (n < 0) return errorf("ERR Number of keys can't be negative");
  const noWrites = fn.flags.includes('no-writes');
  if (ro && !noWrites) return errorf('ERR Can not execute a script with write flag using *_ro command.');
  if (fn.flags.includes('no-cluster') && c.server.cluster !== null) return NO_CLUSTER;
  // The text that runs one function of a library is the same on every call.
  let call = lib.callSources.get(fn.name);
  if (call === undefined) {
    call = fcallText(lib.body, fn.name);
    lib.callSources.set(fn.name, call);
  }
  return runScript(c, call.source, argv.slice(3, 3 + n), argv.slice(3 + n), {
    kind: 'function',
    name: fn.name,
    argv,
    readOnly: ro || noWrites,
    allowOom: fn.flags.includes('allow-oom'),
    allowCrossSlot: fn.flags.includes('allow-cross-slot-keys'),
  });
}

export const fcallCommand = (c: Client, argv: string[]): Reply => fcallGeneric(c, argv, false);
export const fcallRoCommand = (c: Client, argv: string[]): Reply => fcallGeneric(c, argv, true);

