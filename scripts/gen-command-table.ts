// Prints command table entries (name, arity, flags, keys, ACL categories) for one command group,
// from the captured reference metadata, as a starting point when a family module is written.
//   node dist/scripts/gen-command-table.js <group>
import meta from '../src/commands/meta/redis-commands.json';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function own(acl: string[], flags: string[]): string {
  const implicit = new Set<string>();
  if (flags.includes('write')) implicit.add('@write');
  if (flags.includes('readonly')) implicit.add('@read');
  if (flags.includes('admin')) implicit.add('@admin').add('@dangerous');
  if (flags.includes('pubsub')) implicit.add('@pubsub');
  if (flags.includes('fast')) implicit.add('@fast');
  if (flags.includes('blocking')) implicit.add('@blocking');
  if (!flags.includes('fast')) implicit.add('@slow');
  return acl.filter((a) => !implicit.has(a)).join(' ');
}

function entry(m: Json, indent: string, short: string): string {
  const keys = m.first || m.last || m.step ? `, keys: [${m.first}, ${m.last}, ${m.step}]` : '';
  const acl = own(m.acl, m.flags);
  let s = `${indent}{ name: '${short}', summary: 'TODO', arity: ${m.arity}, flags: '${m.flags.join(' ')}'${keys}${acl ? `, acl: '${acl}'` : ''}, handler: ${short.replace(/[-|]/g, '_')}`;
  if (m.subcommands.length) {
    s = s.replace(/, handler: \w+$/, '');
    s += `,\n${indent}  subcommands: [\n`;
    for (const sub of m.subcommands) s += entry(sub, indent + '    ', sub.name.split('|')[1]) + ',\n';
    s += `${indent}  ]`;
  }
  return s + ' }';
}

const group = process.argv[2];
for (const [name, m] of Object.entries(meta as Record<string, Json>)) {
  if (m.docs.group !== group) continue;
  console.log(entry(m, '  ', name) + ',');
}
