import { CommandDef } from './registry';

export const stringCommands: CommandDef[] = [];
