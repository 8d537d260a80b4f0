// Redis's command metadata (key specs, tips, COMMAND DOCS), captured from redis-server by
// scripts/capture-command-meta.ts. About 550 KB of JSON: the registry loads this module on the
// first COMMAND INFO/DOCS or ACL key check rather than at startup.
import metaJson from './redis-commands.json';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMAND_META: Record<string, any> = metaJson as Record<string, any>;
