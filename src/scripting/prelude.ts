import { errorHelper, errorHelperName, rewriteErrorCalls, skipNonCode } from './call-args';

// Lua text put in front of a script's first line (same line, so line numbers do not move), for the
// few parts of Redis's Lua API the engine does not provide the Redis way. Added only when the
// script mentions them, so most scripts compile exactly as written.

// math.random / math.randomseed on Redis's redisLrand48, whose state lives in the server and is
// shared by every script and function (Redis 7.0 does not reseed it per script).
const RANDOM =
  "local math = (function(m, pc, tn, fl, sel, err, tp, smt) " +
  "local function int(v, i) local x = tn(v) if x == nil then err(\"bad argument #\" .. i .. \" to 'random' (number expected, got \" .. (v == nil and 'no value' or tp(v)) .. \")\", 3) end if x >= 0 then return fl(x) end return -fl(-x) end " +
  "return smt({random = function(...) local n = sel('#', ...) if n > 2 then err('wrong number of arguments', 2) end " +
  "local r = tn(pc('\\0rand')) if n == 0 then return r end local a, b = ... " +
  "if n == 1 then local u = int(a, 1) if u < 1 then err(\"bad argument #1 to 'random' (interval is empty)\", 2) end return fl(r * u) + 1 end " +
  "local l, u = int(a, 1), int(b, 2) if l > u then err(\"bad argument #2 to 'random' (interval is empty)\", 2) end return fl(r * (u - l + 1)) + l end, " +
  "randomseed = function(s) pc('\\0seed', int(s, 1)) end}, {__index = m, __newindex = m}) end)(math, redis.pcall, tonumber, math.floor, select, error, type, setmetatable); ";

// redis.set_repl (validated like Redis, then handed to the runner: where the effects of the
// script's next commands go) and redis.acl_check_cmd (checked against the calling connection's ACL user).
const REDIS_EXTRAS =
  "local redis = (function(r, pc, tp, err, smt) return smt({" +
  "set_repl = function(...) if select('#', ...) ~= 1 then err('redis.set_repl() requires one argument.', 0) end local f = ... " +
  "if tp(f) ~= 'number' or f < 0 or f > 3 or f % 1 ~= 0 then err('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.', 0) end pc('\\0repl', f) end, " +
  "acl_check_cmd = function(...) if select('#', ...) < 1 then err('ERR Please specify at least one argument for this redis lib call', 0) end " +
  "local v = pc('\\0acl', ...) if tp(v) == 'table' then err(v.err, 0) end return v == 1 end" +
  "}, {__index = r, __newindex = r}) end)(redis, redis.pcall, type, error, setmetatable); ";

// The in-thread VM stops a script that runs out of its instruction budget with an error, which
// pcall/xpcall would catch: the script would go on with a wrong result instead of starting over on
// the worker VM (runner.ts). These re-raise it, as Redis's kill hook keeps raising on every line.
// (The originals keep their names here: argument errors name 'pcall' / 'xpcall'.)
const FUEL_GUARD =
  "local pcall, xpcall = (function(pcall, xpcall, tp, sub, err, sel, find) local function fuel(e) return tp(e) == 'string' and sub(e, -27) == 'Script killed by fuel limit' end " +
  // The engine's sandbox errors reach pcall as codes; Redis's texts are what the script sees.
  "local function text(e) if tp(e) ~= 'string' then return e end local i = find(e, '__RLUA_E__:', 1, true) if i == nil then return e end " +
  "if sub(e, i + 11, i + 22) == 'global-read:' then return sub(e, 1, i - 1) .. \"Script attempted to access nonexistent global variable '\" .. sub(e, i + 23) .. \"'\" end " +
  "if sub(e, i + 11) == 'command-arg-type' then return 'ERR Lua redis lib command arguments must be strings or integers' end return e end " +
  // Redis 7.0's pcall (luaRedisPcall) also turns an error table {err = '...'} into its string
  // (and, when err is not a string, returns the table and its err field).
  "local function check(ok, ...) if ok then return ok, ... end local e = text((...)) if fuel(e) then err(e, 0) end if tp(e) == 'table' then local m = e.err if tp(m) == 'string' or tp(m) == 'number' then return false, m end return false, e, m end return false, e end " +
  "return function(...) return check(pcall(...)) end, function(...) if sel('#', ...) < 2 then return xpcall(...) end local f, h = ... local hit = false " +
  'local function fin(ok, ...) if hit and not ok then err((...), 0) end return ok, ... end ' +
  'return fin(xpcall(f, function(e) if fuel(e) then hit = true return e end return h(text(e)) end)) end end)(pcall, xpcall, type, string.sub, error, select, string.find); ';
