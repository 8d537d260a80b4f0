import { CommandDef } from './registry';

export const listCommands: CommandDef[] = [];
