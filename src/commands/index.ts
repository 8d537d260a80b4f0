// Every command family, in one list for the registry.
import { aclCommands } from './acl';
import { clusterCommands } from './cluster';
import { migrateCommands } from './migrate';
import { bitmapCommands } from './bitmap';
import { clientCommands } from './client';
import { configCommands } from './config';
import { connectionCommands } from './connection';
import { databaseCommands } from './database';
import { debugCommands } from './debug';
import { genericCommands } from './generic';
import { geoCommands } from './geo';
import { hashCommands } from './hash';
import { hyperloglogCommands } from './hyperloglog';
import { introspectionCommands } from './introspection';
import { listCommands } from './list';
import { lolwutCommands } from './lolwut';
import { memoryCommands } from './memory';
import { moduleCommands } from './module';
import { persistenceCommands } from './persistence';
import { pubsubCommands } from './pubsub';
import { replicationCommands } from './replication';
import { CommandDef } from './registry';
import { scriptingCommands } from './scripting';
import { serverCommands } from './server';
import { setCommands } from './set';
import { sortCommands } from './sort';
import { sortedSetCommands } from './sorted-set';
import { streamCommands } from './stream';
import { stringCommands } from './string';
import { transactionCommands } from './transactions';

export function allCommandDefs(): CommandDef[] {
  return [
    ...connectionCommands,
    ...aclCommands,
    ...clusterCommands,
    ...migrateCommands,
    ...clientCommands,
    ...stringCommands,
    ...genericCommands,
    ...databaseCommands,
    ...serverCommands,
    ...debugCommands,
    ...configCommands,
    ...introspectionCommands,
    ...transactionCommands,
    ...pubsubCommands,
    ...hashCommands,
    ...listCommands,
    ...memoryCommands,
    ...moduleCommands,
    ...lolwutCommands,
    ...setCommands,
    ...sortCommands,
    ...sortedSetCommands,
    ...geoCommands,
    ...scriptingCommands,
    ...bitmapCommands,
    ...hyperloglogCommands,
    ...streamCommands,
    ...persistenceCommands,
    ...replicationCommands,
  ];
}
