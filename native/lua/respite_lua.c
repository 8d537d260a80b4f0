/*
 * respite's Lua engine: PUC Lua 5.1.5 (with our read-only table patch) in WebAssembly, with the
 * ABI src/scripting/vm/lua-wasm.ts drives.
 *
 * - A chunk is compiled once into a registry reference (rl_compile); each run calls it
 *   (rl_call) with KEYS/ARGV read from one argument block in memory.
 * - redis.call / redis.pcall write their arguments into the I/O buffer and call the host
 *   (host_call); the host writes the reply into the same buffer, where it is decoded.
 * - The instruction budget is a count hook armed for the whole budget: nothing runs until it
 *   fires.
 *
 * Wire formats (little-endian):
 *   argument block: [count u32]([len u32][bytes])*
 *   values:         [tag u8][len or count u32][payload], tags as in src/scripting/vm/wire.ts
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

#include "ldb.h"

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

/* The host (TypeScript) side. */
IMPORT(host_call) uint32_t host_call(uint8_t *io, uint32_t args_len, uint32_t protected_call);
IMPORT(host_log) void host_log(uint32_t level, const char *msg, uint32_t len);
IMPORT(host_setresp) void host_setresp(uint32_t version);
IMPORT(host_sha1hex) void host_sha1hex(const char *data, uint32_t len, char *out40);

enum {
  T_NULL = 0x00, T_INT = 0x01, T_BULK = 0x02, T_ARRAY = 0x03, T_STATUS = 0x04, T_ERROR = 0x05,
  T_SCRIPT_ERROR = 0x06, T_BOOL = 0x07, T_DOUBLE = 0x08, T_MAP = 0x09, T_SET = 0x0a,
  T_BIG_NUMBER = 0x0b, T_VERBATIM = 0x0c,
  /* An error from the script checks (the command never ran): the debugger logs it differently. */
  T_REJECTED = 0x0d
};

#define FUEL_MESSAGE "Script killed by fuel limit"
/* After the budget ran out, the hook keeps raising this often (pcall cannot swallow it for long). */
#define FUEL_AGAIN 1000
/* Deepest table nesting a return value may have (the prelude's guard stops far earlier). */
#define MAX_REPLY_DEPTH 1000

static lua_State *L0 = NULL;
static int resp_version = 2;
static int handler_ref = LUA_NOREF;
static uint32_t error_line = 0;
static double fuel_left = 0;

/* The I/O buffer: argument blocks in, command replies in, redis.call arguments out. */
static uint8_t *io = NULL;
static uint32_t io_cap = 0;

/* The encoded value of the last run (or compile error). */
static uint8_t *out = NULL;
static uint32_t out_cap = 0;
static uint32_t out_len = 0;

/* The Lua state (the debugger works on it). */
lua_State *respite_state(void) { return L0; }

/* -- buffers ---------------------------------------------------------------------------------- */

static int grow(uint8_t **buf, uint32_t *cap, uint32_t need) {
  if (need <= *cap) return 1;
  uint32_t n = *cap < 256 ? 256 : *cap;
  while (n < need) n *= 2;
  uint8_t *p = (uint8_t *)realloc(*buf, n);
  if (p == NULL) return 0;
  *buf = p;
  *cap = n;
  return 1;
}

/** The I/O buffer, at least `n` bytes (it may move: the host asks again after growing it). */
EXPORT(rl_io) uint8_t *rl_io(uint32_t n) {
  if (!grow(&io, &io_cap, n)) return NULL;
  return io;
}

EXPORT(rl_out) uint8_t *rl_out(void) { return out; }
EXPORT(rl_out_len) uint32_t rl_out_len(void) { return out_len; }
EXPORT(rl_io_cap) uint32_t rl_io_cap(void) { return io_cap; }
EXPORT(rl_error_line) uint32_t rl_error_line(void) { return error_line; }

static int put(const void *p, uint32_t n) {
  if (!grow(&out, &out_cap, out_len + n)) return 0;
  memcpy(out + out_len, p, n);
  out_len += n;
  return 1;
}

static int head(uint8_t tag, uint32_t n) {
  uint8_t h[5];
  h[0] = tag;
  memcpy(h + 1, &n, 4);
  return put(h, 5);
}

