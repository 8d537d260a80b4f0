// Modules with per-client state (transactions, pub/sub, tracking) register what RESET must undo.
import type { Client } from '../engine/client';

export const resetClientHooks: ((c: Client) => void)[] = [];