/** pcall or xpcall used by the script itself (not redis.pcall). */
const SCRIPT_PCALL = /(?:^|[^.:\w])x?pcall\b/;

// redis.error_reply as Redis 7.0's luaPushErrorBuff builds it: the first word of a message with a
// space is its error code ("from reply" stays as it is), a single word gets "ERR " in front; CR/LF
// at either end are trimmed. The engine puts "ERR " in front of everything.
const ERROR_REPLY =
  "local redis = (function(r, tp, sel, smt, sub, find, gsub) return smt({error_reply = function(...) local e = ... " +
  "if sel('#', ...) ~= 1 or tp(e) ~= 'string' then return {err = 'ERR wrong number or type of arguments'} end " +
  "if sub(e, 1, 1) ~= '-' then e = '-' .. e end local sp, code, msg = find(e, ' ', 1, true) " +
  "if sp == nil then code, msg = 'ERR', sub(e, 2) else code, msg = sub(e, 2, sp - 1), sub(e, sp + 1) end " +
  "msg = gsub(gsub(msg, '^[\\r\\n]+', ''), '[\\r\\n]+$', '') return {err = code .. ' ' .. msg} end}, {__index = r, __newindex = r}) " +
  'end)(redis, type, select, setmetatable, string.sub, string.find, string.gsub); ';

// redis.sha1hex takes exactly one argument in Redis ("wrong number of arguments"); the engine's
// complains about a missing string. (\0at: the runner reports the caller's line, see runner.ts.)
const SHA1HEX =
  "local redis = (function(r, sel, err, smt) local h = r.sha1hex return smt({sha1hex = function(...) " +
  "if sel('#', ...) ~= 1 then err('\\0at ERR wrong number of arguments', 2) end return h(...) end}, {__index = r, __newindex = r}) " +
  'end)(redis, select, error, setmetatable); ';

/** The helpers a body needs, for the text in front of it (same line: line numbers do not move). */
export function preludeFor(body: string): string {
  let p = '';
  if (body.includes('pcall') && SCRIPT_PCALL.test(body)) p += FUEL_GUARD;
  if (body.includes('random')) p += RANDOM;
  if (body.includes('set_repl') || body.includes('acl_check_cmd')) p += REDIS_EXTRAS;
  if (body.includes('error_reply')) p += ERROR_REPLY;
  if (body.includes('sha1hex')) p += SHA1HEX;
  return p;
}

/**
 * Run on the value a script returns, before the engine converts it (`__v`, of type `t`).
 *
 * - The engine converts Redis's special tables ({double=}, {map=}, {set=}, {big_number=},
 *   {verbatim_string=}) only after redis.setresp(3), and then also accepts some Redis does not
 *   ({double='2.5'}, {big_number=5}); Redis 7.0 converts them in either mode (only booleans follow
 *   setresp). So they are rewritten here, with Redis's precedence and type checks (rawget, err >
 *   ok > double > big_number > verbatim_string > map > set > array), into plain arrays whose first
 *   element is a status tag (TAG below) that convert.ts turns back into the reply; nested values
 *   stay in the engine's hands, so booleans keep the script's setresp meaning. Doubles travel as
 *   %.17g text, which also keeps the sign of NaN that Redis prints ("-nan").
 * - A NaN number converts to 0 in the engine but to INT64_MIN in Redis (x86 cvttsd2si).
 * - The engine converts recursively in C and never returns from a table that contains itself;
 *   Redis stops at its Lua stack limit. Tables nested deeper than 200 levels get its error text.
 *
 * - Redis reads returned tables with rawget; the engine goes through metamethods (_G's raises), so
 *   tables with a metatable are copied raw.
 *
 * Tables without such keys, metatables or NaNs are returned as they are (no copy).
 */
