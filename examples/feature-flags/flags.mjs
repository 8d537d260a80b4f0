// A feature-flag store in Redis with per-user percentage rollout.
//
//   flags                  SET of flag names
//   flag:<name>            HASH enabled (1/0, the kill switch), rollout (percent, 0-100), salt, description
//   flag:<name>:allow      SET of user ids always on (staff, beta testers)
//   flag:<name>:deny       SET of user ids always off
//
// A user's bucket is a hash of (salt, user id) into 0..9999: the same user gets the same answer on
// every process and every call with no state per user, raising the percentage only adds users
// (everyone in the first 10% stays in at 25%), and flags with different salts pick different users.
import { createHash } from 'node:crypto';

const BUCKETS = 10_000; // rollout in steps of 0.01 %

/** The user's bucket for a flag, 0..9999: the first 4 bytes of SHA-1(salt:userId), mod 10000. */
export function bucketOf(salt, userId) {
  return createHash('sha1').update(`${salt}:${userId}`).digest().readUInt32BE(0) % BUCKETS;
}

export class FlagStore {
  /** `redis` is an ioredis client; keys are `<prefix><name>`, and the set of names is `indexKey`. */
  constructor(redis, prefix = 'flag:', indexKey = 'flags') {
    this.redis = redis;
    this.prefix = prefix;
    this.indexKey = indexKey;
  }

  /** Creates or replaces a flag (and its allow and deny lists) in one MULTI. */
  async define(name, { enabled = true, rollout = 0, description = '', salt = name, allow = [], deny = [] } = {}) {
    const key = this.prefix + name;
    const tx = this.redis.multi().sadd(this.indexKey, name).del(key, `${key}:allow`, `${key}:deny`);
    tx.hset(key, { enabled: enabled ? 1 : 0, rollout: clampPercent(rollout), salt, description });
    if (allow.length > 0) tx.sadd(`${key}:allow`, ...allow);
    if (deny.length > 0) tx.sadd(`${key}:deny`, ...deny);
    await tx.exec();
  }

  /** Moves the rollout percentage (HSET): takes effect on the next check everywhere. */
  async setRollout(name, percent) {
    await this.redis.hset(this.prefix + name, 'rollout', clampPercent(percent));
  }

  /** The kill switch: off is off for everyone, allow list included. */
  async setEnabled(name, enabled) {
    await this.redis.hset(this.prefix + name, 'enabled', enabled ? 1 : 0);
  }

  async allow(name, ...userIds) {
    await this.redis.sadd(`${this.prefix}${name}:allow`, ...userIds);
  }

  async deny(name, ...userIds) {
    await this.redis.sadd(`${this.prefix}${name}:deny`, ...userIds);
  }

  async remove(name) {
    const key = this.prefix + name;
    await this.redis.multi().srem(this.indexKey, name).del(key, `${key}:allow`, `${key}:deny`).exec();
  }

  /** Is the flag on for this user? One round trip. An unknown flag is off. */
  async isEnabled(name, userId) {
    return (await this.enabledFor(name, [userId]))[0];
  }

  /** The flag for many users in one round trip: HGETALL + SMISMEMBER on the allow and deny lists. */
  async enabledFor(name, userIds) {
    const key = this.prefix + name;
    const ids = userIds.map(String);
    const [[, flag], [, allowed], [, denied]] = await this.redis
      .pipeline()
      .hgetall(key)
      .smismember(`${key}:allow`, ...ids)
      .smismember(`${key}:deny`, ...ids)
      .exec();
    if (flag.enabled !== '1') return ids.map(() => false);
    const limit = Math.round(Number(flag.rollout) * (BUCKETS / 100));
    return ids.map((id, i) => {
      if (denied[i] === 1) return false;
      if (allowed[i] === 1) return true;
      return bucketOf(flag.salt, id) < limit;
    });
  }

  /** Every flag with its settings (for an admin page). */
  async list() {
    const names = (await this.redis.smembers(this.indexKey)).sort();
    const pipe = this.redis.pipeline();
    for (const name of names) pipe.hgetall(this.prefix + name);
    const rows = await pipe.exec();
    return names.map((name, i) => {
      const h = rows[i][1];
      return { name, enabled: h.enabled === '1', rollout: Number(h.rollout), description: h.description };
    });
  }
}

function clampPercent(p) {
  const n = Number(p);
  if (!Number.isFinite(n)) throw new TypeError(`rollout must be a number of percent, got ${p}`);
  return Math.min(100, Math.max(0, n));
}
