// `npm start`'s prestart: runs `npm run build` only when a build input is newer than the last
// complete build, so a start with a current build takes no compile time (the full build is ~18 s).
//
//   node scripts/build-if-stale.mjs           build if stale
//   node scripts/build-if-stale.mjs --stamp   record that a build just completed (end of `build`)
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(root, 'dist', '.build-stamp');
/** What the build reads: sources, its configuration, and the package's own description. */
const INPUTS = ['src', 'test', 'bench', 'scripts', 'dashboard', 'tsconfig.json', 'package.json'];

/** The newest modification time under path (files and folders; node_modules never). */
function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined) return 0;
  let t = st.mtimeMs;
  if (st.isDirectory()) {
    for (const e of readdirSync(path)) {
      if (e === 'node_modules') continue;
      t = Math.max(t, newest(join(path, e)));
    }
  }
  return t;
}

if (process.argv.includes('--stamp')) {
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
} else {
  const built = existsSync(STAMP) && existsSync(join(root, 'dist', 'src', 'cli.js')) ? statSync(STAMP).mtimeMs : 0;
  const changed = INPUTS.reduce((t, p) => Math.max(t, newest(join(root, p))), 0);
  if (built === 0 || changed > built) {
    process.stderr.write(built === 0 ? 'respite: no complete build yet, building...\n' : 'respite: sources changed since the last build, building...\n');
    // The build script writes the stamp when it completes.
    execSync('npm run build --silent', { cwd: root, stdio: 'inherit' });
  }
}