const TAG = "'\\0respite:";
export const RETURN_FIXUP =
  " if t == 'table' or __v ~= __v then local rg, tp, nx, fmt, gm, deep = rawget, type, next, string.format, getmetatable, false " +
  'local function c(x, n) if x ~= x then return -2^63 end if tp(x) ~= "table" then return x end if n > 200 then deep = true return x end ' +
  "local e, o, d, b, vs, m, s = rg(x, 'err'), rg(x, 'ok'), rg(x, 'double'), rg(x, 'big_number'), rg(x, 'verbatim_string'), rg(x, 'map'), rg(x, 'set') " +
  'local special = e ~= nil or o ~= nil or d ~= nil or b ~= nil or vs ~= nil or m ~= nil or s ~= nil ' +
  'if special then if tp(e) == "string" or tp(o) == "string" then return x end ' +
  `if tp(d) == "number" then return {{ok = ${TAG}double'}, fmt('%.17g', d)} end ` +
  `if tp(b) == "string" then return {{ok = ${TAG}big_number'}, b} end ` +
  `if tp(vs) == "table" then local f, v = rg(vs, 'format'), rg(vs, 'string') if tp(f) == "string" and tp(v) == "string" then return {{ok = ${TAG}verbatim'}, f, v} end end ` +
  `if tp(m) == "table" then local r, i, k, v = {{ok = ${TAG}map'}}, 1, nx(m) while k ~= nil do r[i + 1] = c(k, n + 1) r[i + 2] = c(v, n + 1) i = i + 2 k, v = nx(m, k) end return r end ` +
  `if tp(s) == "table" then local r, i, k = {{ok = ${TAG}set'}}, 1, nx(s) while k ~= nil do i = i + 1 r[i] = c(k, n + 1) k = nx(s, k) end return r end end ` +
  'local r, i, v = (special or gm(x) ~= nil) and {} or nil, 1, rg(x, 1) while v ~= nil do local y = c(v, n + 1) ' +
  'if r == nil and y ~= v then r = {} for j = 1, i - 1 do r[j] = rg(x, j) end end if r ~= nil then r[i] = y end i = i + 1 v = rg(x, i) end return r or x end ' +
  "__v = c(__v, 0) if deep then return {err = 'ERR reached lua stack limit'} end end";

/**
 * The light form of RETURN_FIXUP for bodies that cannot build special tables or tables with a
 * metatable: only a NaN returned as such, and the nesting guard. The engine compiles the whole
 * text on every run (tens of ns per token: most of what a small script costs), so what is rarely
 * needed is not compiled in: the guard against tables nested deeper than 200 levels (the engine's
 * converter would recurse without end on a table that contains itself) is kept as a string and
 * compiled only when the returned table holds a table.
 */
const DEEP_GUARD =
  'local v=... local function d(x,n) if n>200 then return 1 end for i=1,#x do local e=x[i] ' +
  "if type(e)=='table' and d(e,n+1) then return 1 end end end if d(v,0) then return {err='ERR reached lua stack limit'} end return v";
const LIGHT_FIXUP =
  " if __v ~= __v then return -2^63 end if t == 'table' then for i = 1, #__v do if type(__v[i]) == 'table' then return loadstring(" +
  luaQuote(DEEP_GUARD) +
  ')(__v) end end end';

