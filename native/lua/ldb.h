/*
 * The Lua debugger (SCRIPT DEBUG YES|SYNC): what the engine glue (respite_lua.c) needs of it.
 * The debugger itself is ldb.c; the host (src/scripting/vm) carries its bytes to the client.
 */
#ifndef RESPITE_LDB_H
#define RESPITE_LDB_H

#include <stdint.h>
#include <stddef.h>

#include "lua.h"

/* A session is open (the script being run is debugged). */
int ldb_active(void);
/* A session is open and stepping: redis.call logs its command and reply (Redis's ldbIsEnabled). */
int ldb_logging(void);
/* Installs the line/count hook for the debugged run. */
void ldb_install_hook(lua_State *L);
/* Logs `<redis> arg ...` for the `argc` arguments at stack positions 1..argc. */
void ldb_log_command(lua_State *L, int argc);
/* Logs the `<error>` lines and the `<reply>` line of a command's reply in the wire format. */
void ldb_log_reply(const uint8_t *b, uint32_t len, int resp);
/* Logs `<error> text`. */
void ldb_log_error(const char *s, size_t n);
/* Runs the session's return fixup (if any) on the value on top of the stack; 0 on success. */
int ldb_fixup(lua_State *L, int handler);
/* redis.debug() and redis.breakpoint(). */
int ldb_redis_debug(lua_State *L);
int ldb_redis_breakpoint(lua_State *L);

#endif
