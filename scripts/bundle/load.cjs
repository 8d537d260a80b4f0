// The package's entry loader (copied to dist/bundle/load.js by scripts/bundle-server.mjs): runs
// the one-file bundle of the server with the V8 code cache recorded at build time, so a
// `require('respite')` neither resolves ~160 files nor compiles their code again (issue 16).
//
// The cache is used only when it was made for exactly this bundle (size and mtime in its header)
// and V8 accepts it (same V8 version and flags); otherwise the bundle is compiled as usual.
// Under a module sandbox (jest runs test files in a vm context of their own) the bundle is
// evaluated by the sandbox's eval, so its code runs in the sandbox's realm like any other module.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'respite.js');
const cacheFile = path.join(__dirname, 'respite.cache');

/**
 * `size mtimeMs\n` of the bundle the cache was made for, padded with spaces to a multiple of 8
 * bytes: V8 copies cache data that is not pointer-aligned before reading it.
 */
function header(st) {
  const h = `${st.size} ${Math.floor(st.mtimeMs)}`;
  return h.padEnd(((h.length + 1 + 7) & ~7) - 1, ' ') + '\n';
}

let script = null;

function load() {
  if (vm.runInThisContext('globalThis') !== globalThis) return sandboxed();
  // One buffer for the source and then the cache: on a VM, first touches of fresh memory are a
  // large part of a start (about 3 ms per MB), so the cache reuses the pages the source was read
  // into. ASCII (esbuild's charset: 'ascii'): latin1 skips the UTF-8 decoder.
  const st = fs.statSync(file);
  let cacheSize = 0;
  try {
    cacheSize = fs.statSync(cacheFile).size;
  } catch {
    // no cache yet: compile normally
  }
  const buf = Buffer.allocUnsafeSlow(Math.max(st.size, cacheSize));
  readInto(file, buf, st.size);
  const source = buf.latin1Slice(0, st.size);
  const expected = header(st);
  let cachedData;
  if (cacheSize > expected.length) {
    try {
      readInto(cacheFile, buf, cacheSize);
      if (buf.latin1Slice(0, expected.length) === expected) cachedData = buf.subarray(expected.length, cacheSize);
    } catch {
      // unreadable: compile normally
    }
  }
  // The file is the module already wrapped (scripts/bundle-server.mjs): its value is the function.
  script = new vm.Script(source, { filename: file, cachedData });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(__dirname);
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(file), m, file, __dirname);
  m.loaded = true;
  return m.exports;
}

/**
 * Under a module sandbox: the bundle evaluated by the sandbox realm's own eval, so its code runs
 * in that realm (the file's value is the wrapped module function).
 */
function sandboxed() {
  const run = (0, eval)(`${fs.readFileSync(file, 'latin1')}\n//# sourceURL=${file}`);
  const m = { exports: {} };
  run.call(m.exports, m.exports, require, m, file, __dirname);
  return m.exports;
}

/** Reads the first n bytes of the file into buf. */
function readInto(name, buf, n) {
  const fd = fs.openSync(name, 'r');
  try {
    let off = 0;
    while (off < n) {
      const k = fs.readSync(fd, buf, off, n - off, off);
      if (k === 0) throw new Error(`${name}: file shorter than expected`);
      off += k;
    }
  } finally {
    fs.closeSync(fd);
  }
}

const bundle = load();

/** index: the package's main entry; testing: respite/testing (one instance of both); cli: respite-server. */
exports.index = () => bundle.index();
exports.testing = () => bundle.testing();
exports.cli = () => bundle.cli();

/** The build records the cache after a server has started, so the code it ran is in it. */
exports.writeCodeCache = () => {
  if (script === null) throw new Error('the bundle was not compiled by this loader');
  fs.writeFileSync(cacheFile, Buffer.concat([Buffer.from(header(fs.statSync(file)), 'latin1'), script.createCachedData()]));
};
