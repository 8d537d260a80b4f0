/*
 * respite's Lua debugger, the engine side of SCRIPT DEBUG YES|SYNC: written after the behaviour of
 * Redis 7.0's "ldb" (its help text, log lines and command parser's limits are reproduced so that
 * redis-cli --ldb and Redis's tests see the same bytes).
 *
 * While a session is open, a line hook (and a count hook, for the timeout) stops the script; at a
 * stop the log lines gathered so far are sent to the debugging client as an array of status
 * strings, and its commands are read and run until one resumes the script. The bytes cross the
 * host through one import, host_ldb (the host waits for the client's next bytes on a read).
 */
#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "ldb.h"

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

/* op 0: write bytes to the client; 1: read up to len bytes (returns the count, 0 when the client
 * is gone); 2: the time in ms; 3: the script resumes after a stop (the host moves its clock). */
IMPORT(host_ldb) double host_ldb(uint32_t op, uint8_t *p, uint32_t len);
enum { IO_WRITE = 0, IO_READ = 1, IO_NOW = 2, IO_RESUMED = 3 };

/* Wire tags (respite_lua.c, src/scripting/vm/wire.ts). */
enum {
  W_NULL = 0x00, W_INT = 0x01, W_BULK = 0x02, W_ARRAY = 0x03, W_STATUS = 0x04, W_ERROR = 0x05,
  W_BOOL = 0x07, W_DOUBLE = 0x08, W_MAP = 0x09, W_SET = 0x0a, W_BIG_NUMBER = 0x0b, W_VERBATIM = 0x0c,
  W_REJECTED = 0x0d
};

#define MAX_BREAKPOINTS 64
#define DEFAULT_MAXLEN 256
#define MAX_COMMAND_ARGS 1024
#define MAX_ARG_LEN 1024
#define MAX_PENDING_INPUT (1 << 20)
/* Nesting shown by print/eval before giving up (Redis: LUA_MINSTACK / 2). */
#define MAX_VALUE_DEPTH 10
/* Instructions between two checks of the timeout. */
#define COUNT_HOOK_EVERY 100000

/* -- growable byte strings ------------------------------------------------------------------------ */

typedef struct {
  char *p;
  size_t n, cap;
} str;

static void s_reserve(str *s, size_t more) {
  if (s->n + more + 1 <= s->cap) return;
  size_t cap = s->cap < 64 ? 64 : s->cap;
  while (cap < s->n + more + 1) cap *= 2;
  char *p = (char *)realloc(s->p, cap);
  if (p == NULL) abort();
  s->p = p;
  s->cap = cap;
}

static void s_cat(str *s, const char *p, size_t n) {
  s_reserve(s, n);
  memcpy(s->p + s->n, p, n);
  s->n += n;
  s->p[s->n] = '\0';
}

static void s_cats(str *s, const char *z) { s_cat(s, z, strlen(z)); }

