import { CommandDef } from './registry';

export const databaseCommands: CommandDef[] = [];
