import { CommandDef } from './registry';

export const serverCommands: CommandDef[] = [];
