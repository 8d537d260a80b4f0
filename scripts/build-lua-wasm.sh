#!/usr/bin/env bash
# Builds native/lua/respite-lua.wasm: PUC Lua 5.1.5 (Debian's source package, with our read-only
# table patch) + lua-cjson 2.1.0 (Debian's) + our own glue, debugger (ldb.c), bit, struct and cmsgpack
# (native/lua).
# The .wasm is committed: installing or testing respite never needs emscripten, only changing it.
#
# Needs emcc (emscripten 3.1.x) and deb-src entries for `apt-get source`. Sources are fetched into
# $LUA_WASM_SRC (default /tmp/respite-lua-src) unless they are there already.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NATIVE="$ROOT/native/lua"
SRC="${LUA_WASM_SRC:-/tmp/respite-lua-src}"
OUT="${LUA_WASM_OUT:-$NATIVE/respite-lua.wasm}"

command -v emcc >/dev/null || { echo "emcc not found: install emscripten" >&2; exit 1; }
mkdir -p "$SRC"
cd "$SRC"
if [ ! -d lua5.1-5.1.5 ]; then apt-get source lua5.1=5.1.5-9 >/dev/null 2>&1 || apt-get source lua5.1; fi
if [ ! -d lua-cjson-2.1.0+dfsg ]; then
  apt-get source lua-cjson >/dev/null 2>&1 || true
  [ -d lua-cjson-2.1.0+dfsg ] || dpkg-source -x lua-cjson_2.1.0+dfsg-*.dsc
fi

# Lua's original sources (the package's .orig tarball), Debian's fix for the vararg stack
# overflow, then our patch (read-only tables, text chunks only, x86-64's number -> int conversions).
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
tar xzf "$SRC"/lua5.1_5.1.5.orig.tar.gz -C "$BUILD"
mv "$BUILD/lua-5.1.5" "$BUILD/lua-all"
patch -s -p1 -d "$BUILD/lua-all" < "$SRC/lua5.1-5.1.5/debian/patches/0004-Fix-stack-overflow-in-vararg-functions.patch"
mv "$BUILD/lua-all/src" "$BUILD/lua"
patch -s -p1 -d "$BUILD/lua" < "$NATIVE/lua-5.1.5-respite.patch"
CJSON="$SRC/lua-cjson-2.1.0+dfsg"

LUA_CORE="lapi lcode ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring ltable ltm lundump lvm lzio lauxlib lbaselib ltablib lstrlib lmathlib"
FILES=""
for f in $LUA_CORE; do FILES="$FILES $BUILD/lua/$f.c"; done
FILES="$FILES $CJSON/lua_cjson.c $CJSON/strbuf.c $CJSON/fpconv.c"
FILES="$FILES $NATIVE/respite_lua.c $NATIVE/ldb.c $NATIVE/bit.c $NATIVE/struct.c $NATIVE/cmsgpack.c"

# -sSUPPORT_LONGJMP=wasm: Lua's errors are WebAssembly exceptions (no JS round trip per pcall).
# -mnontrapping-fptoint: double -> int conversions saturate instead of trapping.
emcc ${LUA_WASM_CFLAGS:--O2} -mnontrapping-fptoint -sSUPPORT_LONGJMP=wasm \
  -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16777216 -sMAXIMUM_MEMORY=2147483648 \
  -sTOTAL_STACK=1048576 -sERROR_ON_UNDEFINED_SYMBOLS=0 \
  -DENABLE_CJSON_GLOBAL -I"$BUILD/lua" -I"$CJSON" \
  -Wno-empty-body -Wno-string-plus-int \
  $FILES -o "$OUT"
echo "built $OUT ($(stat -c %s "$OUT") bytes)"