static int put_str(uint8_t tag, const char *s, size_t n) { return head(tag, (uint32_t)n) && put(s, (uint32_t)n); }

static int put_int(int64_t v) { return head(T_INT, 8) && put(&v, 8); }

static uint32_t rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* -- numbers as text --------------------------------------------------------------------------------- */

/*
 * Writes a whole number below `limit` in magnitude as its digits (what "%.Ng" prints when the
 * number has fewer than N digits); returns the length, or 0 when printf must do it.
 */
static int whole_number(char *s, double n, double limit) {
  if (!(n > -limit && n < limit) || n != floor(n) || (n == 0 && signbit(n))) return 0;
  int64_t v = (int64_t)n;
  char tmp[24];
  int len = 0;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    tmp[len++] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  int at = 0;
  if (v < 0) s[at++] = '-';
  while (len > 0) s[at++] = tmp[--len];
  s[at] = '\0';
  return at;
}

/* Lua's tostring of a number ("%.14g", luaconf.h's lua_number2str). */
int respite_number2str(char *s, double n) {
  int len = whole_number(s, n, 1e14);
  return len != 0 ? len : sprintf(s, "%.14g", n);
}

/* Lua's string -> number (luaconf.h's lua_str2number): decimal integers of up to 15 digits are
 * exact as doubles and read here; everything else (fractions, exponents, hex, inf/nan) by strtod. */
double respite_str2number(const char *s, char **end) {
  const char *p = s;
  while (*p == ' ' || (*p >= '\t' && *p <= '\r')) p++;
  int neg = *p == '-';
  if (*p == '-' || *p == '+') p++;
  const char *digits = p;
  uint64_t v = 0;
  while (*p >= '0' && *p <= '9' && p - digits < 16) v = v * 10 + (uint64_t)(*p++ - '0');
  size_t n = (size_t)(p - digits);
  if (n == 0 || n > 15 || *p == '.' || *p == 'e' || *p == 'E' || *p == 'x' || *p == 'X' || (*p >= '0' && *p <= '9'))
    return strtod(s, end);
  *end = (char *)p;
  return neg ? -(double)v : (double)v;
}

/* string.format's %d/%i and %o/%u/%x/%X: what x86-64 (Redis) gives for a double cast to a 64-bit
 * integer: out of range (NaN included) is INT64_MIN; unsigned goes through the signed conversion
 * below 2^63, is exact up to 2^64, and 0 past it. */
long long respite_format_int(double n) {
  return (n >= -9223372036854775808.0 && n < 9223372036854775808.0) ? (long long)n : INT64_MIN;
}

unsigned long long respite_format_uint(double n) {
  if (n != n || n < 9223372036854775808.0) return (unsigned long long)respite_format_int(n);
  return n < 18446744073709551616.0 ? (unsigned long long)n : 0;
}

/* -- Lua values -> wire (what a script returns) -------------------------------------------------- */

static int encode(lua_State *L, int idx, int depth);

/* The field `name` of the table at `idx`, read raw (no metamethod can run here). */
static void rawfield(lua_State *L, int idx, const char *name) {
  lua_pushstring(L, name);
  lua_rawget(L, idx);
}

static uint32_t count_pairs(lua_State *L, int idx) {
  uint32_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    n++;
    lua_pop(L, 1);
  }
  return n;
}

