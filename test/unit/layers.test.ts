// The layering of src/ (layers.json): no runtime import cycle, no upward runtime import, no
// upward type import from the self-contained layers. Runs on the compiled output that `npm test`
// builds first, so a lazy require() counts like any import.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkLayers, formatReport, LayerRules } from '../../scripts/check-layers';

const root = path.resolve(__dirname, '..', '..', '..');

test('src/ imports point downward only (layers.json)', () => {
  const rules = JSON.parse(fs.readFileSync(path.join(root, 'layers.json'), 'utf8')) as LayerRules;
  const lines = formatReport(checkLayers(root, rules));
  assert.deepEqual(lines, [], lines.join('\n'));
});

test('the check sees an upward import, a cycle and an unplaced file', () => {
  const tmp = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'layers-'));
  const write = (p: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(tmp, p)), { recursive: true });
    fs.writeFileSync(path.join(tmp, p), text);
  };
  write('src/low/a.ts', "import { b } from '../high/b';\n");
  write('src/high/b.ts', "import type { c } from './c';\n");
  write('src/high/c.ts', '');
  write('src/other.ts', '');
  write('dist/src/low/a.js', 'const b_1 = require("../high/b");\n');
  write('dist/src/high/b.js', 'const c = require("./c");\n');
  write('dist/src/high/c.js', 'const b = require("./b");\n');
  write('dist/src/other.js', '');
  try {
    const rules: LayerRules = {
      layers: [
        { name: 'low', files: ['src/low/**'] },
        { name: 'high', files: ['src/high/**'] },
      ],
      strictTypes: ['low'],
      knownUpward: [],
      knownCycles: [],
    };
    const r = checkLayers(tmp, rules);
    assert.deepEqual(r.unplaced, ['src/other.ts']);
    assert.deepEqual(r.upward, ['src/low/a.ts (low) imports src/high/b.ts (high)']);
    assert.deepEqual(r.typeUpward, ['src/low/a.ts (low) imports src/high/b.ts (high)']);
    assert.deepEqual(r.cycles, [['src/high/b.ts', 'src/high/c.ts']]);
    // Known violations are tolerated, and reported once they are gone.
    const known = checkLayers(tmp, { ...rules, strictTypes: [], knownUpward: ['src/low/a.ts -> src/high/b.ts', 'src/x.ts -> src/y.ts'], knownCycles: [['src/high/c.ts', 'src/high/b.ts']] });
    assert.deepEqual(known.upward, []);
    assert.deepEqual(known.cycles, []);
    assert.deepEqual(known.stale, ['src/x.ts -> src/y.ts']);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
