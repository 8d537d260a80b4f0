// INFO memory: V8's figures for the process, the estimate eviction works from, and the scripting
// engine's (see the notes at the top of engine/info.ts).
import { nodeOs } from '../util/builtins';
import type { InfoFields, ServerContext } from './context';
import { bytesToHuman } from './info';
import { usedMemory as estimatedUsedMemory } from '../keyspace/eviction';
import { scriptingState } from '../scripting/state';
import { inlineVm } from '../scripting/vm/inline-vm';

/**
 * Scripting figures for INFO memory. One Lua VM serves EVAL and FUNCTION (libraries are kept as
 * source and compiled per call), so its heap is reported as the eval VM and the functions VM is 0.
 * Script and library sizes are their source bytes (plus the 40-byte SHA1 of each cached script).
 */
function scriptingInfo(srv: ServerContext) {
  const st = scriptingState(srv);
  // Scripts run on the in-thread VM (shared by the servers of a process); a worker VM, when one was
  // needed for a long script, adds its own heap.
  const vm = inlineVm();
  const worker = st.vm;
  let heap = srv.info.luaHeap;
  if (vm !== null && !vm.running && (worker === null || worker.dead || !worker.busy)) {
    heap = vm.memoryUsed() + (worker === null || worker.dead ? 0 : worker.memoryUsed());
  }
  srv.info.luaHeap = heap;
  let evalBytes = 0;
  for (const body of st.scripts.values()) evalBytes += 40 + body.length;
  let functionBytes = 0;
  for (const lib of st.libraries.values()) {
    functionBytes += lib.code.length;
    for (const name of lib.functions.keys()) functionBytes += name.length;
  }
  return { vm: heap, evalBytes, functionBytes, scripts: st.scripts.size, functions: st.functions.size, libraries: st.libraries.size };
}

export function memoryInfo(srv: ServerContext): InfoFields {
  const st = srv.info;
  const out: InfoFields = [];
  const add = (k: string, v: string | number) => out.push([k, v]);
  const m = process.memoryUsage();
  // With maxmemory set, the estimate eviction works from (src/keyspace/eviction.ts).
  const used = estimatedUsedMemory(srv);
  if (used > st.peakMemory) st.peakMemory = used;
  const startup = st.startupMemory;
  const net = Math.max(1, used - startup);
  const dataset = Math.max(0, used - startup);
  const maxmemory = Number(srv.config.get('maxmemory'));
  const total = nodeOs().totalmem();
  const active = m.heapTotal + m.external;
  add('used_memory', used);
  add('used_memory_human', bytesToHuman(used));
  add('used_memory_rss', m.rss);
  add('used_memory_rss_human', bytesToHuman(m.rss));
  add('used_memory_peak', st.peakMemory);
  add('used_memory_peak_human', bytesToHuman(st.peakMemory));
  add('used_memory_peak_perc', `${((used * 100) / st.peakMemory).toFixed(2)}%`);
  add('used_memory_overhead', startup);
  add('used_memory_startup', startup);
  add('used_memory_dataset', dataset);
  add('used_memory_dataset_perc', `${((dataset * 100) / net).toFixed(2)}%`);
  add('allocator_allocated', used);
  add('allocator_active', active);
  add('allocator_resident', m.rss);
  add('total_system_memory', total);
  add('total_system_memory_human', bytesToHuman(total));
  const sc = scriptingInfo(srv);
  add('used_memory_lua', sc.vm);
  add('used_memory_vm_eval', sc.vm);
  add('used_memory_lua_human', bytesToHuman(sc.vm));
  add('used_memory_scripts_eval', sc.evalBytes);
  add('number_of_cached_scripts', sc.scripts);
  add('number_of_functions', sc.functions);
  add('number_of_libraries', sc.libraries);
  add('used_memory_vm_functions', 0);
  add('used_memory_vm_total', sc.vm);
  add('used_memory_vm_total_human', bytesToHuman(sc.vm));
  add('used_memory_functions', sc.functionBytes);
  add('used_memory_scripts', sc.evalBytes + sc.functionBytes);
  add('used_memory_scripts_human', bytesToHuman(sc.evalBytes + sc.functionBytes));
  add('maxmemory', maxmemory);
  add('maxmemory_human', bytesToHuman(maxmemory));
  add('maxmemory_policy', srv.config.get('maxmemory-policy'));
  add('allocator_frag_ratio', (active / Math.max(1, used)).toFixed(2));
  add('allocator_frag_bytes', active - used);
  add('allocator_rss_ratio', (m.rss / Math.max(1, active)).toFixed(2));
  add('allocator_rss_bytes', m.rss - active);
  add('rss_overhead_ratio', '1.00');
  add('rss_overhead_bytes', 0);
  add('mem_fragmentation_ratio', (m.rss / Math.max(1, used)).toFixed(2));
  add('mem_fragmentation_bytes', m.rss - used);
  add('mem_not_counted_for_evict', 0);
  const repl = srv.replication.bufferMemory();
  add('mem_replication_backlog', repl.backlog);
  add('mem_total_replication_buffers', repl.total);
  add('mem_clients_slaves', repl.replicas);
  add('mem_clients_normal', 0);
  add('mem_cluster_links', 0);
  add('mem_aof_buffer', 0);
  add('mem_allocator', `v8-${process.versions.v8}`);
  add('active_defrag_running', 0);
  add('lazyfree_pending_objects', srv.keyspace.lazyfree.pending);
  add('lazyfreed_objects', srv.keyspace.lazyfree.freed);
  return out;
}