/* RESP3 special tables ({double=}, {big_number=}, ...): 1 if `idx` is none of them. */
static int encode_resp3_table(lua_State *L, int idx, int depth) {
  int ok;
  rawfield(L, idx, "double");
  if (lua_isnumber(L, -1)) {
    double d = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return head(T_DOUBLE, 8) && put(&d, 8) ? 0 : -1;
  }
  lua_pop(L, 1);
  rawfield(L, idx, "big_number");
  if (lua_isstring(L, -1)) {
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    ok = put_str(T_BIG_NUMBER, s, n);
    lua_pop(L, 1);
    return ok ? 0 : -1;
  }
  lua_pop(L, 1);
  rawfield(L, idx, "verbatim_string");
  if (lua_istable(L, -1)) {
    int v = lua_gettop(L);
    rawfield(L, v, "format");
    rawfield(L, v, "string");
    if (lua_isstring(L, -2) && lua_isstring(L, -1)) {
      size_t fl, sl;
      const char *f = lua_tolstring(L, -2, &fl);
      const char *s = lua_tolstring(L, -1, &sl);
      uint32_t f32 = (uint32_t)fl;
      ok = head(T_VERBATIM, (uint32_t)(4 + fl + sl)) && put(&f32, 4) && put(f, (uint32_t)fl) && put(s, (uint32_t)sl);
      lua_pop(L, 3);
      return ok ? 0 : -1;
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  rawfield(L, idx, "map");
  if (lua_istable(L, -1)) {
    int m = lua_gettop(L);
    ok = head(T_MAP, count_pairs(L, m));
    lua_pushnil(L);
    while (ok && lua_next(L, m)) {
      ok = encode(L, lua_gettop(L) - 1, depth + 1) == 0 && encode(L, lua_gettop(L), depth + 1) == 0;
      lua_pop(L, 1);
    }
    lua_settop(L, m - 1);
    return ok ? 0 : -1;
  }
  lua_pop(L, 1);
  rawfield(L, idx, "set");
  if (lua_istable(L, -1)) {
    int m = lua_gettop(L);
    ok = head(T_SET, count_pairs(L, m));
    lua_pushnil(L);
    while (ok && lua_next(L, m)) {
      ok = encode(L, lua_gettop(L) - 1, depth + 1) == 0;
      lua_pop(L, 1);
    }
    lua_settop(L, m - 1);
    return ok ? 0 : -1;
  }
  lua_pop(L, 1);
  return 1;
}

static int encode_table(lua_State *L, int idx, int depth) {
  size_t n;
  const char *s;
  /* err before ok, as Redis. */
  rawfield(L, idx, "err");
  if (lua_isstring(L, -1)) {
    s = lua_tolstring(L, -1, &n);
    int ok = put_str(T_ERROR, s, n);
    lua_pop(L, 1);
    return ok ? 0 : -1;
  }
  lua_pop(L, 1);
  rawfield(L, idx, "ok");
  if (lua_isstring(L, -1)) {
    s = lua_tolstring(L, -1, &n);
    int ok = put_str(T_STATUS, s, n);
    lua_pop(L, 1);
    return ok ? 0 : -1;
  }
  lua_pop(L, 1);
  if (resp_version == 3) {
    int r = encode_resp3_table(L, idx, depth);
    if (r != 1) return r;
  }
  /* An array: elements 1.. up to the first nil. */
  uint32_t count = 0;
  for (;;) {
    lua_rawgeti(L, idx, (int)count + 1);
    int nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    count++;
  }
  if (!head(T_ARRAY, count)) return -1;
  for (uint32_t i = 1; i <= count; i++) {
    lua_rawgeti(L, idx, (int)i);
    int r = encode(L, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
    if (r != 0) return r;
  }
  return 0;
}

static int encode(lua_State *L, int idx, int depth) {
  if (depth > MAX_REPLY_DEPTH || !lua_checkstack(L, 8)) return -2;
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
      return head(T_NULL, 0) ? 0 : -1;
    case LUA_TNUMBER:
      /* Truncated to an integer (the conversion saturates: -mnontrapping-fptoint). */
      return put_int((int64_t)lua_tonumber(L, idx)) ? 0 : -1;
    case LUA_TBOOLEAN:
      if (resp_version == 3) {
        uint8_t b = (uint8_t)lua_toboolean(L, idx);
        return head(T_BOOL, 1) && put(&b, 1) ? 0 : -1;
      }
      if (lua_toboolean(L, idx)) return put_int(1) ? 0 : -1;
      return head(T_NULL, 0) ? 0 : -1;
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, idx, &n);
      return put_str(T_BULK, s, n) ? 0 : -1;
    }
    case LUA_TTABLE:
      return encode_table(L, idx, depth);
  }
  /* Functions, userdata, threads: nil, as Redis's luaReplyToRedisReply. */
  return head(T_NULL, 0) ? 0 : -1;
}

static void out_error(const char *msg) {
  out_len = 0;
  put_str(T_ERROR, msg, strlen(msg));
}

/* A script-aborting error: [line u32][text]. */
static void out_script_error(lua_State *L, int idx, uint32_t line) {
  size_t n = 0;
  const char *s = lua_tolstring(L, idx, &n);
  if (s == NULL) {
    s = "ERR script execution failed";
    n = strlen(s);
  }
  out_len = 0;
  if (head(T_SCRIPT_ERROR, (uint32_t)(n + 4)) && put(&line, 4)) put(s, (uint32_t)n);
}

