// jest's globalTeardown for respite/testing/global-setup (vitest needs none: setup returns it).
import { teardown } from './global-setup';

export default teardown;
