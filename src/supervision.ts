// How respite-server runs under a service manager, as redis-server does (server.c): `daemonize yes`
// detaches from the terminal, `supervised upstart|systemd|auto` reports readiness to the manager.
//
// Node cannot fork(), so daemonizing re-spawns the same command line as a detached process (a new
// session, stdio on /dev/null) and the parent exits 0, which is what a service manager or a shell
// sees from redis-server. systemd's readiness protocol is a datagram on the AF_UNIX socket named
// by NOTIFY_SOCKET; Node has no AF_UNIX datagram sockets, so messages go through the
// `systemd-notify` tool (from the systemd package), naming our pid. A unit therefore needs
// `NotifyAccess=all` (see the README's unit file).
import { spawn, spawnSync } from 'node:child_process';
import type { Logger } from './engine/logger';

/** Set in the environment of the detached copy, so it does not daemonize again. */
const DAEMON_CHILD = 'RESPITE_DAEMONIZED';
/** Configuration read from stdin ('-'), handed to the detached copy, whose stdin is /dev/null. */
const DAEMON_STDIN = 'RESPITE_DAEMON_STDIN';

/** Where Redis writes its pid when daemonized without a `pidfile` (CONFIG_DEFAULT_PID_FILE). */
export const DEFAULT_PIDFILE = '/var/run/redis.pid';

export type SupervisedMode = 'no' | 'upstart' | 'systemd';

/** True in the process started by daemonize(). */
export function isDaemonChild(): boolean {
  return process.env[DAEMON_CHILD] === '1';
}

/** The configuration text the parent read from stdin, when this is the detached copy. */
export function daemonStdin(): string | null {
  const v = process.env[DAEMON_STDIN];
  return isDaemonChild() && v !== undefined ? Buffer.from(v, 'base64').toString('latin1') : null;
}

/** Starts a detached copy of this process with the same arguments, then exits the parent. */
export function daemonize(stdinConfig: string | null): never {
  const env: NodeJS.ProcessEnv = { ...process.env, [DAEMON_CHILD]: '1' };
  if (stdinConfig !== null) env[DAEMON_STDIN] = Buffer.from(stdinConfig, 'latin1').toString('base64');
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'ignore',
    env,
  });
  child.unref();
  process.exit(0);
}

/** Sends one sd_notify message ("READY=1", "STATUS=...") to systemd; false when it could not. */
export function notifySystemd(message: string, log: Logger): boolean {
  if (!process.env.NOTIFY_SOCKET) {
    log.warning('systemd supervision error: NOTIFY_SOCKET not found!');
    return false;
  }
  const r = spawnSync('systemd-notify', [`--pid=${process.pid}`, message], { stdio: 'ignore', timeout: 5000 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit status ${r.status}`;
    log.warning(`systemd supervision error: systemd-notify: ${why}`);
    return false;
  }
  return true;
}

/**
 * Redis's redisIsSupervised(): resolves `auto` from the environment and sets supervision up.
 * Returns the mode in effect ('no' when it could not be set up, as Redis falls back).
 */
export function setUpSupervision(configured: string, log: Logger): SupervisedMode {
  let mode = configured;
  if (mode === 'auto') {
    if (process.env.UPSTART_JOB) {
      log.verbose('Upstart supervision detected.');
      mode = 'upstart';
    } else if (process.env.NOTIFY_SOCKET) {
      log.verbose('Systemd supervision detected.');
      mode = 'systemd';
    }
  }
  if (mode === 'upstart') {
    if (!process.env.UPSTART_JOB) {
      log.warning('upstart supervision requested, but UPSTART_JOB not found!');
      return 'no';
    }
    // upstart's "expect stop": the job is ready once the process stops itself.
    log.notice('supervised by upstart, will stop to signal readiness.');
    process.kill(process.pid, 'SIGSTOP');
    delete process.env.UPSTART_JOB;
    return 'upstart';
  }
  if (mode === 'systemd') {
    if (!notifySystemd('STATUS=Redis is loading...', log)) return 'no';
    log.notice(
      'Supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.',
    );
    return 'systemd';
  }
  return 'no';
}
