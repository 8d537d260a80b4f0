// FCALL runs a library's code again on every call (the engine keeps no Lua state between runs),
// and the engine compiles the whole text each time: in a library of many functions, that is most
// of what an FCALL costs. When the library's top level is only declarations and register_function
// calls whose arguments cannot run anything (literals, names, tables, function expressions), the
// registrations of the other functions are dropped from the text FCALL runs: evaluating them had
// no effect but compiling them. Anything else at the top level keeps the whole library.
import { skipNonCode } from './call-args';

interface Token {
  /** 'name' (keywords included), 'str', 'num' or the punctuation itself. */
  kind: string;
  text: string;
  start: number;
  end: number;
}

const NAME = /[A-Za-z_]\w*/y;
const NUMBER = /(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/y;
const PUNCT = /\.\.\.|\.\.|==|~=|<=|>=|[-+*/%^#<>=(){}[\];:,.]/y;

/** Lua tokens of a text, or null when it holds something this reader does not know. */
function tokenize(s: string): Token[] | null {
  const out: Token[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) {
      i++;
      continue;
    }
    const skip = skipNonCode(s, i);
    if (skip >= 0) {
      // Comments are dropped; strings and long strings are tokens.
      if (s[i] !== '-') out.push({ kind: 'str', text: s.slice(i, skip), start: i, end: skip });
      i = skip;
      continue;
    }
    let m: RegExpExecArray | null = null;
    for (const [re, kind] of [[NAME, 'name'], [NUMBER, 'num'], [PUNCT, '']] as const) {
      re.lastIndex = i;
      m = re.exec(s);
      if (m !== null) {
        out.push({ kind: kind || m[0], text: m[0], start: i, end: i + m[0].length });
        break;
      }
    }
    if (m === null) return null;
    i += m[0].length;
  }
  return out;
}

const OPENERS = new Set(['function', 'do', 'if', 'repeat']);
const CLOSERS = new Set(['end', 'until']);
/** Names that are values or table keys; every other keyword ends the fast path. */
const VALUE_WORDS = new Set(['true', 'false', 'nil']);
const KEYWORDS = new Set([
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'if', 'in', 'local', 'nil', 'not', 'or', 'repeat', 'return', 'then',
  'true', 'until', 'while',
]);

/** Index just past the `end` of the function expression whose `function` keyword is at i. */
function skipFunction(t: Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < t.length; j++) {
    const k = t[j];
    if (k.kind !== 'name') continue;
    if (OPENERS.has(k.text)) depth++;
    else if (CLOSERS.has(k.text) && --depth === 0) return j + 1;
  }
  return -1;
}

/**
 * Index past an expression list that runs nothing (literals, names, field names, table
 * constructors, function expressions), starting at i; -1 if it may run code. Stops before a token
 * that cannot continue the expression (the next statement) or at a closing bracket of depth 0.
 */
function skipPureExpressions(t: Token[], i: number, inArgs: boolean): number {
  let depth = 0;
  let afterValue = false;
  for (let j = i; j < t.length; ) {
    const k = t[j];
    if (k.kind === 'name') {
      if (k.text === 'function') {
        if (afterValue && depth === 0 && !inArgs) return j;
        j = skipFunction(t, j);
        if (j < 0) return -1;
        afterValue = true;
        continue;
      }
      if (KEYWORDS.has(k.text) && !VALUE_WORDS.has(k.text)) return depth === 0 && !inArgs ? j : -1;
      // A name right after a value starts the next statement.
      if (afterValue && depth === 0 && !inArgs && t[j - 1].text !== '.') return j;
      afterValue = true;
      j++;
      continue;
    }
    if (k.kind === 'str' || k.kind === 'num') {
      if (afterValue) return -1; // f 'x' is a call
      afterValue = true;
      j++;
      continue;
    }
    switch (k.kind) {
      case '{':
        if (afterValue) return -1; // f {...} is a call
        depth++;
        afterValue = false;
        break;
      case '}':
        if (depth === 0) return j;
        depth--;
        afterValue = true;
        break;
      case ')':
        if (depth === 0 && inArgs) return j;
        return -1;
      case ',':
      case ';':
        if (depth === 0 && !inArgs && k.kind === ';') return j;
        afterValue = false;
        break;
      case '=':
        if (depth === 0) return -1; // an assignment, not a table field
        afterValue = false;
        break;
      case '.':
        if (!afterValue || t[j + 1]?.kind !== 'name') return -1;
        afterValue = false;
        break;
      case '-':
        if (afterValue || t[j + 1]?.kind !== 'num') return -1;
        break;
      default:
        return -1;
    }
    j++;
  }
  return depth === 0 && !inArgs ? t.length : -1;
}

