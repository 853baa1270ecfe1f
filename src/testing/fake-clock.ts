/**
 * A simulated clock for tests: time moves only when the test says so.
 *
 * @packageDocumentation
 */
import type { Clock, Timer } from '../clock.js';
import { ValidationError } from '../errors.js';

/** A {@link Clock} whose time moves only through {@link FakeClock.advance}. */
export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way.
   *
   * @remarks
   * Timers fire in time order (in the order they were set when due at the same time), each with
   * `now()` equal to its due time. Pending microtasks run before the first timer, between two
   * timers and after the last, so a promise chain started by one timer (and any timer it sets
   * that falls due in the window) runs before the next timer fires. Calls made without awaiting
   * the previous one run one after the other.
   *
   * @throws the first error a timer callback throws, after the rest of the window has run.
   */
  advance(ms: number): Promise<void>;
  /** How many timers are set and have neither fired nor been cancelled. */
  pendingTimers(): number;
}

interface PendingTimer {
  readonly due: number;
  readonly order: number;
  readonly callback: () => void;
}

/** The default start of a fake clock: 2025-01-01T00:00:00.000Z. */
export const FAKE_CLOCK_START = Date.UTC(2025, 0, 1);

// setImmediate runs after the microtask queue is empty, however long its promise chains are.
const drainMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Creates a fake clock.
 *
 * @param start - the initial `now()`, in milliseconds since the Unix epoch.
 * @defaultValue `start`: {@link FAKE_CLOCK_START} (2025-01-01T00:00:00Z)
 *
 * @example
 * ```ts
 * const clock = createFakeClock();
 * const engine = createEngine({ store: createMemoryStore(), clock });
 * await clock.advance(60_000); // a minute passes, and every timer due in it fires
 * ```
 */
export function createFakeClock(start: number = FAKE_CLOCK_START): FakeClock {
  if (!Number.isFinite(start)) throw new ValidationError('start', 'must be a finite number');
  let now = start;
  let order = 0;
  const timers = new Set<PendingTimer>();
  let advancing: Promise<void> = Promise.resolve();

  const nextDue = (until: number): PendingTimer | undefined => {
    let next: PendingTimer | undefined;
    for (const timer of timers) {
      if (timer.due > until) continue;
      if (
        next === undefined ||
        timer.due < next.due ||
        (timer.due === next.due && timer.order < next.order)
      ) {
        next = timer;
      }
    }
    return next;
  };

  const run = async (ms: number): Promise<void> => {
    const target = now + ms;
    let failure: { error: unknown } | undefined;
    await drainMicrotasks();
    for (let timer = nextDue(target); timer !== undefined; timer = nextDue(target)) {
      timers.delete(timer);
      now = Math.max(now, timer.due);
      try {
        timer.callback();
      } catch (error) {
        failure ??= { error };
      }
      await drainMicrotasks();
    }
    now = Math.max(now, target);
    if (failure !== undefined) throw failure.error;
  };

  return {
    now: () => now,

    setTimer(callback: () => void, delayMs: number): Timer {
      const delay = Number.isNaN(delayMs) ? 0 : Math.max(0, delayMs);
      const timer: PendingTimer = { due: now + delay, order: order++, callback };
      timers.add(timer);
      return { cancel: () => void timers.delete(timer) };
    },

    advance(ms: number): Promise<void> {
      if (!Number.isFinite(ms) || ms < 0) {
        return Promise.reject(new ValidationError('ms', 'must be a finite number >= 0'));
      }
      const result = advancing.then(() => run(ms));
      advancing = result.catch(() => undefined);
      return result;
    },

    pendingTimers: () => timers.size,
  };
}