static void s_catf(str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_catf(str *s, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) s_cat(s, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static str s_new(const char *z) {
  str s = {NULL, 0, 0};
  s_reserve(&s, 0);
  s.p[0] = '\0';
  if (z != NULL) s_cats(&s, z);
  return s;
}

/* A quoted, escaped copy of n bytes (as Redis's sdscatrepr prints values). */
static void s_repr(str *s, const char *p, size_t n) {
  s_cat(s, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    switch (c) {
      case '\\':
      case '"':
        s_catf(s, "\\%c", c);
        break;
      case '\n': s_cats(s, "\\n"); break;
      case '\r': s_cats(s, "\\r"); break;
      case '\t': s_cats(s, "\\t"); break;
      case '\a': s_cats(s, "\\a"); break;
      case '\b': s_cats(s, "\\b"); break;
      default:
        if (isprint(c)) s_cat(s, (const char *)&c, 1);
        else s_catf(s, "\\x%02x", c);
    }
  }
  s_cat(s, "\"", 1);
}

/* -- session state --------------------------------------------------------------------------------- */

static struct {
  int active;
  int step;
  int luabp;
  int bp[MAX_BREAKPOINTS];
  int bpcount;
  int currentline;
  /* The script's source, split in lines (for list, and the line shown at each stop). */
  char *src;
  char **lines;
  int nlines;
  /* Log lines waiting to be sent. */
  str *logs;
  int nlogs, logcap;
  /* What the client sent that is not yet a whole command. */
  str input;
  int maxlen;
  int maxlen_hint_sent;
  double timelimit_ms;
  double started_ms;
  int fixup_ref;
} ldb = {.fixup_ref = LUA_NOREF};

int ldb_active(void) { return ldb.active; }
int ldb_logging(void) { return ldb.active && ldb.step; }

static void log_line(str s) {
  if (ldb.nlogs == ldb.logcap) {
    int cap = ldb.logcap < 16 ? 16 : ldb.logcap * 2;
    str *l = (str *)realloc(ldb.logs, sizeof(str) * (size_t)cap);
    if (l == NULL) abort();
    ldb.logs = l;
    ldb.logcap = cap;
  }
  ldb.logs[ldb.nlogs++] = s;
}

static void log_text(const char *z) { log_line(s_new(z)); }

/* Long values (replies, variables) are cut at maxlen, with a hint the first time. */
static void log_trimmed(str s) {
  int trimmed = 0;
  if (ldb.maxlen != 0 && s.n > (size_t)ldb.maxlen) {
    s.n = (size_t)ldb.maxlen;
    s.p[s.n] = '\0';
    s_cats(&s, " ...");
    trimmed = 1;
  }
  log_line(s);
  if (trimmed && !ldb.maxlen_hint_sent) {
    ldb.maxlen_hint_sent = 1;
    log_text("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
  }
}

/* Sends the gathered lines as one array of status strings (CR and LF become spaces). */
static void send_logs(void) {
  str out = s_new(NULL);
  s_catf(&out, "*%d\r\n", ldb.nlogs);
  for (int i = 0; i < ldb.nlogs; i++) {
    str *l = &ldb.logs[i];
    for (size_t j = 0; j < l->n; j++)
      if (l->p[j] == '\r' || l->p[j] == '\n') l->p[j] = ' ';
    s_cat(&out, "+", 1);
    s_cat(&out, l->p, l->n);
    s_cat(&out, "\r\n", 2);
    free(l->p);
  }
  ldb.nlogs = 0;
  host_ldb(IO_WRITE, (uint8_t *)out.p, (uint32_t)out.n);
  free(out.p);
}

static void drop_logs(void) {
  for (int i = 0; i < ldb.nlogs; i++) free(ldb.logs[i].p);
  ldb.nlogs = 0;
}

/* -- source lines and breakpoints ------------------------------------------------------------------ */

static const char *source_line(int line) {
  if (line < 1 || line > ldb.nlines) return "<out of range source code line>";
  return ldb.lines[line - 1];
}

static int is_breakpoint(int line) {
  for (int i = 0; i < ldb.bpcount; i++)
    if (ldb.bp[i] == line) return 1;
  return 0;
}

static int add_breakpoint(int line) {
  if (line <= 0 || line > ldb.nlines) return 0;
  if (is_breakpoint(line) || ldb.bpcount == MAX_BREAKPOINTS) return 0;
  ldb.bp[ldb.bpcount++] = line;
  return 1;
}

static int remove_breakpoint(int line) {
  for (int i = 0; i < ldb.bpcount; i++) {
    if (ldb.bp[i] != line) continue;
    ldb.bpcount--;
    /* Redis moves (bpcount - i) bytes here, not ints; the same count keeps the same list. */
    memmove((char *)(ldb.bp + i), (char *)(ldb.bp + i + 1), (size_t)(ldb.bpcount - i));
    return 1;
  }
  return 0;
}

static void log_source_line(int line) {
  int bp = is_breakpoint(line);
  int here = ldb.currentline == line;
  const char *mark = here ? (bp ? "->#" : "-> ") : (bp ? "  #" : "   ");
  str s = s_new(NULL);
  s_catf(&s, "%s%-3d %s", mark, line, source_line(line));
  log_line(s);
}

static void list_source(int around, int context) {
  for (int j = 1; j <= ldb.nlines; j++) {
    if (around != 0 && abs(around - j) > context) continue;
    log_source_line(j);
  }
}

/* -- Lua values as text ---------------------------------------------------------------------------- */

/* Lua's "%g" of a number; a NaN shows its sign as glibc prints it (0/0 is "-nan" on x86). */
static void cat_number(str *s, double d) {
  if (isnan(d)) s_cats(s, signbit(d) ? "-nan" : "nan");
  else s_catf(s, "%g", d);
}

static void cat_value(str *s, lua_State *L, int idx, int level) {
  if (level++ == MAX_VALUE_DEPTH) {
    s_cats(s, "<max recursion level reached! Nested table?>");
    return;
  }
  int t = lua_type(L, idx);
  switch (t) {
    case LUA_TSTRING: {
      size_t n;
      const char *p = lua_tolstring(L, idx, &n);
      s_repr(s, p, n);
      return;
    }
    case LUA_TBOOLEAN:
      s_cats(s, lua_toboolean(L, idx) ? "true" : "false");
      return;
    case LUA_TNUMBER:
      cat_number(s, lua_tonumber(L, idx));
      return;
    case LUA_TNIL:
      s_cats(s, "nil");
      return;
    case LUA_TTABLE: {
      /* Both forms are built; the array form is used when the keys are 1, 2, 3... in order. */
      str arr = s_new(NULL), map = s_new(NULL);
      int expected = 1, is_array = 1;
      if (!lua_checkstack(L, 4)) {
        s_cats(s, "<max recursion level reached! Nested table?>");
        free(arr.p);
        free(map.p);
        return;
      }
      lua_pushnil(L);
      while (lua_next(L, idx - 1)) {
        if (is_array && (lua_type(L, -2) != LUA_TNUMBER || lua_tonumber(L, -2) != expected)) is_array = 0;
        cat_value(&arr, L, -1, level);
        s_cats(&arr, "; ");
        s_cats(&map, "[");
        cat_value(&map, L, -2, level);
        s_cats(&map, "]=");
        cat_value(&map, L, -1, level);
        s_cats(&map, "; ");
        lua_pop(L, 1);
        expected++;
      }
      if (arr.n >= 2) arr.n -= 2;
      if (map.n >= 2) map.n -= 2;
      s_cats(s, "{");
      if (is_array) s_cat(s, arr.p, arr.n);
      else s_cat(s, map.p, map.n);
      s_cats(s, "}");
      free(arr.p);
      free(map.p);
      return;
    }
    case LUA_TFUNCTION:
    case LUA_TUSERDATA:
    case LUA_TTHREAD:
    case LUA_TLIGHTUSERDATA: {
      const char *name = t == LUA_TFUNCTION ? "function" : t == LUA_TUSERDATA ? "userdata" : t == LUA_TTHREAD ? "thread" : "light-userdata";
      s_catf(s, "\"%s@%p\"", name, lua_topointer(L, idx));
      return;
    }
  }
  s_cats(s, "\"<unknown-lua-type>\"");
}

static void log_value(lua_State *L, const char *prefix) {
  str s = s_new(prefix);
  cat_value(&s, L, -1, 0);
  log_trimmed(s);
}

/* -- command replies as text ---------------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

typedef struct {
  const uint8_t *b;
  uint32_t len, pos;
  int resp;
  /* A type Redis's printer does not know was met: it prints nothing from there on. */
  int stuck;
  str errors;
  int nerrors;
} reply_reader;

static void cat_reply(str *s, reply_reader *r);

static void cat_items(str *s, reply_reader *r, uint32_t n, const char *sep) {
  for (uint32_t i = 0; i < n; i++) {
    cat_reply(s, r);
    if (i + 1 != n) s_cats(s, sep);
  }
}

static void cat_reply(str *s, reply_reader *r) {
  if (r->stuck || r->pos + 5 > r->len) return;
  uint8_t tag = r->b[r->pos];
  uint32_t n = rd32(r->b + r->pos + 1);
  const char *p = (const char *)r->b + r->pos + 5;
  switch (tag) {
    case W_NULL:
      r->pos += 5;
      s_cats(s, r->resp == 3 ? "(null)" : "NULL");
      return;
    case W_INT: {
      int64_t v;
      memcpy(&v, p, 8);
      r->pos += 13;
      s_catf(s, "%lld", (long long)v);
      return;
    }
    case W_BULK:
      r->pos += 5 + n;
      s_repr(s, p, n);
      return;
    case W_STATUS:
    case W_ERROR: {
      r->pos += 5 + n;
      str line = s_new(tag == W_STATUS ? "+" : "-");
      s_cat(&line, p, n);
      s_repr(s, line.p, line.n);
      if (tag == W_ERROR) {
        /* Converting an error reply logs it (Redis's luaPushErrorBuff). */
        str e = s_new("<error> ");
        s_cat(&e, line.p, line.n);
        log_line(e);
      }
      free(line.p);
      return;
    }
    case W_ARRAY:
      r->pos += 5;
      s_cats(s, "[");
      cat_items(s, r, n, ",");
      s_cats(s, "]");
      return;
    case W_SET:
      r->pos += 5;
      s_cats(s, "~(");
      cat_items(s, r, n, ",");
      s_cats(s, ")");
      return;
    case W_MAP:
      r->pos += 5;
      s_cats(s, "{");
      for (uint32_t i = 0; i < n; i++) {
        cat_reply(s, r);
        s_cats(s, " => ");
        cat_reply(s, r);
        if (i + 1 != n) s_cats(s, ",");
      }
      s_cats(s, "}");
      return;
    case W_BOOL:
      r->pos += 6;
      s_cats(s, p[0] ? "#true" : "#false");
      return;
    case W_DOUBLE: {
      double d;
      memcpy(&d, p, 8);
      r->pos += 13;
      s_cats(s, "(double) ");
      if (isinf(d)) s_cats(s, d > 0 ? "inf" : "-inf");
      else if (isnan(d)) s_cats(s, signbit(d) ? "-nan" : "nan");
      else s_catf(s, "%.17g", d);
      return;
    }
  }
  /* Big numbers, verbatim strings: not printed, and nothing after them either (as Redis). */
  r->stuck = 1;
}

void ldb_log_reply(const uint8_t *b, uint32_t len, int resp) {
  if (len >= 5 && b[0] == W_REJECTED) {
    /* Refused by the script checks before running: Redis logs its own text, no reply line. */
    uint32_t n = rd32(b + 1);
    const char *p = (const char *)b + 5;
    str e = s_new("<error> ");
    if (n >= 4 && memcmp(p, "ERR ", 4) == 0) s_cat(&e, p + 4, n - 4);
    else {
      s_cat(&e, "-", 1);
      s_cat(&e, p, n);
      s_cat(&e, "\r\n", 2);
    }
    log_line(e);
    return;
  }
  reply_reader r = {b, len, 0, resp, 0, {NULL, 0, 0}, 0};
  str s = s_new("<reply> ");
  cat_reply(&s, &r);
  log_trimmed(s);
}

void ldb_log_error(const char *p, size_t n) {
  str e = s_new("<error> ");
  s_cat(&e, p, n);
  log_line(e);
}

void ldb_log_command(lua_State *L, int argc) {
  str s = s_new("<redis>");
  for (int j = 0; j < argc; j++) {
    if (j == 10) {
      s_catf(&s, " ... (%d more)", argc - j - 1);
      break;
    }
    size_t n;
    const char *p;
    char num[64];
    if (lua_type(L, j + 1) == LUA_TNUMBER) {
      n = (size_t)snprintf(num, sizeof num, "%.17g", lua_tonumber(L, j + 1));
      p = num;
    } else p = lua_tolstring(L, j + 1, &n);
    s_cat(&s, " ", 1);
    if (p != NULL) s_cat(&s, p, n);
  }
  log_line(s);
}

/* -- the client's commands ------------------------------------------------------------------------- */

typedef struct {
  str *v;
  int n;
} args;

static void free_args(args *a) {
  for (int i = 0; i < a->n; i++) free(a->v[i].p);
  free(a->v);
  a->v = NULL;
  a->n = 0;
}

/*
 * Parses one multi-bulk command from the input, Redis's ldb way: anything before the first '*' is
 * skipped, at most 1024 arguments of 1 to 1024 bytes. Returns 1 with a command, 0 to read more,
 * -1 on a protocol error.
 */
static int parse_command(args *out) {
  str *in = &ldb.input;
  if (in->n == 0) return 0;
  const char *end = in->p + in->n;
  /* The input is NUL-terminated: strchr/strstr stop at the first NUL as they do in Redis. */
  const char *p = strchr(in->p, '*');
  if (p == NULL) return -1;
  const char *nl = strstr(p, "\r\n");
  if (nl == NULL) return 0;
  int argc = atoi(p + 1);
  if (argc <= 0 || argc > MAX_COMMAND_ARGS) return -1;
  p = nl + 2;
  args a = {(str *)calloc((size_t)argc, sizeof(str)), 0};
  if (a.v == NULL) abort();
  while (a.n < argc) {
    if (p >= end || *p == '\0') {
      free_args(&a);
      return 0;
    }
    if (*p != '$') {
      free_args(&a);
      return -1;
    }
    nl = strstr(p, "\r\n");
    if (nl == NULL) {
      free_args(&a);
      return 0;
    }
    int len = atoi(p + 1);
    if (len <= 0 || len > MAX_ARG_LEN) {
      free_args(&a);
      return -1;
    }
    p = nl + 2;
    if (p + len + 2 > end) {
      free_args(&a);
      return 0;
    }
    a.v[a.n] = s_new(NULL);
    s_cat(&a.v[a.n], p, (size_t)len);
    a.n++;
    p += len;
    if (p[0] != '\r' || p[1] != '\n') {
      free_args(&a);
      return -1;
    }
    p += 2;
  }
  *out = a;
  return 1;
}

/* Raises a script error with Redis's "ERR <text>" wording (the runner adds where it happened). */
static int raise_error(lua_State *L, const char *text) {
  lua_pushfstring(L, "ERR %s", text);
  return lua_error(L);
}

static int is_cmd(const str *a, const char *shortname, const char *name) {
  /* Compared as C strings: a NUL byte ends the name, as in Redis. */
  return strcasecmp(a->p, shortname) == 0 || strcasecmp(a->p, name) == 0;
}

static const char *const HELP[] = {
  "Redis Lua debugger help:",
  "[h]elp               Show this help.",
  "[s]tep               Run current line and stop again.",
  "[n]ext               Alias for step.",
  "[c]ontinue           Run till next breakpoint.",
  "[l]ist               List source code around current line.",
  "[l]ist [line]        List source code around [line].",
  "                     line = 0 means: current position.",
  "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
  "                     to show before/after [line].",
  "[w]hole              List all source code. Alias for 'list 1 1000000'.",
  "[p]rint              Show all the local variables.",
  "[p]rint <var>        Show the value of the specified variable.",
  "                     Can also show global vars KEYS and ARGV.",
  "[b]reak              Show all breakpoints.",
  "[b]reak <line>       Add a breakpoint to the specified line.",
  "[b]reak -<line>      Remove breakpoint from the specified line.",
  "[b]reak 0            Remove all breakpoints.",
  "[t]race              Show a backtrace.",
  "[e]val <code>        Execute some Lua code (in a different callframe).",
  "[r]edis <cmd>        Execute a Redis command.",
  "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
  "                     Specifying zero as <len> means unlimited.",
  "[a]bort              Stop the execution of the script. In sync",
  "                     mode dataset changes will be retained.",
  "",
  "Debugger functions you can call from Lua scripts:",
  "redis.debug()        Produce logs in the debugger console.",
  "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
  "                     next line of code.",
  NULL};

static void cmd_print_var(lua_State *L, const char *name) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    const char *local;
    for (int i = 1; (local = lua_getlocal(L, &ar, i)) != NULL; i++) {
      if (strcmp(name, local) == 0) {
        log_value(L, "<value> ");
        lua_pop(L, 1);
        return;
      }
      lua_pop(L, 1);
    }
  }
  if (strcmp(name, "ARGV") == 0 || strcmp(name, "KEYS") == 0) {
    lua_getglobal(L, name);
    log_value(L, "<value> ");
    lua_pop(L, 1);
  } else log_text("No such variable.");
}

