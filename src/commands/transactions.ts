import { CommandDef } from './registry';

export const transactionCommands: CommandDef[] = [];
