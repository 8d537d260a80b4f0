/*
 * The `bit` library scripts know from Redis (LuaBitOp's API): 32-bit operations on Lua numbers.
 * A number is taken modulo 2^32 (through the 2^52+2^51 rounding trick, as LuaBitOp does), and
 * results are signed 32-bit numbers.
 */
#include <stdint.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"

static uint32_t arg32(lua_State *L, int i) {
  double d = lua_tonumber(L, i) + 6755399441055744.0; /* 2^52 + 2^51: the low word is the value */
  uint64_t bits;
  memcpy(&bits, &d, 8);
  uint32_t b = (uint32_t)bits;
  if (b == 0 && !lua_isnumber(L, i)) luaL_typerror(L, i, "number");
  return b;
}

static int ret32(lua_State *L, uint32_t b) {
  lua_pushnumber(L, (lua_Number)(int32_t)b);
  return 1;
}

static int b_tobit(lua_State *L) { return ret32(L, arg32(L, 1)); }
static int b_bnot(lua_State *L) { return ret32(L, ~arg32(L, 1)); }

static int b_band(lua_State *L) {
  uint32_t b = arg32(L, 1);
  for (int i = lua_gettop(L); i > 1; i--) b &= arg32(L, i);
  return ret32(L, b);
}
static int b_bor(lua_State *L) {
  uint32_t b = arg32(L, 1);
  for (int i = lua_gettop(L); i > 1; i--) b |= arg32(L, i);
  return ret32(L, b);
}
static int b_bxor(lua_State *L) {
  uint32_t b = arg32(L, 1);
  for (int i = lua_gettop(L); i > 1; i--) b ^= arg32(L, i);
  return ret32(L, b);
}

static int b_lshift(lua_State *L) {
  uint32_t b = arg32(L, 1), n = arg32(L, 2) & 31;
  return ret32(L, b << n);
}
static int b_rshift(lua_State *L) {
  uint32_t b = arg32(L, 1), n = arg32(L, 2) & 31;
  return ret32(L, b >> n);
}
static int b_arshift(lua_State *L) {
  uint32_t b = arg32(L, 1), n = arg32(L, 2) & 31;
  return ret32(L, (uint32_t)((int32_t)b >> n));
}
static int b_rol(lua_State *L) {
  uint32_t b = arg32(L, 1), n = arg32(L, 2) & 31;
  return ret32(L, n == 0 ? b : (b << n) | (b >> (32 - n)));
}
static int b_ror(lua_State *L) {
  uint32_t b = arg32(L, 1), n = arg32(L, 2) & 31;
  return ret32(L, n == 0 ? b : (b >> n) | (b << (32 - n)));
}
static int b_bswap(lua_State *L) {
  uint32_t b = arg32(L, 1);
  return ret32(L, (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
}

/* bit.tohex(x [, n]): n hex digits (8 by default, at most 8), upper case when n < 0. */
static int b_tohex(lua_State *L) {
  uint32_t b = arg32(L, 1);
  int32_t n = lua_isnone(L, 2) ? 8 : (int32_t)arg32(L, 2);
  const char *digits = "0123456789abcdef";
  char buf[8];
  if (n < 0) {
    n = -n;
    digits = "0123456789ABCDEF";
  }
  if (n > 8) n = 8;
  for (int i = n - 1; i >= 0; i--, b >>= 4) buf[i] = digits[b & 15];
  lua_pushlstring(L, buf, (size_t)n);
  return 1;
}

int luaopen_bit(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"tobit", b_tobit}, {"bnot", b_bnot}, {"band", b_band}, {"bor", b_bor}, {"bxor", b_bxor},
    {"lshift", b_lshift}, {"rshift", b_rshift}, {"arshift", b_arshift}, {"rol", b_rol},
    {"ror", b_ror}, {"bswap", b_bswap}, {"tohex", b_tohex}, {NULL, NULL}};
  luaL_register(L, "bit", fns);
  return 1;
}
