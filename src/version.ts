// The Redis version respite answers as (INFO, HELLO, RDB files, error banners).
export const REDIS_VERSION = '7.0.15';
