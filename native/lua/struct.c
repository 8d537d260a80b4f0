/*
 * The `struct` library scripts know from Redis: struct.pack(fmt, ...), struct.unpack(fmt, s
 * [, pos]) and struct.size(fmt), with the sizes of Redis's x86-64 build (long and size_t are 8
 * bytes, int 4, the largest alignment 8), whatever the sizes of this WebAssembly build are.
 *
 * Format: '<' little / '>' big endian ('=' is not an option), '![n]' alignment, 'x' a pad byte,
 * b/B h/H l/L T i[n]/I[n] integers (signed when lower case), f float, d double, 'c[n]' n chars
 * (c0: the whole string when packing, the previous number as length when unpacking), 's' a
 * zero-terminated string, ' ' ignored.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"

#define MAX_INT_SIZE 32
#define MAX_ALIGN 8
enum { BIG, LITTLE };

typedef struct Opts {
  int endian;
  int align;
} Opts;

static int number_in(lua_State *L, const char **fmt, int dflt) {
  if (!isdigit((unsigned char)**fmt)) return dflt;
  int a = 0;
  while (isdigit((unsigned char)**fmt)) {
    int d = *(*fmt)++ - '0';
    if (a > (INT_MAX - d) / 10) luaL_error(L, "integral size overflow");
    a = a * 10 + d;
  }
  return a;
}

/* The size of option `opt` (0 for options that take no room and need no alignment). */
static size_t size_of(lua_State *L, int opt, const char **fmt) {
  switch (opt) {
    case 'b': case 'B': case 'x': return 1;
    case 'h': case 'H': return 2;
    case 'l': case 'L': case 'T': case 'd': return 8;
    case 'f': return 4;
    case 'c': return (size_t)number_in(L, fmt, 1);
    case 'i': case 'I': {
      int n = number_in(L, fmt, 4);
      if (n > MAX_INT_SIZE) luaL_error(L, "integral size %d is larger than limit of %d", n, MAX_INT_SIZE);
      return (size_t)n;
    }
  }
  return 0;
}

static size_t padding(size_t pos, const Opts *o, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > (size_t)o->align) size = (size_t)o->align;
  return (size - (pos & (size - 1))) & (size - 1);
}

/* Endianness, alignment and spaces; anything else is an invalid option. */
static void control(lua_State *L, int opt, const char **fmt, Opts *o) {
  switch (opt) {
    case ' ': return;
    case '>': o->endian = BIG; return;
    case '<': o->endian = LITTLE; return;
    case '!': {
      int a = number_in(L, fmt, MAX_ALIGN);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      o->align = a;
      return;
    }
  }
  luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
}

static void put_bytes(luaL_Buffer *b, const void *p, size_t n, int endian) {
  const unsigned char *s = (const unsigned char *)p;
  for (size_t i = 0; i < n; i++) luaL_addchar(b, (char)s[endian == LITTLE ? i : n - 1 - i]);
}

static void put_integer(lua_State *L, luaL_Buffer *b, int arg, int endian, size_t size) {
  lua_Number n = luaL_checknumber(L, arg);
  /* The C conversions of x86-64 (out of range: the "integer indefinite" value). */
  uint64_t v;
  if (n < 0) v = (n >= -9223372036854775808.0) ? (uint64_t)(int64_t)n : (uint64_t)INT64_MIN;
  else v = (n < 18446744073709551616.0) ? (uint64_t)n : 0;
  unsigned char buf[MAX_INT_SIZE];
  for (size_t i = 0; i < size; i++) {
    buf[endian == LITTLE ? i : size - 1 - i] = (unsigned char)(i < 8 ? (v >> (8 * i)) & 0xff : 0);
  }
  luaL_addlstring(b, (const char *)buf, size);
}

static int s_pack(lua_State *L) {
  const char *fmt = luaL_checkstring(L, 1);
  Opts o = {LITTLE, 1};
  int arg = 2;
  size_t total = 0;
  luaL_Buffer b;
  lua_pushnil(L); /* keeps the arguments apart from the buffer's stack slots */
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = size_of(L, opt, &fmt);
    size_t pad = padding(total, &o, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        put_integer(L, &b, arg++, o.endian, size);
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = (float)luaL_checknumber(L, arg++);
        put_bytes(&b, &f, 4, o.endian);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        put_bytes(&b, &d, 8, o.endian);
        break;
      }
      case 'c': case 's': {
        size_t l;
        const char *s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          size++;
        }
        break;
      }
      default:
        control(L, opt, &fmt, &o);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

static lua_Number get_integer(const unsigned char *p, int endian, int is_signed, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; i++) {
    unsigned char c = p[endian == BIG ? i : size - 1 - i];
    v = (v << 8) | c;
  }
  if (!is_signed) return (lua_Number)v;
  if (size < 8) {
    uint64_t sign = (uint64_t)1 << (size * 8 - 1);
    if (v & sign) v |= ~(sign - 1) | sign;
  }
  return (lua_Number)(int64_t)v;
}

static int s_unpack(lua_State *L) {
  const char *fmt = luaL_checkstring(L, 1);
  size_t len;
  const unsigned char *data = (const unsigned char *)luaL_checklstring(L, 2, &len);
  lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
  size_t pos = (size_t)start - 1;
  int n = 0;
  Opts o = {LITTLE, 1};
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = size_of(L, opt, &fmt);
    pos += padding(pos, &o, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua_pushnumber(L, get_integer(data + pos, o.endian, islower(opt), size));
        n++;
        break;
      case 'x':
        break;
      case 'f': {
        unsigned char t[4];
        float f;
        for (int i = 0; i < 4; i++) t[i] = data[pos + (o.endian == LITTLE ? i : 3 - i)];
        memcpy(&f, t, 4);
        lua_pushnumber(L, f);
        n++;
        break;
      }
      case 'd': {
        unsigned char t[8];
        double d;
        for (int i = 0; i < 8; i++) t[i] = data[pos + (o.endian == LITTLE ? i : 7 - i)];
        memcpy(&d, t, 8);
        lua_pushnumber(L, d);
        n++;
        break;
      }
      case 'c':
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = (size_t)lua_tonumber(L, -1);
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
        }
        lua_pushlstring(L, (const char *)data + pos, size);
        n++;
        break;
      case 's': {
        const unsigned char *z = (const unsigned char *)memchr(data + pos, '\0', len - pos);
        if (z == NULL) luaL_error(L, "unfinished string in data");
        size = (size_t)(z - (data + pos)) + 1;
        lua_pushlstring(L, (const char *)data + pos, size - 1);
        n++;
        break;
      }
      default:
        control(L, opt, &fmt, &o);
    }
    pos += size;
  }
  lua_pushnumber(L, (lua_Number)pos + 1);
  return n + 1;
}

static int s_size(lua_State *L) {
  const char *fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  Opts o = {LITTLE, 1};
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = size_of(L, opt, &fmt);
    pos += padding(pos, &o, opt, size);
    if (opt == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
    else if (opt == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
    if (!isalnum(opt)) control(L, opt, &fmt, &o);
    pos += size;
  }
  lua_pushnumber(L, (lua_Number)pos);
  return 1;
}

int luaopen_struct(lua_State *L) {
  static const luaL_Reg fns[] = {{"pack", s_pack}, {"unpack", s_unpack}, {"size", s_size}, {NULL, NULL}};
  luaL_register(L, "struct", fns);
  return 1;
}
