import { CommandDef } from './registry';

export const genericCommands: CommandDef[] = [];
