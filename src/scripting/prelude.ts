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
  "randomseed = function(s) pc('\\0seed', int(s, 1)) end}, {__index = m}) end)(math, redis.pcall, tonumber, math.floor, select, error, type, setmetatable); ";

// redis.set_repl (validated like Redis; respite has no replication to steer) and
// redis.acl_check_cmd (every client runs as the default user).
const REDIS_EXTRAS =
  "local redis = (function(r, pc, tp, err, smt) return smt({" +
  "set_repl = function(...) if select('#', ...) ~= 1 then err('redis.set_repl() requires one argument.', 0) end local f = ... " +
  "if tp(f) ~= 'number' or f < 0 or f > 3 or f % 1 ~= 0 then err('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.', 0) end end, " +
  "acl_check_cmd = function(...) if select('#', ...) < 1 then err('ERR Please specify at least one argument for this redis lib call', 0) end " +
  "local v = pc('\\0acl', ...) if tp(v) == 'table' then err(v.err, 0) end return v == 1 end" +
  "}, {__index = r}) end)(redis, redis.pcall, type, error, setmetatable); ";

/** The helpers a body needs, for the text in front of it (same line: line numbers do not move). */
export function preludeFor(body: string): string {
  let p = '';
  if (body.includes('random')) p += RANDOM;
  if (body.includes('set_repl') || body.includes('acl_check_cmd')) p += REDIS_EXTRAS;
  return p;
}

/**
 * The engine converts a returned table recursively in C and never returns from a table that
 * contains itself. Redis stops at its Lua stack limit; we refuse tables nested deeper than
 * Redis could convert (array parts only, which is all the conversion reads) with its error text.
 */
export const DEPTH_GUARD =
  " if t == 'table' then local function d(x, n) if n > 200 then return true end for i = 1, #x do local v = x[i] if type(v) == 'table' and d(v, n + 1) then return true end end return false end if d(__v, 0) then return {err = 'ERR reached lua stack limit'} end end";

/**
 * An EVAL script body wrapped so that only its first return value is converted (Redis converts
 * the top of the stack after lua_pcall(..., 1, ...)); functions and other non-data values give
 * nil as in Redis. Kept tiny on purpose: the engine compiles the whole text on every run.
 */
export function wrapEval(body: string): string {
  return preludeFor(body) + 'local __v = (function(...) ' + body + "\nend)(...) local t = type(__v) if t == 'function' or t == 'userdata' or t == 'thread' then return nil end" + DEPTH_GUARD + ' return __v';
}