/** A string literal of a plain name ('x', "x"), or null. */
function literal(k: Token | undefined): string | null {
  return k !== undefined && k.kind === 'str' && /^(['"])\w*\1$/.test(k.text) ? k.text.slice(1, -1) : null;
}

/**
 * The function_name of a table constructor's tokens (from its `{` to its `}`), or null. Given
 * twice, the last one is the table's: null then (the whole library runs).
 */
function tableName(t: Token[], from: number, to: number): string | null {
  if (t[from]?.kind !== '{' || t[to]?.kind !== '}') return null;
  let depth = 0;
  let name: string | null | undefined;
  for (let j = from; j <= to; j++) {
    const k = t[j];
    if (k.kind === '{') depth++;
    else if (k.kind === '}') depth--;
    else if (k.kind === 'name' && k.text === 'function') j = skipFunction(t, j) - 1;
    else if (depth === 1 && k.text === 'function_name' && t[j + 1]?.kind === '=') {
      if (name !== undefined) return null;
      name = literal(t[j + 2]);
    }
  }
  return name ?? null;
}

interface Registration {
  name: string;
  /** Where the statement starts and ends in the body. */
  start: number;
  end: number;
  /** Where `redis.register_function(` (or without its `(`, for a table) ends. */
  calleeEnd: number;
  /** Positional arguments ('name', callback), or one table argument. */
  table: boolean;
  /** ('name', function(params) body end): the callback's parts, when its body may run in place (functionParts). */
  inline?: { fnStart: number; params: string[]; paramsEnd: number; bodyEnd: number };
}

/** The top level's locals declared so far: the callback of a registration sees these. */
interface TopLocals {
  /** Declared by `local x`: may hold anything, nil included. */
  values: Set<string>;
  /** Declared by `local function f` (and not again by `local f`): always a function. */
  functions: Set<string>;
  /** Local variables of the main chunk, counted by declaration. */
  count: number;
}

/** Lua's limit on a function's active local variables is 200; in place, the top level's and the callback's add up. */
const MAX_LOCALS = 190;

/**
 * The parts of `function(a, b) ... end` (tokens from..to, `end` included), if its parameters are
 * plain names and its body may run in place: a top-level local it reads is an upvalue in the
 * callback, a local in place, and Lua's errors name which ("attempt to index upvalue 'cfg'"), so
 * its body may only call the top level's local functions; and the locals must stay within Lua's
 * limit.
 */
function functionParts(t: Token[], from: number, to: number, top: TopLocals): Registration['inline'] | undefined {
  if (t[from]?.text !== 'function' || t[from + 1]?.kind !== '(' || t[to]?.text !== 'end' || skipFunction(t, from) !== to + 1) return undefined;
  const params: string[] = [];
  let j = from + 2;
  while (t[j].kind !== ')') {
    if (t[j].kind !== 'name' || KEYWORDS.has(t[j].text)) return undefined; // `...` included
    params.push(t[j].text);
    j++;
    if (t[j].kind === ',') j++;
    else if (t[j].kind !== ')') return undefined;
  }
  let locals = top.count + params.length;
  for (let b = j + 1; b < to; b++) {
    const k = t[b];
    if (k.kind !== 'name') continue;
    if (k.text === 'local') locals += t[b + 1]?.text === 'function' ? 1 : nameList(t, b + 1);
    else if (k.text === 'for') locals += 3 + nameList(t, b + 1); // and the loop's hidden state
    else if (t[b - 1].kind === '.' || t[b - 1].kind === ':') continue; // a field
    else if (top.values.has(k.text) || (top.functions.has(k.text) && t[b + 1]?.kind !== '(')) return undefined;
  }
  if (locals > MAX_LOCALS) return undefined;
  return { fnStart: t[from].start, params, paramsEnd: t[j].end, bodyEnd: t[to].start };
}

/** How many names `a, b, c` from token i list. */
function nameList(t: Token[], i: number): number {
  let n = 0;
  while (t[i]?.kind === 'name') {
    n++;
    if (t[i + 1]?.kind !== ',') break;
    i += 2;
  }
  return n;
}

/** The top-level statements of a library body, if all are of the kinds described above. */
function registrations(body: string): Registration[] | null {
  const t = tokenize(body);
  if (t === null) return null;
  const regs: Registration[] = [];
  const top: TopLocals = { values: new Set(), functions: new Set(), count: 0 };
  for (let i = 0; i < t.length; ) {
    const k = t[i];
    if (k.kind === ';') {
      i++;
      continue;
    }
    if (k.text === 'local' && k.kind === 'name') {
      if (t[i + 1]?.text === 'function') {
        if (t[i + 2]?.kind !== 'name') return null;
        const e = skipFunction(t, i + 1);
        if (e < 0) return null;
        top.values.delete(t[i + 2].text);
        top.functions.add(t[i + 2].text);
        top.count++;
        i = e;
        continue;
      }
      let j = i + 1;
      for (;;) {
        if (t[j]?.kind !== 'name' || KEYWORDS.has(t[j].text)) return null;
        top.functions.delete(t[j].text);
        top.values.add(t[j].text);
        top.count++;
        j++;
        if (t[j]?.kind !== ',') break;
        j++;
      }
      if (t[j]?.kind === '=') {
        j = skipPureExpressions(t, j + 1, false);
        if (j < 0) return null;
      }
      i = j;
      continue;
    }
    if (k.text === 'redis' && t[i + 1]?.kind === '.' && t[i + 2]?.text === 'register_function') {
      const open = t[i + 3];
      let end: number;
      let reg: Registration;
      if (open?.kind === '(') {
        // ('name', callback) or ({function_name = 'name', callback = f, ...})
        const close = skipPureExpressions(t, i + 4, true);
        if (close < 0 || t[close].kind !== ')') return null;
        end = close + 1;
        const name = t[i + 5]?.kind === ',' ? literal(t[i + 4]) : tableName(t, i + 4, close - 1);
        if (name === null) return null;
        const positional = t[i + 5]?.kind === ',';
        reg = { name, start: k.start, end: t[close].end, calleeEnd: positional ? open.end : t[i + 2].end, table: !positional };
        if (positional) reg.inline = functionParts(t, i + 6, close - 1, top);
      } else if (open?.kind === '{') {
        // {function_name = 'name', callback = f, ...}
        const close = skipPureExpressions(t, i + 3, false);
        if (close < 0 || t[close - 1]?.kind !== '}') return null;
        const name = tableName(t, i + 3, close - 1);
        if (name === null) return null;
        end = close;
        reg = { name, start: k.start, end: t[close - 1].end, calleeEnd: t[i + 2].end, table: true };
      } else return null;
      // A call chained on the result (`register_function(...)(...)`) is not a plain statement.
      const next = t[end];
      if (next !== undefined && ['(', '{', '[', '.', ':', 'str'].includes(next.kind)) return null;
      regs.push(reg);
      i = end;
      continue;
    }
    return null;
  }
  return regs;
}

/** The text's line breaks only (what a dropped statement leaves, so line numbers stay). */
const newlines = (s: string): string => s.replace(/[^\n]/g, '');

/** The local that holds the called function's callback in the text sliceLibrary gives. */
export const SLICE_CALLBACK = '__fn';

/**
 * The library body with only the registration of `fn` left, turned into an assignment of its
 * callback to SLICE_CALLBACK (a local the caller declares in front), or null when the library's
 * top level does not allow it. Line breaks stay where they were: errors keep Redis's line numbers.
 *
 * With `inPlace`, the callback's body runs where it stands instead, in a `do ... end` block whose
 * locals are its parameters (bound to KEYS and ARGV): no function is compiled for it, and its
 * `return` ends the run with the reply, as EVAL's body does. Only for a `function(...) ... end`
 * written in the registration (null otherwise); the caller makes sure every return gives a plain
 * value, since nothing converts the value afterwards.
 */
export function sliceLibrary(body: string, fn: string, inPlace = false): string | null {
  if (body.includes(SLICE_CALLBACK)) return null;
  const regs = registrations(body);
  if (regs === null) return null;
  // register_function anywhere else (in a function, under another name) keeps the whole library.
  const mentions = body.split('register_function').length - 1;
  if (mentions !== regs.length || !regs.some((r) => r.name === fn)) return null;
  let out = '';
  let last = 0;
  for (const r of regs) {
    out += body.slice(last, r.start);
    const callee = newlines(body.slice(r.start, r.calleeEnd));
    const rest = body.slice(r.calleeEnd, r.end);
    if (r.name !== fn) out += newlines(body.slice(r.start, r.end));
    else if (inPlace) {
      const f = r.inline;
      // A local KEYS or ARGV of the library's would be what the parameters get bound to.
      if (f === undefined || /\b(?:KEYS|ARGV)\b/.test(body.slice(0, f.fnStart))) return null;
      const bind = f.params.length === 0 ? 'do ' : `do local ${f.params.join(', ')} = KEYS, ARGV `;
      out += newlines(body.slice(r.start, f.fnStart)) + bind + newlines(body.slice(f.fnStart, f.paramsEnd)) + body.slice(f.paramsEnd, f.bodyEnd) + 'end' + newlines(body.slice(f.bodyEnd, r.end));
    }
    // __fn = ({'name', callback})[2] | __fn = ({...}).callback | __fn = (({...})).callback
    // (no global function: the library may have a local of that name)
    else if (r.table) out += `${SLICE_CALLBACK} = (${callee}${rest}).callback`;
    else out += `${SLICE_CALLBACK} = ({${callee}${rest.slice(0, -1)}})[2]`;
    last = r.end;
  }
  return out + body.slice(last);
}
