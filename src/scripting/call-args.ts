// Call sites of error(...) whose argument may be a table: Redis replies to error({err = '...'})
// with the err text, the engine (like Lua) only knows the error object is not a string. A wrapper
// around error would move the line numbers of the errors it raises, so the call sites are
// rewritten instead, on the same line: the argument goes through the helper below first, in the
// script's own frame. (Number arguments to redis.call and RESP3 nulls need nothing of the kind:
// the engine itself does what Redis does, native/lua/respite_lua.c.)

/**
 * error({err = '...'}): Redis replies with the err text; the engine only says "script execution
 * failed" for any table. At `error(...)` call sites whose argument may be a table, the argument
 * passes through this helper first, which tells the runner the text ('\0err', runner.ts) and
 * returns the arguments unchanged, so the table is still what is raised (and what pcall catches).
 */
export const errorHelper = (name: string): string =>
  `local ${name} = (function(tp, rg, pc) return function(...) local v = ... if tp(v) == 'table' then local e = rg(v, 'err') ` +
  "if tp(e) == 'string' then pc('\\0err', e) end end return ... end end)(type, rawget, redis.pcall); ";

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

// An argument that is surely no table: a string or number literal, KEYS[i], ARGV[i].
const SURELY_STRING = /^\s*(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|KEYS\s*\[[^\]]*\]|ARGV\s*\[[^\]]*\]|-?\d{1,14})\s*$/;
const ERROR_CALL = /error\s*\(/y;

/** The helper's name: __e, unless the body itself uses that text (then __e1, __e2...). */
export function errorHelperName(body: string): string {
  let name = '__e';
  for (let i = 1; body.includes(name); i++) name = '__e' + i;
  return name;
}

/** The body with the argument of each `error(...)` that may be a table wrapped in `name(...)`; null if none. */
export function rewriteErrorCalls(body: string, name: string = errorHelperName(body)): string | null {
  if (!body.includes('error')) return null;
  const inserts: { at: number; text: string }[] = [];
  // Open error(...) sites: where their argument starts, and the paren depth they opened.
  const stack: { start: number; depth: number }[] = [];
  let depth = 0;
  for (let i = 0; i < body.length; ) {
    const skip = skipNonCode(body, i);
    if (skip >= 0) {
      i = skip;
      continue;
    }
    const c = body[i];
    if (/[A-Za-z_]/.test(c) && (i === 0 || !/[\w.:]/.test(body[i - 1]))) {
      if (c === 'e') {
        ERROR_CALL.lastIndex = i;
        if (ERROR_CALL.test(body)) {
          depth++;
          stack.push({ start: ERROR_CALL.lastIndex, depth });
          i = ERROR_CALL.lastIndex;
          continue;
        }
      }
      // Skip the rest of the identifier (so `myerror(` is not taken for `error(`).
      while (i < body.length && /\w/.test(body[i])) i++;
      continue;
    }
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      const top = stack[stack.length - 1];
      if (c === ')' && top !== undefined && top.depth === depth) {
        stack.pop();
        // Its first argument (up to a top-level comma, or the whole).
        const arg = firstArgument(body, top.start, i);
        if (arg.trim() !== '' && !SURELY_STRING.test(arg)) inserts.push({ at: top.start, text: `${name}(` }, { at: i, text: ')' });
      }
      depth--;
    }
    i++;
  }
  if (inserts.length === 0) return null;
  inserts.sort((a, b) => b.at - a.at);
  let out = body;
  for (const ins of inserts) out = out.slice(0, ins.at) + ins.text + out.slice(ins.at);
  return out;
}

/** The text of a call's first argument: from `start` to the first top-level comma before `end`. */
function firstArgument(body: string, start: number, end: number): string {
  let depth = 0;
  for (let i = start; i < end; ) {
    const skip = skipNonCode(body, i);
    if (skip >= 0) {
      i = skip;
      continue;
    }
    const c = body[i];
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) return body.slice(start, i);
    i++;
  }
  return body.slice(start, end);
}
