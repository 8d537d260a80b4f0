import { CommandDef } from './registry';

export const setCommands: CommandDef[] = [];
