import { CommandDef } from './registry';

export const hashCommands: CommandDef[] = [];