/* -- wire -> Lua values (command replies) --------------------------------------------------------- */

/* Decodes one value at *pos; an error reply raises when `raise` (redis.call). */
static void decode(lua_State *L, const uint8_t *b, uint32_t len, uint32_t *pos, int raise) {
  if (*pos + 5 > len) luaL_error(L, "ERR reply decoding failed");
  uint8_t tag = b[*pos];
  uint32_t n = rd32(b + *pos + 1);
  *pos += 5;
  luaL_checkstack(L, 4, "reply too deep");
  switch (tag) {
    case T_NULL:
      /* As Redis: a RESP2 null is false, a RESP3 null (after redis.setresp(3)) nil. */
      if (resp_version == 3) lua_pushnil(L);
      else lua_pushboolean(L, 0);
      return;
    case T_INT: {
      int64_t v;
      memcpy(&v, b + *pos, 8);
      *pos += 8;
      lua_pushnumber(L, (lua_Number)v);
      return;
    }
    case T_BULK:
      lua_pushlstring(L, (const char *)b + *pos, n);
      *pos += n;
      return;
    case T_STATUS:
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, (const char *)b + *pos, n);
      lua_setfield(L, -2, "ok");
      *pos += n;
      return;
    case T_ERROR:
    case T_REJECTED:
      if (raise) {
        lua_pushlstring(L, (const char *)b + *pos, n);
        *pos += n;
        lua_error(L);
      }
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, (const char *)b + *pos, n);
      lua_setfield(L, -2, "err");
      /* Redis marks the errors of commands (counted already) in the table redis.pcall returns. */
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "ignore_error_stats_update");
      *pos += n;
      return;
    case T_ARRAY:
      lua_createtable(L, (int)n, 0);
      for (uint32_t i = 1; i <= n; i++) {
        decode(L, b, len, pos, raise);
        lua_rawseti(L, -2, (int)i);
      }
      return;
    case T_BOOL:
      lua_pushboolean(L, b[*pos] != 0);
      *pos += 1;
      return;
    case T_DOUBLE: {
      double d;
      memcpy(&d, b + *pos, 8);
      *pos += 8;
      lua_createtable(L, 0, 1);
      lua_pushnumber(L, d);
      lua_setfield(L, -2, "double");
      return;
    }
    case T_BIG_NUMBER:
      lua_createtable(L, 0, 1);
      lua_pushlstring(L, (const char *)b + *pos, n);
      lua_setfield(L, -2, "big_number");
      *pos += n;
      return;
    case T_VERBATIM: {
      uint32_t end = *pos + n;
      uint32_t fl = rd32(b + *pos);
      lua_createtable(L, 0, 1);
      lua_createtable(L, 0, 2);
      lua_pushlstring(L, (const char *)b + *pos + 4, fl);
      lua_setfield(L, -2, "format");
      lua_pushlstring(L, (const char *)b + *pos + 4 + fl, end - (*pos + 4 + fl));
      lua_setfield(L, -2, "string");
      lua_setfield(L, -2, "verbatim_string");
      *pos = end;
      return;
    }
    case T_MAP:
      lua_createtable(L, 0, 1);
      lua_createtable(L, 0, (int)n);
      for (uint32_t i = 0; i < n; i++) {
        decode(L, b, len, pos, raise);
        decode(L, b, len, pos, raise);
        lua_settable(L, -3);
      }
      lua_setfield(L, -2, "map");
      return;
    case T_SET:
      lua_createtable(L, 0, 1);
      lua_createtable(L, 0, (int)n);
      for (uint32_t i = 0; i < n; i++) {
        decode(L, b, len, pos, raise);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      lua_setfield(L, -2, "set");
      return;
  }
  luaL_error(L, "ERR unknown reply type");
}

/* -- the redis table ------------------------------------------------------------------------------ */

/* Appends one command argument to the block in the I/O buffer. */
static int put_arg(uint32_t *pos, const char *s, uint32_t n) {
  if (!grow(&io, &io_cap, *pos + 4 + n)) return 0;
  memcpy(io + *pos, &n, 4);
  memcpy(io + *pos + 4, s, n);
  *pos += 4 + n;
  return 1;
}