/** A Lua string literal for a text of plain ASCII (quotes and backslashes escaped). */
function luaQuote(text: string): string {
  return "'" + text.replace(/[\\']/g, (c) => '\\' + c) + "'";
}

// A special key being assigned (`{map = ...}`, `t['set'] = ...`), an error or status table whose
// value may not be a string (`{err = code}`), setresp, a way to make a NaN, or a table with a
// metatable (_G, setmetatable).
const SPECIAL = /\b(?:double|map|set|big_number|verbatim_string)['"]?\]?\s*=(?!=)|\{\s*(?:err|ok)\s*=\s*[^'"\s]|setresp|\bnan\b|0\s*\/\s*0|\b_G\b|setmetatable/;

/** The fixup to run on a body's return value `__v` (of type `t`). */
export function returnFixup(body: string): string {
  return SPECIAL.test(body) ? RETURN_FIXUP : LIGHT_FIXUP;
}

/**
 * An EVAL script body wrapped so that only its first return value is converted (Redis converts
 * the top of the stack after lua_pcall(..., 1, ...)); functions and other non-data values give
 * nil as in Redis. Kept tiny on purpose: the engine compiles the whole text on every run.
 */
export function wrapEval(body: string): WrappedScript {
  let w = wrapped.get(body);
  if (w === undefined) {
    const p = prepareBody(body);
    const source =
      plainReturns(p)
        ? p.prelude + p.body
        : p.prelude + 'local __v = (function(...) ' + p.body + "\nend)(...) local t = type(__v) if t == 'function' or t == 'userdata' or t == 'thread' then return nil end" + p.fixup + ' return __v';
    w = { source };
    remember(wrapped, body, w);
  }
  return w;
}

/** Whether a prepared body's every `return` gives a value the engine converts as Redis does (see returnsPlainValues). */
export function plainReturns(p: PreparedBody): boolean {
  return p.fixup === LIGHT_FIXUP && returnsPlainValues(p.body);
}

// What may follow a `return` for the wrapper to be unnecessary: a redis.call / redis.pcall (one
// value: a reply, never a function, a NaN or a table nested past the guard), or a literal.
const PLAIN_RETURN = /return\s+(?:redis\s*\.\s*p?call\s*\(|(?:nil|true|false|-?\d+)\b|['"])/y;
const RETURN_WORD = /(?<![\w.:])return(?!\w)/y;
const BLOCK_END = /(?:;|\s+)*(?:(?:end|else|elseif|until)(?!\w)|$)/y;
/** `redis` used other than as `redis.x` (it may be a local of the body), or `error` (a level-2 error names the wrapper): keep the wrapper. */
const UNSURE = /(?<![\w.:])redis(?!\s*\.)|\berror\b/;

/**
 * Whether every `return` of a body gives one value the engine converts exactly as Redis does: the
 * wrapper of wrapEval (first value only, functions to nil, NaN, the nesting guard) is then a no-op,
 * and the body runs as it is. Conservative: any `return` not followed by a redis.call / pcall or a
 * literal, and then the end of its block, keeps the wrapper.
 */
export function returnsPlainValues(body: string): boolean {
  if (UNSURE.test(body)) return false;
  for (let i = 0; i < body.length; ) {
    const skip = skipNonCode(body, i);
    if (skip >= 0) {
      i = skip;
      continue;
    }
    RETURN_WORD.lastIndex = i;
    if (body.charCodeAt(i) !== 114 || !RETURN_WORD.test(body)) {
      i++;
      continue;
    }
    PLAIN_RETURN.lastIndex = i;
    if (!PLAIN_RETURN.test(body)) return false;
    let j = PLAIN_RETURN.lastIndex;
    const last = body[j - 1];
    if (last === '(') {
      // The call's arguments, to the matching parenthesis (strings and comments skipped).
      for (let depth = 1; depth > 0; ) {
        if (j >= body.length) return false;
        const sk = skipNonCode(body, j);
        if (sk >= 0) {
          j = sk;
          continue;
        }
        const c = body[j++];
        if (c === '(') depth++;
        else if (c === ')') depth--;
      }
    } else if (last === "'" || last === '"') {
      j = skipNonCode(body, j - 1);
    }
    // Then the block must end: nothing may be appended to the value (`.. x`, `, y`, `[1]`).
    for (;;) {
      const sk = /\s/.test(body[j] ?? '') ? j + 1 : skipNonCode(body, j);
      if (sk < 0 || sk <= j || body[j] === "'" || body[j] === '"' || body[j] === '[') break;
      j = sk;
    }
    BLOCK_END.lastIndex = j;
    if (!BLOCK_END.test(body)) return false;
    i = j;
  }
  return true;
}

/** Lua text ready to run. */
export interface WrappedScript {
  source: string;
}

/** A body ready to compile: the helpers it needs, the body (call sites rewritten), its return fixup. */
export interface PreparedBody {
  prelude: string;
  body: string;
  fixup: string;
}

/** Same body, same text: EVALSHA and FCALL run the same bodies over and over. */
const prepared = new Map<string, PreparedBody>();
const wrapped = new Map<string, WrappedScript>();
const CACHE_LIMIT = 1000;

function remember<V>(m: Map<string, V>, k: string, v: V): void {
  if (m.size >= CACHE_LIMIT) m.clear();
  m.set(k, v);
}

export function prepareBody(body: string): PreparedBody {
  let p = prepared.get(body);
  if (p === undefined) {
    const name = errorHelperName(body);
    const rewritten = rewriteErrorCalls(body, name);
    let prelude = preludeFor(body);
    if (rewritten !== null) prelude += errorHelper(name);
    p = { prelude, body: rewritten ?? body, fixup: returnFixup(body) };
    remember(prepared, body, p);
  }
  return p;
}
