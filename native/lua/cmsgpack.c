/*
 * The `cmsgpack` library scripts know from Redis: cmsgpack.pack(...), cmsgpack.unpack(s),
 * cmsgpack.unpack_one(s [, offset]) and cmsgpack.unpack_limit(s, limit [, offset]), encoding as
 * Redis's x86-64 build does: integers (numbers that are exactly a 64-bit integer) in the smallest
 * MessagePack integer, other numbers as float 32 when that is exact and float 64 otherwise, tables
 * whose keys are exactly 1..n as arrays and others as maps, tables nested 16 deep as nil.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"

#define MAX_NESTING 16

/* -- encoding ------------------------------------------------------------------------------------ */

/* The output grows in a userdata at a fixed stack slot, so a Lua error mid-way leaks nothing. */
typedef struct Buf {
  lua_State *L;
  int slot;
  unsigned char *p;
  size_t len, cap;
} Buf;

static void add(Buf *b, const void *s, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap * 2;
    while (cap < b->len + n) cap *= 2;
    unsigned char *p = (unsigned char *)lua_newuserdata(b->L, cap);
    memcpy(p, b->p, b->len);
    lua_replace(b->L, b->slot);
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void add_byte(Buf *b, unsigned char c) { add(b, &c, 1); }

static void put_be(Buf *b, unsigned char tag, uint64_t v, int bytes) {
  unsigned char t[9];
  t[0] = tag;
  for (int i = 0; i < bytes; i++) t[1 + i] = (unsigned char)((v >> (8 * (bytes - 1 - i))) & 0xff);
  add(b, t, (size_t)bytes + 1);
}

static void put_int(Buf *b, int64_t n) {
  if (n >= 0) {
    if (n <= 127) add_byte(b, (unsigned char)n);
    else if (n <= 0xff) put_be(b, 0xcc, (uint64_t)n, 1);
    else if (n <= 0xffff) put_be(b, 0xcd, (uint64_t)n, 2);
    else if (n <= 0xffffffffLL) put_be(b, 0xce, (uint64_t)n, 4);
    else put_be(b, 0xcf, (uint64_t)n, 8);
  } else {
    if (n >= -32) add_byte(b, (unsigned char)(signed char)n);
    else if (n >= -128) put_be(b, 0xd0, (uint64_t)n, 1);
    else if (n >= -32768) put_be(b, 0xd1, (uint64_t)n, 2);
    else if (n >= -2147483648LL) put_be(b, 0xd2, (uint64_t)n, 4);
    else put_be(b, 0xd3, (uint64_t)n, 8);
  }
}

static void put_number(Buf *b, lua_Number n) {
  /* Exactly an int64 (what (int64_t)n == n means on x86-64). */
  if (n >= -9223372036854775808.0 && n < 9223372036854775808.0 && (lua_Number)(int64_t)n == n) {
    put_int(b, (int64_t)n);
    return;
  }
  float f = (float)n;
  if ((double)f == n) {
    uint32_t u;
    memcpy(&u, &f, 4);
    put_be(b, 0xca, u, 4);
  } else {
    uint64_t u;
    memcpy(&u, &n, 8);
    put_be(b, 0xcb, u, 8);
  }
}

static void put_count(Buf *b, size_t n, unsigned char fix, unsigned char t16, unsigned char t32) {
  if (n <= 15) add_byte(b, (unsigned char)(fix | n));
  else if (n <= 0xffff) put_be(b, t16, n, 2);
  else put_be(b, t32, n, 4);
}

static void put_string(Buf *b, const char *s, size_t n) {
  if (n < 32) add_byte(b, (unsigned char)(0xa0 | n));
  else if (n <= 0xff) put_be(b, 0xd9, n, 1);
  else if (n <= 0xffff) put_be(b, 0xda, n, 2);
  else put_be(b, 0xdb, n, 4);
  add(b, s, n);
}

/* Keys exactly 1..n (numbers that are whole ints): an array. */
static int is_array(lua_State *L, int t) {
  int count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    lua_Number n;
    if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || !(n < 2147483648.0) || (lua_Number)(int)n != n) {
      lua_pop(L, 1);
      return 0;
    }
    if ((int)n > max) max = (int)n;
    count++;
  }
  return max == count;
}

