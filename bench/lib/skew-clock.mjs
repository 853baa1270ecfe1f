// A Clock on real time that can jump forward: `now()` is the wall clock plus a skew, timers are
// real timers, and `jump(ms)` adds to the skew and fires at once every timer that falls due. The
// engine's requeue heap keeps one timer for its earliest due time, so a jump past many renewal
// times makes all of them due in the same instant, while everything else runs in real time.

// Node timers overflow past 2^31-1 ms and fire at once: longer delays are re-armed in steps.
const MAX_TIMER_MS = 2_147_483_647;

/** Creates the clock. */
export function createSkewClock() {
  let skew = 0;
  const pending = new Set();
  const now = () => Date.now() + skew;

  const arm = (timer) => {
    const left = timer.due - now();
    timer.handle = setTimeout(
      () => {
        if (timer.due > now()) arm(timer);
        else fire(timer);
      },
      Math.min(Math.max(0, left), MAX_TIMER_MS),
    );
    // As the system clock's timers: a pending renewal never keeps the process alive.
    timer.handle.unref();
  };
  const fire = (timer) => {
    if (!pending.delete(timer)) return;
    clearTimeout(timer.handle);
    timer.callback();
  };

  return {
    now,
    setTimer(callback, delayMs) {
      const timer = { due: now() + Math.max(0, delayMs), callback, handle: undefined };
      pending.add(timer);
      arm(timer);
      return {
        cancel() {
          pending.delete(timer);
          clearTimeout(timer.handle);
        },
      };
    },
    /** Moves time forward by `ms` and fires every timer now due, earliest first. */
    jump(ms) {
      skew += ms;
      const due = [...pending].filter((t) => t.due <= now()).sort((a, b) => a.due - b.due);
      for (const timer of due) fire(timer);
    },
  };
}
