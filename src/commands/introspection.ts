import { CommandDef } from './registry';

export const introspectionCommands: CommandDef[] = [];