static void cmd_print_all(lua_State *L) {
  lua_Debug ar;
  int shown = 0;
  if (lua_getstack(L, 0, &ar)) {
    const char *local;
    for (int i = 1; (local = lua_getlocal(L, &ar, i)) != NULL; i++) {
      if (strstr(local, "(*temporary)") == NULL) {
        str prefix = s_new(NULL);
        s_catf(&prefix, "<value> %s = ", local);
        log_value(L, prefix.p);
        free(prefix.p);
        shown++;
      }
      lua_pop(L, 1);
    }
  }
  if (shown == 0) log_text("No local variables in the current context.");
}

/* Redis's string2l: an optional '-', no leading zeros or '+', within a long. */
static int strict_long(const char *s, size_t n, long long *out) {
  if (n == 0 || n > 20) return 0;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return 1;
  }
  size_t i = 0;
  int neg = 0;
  if (s[0] == '-') {
    neg = 1;
    i = 1;
    if (n == 1) return 0;
  }
  if (s[i] < '1' || s[i] > '9') return 0;
  unsigned long long v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    unsigned long long nv = v * 10 + (unsigned long long)(s[i] - '0');
    if (nv / 10 != v) return 0;
    v = nv;
  }
  if (neg ? v > 9223372036854775808ULL : v > 9223372036854775807ULL) return 0;
  *out = neg ? (long long)(0 - v) : (long long)v;
  return 1;
}

