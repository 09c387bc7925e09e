/**
 * Bounded waiting: every wait in the bench ends when its condition holds or when the bench's
 * abort signal fires (timeout, Ctrl-C, worker failure), whichever comes first.
 */
import { BatonError, ErrorCategory } from '../core/errors.js';

/** Why the bench stopped waiting, naming what it waited for. */
function gaveUp(what: string, signal: AbortSignal): BatonError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return new BatonError(ErrorCategory.usage, `gave up waiting for ${what}: ${reason}`, { cause: signal.reason });
}

/** Resolve after `ms`, or reject when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal, what = 'a pause'): Promise<void> {
  return abortable(new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), signal, what);
}

/** `promise`, or a rejection naming `what` as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(gaveUp(what, signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(gaveUp(what, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Call `check` every `everyMs` until it returns a value other than null, undefined or false. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  options: { signal: AbortSignal; everyMs?: number },
): Promise<T> {
  for (;;) {
    if (options.signal.aborted) throw gaveUp(what, options.signal);
    const value = await check();
    if (value !== null && value !== undefined && value !== false) return value;
    await sleep(options.everyMs ?? 50, options.signal, what);
  }
}

/** Map `items` through `fn` with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}