static int redis_call_common(lua_State *L, int raise) {
  int argc = lua_gettop(L);
  for (int i = 1; i <= argc; i++) {
    int t = lua_type(L, i);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) {
      if (ldb_logging()) {
        static const char msg[] = "Lua redis lib command arguments must be strings or integers";
        ldb_log_error(msg, sizeof msg - 1);
      };
      lua_pushliteral(L, "__RLUA_E__:command-arg-type");
      return lua_error(L);
    }
  }
  uint32_t pos = 4;
  if (!grow(&io, &io_cap, 4)) return luaL_error(L, "ERR out of memory");
  memcpy(io, &argc, 4);
  for (int i = 1; i <= argc; i++) {
    int ok;
    if (lua_type(L, i) == LUA_TNUMBER) {
      /* Redis writes number arguments with "%.17g", not as tostring does. */
      char buf[64];
      double d = lua_tonumber(L, i);
      int n = whole_number(buf, d, 1e17);
      if (n == 0) n = snprintf(buf, sizeof buf, "%.17g", d);
      ok = put_arg(&pos, buf, (uint32_t)n);
    } else {
      size_t n;
      const char *s = lua_tolstring(L, i, &n);
      ok = put_arg(&pos, s, (uint32_t)n);
    }
    if (!ok) return luaL_error(L, "ERR out of memory");
  }
  uint32_t need = pos;
  if (argc > 0 && ldb_logging()) ldb_log_command(L, argc);
  lua_settop(L, 0); /* the arguments are copied: leave the whole stack to the reply */
  uint32_t len = host_call(io, need, (uint32_t)!raise);
  if (len == 0) return luaL_error(L, "ERR empty reply from host");
  if (ldb_logging()) ldb_log_reply(io, len, resp_version);
  uint32_t at = 0;
  decode(L, io, len, &at, raise);
  return 1;
}

static int l_call(lua_State *L) { return redis_call_common(L, 1); }
static int l_pcall(lua_State *L) { return redis_call_common(L, 0); }

static int l_log(lua_State *L) {
  if (lua_gettop(L) < 2) return luaL_error(L, "ERR redis.log requires level and message");
  int level = (int)luaL_checkinteger(L, 1);
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  host_log((uint32_t)level, s, (uint32_t)n);
  return 0;
}

static int l_sha1hex(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  char hex[40];
  host_sha1hex(s, (uint32_t)n, hex);
  lua_pushlstring(L, hex, 40);
  return 1;
}

/* A leading `[A-Z][A-Z0-9]*` word followed by a space: the message has its own error code. */
static int has_code(const char *s, size_t n) {
  size_t i = 0;
  while (i < n && ((s[i] >= 'A' && s[i] <= 'Z') || (i > 0 && s[i] >= '0' && s[i] <= '9'))) i++;
  return i > 0 && i < n && s[i] == ' ';
}

static int l_error_reply(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lua_createtable(L, 0, 1);
  if (!has_code(s, n)) {
    lua_pushliteral(L, "ERR ");
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
  } else lua_pushvalue(L, 1);
  lua_setfield(L, -2, "err");
  return 1;
}

