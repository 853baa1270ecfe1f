/**
 * The injected clock. Nothing in certflow reads the wall clock or sets a timer but through it.
 *
 * @packageDocumentation
 */

/** A pending timer set through a {@link Clock}. */
export interface Timer {
  /** Cancels the timer; a no-op when it already fired. */
  cancel(): void;
}

/**
 * Time and timers. The engine takes one in `createEngine({ clock })`; tests pass the fake clock
 * from `certflow/testing` and move time with `advance(ms)`.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once after `delayMs` milliseconds of this clock's time. */
  setTimer(callback: () => void, delayMs: number): Timer;
}

/**
 * The system clock: `Date.now()` and unref'd Node timers.
 *
 * @example
 * ```ts
 * const engine = createEngine({ store, clock: systemClock });
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    // Node timers overflow past 2^31-1 ms and fire at once; cap and re-arm instead.
    const MAX = 2_147_483_647;
    let handle: NodeJS.Timeout;
    const due = Date.now() + Math.max(0, delayMs);
    const arm = (): void => {
      const left = due - Date.now();
      handle = setTimeout(left > MAX ? arm : callback, Math.min(Math.max(0, left), MAX));
      handle.unref?.();
    };
    arm();
    return { cancel: () => clearTimeout(handle) };
  },
};

/**
 * Resolves after `delayMs` of `clock`'s time, or rejects with the signal's reason when aborted.
 */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
