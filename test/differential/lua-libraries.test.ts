// respite's own Lua build (native/lua) against the reference redis-server: the libraries written
// for it (bit, struct, cmsgpack) and the conversions done in its C glue, where a 32-bit
// WebAssembly build differs from Redis's x86-64 one unless the code says otherwise (long and
// size_t sizes, 64-bit integers, double -> int conversions, "%.17g" command arguments).
import { test } from 'node:test';
import { differential } from '../helpers/differential';

/** Hex of a string, so binary results compare as text. */
const HEX = "local function hex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end ";

const BIT = [
  'return {bit.tobit(2^32 + 5), bit.tobit(-1), bit.tobit(2^31), bit.tobit(1.5), bit.tobit(-1.5), bit.tobit(2^53)}',
  'return {bit.bnot(0), bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4, 8, 16, 32, 64, 128), bit.bxor(7, 2, 1)}',
  'return {bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.arshift(-256, 36)}',
  'return {bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.rol(1, 0), bit.bswap(0x12345678)}',
  "return {bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(1, 20), bit.tohex(0x1234, 0)}",
  "return {pcall(bit.band, 'x')}",
  "return {pcall(bit.band, '12')}",
  'return {pcall(bit.band)}',
];

const STRUCT = [
  `${HEX} return {hex(struct.pack('<lLT', -5, 5, 7)), struct.size('lLT'), struct.size('!lid'), struct.size('!4 b i d')}`,
  `${HEX} return {hex(struct.pack('>i2<i2bBhH', 1, 2, -1, 255, -2, 65535)), hex(struct.pack('>I3i8', 0x123456, -2))}`,
  "return {struct.unpack('<i2>i2bBhH', struct.pack('<i2>i2bBhH', 1, 2, -1, 255, -2, 65535))}",
  "return {struct.unpack('>l<L', struct.pack('>l<L', -2^40, 2^40))}",
  "return {struct.unpack('sc3', struct.pack('sc3', 'hello', 'abc'))}",
  "return {struct.unpack('b c0', struct.pack('b', 3) .. 'xyz')}",
  "return {struct.unpack('>d>f', struct.pack('>d>f', 1.5, 2.25))}",
  "return {struct.unpack('!4 b i', struct.pack('!4 b i', 1, 2))}",
  "return {struct.unpack('i', struct.pack('i', 7) .. 'junk', 1)}",
  "return {pcall(struct.pack, 'z', 1)}",
  "return {pcall(struct.unpack, '>I4', 'ab')}",
  "return {pcall(struct.size, 's')}",
  "return {pcall(struct.size, 'c0')}",
  "return {pcall(struct.pack, '!3 i', 1)}",
  "return {pcall(struct.pack, 'i40', 1)}",
  "return {pcall(struct.unpack, 's', 'abc')}",
  "return {pcall(struct.unpack, 'c0', 'abc')}",
  "return {pcall(struct.unpack, 'b', 'abc', 0)}",
];