/* Encodes the value on top of the stack and pops it. */
static void encode(lua_State *L, Buf *b, int level) {
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && level == MAX_NESTING) t = LUA_TNIL;
  luaL_checkstack(L, 4, "cmsgpack");
  switch (t) {
    case LUA_TSTRING: {
      size_t n;
      const char *s = lua_tolstring(L, -1, &n);
      put_string(b, s, n);
      break;
    }
    case LUA_TBOOLEAN:
      add_byte(b, lua_toboolean(L, -1) ? 0xc3 : 0xc2);
      break;
    case LUA_TNUMBER:
      put_number(b, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE: {
      int tb = lua_gettop(L);
      if (is_array(L, tb)) {
        size_t n = lua_objlen(L, tb);
        put_count(b, n, 0x90, 0xdc, 0xdd);
        for (size_t j = 1; j <= n; j++) {
          lua_pushnumber(L, (lua_Number)j);
          lua_gettable(L, tb);
          encode(L, b, level + 1);
        }
      } else {
        size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, tb)) {
          lua_pop(L, 1);
          n++;
        }
        put_count(b, n, 0x80, 0xde, 0xdf);
        lua_pushnil(L);
        while (lua_next(L, tb)) {
          lua_pushvalue(L, -2);
          encode(L, b, level + 1); /* key */
          encode(L, b, level + 1); /* value */
        }
      }
      break;
    }
    default:
      add_byte(b, 0xc0);
  }
  lua_pop(L, 1);
}

static int mp_pack(lua_State *L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs + 8)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  Buf b = {L, nargs + 1, NULL, 0, 64};
  b.p = (unsigned char *)lua_newuserdata(L, b.cap);
  for (int i = 1; i <= nargs; i++) {
    lua_pushvalue(L, i);
    encode(L, &b, 0);
  }
  lua_pushlstring(L, (const char *)b.p, b.len);
  return 1;
}

/* -- decoding ------------------------------------------------------------------------------------ */

enum { OK, EOF_ERR, BAD_FORMAT };

typedef struct Cursor {
  const unsigned char *p;
  size_t left;
  int err;
} Cursor;

