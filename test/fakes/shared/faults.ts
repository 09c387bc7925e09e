/**
 * The fault queue every provider fake shares: a test `inject`s a fault, and the next matching
 * request(s) get it instead of a normal answer, `times` times (default once). Each fake keeps its
 * own fault union (the shapes its provider really produces, each with a `kind`); the queue only
 * matches and counts.
 *
 * Two ways to use a fault:
 * - `take('status', 'hang')`: request-level faults (an error status, a dropped connection) — the
 *   oldest pending fault of those kinds is used up at once and returned, narrowed to those kinds.
 * - `peek('broken-pagination')`, then `consume(fault)`: faults that fire only if the request turns
 *   out to need them (broken pagination only affects a page that has a next page) — use one up only
 *   when it actually fired, so a request it did not affect leaves it pending.
 * `peekIn(kinds, accept)` and `takeIn(kinds, accept)` add a predicate; with `inScope` it limits a fault
 * to requests of one method and path (the REST fakes let a test aim a fault at one endpoint).
 * `takeWhere(accept)` is `take` with only a predicate.
 */

/** What every injectable fault has: a kind, and how many matching requests it applies to. */
export interface Injectable {
  kind: string;
  times?: number;
}

/** Which requests a fault applies to: a method and a path (a string is exact, a RegExp tests); each defaults to any. */
export interface RequestScope {
  method?: string;
  path?: string | RegExp;
}

/** Whether a request of `method` (upper case) on `path` is in `scope`. */
export function inScope(scope: RequestScope, method: string, path: string): boolean {
  if (scope.method && scope.method.toUpperCase() !== method) return false;
  if (!scope.path) return true;
  return typeof scope.path === 'string' ? scope.path === path : scope.path.test(path);
}

export class FaultQueue<F extends Injectable> {
  private readonly pending: { fault: F; left: number }[] = [];

  /** Queue `fault` for the next `fault.times ?? 1` matching requests. */
  inject(fault: F): void {
    this.pending.push({ fault, left: fault.times ?? 1 });
  }

  /** The oldest pending fault of one of `kinds`, left pending. */
  peek<K extends F['kind']>(...kinds: readonly K[]): Extract<F, { kind: K }> | undefined {
    return this.peekIn(kinds);
  }

  /** `peek` among the faults `accept` lets through. */
  peekIn<K extends F['kind']>(kinds: readonly K[], accept: (fault: F) => boolean = () => true): Extract<F, { kind: K }> | undefined {
    return this.find((f) => (kinds as readonly string[]).includes(f.kind) && accept(f)) as Extract<F, { kind: K }> | undefined;
  }

  /** Use up one application of `fault` (a value `peek` returned); it leaves the queue at zero. */
  consume(fault: F): void {
    const index = this.pending.findIndex((p) => p.fault === fault);
    if (index < 0) return;
    const entry = this.pending[index]!;
    entry.left -= 1;
    if (entry.left <= 0) this.pending.splice(index, 1);
  }

  /** `peek` and `consume` in one: the fault of one of `kinds` this request gets, if any. */
  take<K extends F['kind']>(...kinds: readonly K[]): Extract<F, { kind: K }> | undefined {
    return this.takeIn(kinds);
  }

  /** `take` among the faults `accept` lets through. */
  takeIn<K extends F['kind']>(kinds: readonly K[], accept: (fault: F) => boolean = () => true): Extract<F, { kind: K }> | undefined {
    const fault = this.peekIn(kinds, accept);
    if (fault) this.consume(fault);
    return fault;
  }

  /** `take` with any predicate over the pending faults. */
  takeWhere(accept: (fault: F) => boolean): F | undefined {
    const fault = this.find(accept);
    if (fault) this.consume(fault);
    return fault;
  }

  private find(accept: (fault: F) => boolean): F | undefined {
    return this.pending.find((p) => accept(p.fault))?.fault;
  }
}
