// READONLY / READWRITE: cluster replica-read commands. respite runs standalone only, where
// Redis answers them with the "cluster support disabled" error.
import { errorf } from '../errors';
import { CommandDef } from './registry';

const DISABLED = errorf('ERR This instance has cluster support disabled');

export const clusterModeCommands: CommandDef[] = [
  { name: 'readonly', summary: 'Allows reads from a cluster replica (cluster mode only).', arity: 1, flags: 'loading stale fast', acl: '@connection', handler: () => DISABLED },
  { name: 'readwrite', summary: 'Ends READONLY on a cluster replica (cluster mode only).', arity: 1, flags: 'loading stale fast', acl: '@connection', handler: () => DISABLED },
];