const CMSGPACK = [
  `${HEX} return hex(cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649))`,
  `${HEX} return hex(cmsgpack.pack(0.1, 1.5, -0.0, 1/0, -1/0, 2^63, -2^63, 2^64, 1e300, 2^53 + 1))`,
  `${HEX} return hex(cmsgpack.pack('', 'abc', string.rep('x', 31), string.rep('x', 32), string.rep('y', 255), string.rep('z', 256), string.rep('w', 65536)))`,
  `${HEX} return hex(cmsgpack.pack({}, {1, 2}, {a = 1}, {[1] = 1, [3] = 3}, {[1.5] = 1}, true, false, nil))`,
  `${HEX} local t = {} for i = 1, 16 do t[i] = i end local m = {} for i = 1, 16 do m['k' .. i] = i end return {hex(cmsgpack.pack(t)), #cmsgpack.pack(m)}`,
  `${HEX} local a = {} a[1] = a return hex(cmsgpack.pack(a))`,
  "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', 3.25, -7, 2^40, {1, {2}}, true))}",
  "local t = cmsgpack.unpack(cmsgpack.pack({a = 1, b = {c = 'd'}})) return {t.a, t.b.c}",
  "return {tostring(cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255')), tostring(cmsgpack.unpack('\\211\\128\\0\\0\\0\\0\\0\\0\\0'))}",
  "return {tostring(cmsgpack.unpack('\\206\\255\\255\\255\\255')), cmsgpack.unpack('\\209\\255\\254'), cmsgpack.unpack('\\202\\63\\192\\0\\0')}",
  "local e = cmsgpack.pack('a', 'bb', 'ccc') local o, v = cmsgpack.unpack_one(e) local o2, v2 = cmsgpack.unpack_one(e, o) local o3, v3, v4 = cmsgpack.unpack_limit(e, 2, 0) local o4, v5 = cmsgpack.unpack_one(e, 5) return {o, v, o2, v2, o3, v3, v4, o4, v5}",
  "return {pcall(cmsgpack.unpack, '\\217')}",
  "return {pcall(cmsgpack.unpack, '\\193')}",
  'return {pcall(cmsgpack.pack)}',
  "return {pcall(cmsgpack.unpack_one, 'abc', 10)}",
  "return {pcall(cmsgpack.unpack_one, 'abc', -1)}",
  "return {pcall(cmsgpack.unpack_limit, 'abc', -1)}",
  'return {cmsgpack._NAME, cmsgpack._VERSION}',
];

const NUMBERS = [
  "return redis.call('ECHO', 0.1)",
  "return redis.call('ECHO', 1e20)",
  "return redis.call('ECHO', 12345678901234567)",
  "return redis.call('ECHO', 123456789012345678)",
  "return redis.call('ECHO', -0.0)",
  "return redis.call('ECHO', 1/0)",
  "return redis.call('ECHO', -2^63)",
  "local t = {} for i = 1, 3 do t[i] = i / 3 end return redis.call('ECHO', unpack(t, 2, 2))",
  'return {tostring(1e14), tostring(1e13 + 0.5), tostring(-99999999999999), tostring(123456789012345), tostring(-0.0), tostring(2^53)}',
  "return {1e13 .. '', 5 .. '', (-7) .. '', 0.5 .. ''}",
  "return {string.format('%d', 3), string.format('%5.1f', 2.25), tostring(0/0) == tostring(0/0)}",
  "return {string.sub('hello', 2^31), string.sub('hello', -2^40), string.rep('ab', 3, 'x')}",
  "return {math.floor(-3.5), math.fmod(-7, 3), math.max(1, 2^63), tostring(math.huge)}",
  'return {3.99, -3.99, 2^62, -2^62}',
  "return {tonumber('12'), tonumber(' -7 '), tonumber('+5'), tonumber('0x1A'), tonumber('1e3'), tonumber('12.5'), tonumber('123456789012345'), tonumber('1234567890123456')}",
  "return {tostring(tonumber('99999999999999999999')), tostring(tonumber('-0')), tonumber('12abc'), tonumber(''), tonumber('-'), tonumber('  '), tonumber('1 2'), '10' + 5, tonumber('\\t42\\n'), tonumber('0012')}",
  "return {tostring(tonumber('inf')), tostring(tonumber('nan')), tostring(tonumber('-1e400')), tostring(-tonumber('0'))}",
];

differential('respite Lua build: bit, struct, cmsgpack, numbers', (ctx) => {
  for (const [name, scripts] of [
    ['bit', BIT],
    ['struct (x86-64 sizes)', STRUCT],
    ['cmsgpack', CMSGPACK],
    ['numbers: redis.call arguments, tostring, conversions', NUMBERS],
  ] as const) {
    test(name, async () => {
      const p = await ctx.pair();
      for (const s of scripts) await p.run('EVAL', s, '0');
    });
  }
});