static int l_status_reply(lua_State *L) {
  luaL_checkstring(L, 1);
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

static int l_setresp(lua_State *L) {
  lua_Integer v = luaL_checkinteger(L, 1);
  if (v != 2 && v != 3) return luaL_error(L, "ERR RESP version must be 2 or 3.");
  resp_version = (int)v;
  host_setresp((uint32_t)v);
  return 0;
}

static int l_return_upvalue(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  return 1;
}

static void set_number(lua_State *L, const char *name, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

static void open_redis(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"call", l_call}, {"pcall", l_pcall}, {"log", l_log}, {"sha1hex", l_sha1hex},
    {"error_reply", l_error_reply}, {"status_reply", l_status_reply}, {"setresp", l_setresp},
    {NULL, NULL}};
  lua_newtable(L);
  for (const luaL_Reg *f = fns; f->name != NULL; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  set_number(L, "LOG_DEBUG", 0);
  set_number(L, "LOG_VERBOSE", 1);
  set_number(L, "LOG_NOTICE", 2);
  set_number(L, "LOG_WARNING", 3);
  /* Redis 7.0's constants and the calls that are no-ops without replication steering or a debugger. */
  lua_pushliteral(L, "7.0.15");
  lua_setfield(L, -2, "REDIS_VERSION");
  set_number(L, "REDIS_VERSION_NUM", 0x07000f);
  set_number(L, "REPL_NONE", 0);
  set_number(L, "REPL_AOF", 1);
  set_number(L, "REPL_SLAVE", 2);
  set_number(L, "REPL_REPLICA", 2);
  set_number(L, "REPL_ALL", 3);
  lua_pushboolean(L, 1);
  lua_pushcclosure(L, l_return_upvalue, 1);
  lua_setfield(L, -2, "replicate_commands");
  lua_pushcfunction(L, ldb_redis_breakpoint);
  lua_setfield(L, -2, "breakpoint");
  lua_pushcfunction(L, ldb_redis_debug);
  lua_setfield(L, -2, "debug");
  lua_setglobal(L, "redis");
}

/* -- the sandbox ----------------------------------------------------------------------------------- */

int luaopen_cjson(lua_State *L);
int luaopen_struct(lua_State *L);
int luaopen_cmsgpack(lua_State *L);
int luaopen_bit(lua_State *L);

static void open_lib(lua_State *L, const char *name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

/* Reading a global that does not exist raises; the host words it (wire.ts, scriptError). */
static int global_index(lua_State *L) {
  const char *name = lua_tostring(L, 2);
  return luaL_error(L, "__RLUA_E__:global-read:%s", name != NULL ? name : "?");
}

/* Makes the table on top, and every table reachable from it (metatables too), read-only. */
static void protect(lua_State *L) {
  if (lua_isreadonlytable(L, -1)) return;
  lua_enablereadonlytable(L, -1, 1);
  luaL_checkstack(L, 3, "protect");
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_istable(L, -1)) protect(L);
    lua_pop(L, 1);
  }
  if (lua_getmetatable(L, -1)) {
    protect(L);
    lua_pop(L, 1);
  }
}

static void set_global_raw(lua_State *L, const char *name) {
  lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 0);
  lua_setfield(L, LUA_GLOBALSINDEX, name);
  lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 1);
}

/* Records the line of the innermost Lua frame with one (the redis.call site, not the C binding). */
static int error_handler(lua_State *L) {
  lua_Debug ar;
  error_line = 0;
  for (int level = 1; lua_getstack(L, level, &ar); level++) {
    if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
      error_line = (uint32_t)ar.currentline;
      break;
    }
  }
  return 1;
}

static void fuel_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  if (fuel_left > 0) {
    /* A budget beyond one hook count: arm the next stretch. */
    double step = fuel_left > 1e9 ? 1e9 : fuel_left;
    fuel_left -= step;
    lua_sethook(L, fuel_hook, LUA_MASKCOUNT, (int)step);
    return;
  }
  lua_sethook(L, fuel_hook, LUA_MASKCOUNT, FUEL_AGAIN);
  luaL_error(L, FUEL_MESSAGE);
}

EXPORT(rl_init) int rl_init(void) {
  lua_State *L = luaL_newstate();
  if (L == NULL) return 0;
  L0 = L;
  lua_gc(L, LUA_GCSTOP, 0);
  luaopen_base(L);
  luaopen_table(L);
  luaopen_string(L);
  luaopen_math(L);
  lua_settop(L, 0);
  static const char *removed[] = {"dofile", "loadfile", "print", "newproxy", "setfenv", "getfenv", NULL};
  for (const char **r = removed; *r != NULL; r++) {
    lua_pushnil(L);
    lua_setglobal(L, *r);
  }
  open_lib(L, "cjson", luaopen_cjson);
  open_lib(L, "struct", luaopen_struct);
  open_lib(L, "cmsgpack", luaopen_cmsgpack);
  open_lib(L, "bit", luaopen_bit);
  open_redis(L);
  lua_newtable(L);
  lua_setglobal(L, "KEYS");
  lua_newtable(L);
  lua_setglobal(L, "ARGV");
  lua_pushcfunction(L, error_handler);
  handler_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  /* Globals protection: reads of missing globals raise, nothing reachable from _G can change. */
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushcfunction(L, global_index);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  protect(L);
  lua_pop(L, 1);
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    protect(L);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_gc(L, LUA_GCRESTART, 0);
  return 1;
}

