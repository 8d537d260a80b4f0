// The package's entry loader (copied to dist/bundle/load.js by scripts/bundle-server.mjs): runs
// the one-file bundle of the server with the V8 code cache recorded at build time, so a
// `require('respite')` neither resolves ~160 files nor compiles their code again (issue 16).
//
// The cache is used only when it was made for exactly this bundle (size and mtime in its header)
// and V8 accepts it (same V8 version and flags); otherwise the bundle is compiled as usual.
// Under a module sandbox (jest runs test files in a vm context of their own) the bundle is
// required normally, so its code runs in the sandbox's realm like any other module.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, 'respite.js');
const cacheFile = path.join(__dirname, 'respite.cache');

/** `size mtimeMs\n` of the bundle the cache was made for. */
function header(st) {
  return `${st.size} ${Math.floor(st.mtimeMs)}\n`;
}

let script = null;

function load() {
  if (vm.runInThisContext('globalThis') !== globalThis) return require(file);
  // ASCII (esbuild's charset: 'ascii'): latin1 skips the UTF-8 decoder.
  const source = fs.readFileSync(file, 'latin1');
  const expected = header(fs.statSync(file));
  let cachedData;
  try {
    const c = fs.readFileSync(cacheFile);
    if (c.subarray(0, expected.length).toString('latin1') === expected) cachedData = c.subarray(expected.length);
  } catch {
    // no cache yet: compile normally
  }
  script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(__dirname);
  script.runInThisContext().call(m.exports, m.exports, Module.createRequire(file), m, file, __dirname);
  m.loaded = true;
  return m.exports;
}

const bundle = load();

/** index: the package's main entry; testing: respite/testing (one instance of both). */
exports.index = () => bundle.index();
exports.testing = () => bundle.testing();

/** The build records the cache after a server has started, so the code it ran is in it. */
exports.writeCodeCache = () => {
  if (script === null) throw new Error('the bundle was not compiled by this loader');
  fs.writeFileSync(cacheFile, Buffer.concat([Buffer.from(header(fs.statSync(file)), 'latin1'), script.createCachedData()]));
};
