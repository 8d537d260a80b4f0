import { CommandDef } from './registry';

export const sortedSetCommands: CommandDef[] = [];
