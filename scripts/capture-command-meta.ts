// Captures command metadata from a running reference redis-server (COMMAND INFO and COMMAND DOCS)
// into src/commands/meta/redis-commands.json: key specs, argument grammar, since and group.
// Prose (summaries, complexity, history notes) is deliberately left out: our own summaries live
// beside the handlers. Arity, flags and ACL categories are declared in the family tables and
// checked against the reference server by test/differential/command-meta.test.ts.
//
//   node dist/scripts/capture-command-meta.js [port]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RespClient } from '../test/helpers/resp-client';
import { MapReply, Reply, SimpleString } from '../src/resp/reply';

type Json = null | string | number | boolean | Json[] | { [k: string]: Json };

function toJson(r: Reply): Json {
  if (r instanceof MapReply) {
    const o: { [k: string]: Json } = {};
    for (let i = 0; i < r.flat.length; i += 2) o[String(r.flat[i])] = toJson(r.flat[i + 1]);
    return o;
  }
  if (r instanceof SimpleString) return r.value;
  if (Array.isArray(r)) return r.map(toJson);
  if (typeof r === 'bigint') return Number(r);
  if (typeof r === 'string' || typeof r === 'number' || typeof r === 'boolean' || r === null) return r;
  return String(r);
}

/** Flat [k, v, k, v] arrays (RESP2 maps) into objects, recursively for known map-shaped fields. */
function pairs(a: Json): { [k: string]: Json } {
  const o: { [k: string]: Json } = {};
  if (!Array.isArray(a)) return o;
  for (let i = 0; i < a.length; i += 2) o[String(a[i])] = a[i + 1];
  return o;
}

function keySpec(a: Json): Json {
  const o = pairs(a);
  const bs = pairs(o.begin_search);
  const fk = pairs(o.find_keys);
  const out: { [k: string]: Json } = {
    flags: o.flags,
    begin_search: { type: bs.type, spec: pairs(bs.spec) },
    find_keys: { type: fk.type, spec: pairs(fk.spec) },
  };
  if (o.notes !== undefined) out.notes = o.notes;
  return out;
}

function args(a: Json): Json {
  if (!Array.isArray(a)) return [];
  return a.map((x) => {
    const o = pairs(x);
    const out: { [k: string]: Json } = {};
    for (const k of ['name', 'type', 'key_spec_index', 'token', 'since', 'flags', 'value', 'display_text']) {
      if (o[k] !== undefined) out[k] = o[k];
    }
    if (o.arguments !== undefined) out.arguments = args(o.arguments);
    return out;
  });
}

function info(entry: Json): { [k: string]: Json } {
  const e = entry as Json[];
  return {
    name: e[0],
    arity: e[1],
    flags: e[2],
    first: e[3],
    last: e[4],
    step: e[5],
    acl: e[6],
    tips: e[7],
    key_specs: (e[8] as Json[]).map(keySpec),
    subcommands: (e[9] as Json[]).map(info),
  };
}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 6379);
  const c = await RespClient.connect(port);
  const all = toJson(await c.call('COMMAND')) as Json[];
  const docsFlat = toJson(await c.call('COMMAND', 'DOCS')) as Json[];
  c.close();
  const docs = pairs(docsFlat);
  const docOf = (d: Json): Json => {
    const o = pairs(d);
    const out: { [k: string]: Json } = { since: o.since, group: o.group };
    if (o.doc_flags !== undefined) out.doc_flags = o.doc_flags;
    if (o.deprecated_since !== undefined) out.deprecated_since = o.deprecated_since;
    if (o.arguments !== undefined) out.arguments = args(o.arguments);
    if (o.subcommands !== undefined) {
      const subs = pairs(o.subcommands);
      const so: { [k: string]: Json } = {};
      for (const k of Object.keys(subs)) so[k] = docOf(subs[k]);
      out.subcommands = so;
    }
    return out;
  };
  const result: { [k: string]: Json } = {};
  for (const entry of all) {
    const i = info(entry);
    const name = String(i.name);
    i.docs = docOf(docs[name]);
    result[name] = i;
  }
  const sorted: { [k: string]: Json } = {};
  for (const k of Object.keys(result).sort()) sorted[k] = result[k];
  const out = path.join(__dirname, '..', '..', 'src', 'commands', 'meta', 'redis-commands.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(sorted, null, 1) + '\n');
  console.log(`wrote ${Object.keys(sorted).length} commands to ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
