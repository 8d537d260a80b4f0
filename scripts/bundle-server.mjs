// Bundles the server (dist/src, built by tsc) into one file, dist/bundle/respite.js, the code
// behind `require('respite')` and `require('respite/testing')`, and records a V8 code cache for
// it (scripts/bundle/load.cjs). Startup (issue 16): loading ~160 modules cost more than everything
// the server does to answer its first PING. Tests and the CLI keep using dist/src directly.
//
// Modules required inside functions stay lazy in the bundle (esbuild runs a module when it is
// first required). `__dirname` is rewritten to the module's own folder in dist/src, so worker
// scripts and assets are found where tsc put them.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dist', 'src');
const out = join(root, 'dist', 'bundle');
mkdirSync(out, { recursive: true });
rmSync(join(out, 'respite.cache'), { force: true });

/** `__dirname` in a bundled module means the folder the module came from. */
const ownDirname = {
  name: 'own-dirname',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      if (contents.includes('__dirname')) {
        const rel = relative(out, dirname(args.path)).split('\\').join('/');
        contents = contents.replace(/\b__dirname\b/g, `require("node:path").join(__dirname, ${JSON.stringify(rel)})`);
      }
      return { contents, loader: 'js' };
    });
  },
};

/**
 * Redis's command metadata (dist/src/commands/meta, ~160 KB of the bundle as an object literal)
 * is only read on the first COMMAND INFO/DOCS or ACL key check: it stays outside the bundle, and
 * is required from dist/src then, so a start reads and hashes 14% less source. The module holds
 * nothing but the JSON, so having it outside the bundle duplicates no state.
 */
const metaOutside = {
  name: 'meta-outside',
  setup(b) {
    b.onResolve({ filter: /[\\/]meta[\\/]table$/ }, (args) => {
      const target = join(args.resolveDir, `${args.path}.js`);
      return { path: `./${relative(out, target).split('\\').join('/')}`, external: true };
    });
  },
};

await build({
  stdin: {
    contents: "exports.index = () => require('./index.js');\nexports.testing = () => require('./testing/index.js');\nexports.cli = () => require('./cli.js');\n",
    resolveDir: src,
    sourcefile: 'respite-entry.js',
    loader: 'js',
  },
  outfile: join(out, 'respite.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: ['node20'],
  plugins: [metaOutside, ownDirname],
  // Half the bytes to read and hash at every start; names stay, so stack traces still read well.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
});
// The file holds the bundle already wrapped as Node wraps a CommonJS module, so the loader hands
// V8 the string it read: wrapping it at load time made a cons string that V8 then flattened, a
// copy of the whole source at every start.
const bundled = readFileSync(join(out, 'respite.js'), 'latin1');
writeFileSync(join(out, 'respite.js'), `(function (exports, require, module, __filename, __dirname) { ${bundled}\n});\n`, 'latin1');
copyFileSync(join(root, 'scripts', 'bundle', 'load.cjs'), join(out, 'load.js'));

// The code cache: start an embedded server, answer a few commands, then record what V8 compiled.
// The child also lists each entry's export names.
const warm = `
const l = require(${JSON.stringify(join(out, 'load.js'))});
const { startServer } = l.index();
startServer({ port: null }).then(async (s) => {
  for (const c of [['PING'], ['SET', 'k', 'v'], ['GET', 'k'], ['INCR', 'n'], ['DEL', 'k', 'n']]) await s.call(...c);
  await s.close();
  l.writeCodeCache();
  process.stdout.write(JSON.stringify({ index: Object.keys(l.index()), testing: Object.keys(l.testing()) }));
});`;
const names = JSON.parse(execFileSync(process.execPath, ['-e', warm], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));

/**
 * An entry file. Node finds the names an ESM `import { startServer } from 'respite'` may use by
 * reading the CommonJS source (cjs-module-lexer), so they are spelled out in a branch that never
 * runs, as esbuild does for its own CommonJS output.
 */
function entry(which, list) {
  const valid = list.filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
  return `'use strict';\nmodule.exports = require('./load.js').${which}();\n0 && (${valid.map((n) => `exports.${n} = `).join('')}0);\n`;
}
writeFileSync(join(out, 'index.js'), entry('index', names.index));
writeFileSync(join(out, 'testing.js'), entry('testing', names.testing));
// respite-server (the package's bin and `npm start`): the same bundle and code cache, so a start
// neither resolves ~160 files nor compiles their code again, and holds one copy of the code.
writeFileSync(
  join(out, 'cli.js'),
  "#!/usr/bin/env node\n'use strict';\nrequire('./load.js').cli().runCli();\n",
  { mode: 0o755 },
);