/* -- compile and run ------------------------------------------------------------------------------ */

/**
 * Compiles `len` bytes of source from the I/O buffer as chunk `@user_script`: returns a reference
 * to the function, or 0 with the error (T_SCRIPT_ERROR, line 0) as the output.
 */
EXPORT(rl_compile) int rl_compile(uint32_t len) {
  lua_State *L = L0;
  out_len = 0;
  if (luaL_loadbuffer(L, (const char *)io, len, "@user_script") != 0) {
    out_script_error(L, -1, 0);
    lua_settop(L, 0);
    return 0;
  }
  return luaL_ref(L, LUA_REGISTRYINDEX);
}

/** The compile error of `len` bytes of source named `name` (nul-terminated, after the source): 0 if none. */
EXPORT(rl_compile_error) uint32_t rl_compile_error(uint32_t len) {
  lua_State *L = L0;
  out_len = 0;
  int failed = luaL_loadbuffer(L, (const char *)io, len, (const char *)io + len);
  if (failed) {
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    if (s != NULL) put(s, (uint32_t)n);
  }
  lua_settop(L, 0);
  return failed ? out_len : 0;
}

EXPORT(rl_unref) void rl_unref(int ref) { luaL_unref(L0, LUA_REGISTRYINDEX, ref); }

/* KEYS and ARGV from the argument block in the I/O buffer. */
static int set_args(lua_State *L, uint32_t len, uint32_t nkeys) {
  if (len < 4) return 0;
  uint32_t count = rd32(io);
  if (nkeys > count) return 0;
  lua_createtable(L, (int)nkeys, 0);
  lua_createtable(L, (int)(count - nkeys), 0);
  uint32_t pos = 4;
  for (uint32_t i = 0; i < count; i++) {
    if (pos + 4 > len) return 0;
    uint32_t n = rd32(io + pos);
    pos += 4;
    if (pos + n > len) return 0;
    lua_pushlstring(L, (const char *)io + pos, n);
    pos += n;
    if (i < nkeys) lua_rawseti(L, -3, (int)i + 1);
    else lua_rawseti(L, -2, (int)(i - nkeys) + 1);
  }
  set_global_raw(L, "ARGV");
  set_global_raw(L, "KEYS");
  return 1;
}

/**
 * Runs compiled function `ref` with KEYS/ARGV from the argument block (`len` bytes in the I/O
 * buffer, the first `nkeys` are KEYS) and an instruction budget (< 0: none). Returns the output's
 * length; the output is the returned value or a T_SCRIPT_ERROR.
 */
EXPORT(rl_call) uint8_t *rl_call(int ref, uint32_t len, uint32_t nkeys, double fuel) {
  lua_State *L = L0;
  out_len = 0;
  resp_version = 2;
  lua_settop(L, 0);
  if (!set_args(L, len, nkeys)) {
    lua_settop(L, 0);
    out_error("ERR invalid KEYS/ARGV encoding");
    return out;
  }
  if (ldb_active()) ldb_install_hook(L);
  else if (fuel >= 0) {
    double step = fuel > 1e9 ? 1e9 : (fuel < 1 ? 1 : fuel);
    fuel_left = fuel - step;
    lua_sethook(L, fuel_hook, LUA_MASKCOUNT, (int)step);
  } else lua_sethook(L, NULL, 0, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, handler_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  error_line = 0;
  int status = lua_pcall(L, 0, 1, 1);
  lua_sethook(L, NULL, 0, 0);
  if (status == 0 && ldb_active()) status = ldb_fixup(L, 1);
  if (status != 0) {
    out_script_error(L, -1, error_line);
  } else {
    int r = encode(L, lua_gettop(L), 0);
    if (r == -2) out_error("ERR reached lua stack limit");
    else if (r != 0) out_error("ERR unsupported Lua return type");
  }
  lua_settop(L, 0);
  return out;
}

/** A full garbage collection (after releasing compiled chunks). */
EXPORT(rl_gc) void rl_gc(void) { lua_gc(L0, LUA_GCCOLLECT, 0); }

/** Bytes the Lua heap holds. */
EXPORT(rl_memory) double rl_memory(void) {
  return (double)lua_gc(L0, LUA_GCCOUNT, 0) * 1024 + lua_gc(L0, LUA_GCCOUNTB, 0);
}
