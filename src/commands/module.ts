// MODULE: respite has no module system (Redis modules are native shared libraries written
// against Redis's C API), so no module is ever loaded: LIST is empty, and LOAD / LOADEX fail the
// way redis-server fails on a library it cannot load (the reason goes to the log).
import type { Client } from '../engine/client';
import { errorf } from '../errors';
import { Reply, SimpleString } from '../resp/reply';
import { CommandDef } from './registry';

const HELP: Reply = [
  'MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
  'HELP',
  '    Prints this help.',
].map((l) => new SimpleString(l));

function load(c: Client, argv: string[]): Reply {
  c.server.log.warning(`Module ${argv[2]} failed to load: respite cannot load native Redis modules`);
  return errorf('ERR Error loading the extension. Please check the server logs.');
}

const ADMIN = 'admin noscript no_async_loading protected';

export const moduleCommands: CommandDef[] = [
  {
    name: 'module',
    summary: 'Loads, unloads and lists server modules.',
    arity: -2,
    flags: '',
    subcommands: [
      { name: 'loadex', summary: 'Loads a module library with configurations and arguments.', arity: -3, flags: ADMIN, handler: load },
      { name: 'list', summary: 'The loaded modules (none: respite has no module system).', arity: 2, flags: 'admin noscript', handler: () => [] },
      { name: 'load', summary: 'Loads a module library.', arity: -3, flags: ADMIN, handler: load },
      { name: 'unload', summary: 'Unloads a module.', arity: 3, flags: ADMIN, handler: () => errorf('ERR Error unloading module: no such module with that name') },
      { name: 'help', summary: 'Lists the MODULE subcommands.', arity: 2, flags: 'loading stale', handler: () => HELP },
    ],
  },
];