static void cmd_break(args *a) {
  if (a->n == 1) {
    if (ldb.bpcount == 0) {
      log_text("No breakpoints set. Use 'b <line>' to add one.");
      return;
    }
    str s = s_new(NULL);
    s_catf(&s, "%d breakpoints set:", ldb.bpcount);
    log_line(s);
    for (int i = 0; i < ldb.bpcount; i++) log_source_line(ldb.bp[i]);
    return;
  }
  for (int j = 1; j < a->n; j++) {
    long long v;
    if (!strict_long(a->v[j].p, a->v[j].n, &v)) {
      str s = s_new(NULL);
      s_catf(&s, "Invalid argument:'%s'", a->v[j].p);
      log_line(s);
    } else if (v == 0) {
      ldb.bpcount = 0;
      log_text("All breakpoints removed.");
    } else if (v > 0) {
      if (ldb.bpcount == MAX_BREAKPOINTS) log_text("Too many breakpoints set.");
      else if (add_breakpoint((int)v)) list_source((int)v, 1);
      else log_text("Wrong line number.");
    } else {
      if (remove_breakpoint((int)-v)) log_text("Breakpoint removed.");
      else log_text("No breakpoint in the specified line.");
    }
  }
}

static void cmd_eval(lua_State *L, args *a) {
  str code = s_new(NULL);
  for (int i = 1; i < a->n; i++) {
    if (i > 1) s_cat(&code, " ", 1);
    s_cat(&code, a->v[i].p, a->v[i].n);
  }
  str expr = s_new("return ");
  s_cat(&expr, code.p, code.n);
  /* As an expression first, then as statements. */
  int failed = luaL_loadbuffer(L, expr.p, expr.n, "@ldb_eval");
  if (failed) {
    lua_pop(L, 1);
    failed = luaL_loadbuffer(L, code.p, code.n, "@ldb_eval");
  }
  free(code.p);
  free(expr.p);
  if (!failed) failed = lua_pcall(L, 0, 1, 0);
  if (failed) {
    const char *e = lua_tostring(L, -1);
    str s = s_new("<error> ");
    const char *code = e != NULL ? strstr(e, "__RLUA_E__:") : NULL;
    if (code == NULL) s_cats(&s, e != NULL ? e : "(null)");
    else {
      /* The sandbox's own errors, in Redis's words (src/scripting/runner.ts does this for scripts). */
      s_cat(&s, e, (size_t)(code - e));
      code += strlen("__RLUA_E__:");
      if (strncmp(code, "global-read:", 12) == 0) s_catf(&s, "Script attempted to access nonexistent global variable '%s'", code + 12);
      else s_cats(&s, "Lua redis lib command arguments must be strings or integers");
    }
    log_line(s);
    lua_pop(L, 1);
    return;
  }
  log_value(L, "<retval> ");
  lua_pop(L, 1);
}

