// Number arguments to redis.call / redis.pcall. Redis 7.0 formats them with "%.17g"; the engine
// formats them as Lua's tostring does ("%.14g"), so 1234567890123456 would arrive as
// 1.2345678901235e+15. A wrapper around redis.call would fix that but move the line numbers of
// the errors it raises to the wrapper's, so the call sites are rewritten instead: the arguments of
// `redis.call(...)` go through `__n(...)`, which formats numbers and runs in the script's own frame
// before redis.call is called (in `pcall(redis.call, ...)` too). Only call sites with an argument
// that may be a number are touched (string literals, KEYS[i] and ARGV[i] are strings), and nothing
// is inserted across lines.

/**
 * Formats one number argument as Redis does; anything else passes through unchanged. One small
 * function on purpose: the engine compiles the helper with the script on every run.
 */
export const numberArgHelper = (name: string): string =>
  `local function ${name}(v) if type(v) == 'number' then return string.format('%.17g', v) end return v end `;

// unpack returns fewer than 8000 values (LUAI_MAXCSTACK), but redis.call takes more (Redis runs
// redis.call('lpush', k, unpack(a)) with 7999 elements): past that, the values are returned one
// per Lua frame, by a function compiled only then.
const MANY_VALUES = "local t, n = ... local function r(i) if n - i < 7900 then return unpack(t, i, n) end return t[i], r(i + 1) end return r(1)";

/** The same for a last argument that may give several values (`unpack(t)`, `...`, a call). */
export const numberArgsHelper = (name: string): string =>
  `local function ${name}(...) local t, n, hit = {...}, select('#', ...), false ` +
  "for i = 1, n do if type(t[i]) == 'number' then t[i] = string.format('%.17g', t[i]) hit = true end end if not hit then return ... end " +
  `if n < 7900 then return unpack(t, 1, n) end return loadstring('${MANY_VALUES}')(t, n) end `;

/**
 * The helpers' names: __n, __m, __r and __e, unless the body itself uses that text (its own `local __n`
 * would shadow ours, and ours would answer a read of a global __n), then __n1, __n2...
 */
export interface HelperNames {
  /** One argument (numberArgHelper). */
  number: string;
  /** A last argument of several values (numberArgsHelper). */
  numbers: string;
  nulls: string;
  errors: string;
}

export function helperNames(body: string): HelperNames {
  const fresh = (base: string): string => {
    let name = base;
    for (let i = 1; body.includes(name); i++) name = base + i;
    return name;
  };
  return { number: fresh('__n'), numbers: fresh('__m'), nulls: fresh('__r'), errors: fresh('__e') };
}

/**
 * RESP3 nulls: after redis.setresp(3) Redis gives a script nil for a null reply, the engine false.
 * For bodies that call setresp, replies carry nulls as a marker (wire.ts NULL_MARKER) and every
 * call site's result goes through the null helper, which turns markers into nil, inside arrays and
 * maps too.
 */
const NULL_HELPER_MARK = "local M = '\\0respite:null' ";
export const nullHelper = (name: string): string =>
  `local ${name} = ` +
  "(function(tp, rg, nx, sel, unp) " + NULL_HELPER_MARK + "local function f(v) if tp(v) ~= 'table' then return v end if rg(v, 'ok') == M then return nil end " +
  "local m = rg(v, 'map') if tp(m) == 'table' then for k, x in nx, m do m[k] = f(x) end return v end for i = 1, #v do v[i] = f(v[i]) end return v end " +
  // Several values: pcall(redis.call, ...) gives the status first.
  "return function(...) local n = sel('#', ...) if n == 1 then return f((...)) end local t = {...} for i = 1, n do t[i] = f(t[i]) end return unp(t, 1, n) end " +
  'end)(type, rawget, next, select, unpack); ';

/**
 * error({err = '...'}): Redis replies with the err text; the engine only says "script execution
 * failed" for any table. At `error(...)` call sites whose argument may be a table, the argument
 * passes through this helper first, which tells the runner the text ('\0err', runner.ts) and
 * returns the arguments unchanged, so the table is still what is raised (and what pcall catches).
 */
export const errorHelper = (name: string): string =>
  `local ${name} = (function(tp, rg, pc) return function(...) local v = ... if tp(v) == 'table' then local e = rg(v, 'err') ` +
  "if tp(e) == 'string' then pc('\\0err', e) end end return ... end end)(type, rawget, redis.pcall); ";

// Arguments that reach Redis the same either way: strings, and integer literals up to 14 digits.
const SURELY_STRING = /^\s*(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|KEYS\s*\[[^\]]*\]|ARGV\s*\[[^\]]*\]|-?\d{1,14})\s*$/;
/**
 * What an argument of redis.call gives: 'string' when it surely reaches Redis the same either way
 * (a literal, KEYS[i], or a concatenation: `..` outside brackets and strings, with no `and` / `or`
 * beside it, which bind looser); else 'one' value when its last code character (comments aside)
 * belongs to a name or a number, or 'many' (a call ends with `)`, `}` or a string, `...` with a dot).
 */
function argumentKind(arg: string): 'string' | 'one' | 'many' {
  if (SURELY_STRING.test(arg)) return 'string';
  let depth = 0;
  let concat = false;
  let maybeNumber = false;
  let last = '';
  for (let i = 0; i < arg.length; ) {
    const skip = skipNonCode(arg, i);
    if (skip >= 0) {
      if (arg[i] !== '-') last = "'";
      i = skip;
      continue;
    }
    const c = arg[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    last = c;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && c === '.' && arg[i + 1] === '.') {
      if (arg[i + 2] === '.') maybeNumber = true; // `...`
      else concat = true;
      i += arg[i + 2] === '.' ? 3 : 2;
      continue;
    } else if (/[A-Za-z_]/.test(c) && (i === 0 || !/[\w.]/.test(arg[i - 1]))) {
      const word = /^[A-Za-z_]\w*/.exec(arg.slice(i, i + 64))![0];
      if (depth === 0 && (word === 'and' || word === 'or')) maybeNumber = true;
      last = word[word.length - 1];
      i += word.length;
      continue;
    }
    i++;
  }
  if (concat && !maybeNumber) return 'string';
  return /\w/.test(last) ? 'one' : 'many';
}