static uint64_t be(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

#define NEED(c, n) \
  do { \
    if ((c)->left < (size_t)(n)) { \
      (c)->err = EOF_ERR; \
      return; \
    } \
  } while (0)
#define TAKE(c, n) ((c)->p += (n), (c)->left -= (n))

static void decode(lua_State *L, Cursor *c);

static void decode_array(lua_State *L, Cursor *c, size_t n) {
  lua_newtable(L);
  for (size_t i = 1; i <= n; i++) {
    lua_pushnumber(L, (lua_Number)i);
    decode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

static void decode_map(lua_State *L, Cursor *c, size_t n) {
  lua_newtable(L);
  while (n-- > 0) {
    decode(L, c);
    if (c->err) return;
    decode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

static void decode_string(lua_State *L, Cursor *c, int head, size_t n) {
  NEED(c, head + n);
  lua_pushlstring(L, (const char *)c->p + head, n);
  TAKE(c, head + n);
}

static void decode(lua_State *L, Cursor *c) {
  NEED(c, 1);
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  unsigned char t = c->p[0];
  switch (t) {
    case 0xcc: NEED(c, 2); lua_pushnumber(L, c->p[1]); TAKE(c, 2); return;
    case 0xd0: NEED(c, 2); lua_pushnumber(L, (signed char)c->p[1]); TAKE(c, 2); return;
    case 0xcd: NEED(c, 3); lua_pushnumber(L, (lua_Number)be(c->p + 1, 2)); TAKE(c, 3); return;
    case 0xd1: NEED(c, 3); lua_pushnumber(L, (int16_t)be(c->p + 1, 2)); TAKE(c, 3); return;
    case 0xce: NEED(c, 5); lua_pushnumber(L, (lua_Number)be(c->p + 1, 4)); TAKE(c, 5); return;
    case 0xd2: NEED(c, 5); lua_pushnumber(L, (int32_t)be(c->p + 1, 4)); TAKE(c, 5); return;
    /* uint 64 goes through a signed 64-bit integer in Redis (lua_pushinteger). */
    case 0xcf: NEED(c, 9); lua_pushnumber(L, (lua_Number)(int64_t)be(c->p + 1, 8)); TAKE(c, 9); return;
    case 0xd3: NEED(c, 9); lua_pushnumber(L, (lua_Number)(int64_t)be(c->p + 1, 8)); TAKE(c, 9); return;
    case 0xc0: lua_pushnil(L); TAKE(c, 1); return;
    case 0xc3: lua_pushboolean(L, 1); TAKE(c, 1); return;
    case 0xc2: lua_pushboolean(L, 0); TAKE(c, 1); return;
    case 0xca: {
      NEED(c, 5);
      uint32_t u = (uint32_t)be(c->p + 1, 4);
      float f;
      memcpy(&f, &u, 4);
      lua_pushnumber(L, f);
      TAKE(c, 5);
      return;
    }
    case 0xcb: {
      NEED(c, 9);
      uint64_t u = be(c->p + 1, 8);
      double d;
      memcpy(&d, &u, 8);
      lua_pushnumber(L, d);
      TAKE(c, 9);
      return;
    }
    case 0xd9: NEED(c, 2); decode_string(L, c, 2, c->p[1]); return;
    case 0xda: NEED(c, 3); decode_string(L, c, 3, (size_t)be(c->p + 1, 2)); return;
    case 0xdb: NEED(c, 5); decode_string(L, c, 5, (size_t)be(c->p + 1, 4)); return;
    case 0xdc: { NEED(c, 3); size_t n = (size_t)be(c->p + 1, 2); TAKE(c, 3); decode_array(L, c, n); return; }
    case 0xdd: { NEED(c, 5); size_t n = (size_t)be(c->p + 1, 4); TAKE(c, 5); decode_array(L, c, n); return; }
    case 0xde: { NEED(c, 3); size_t n = (size_t)be(c->p + 1, 2); TAKE(c, 3); decode_map(L, c, n); return; }
    case 0xdf: { NEED(c, 5); size_t n = (size_t)be(c->p + 1, 4); TAKE(c, 5); decode_map(L, c, n); return; }
  }
  if ((t & 0x80) == 0) {
    lua_pushnumber(L, t);
    TAKE(c, 1);
  } else if ((t & 0xe0) == 0xe0) {
    lua_pushnumber(L, (signed char)t);
    TAKE(c, 1);
  } else if ((t & 0xe0) == 0xa0) {
    decode_string(L, c, 1, t & 0x1f);
  } else if ((t & 0xf0) == 0x90) {
    TAKE(c, 1);
    decode_array(L, c, t & 0xf);
  } else if ((t & 0xf0) == 0x80) {
    TAKE(c, 1);
    decode_map(L, c, t & 0xf);
  } else {
    c->err = BAD_FORMAT;
  }
}

static int unpack_from(lua_State *L, lua_Number limit, lua_Number offset) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  int all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0)
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", (int)offset, (int)len);
  if (offset > (lua_Number)len) return luaL_error(L, "Start offset %d greater than input length %d.", (int)offset, (int)len);
  if (all) limit = INT_MAX;
  Cursor c = {(const unsigned char *)s + (size_t)offset, len - (size_t)offset, OK};
  int count = 0;
  for (; c.left > 0 && count < limit; count++) {
    decode(L, &c);
    if (c.err == EOF_ERR) return luaL_error(L, "Missing bytes in input.");
    if (c.err == BAD_FORMAT) return luaL_error(L, "Bad data format in input.");
  }
  if (all) return count;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  lua_pushnumber(L, c.left == 0 ? -1 : (lua_Number)(len - c.left));
  lua_insert(L, 2);
  return count + 1;
}

static int mp_unpack(lua_State *L) { return unpack_from(L, 0, 0); }

static int mp_unpack_one(lua_State *L) {
  lua_Number offset = luaL_optnumber(L, 2, 0);
  lua_settop(L, 1);
  return unpack_from(L, 1, (lua_Number)(int64_t)offset);
}

static int mp_unpack_limit(lua_State *L) {
  lua_Number limit = luaL_checknumber(L, 2);
  lua_Number offset = luaL_optnumber(L, 3, 0);
  lua_settop(L, 1);
  return unpack_from(L, (lua_Number)(int64_t)limit, (lua_Number)(int64_t)offset);
}

int luaopen_cmsgpack(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"pack", mp_pack}, {"unpack", mp_unpack}, {"unpack_one", mp_unpack_one}, {"unpack_limit", mp_unpack_limit}, {NULL, NULL}};
  lua_newtable(L);
  for (const luaL_Reg *f = fns; f->name != NULL; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  lua_pushvalue(L, -1);
  lua_setglobal(L, "cmsgpack");
  return 1;
}