static void cmd_redis(lua_State *L, args *a) {
  if (!lua_checkstack(L, a->n + 1)) {
    log_text("<reply> ");
    return;
  }
  lua_getglobal(L, "redis");
  lua_getfield(L, -1, "call");
  for (int i = 1; i < a->n; i++) lua_pushlstring(L, a->v[i].p, a->v[i].n);
  /* Stepping makes redis.call log the command and its reply. */
  ldb.step = 1;
  lua_pcall(L, a->n - 1, 1, 0);
  ldb.step = 0;
  lua_pop(L, 2);
}

static void cmd_trace(lua_State *L) {
  lua_Debug ar;
  int level = 0;
  for (; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Snl", &ar);
    if (strstr(ar.short_src, "user_script") == NULL) continue;
    str s = s_new(NULL);
    s_catf(&s, "%s %s:", level == 0 ? "In" : "From", ar.name != NULL ? ar.name : "top level");
    log_line(s);
    log_source_line(ar.currentline);
  }
  if (level == 0) log_text("<error> Can't retrieve Lua stack.");
}

static void cmd_maxlen(args *a) {
  if (a->n == 2) {
    int v = atoi(a->v[1].p);
    ldb.maxlen_hint_sent = 1;
    if (v != 0 && v <= 60) v = 60;
    ldb.maxlen = v;
  }
  str s = s_new(NULL);
  if (ldb.maxlen != 0) s_catf(&s, "<value> replies are truncated at %d bytes.", ldb.maxlen);
  else s_cats(&s, "<value> replies are unlimited.");
  log_line(s);
}

