import { CommandDef } from './registry';

export const clientCommands: CommandDef[] = [];