const CALL = /redis\s*\.\s*p?call\s*\(/y;
const ERROR_CALL = /error\s*\(/y;
/** `local rcall = redis.call`: calls through such an alias are call sites too (BullMQ's style). */
const ALIAS = /\blocal\s+([A-Za-z_]\w*)\s*=\s*redis\s*\.\s*p?call\b(?!\s*\()/g;

/** Index just past a string literal, comment or long bracket starting at i, or -1 if none does. */
export function skipNonCode(s: string, i: number): number {
  const c = s[i];
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < s.length && s[j] !== c && s[j] !== '\n') j += s[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '[') {
    const m = /^\[(=*)\[/.exec(s.slice(i, i + 64));
    if (m === null) return -1;
    const end = s.indexOf(`]${m[1]}]`, i + m[0].length);
    return end < 0 ? s.length : end + m[0].length;
  }
  if (c === '-' && s[i + 1] === '-') {
    const m = /^--\[(=*)\[/.exec(s.slice(i, i + 64));
    if (m !== null) {
      const end = s.indexOf(`]${m[1]}]`, i + m[0].length);
      return end < 0 ? s.length : end + m[0].length - 2;
    }
    const nl = s.indexOf('\n', i);
    return nl < 0 ? s.length : nl;
  }
  return -1;
}

/**
 * The body with number-capable redis.call/pcall arguments wrapped in __n(...), and with `nulls`
 * every call's result wrapped in __r(...); null when no call site needs either.
 */
/**
 * `numbers`: wrap number arguments (lua-redis-wasm formats them as tostring does; respite's own
 * engine already writes them with "%.17g", as Redis).
 */
export function rewriteCallArgs(body: string, nulls = false, names: HelperNames = helperNames(body), numbers = true): string | null {
  if (!body.includes('call') && !body.includes('error')) return null;
  const aliases = new Set<string>();
  for (const m of body.matchAll(ALIAS)) aliases.add(m[1]);
  const aliasCall = aliases.size === 0 ? null : new RegExp(`(?:${[...aliases].join('|')})\\s*\\(`, 'y');
  // pcall(redis.call, ...): the arguments after the function are the command's.
  const pcallOf = new RegExp(`pcall\\s*\\(\\s*(?:redis\\s*\\.\\s*p?call${[...aliases].map((a) => `|${a}`).join('')})\\s*,`, 'y');
  const inserts: { at: number; text: string }[] = [];
  // Open call sites: where their arguments start, and the top-level argument boundaries so far.
  const stack: { expr: number; start: number; depth: number; args: number[]; raise: boolean }[] = [];
  let depth = 0;
  for (let i = 0; i < body.length; ) {
    const skip = skipNonCode(body, i);
    if (skip >= 0) {
      i = skip;
      continue;
    }
    const c = body[i];
    if (/[A-Za-z_]/.test(c) && (i === 0 || !/[\w.:]/.test(body[i - 1]))) {
      let re: RegExp | null = c === 'r' ? CALL : c === 'p' ? pcallOf : c === 'e' ? ERROR_CALL : null;
      let end = -1;
      if (re !== null) {
        re.lastIndex = i;
        if (re.test(body)) end = re.lastIndex;
      }
      const raise = end >= 0 && re === ERROR_CALL;
      if (end < 0 && aliasCall !== null) {
        aliasCall.lastIndex = i;
        if (aliasCall.test(body)) end = aliasCall.lastIndex;
      }
      if (end >= 0) {
        depth++;
        stack.push({ expr: i, start: end, depth, args: [end], raise });
        i = end;
        continue;
      }
      // Skip the rest of the identifier (so `xrcall(` is not taken for `rcall(`).
      while (i < body.length && /\w/.test(body[i])) i++;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      const top = stack[stack.length - 1];
      if (c === ')' && top !== undefined && top.depth === depth) {
        stack.pop();
        top.args.push(i + 1);
        const args: string[] = [];
        for (let k = 0; k + 1 < top.args.length; k++) args.push(body.slice(top.args[k], top.args[k + 1] - 1));
        const empty = args.length === 1 && args[0].trim() === '';
        if (top.raise) {
          if (!empty && !SURELY_STRING.test(args[0])) inserts.push({ at: top.start, text: `${names.errors}(` }, { at: i, text: ')' });
        } else if (!empty && numbers) {
          // Each argument that may be a number goes through the helper, in place.
          for (let k = 0; k < args.length; k++) {
            const kind = argumentKind(args[k]);
            if (kind === 'string') continue;
            const helper = k === args.length - 1 && kind === 'many' ? names.numbers : names.number;
            inserts.push({ at: top.args[k], text: `${helper}(` }, { at: top.args[k + 1] - 1, text: ')' });
          }
        }
        if (nulls && !top.raise) inserts.push({ at: top.expr, text: `${names.nulls}(` }, { at: i + 1, text: ')' });
      }
      depth--;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top !== undefined && top.depth === depth) top.args.push(i + 1);
    }
    i++;
  }
  if (inserts.length === 0) return null;
  inserts.sort((a, b) => b.at - a.at);
  let out = body;
  for (const ins of inserts) out = out.slice(0, ins.at) + ins.text + out.slice(ins.at);
  return out;
}