/*
 * Reads and runs the client's commands until one resumes the script (1). Returns 0 when the
 * client is gone (the script then runs on without stopping).
 */
static int repl(lua_State *L) {
  for (;;) {
    args a = {NULL, 0};
    int r;
    while ((r = parse_command(&a)) != 1) {
      if (r < 0) raise_error(L, "protocol error");
      uint8_t buf[1024];
      int n = (int)host_ldb(IO_READ, buf, sizeof buf);
      if (n <= 0) {
        ldb.step = 0;
        ldb.bpcount = 0;
        return 0;
      }
      s_cat(&ldb.input, (const char *)buf, (size_t)n);
      if (ldb.input.n > MAX_PENDING_INPUT) {
        ldb.input.n = 0;
        ldb.input.p[0] = '\0';
        raise_error(L, "max client buffer reached");
      }
    }
    /* Whatever followed the command is dropped (Redis reads one command at a time). */
    ldb.input.n = 0;
    ldb.input.p[0] = '\0';
    str *cmd = &a.v[0];
    int resume = 0;
    if (is_cmd(cmd, "h", "help")) {
      for (const char *const *h = HELP; *h != NULL; h++) log_text(*h);
      send_logs();
    } else if (is_cmd(cmd, "s", "step") || is_cmd(cmd, "n", "next")) {
      ldb.step = 1;
      resume = 1;
    } else if (is_cmd(cmd, "c", "continue")) {
      resume = 1;
    } else if (is_cmd(cmd, "t", "trace")) {
      cmd_trace(L);
      send_logs();
    } else if (is_cmd(cmd, "m", "maxlen")) {
      cmd_maxlen(&a);
      send_logs();
    } else if (is_cmd(cmd, "b", "break")) {
      cmd_break(&a);
      send_logs();
    } else if (is_cmd(cmd, "e", "eval")) {
      cmd_eval(L, &a);
      send_logs();
    } else if (is_cmd(cmd, "a", "abort")) {
      free_args(&a);
      raise_error(L, "script aborted for user request");
    } else if (a.n > 1 && is_cmd(cmd, "r", "redis")) {
      cmd_redis(L, &a);
      send_logs();
    } else if (is_cmd(cmd, "p", "print")) {
      if (a.n == 2) cmd_print_var(L, a.v[1].p);
      else cmd_print_all(L);
      send_logs();
    } else if (is_cmd(cmd, "l", "list")) {
      int around = ldb.currentline, ctx = 5;
      if (a.n > 1) {
        int num = atoi(a.v[1].p);
        if (num > 0) around = num;
      }
      if (a.n > 2) ctx = atoi(a.v[2].p);
      list_source(around, ctx);
      send_logs();
    } else if (is_cmd(cmd, "w", "whole")) {
      list_source(1, 1000000);
      send_logs();
    } else {
      log_text("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
      send_logs();
    }
    free_args(&a);
    if (resume) return 1;
  }
}

/* -- the hook ---------------------------------------------------------------------------------------- */

static void hook(lua_State *L, lua_Debug *ar) {
  lua_getstack(L, 0, ar);
  lua_getinfo(L, "Sl", ar);
  /* Only the script's own lines count (not the helpers respite compiles beside it). */
  if (strstr(ar->short_src, "user_script") == NULL) return;
  ldb.currentline = ar->currentline;
  int bp = is_breakpoint(ldb.currentline) || ldb.luabp;
  int timeout = 0;
  if (ar->event == LUA_HOOKCOUNT && ldb.step == 0 && bp == 0) {
    double limit = ldb.timelimit_ms > 0 ? ldb.timelimit_ms : 5000;
    if (host_ldb(IO_NOW, NULL, 0) - ldb.started_ms < limit) return;
    timeout = 1;
    ldb.step = 1;
  }
  if (!ldb.step && !bp) return;
  const char *reason = bp ? (ldb.luabp ? "redis.breakpoint() called" : "break point") : timeout ? "timeout reached, infinite loop?" : "step over";
  ldb.step = 0;
  ldb.luabp = 0;
  str s = s_new(NULL);
  s_catf(&s, "* Stopped at %d, stop reason = %s", ldb.currentline, reason);
  log_line(s);
  log_source_line(ldb.currentline);
  send_logs();
  if (!repl(L) && timeout) raise_error(L, "timeout during Lua debugging with client closing connection");
  ldb.started_ms = host_ldb(IO_NOW, NULL, 0);
  host_ldb(IO_RESUMED, NULL, 0);
}

void ldb_install_hook(lua_State *L) { lua_sethook(L, hook, LUA_MASKLINE | LUA_MASKCOUNT, COUNT_HOOK_EVERY); }

int ldb_redis_breakpoint(lua_State *L) {
  if (ldb.active) ldb.luabp = 1;
  lua_pushboolean(L, ldb.active);
  return 1;
}

int ldb_redis_debug(lua_State *L) {
  if (!ldb.active) return 0;
  int argc = lua_gettop(L);
  str s = s_new(NULL);
  s_catf(&s, "<debug> line %d: ", ldb.currentline);
  for (int i = 1; i <= argc; i++) {
    cat_value(&s, L, i - argc - 1, 0);
    if (i != argc) s_cats(&s, ", ");
  }
  log_line(s);
  return 0;
}

/* -- session lifecycle (called by the host) ---------------------------------------------------------- */

extern uint8_t *rl_io(uint32_t n);

/**
 * Opens a session for the script whose text (as the client sent it) is the first `len` bytes of
 * the I/O buffer; `timelimit_ms` is busy-reply-threshold (0: 5 s), after which a running script
 * stops on its own.
 */
EXPORT(rl_ldb_begin) void rl_ldb_begin(uint32_t len, double timelimit_ms) {
  uint8_t *io = rl_io(0);
  drop_logs();
  free(ldb.src);
  free(ldb.lines);
  /* Trailing newlines are not lines of their own. */
  while (len > 0 && (io[len - 1] == '\n' || io[len - 1] == '\r')) len--;
  ldb.src = (char *)malloc(len + 1);
  if (ldb.src == NULL) abort();
  memcpy(ldb.src, io, len);
  ldb.src[len] = '\0';
  int n = 1;
  for (uint32_t i = 0; i < len; i++)
    if (ldb.src[i] == '\n') n++;
  ldb.lines = (char **)malloc(sizeof(char *) * (size_t)n);
  if (ldb.lines == NULL) abort();
  ldb.nlines = 0;
  if (len > 0) {
    char *line = ldb.src;
    for (uint32_t i = 0; i <= len; i++) {
      if (i == len || ldb.src[i] == '\n') {
        ldb.src[i] = '\0';
        ldb.lines[ldb.nlines++] = line;
        line = ldb.src + i + 1;
      }
    }
  }
  ldb.active = 1;
  ldb.step = 1;
  ldb.luabp = 0;
  ldb.bpcount = 0;
  ldb.currentline = 0;
  ldb.maxlen = DEFAULT_MAXLEN;
  ldb.maxlen_hint_sent = 0;
  ldb.timelimit_ms = timelimit_ms;
  ldb.started_ms = host_ldb(IO_NOW, NULL, 0);
  if (ldb.input.p == NULL) ldb.input = s_new(NULL);
  ldb.input.n = 0;
  ldb.input.p[0] = '\0';
}

extern lua_State *respite_state(void);

/**
 * Prepares the compiled script `ref` for the session: `prelude_len` bytes of helper code (a chunk
 * returning the table of names the script sees before the globals) and `fixup_len` bytes of code
 * run on the script's return value, both in the I/O buffer. Returns 1, or 0 if they fail to load.
 */
EXPORT(rl_ldb_prepare) int rl_ldb_prepare(int ref, uint32_t prelude_len, uint32_t fixup_len) {
  lua_State *L = respite_state();
  uint8_t *io = rl_io(0);
  if (ldb.fixup_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ldb.fixup_ref);
  ldb.fixup_ref = LUA_NOREF;
  if (fixup_len > 0) {
    if (luaL_loadbuffer(L, (const char *)io + prelude_len, fixup_len, "@respite_fixup") != 0) {
      lua_settop(L, 0);
      return 0;
    }
    ldb.fixup_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  if (prelude_len > 0) {
    if (luaL_loadbuffer(L, (const char *)io, prelude_len, "@respite_prelude") != 0 || lua_pcall(L, 0, 1, 0) != 0 || !lua_istable(L, -1)) {
      lua_settop(L, 0);
      return 0;
    }
    /* The script's environment: the helpers, then the globals (reads and writes go through). */
    lua_newtable(L);
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_insert(L, -2);
    lua_setfenv(L, -2);
    lua_settop(L, 0);
  }
  return 1;
}

int ldb_fixup(lua_State *L, int handler) {
  if (ldb.fixup_ref == LUA_NOREF) return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, ldb.fixup_ref);
  lua_insert(L, -2);
  return lua_pcall(L, 1, 1, handler);
}

/** Ends the session: the last log lines and the end mark go to the client. */
EXPORT(rl_ldb_end) void rl_ldb_end(void) {
  if (ldb.active) {
    log_text("<endsession>");
    send_logs();
  }
  ldb.active = 0;
  ldb.step = 0;
  ldb.luabp = 0;
  free(ldb.src);
  free(ldb.lines);
  ldb.src = NULL;
  ldb.lines = NULL;
  ldb.nlines = 0;
  lua_State *L = respite_state();
  if (ldb.fixup_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ldb.fixup_ref);
  ldb.fixup_ref = LUA_NOREF;
}
