import { CommandDef } from './registry';

export const configCommands: CommandDef[] = [];
