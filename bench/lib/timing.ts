// Where the time goes in an in-process server: wraps the methods of live objects (the
// store, the parse pool, the ingest) to count calls and sum their wall time, without
// touching server code. A call made inside another timed call of the same label (the
// store's own helpers under appendMessage) is listed but not added to the label's total.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface CallStats {
  calls: number;
  ms: number;
}

interface Context {
  /** Labels of the timed calls this one runs inside. */
  inside: ReadonlySet<string>;
  skip: boolean;
}

export class Timings {
  readonly stats = new Map<string, CallStats>();
  /** Per label: outermost calls only. */
  private readonly totals = new Map<string, CallStats>();
  private readonly restore: Array<() => void> = [];
  private readonly als = new AsyncLocalStorage<Context>();

  /** Wraps `names` (default: every function property, own or inherited) of `target` under `label.name`. */
  wrap(label: string, target: object, names?: string[]): this {
    const obj = target as Record<string, unknown>;
    const total = this.entry(this.totals, label);
    const als = this.als;
    for (const name of names ?? methodNames(target)) {
      const original = obj[name];
      if (typeof original !== 'function') continue;
      const stats = this.entry(this.stats, `${label}.${name}`);
      const hadOwn = Object.prototype.hasOwnProperty.call(obj, name);
      obj[name] = function timed(this: unknown, ...args: unknown[]) {
        const ctx = als.getStore();
        if (ctx?.skip) return (original as (...a: unknown[]) => unknown).apply(this, args);
        const outermost = !ctx?.inside.has(label);
        const t0 = performance.now();
        const done = () => {
          const ms = performance.now() - t0;
          stats.calls++;
          stats.ms += ms;
          if (outermost) {
            total.calls++;
            total.ms += ms;
          }
        };
        const inside = new Set(ctx?.inside ?? []).add(label);
        const result = als.run({ inside, skip: false }, () => (original as (...a: unknown[]) => unknown).apply(this, args));
        if (result instanceof Promise) return result.finally(done);
        done();
        return result;
      };
      this.restore.push(() => {
        if (hadOwn) obj[name] = original;
        else delete obj[name];
      });
    }
    return this;
  }

  /** Runs `fn` without timing the calls it makes (the benchmark's own polling). */
  untimed<T>(fn: () => T): T {
    return this.als.run({ inside: new Set(), skip: true }, fn);
  }

  unwrap(): void {
    for (const r of this.restore.splice(0)) r();
  }

  /** The `top` methods under `label` by time (nested calls included). */
  top(label: string, top = 10): Array<[string, CallStats]> {
    return [...this.stats].filter(([k, s]) => k.startsWith(`${label}.`) && s.calls > 0).sort((a, b) => b[1].ms - a[1].ms).slice(0, top);
  }

  /** The time of `label`'s outermost calls. */
  total(label: string): CallStats {
    return this.totals.get(label) ?? { calls: 0, ms: 0 };
  }

  private entry(map: Map<string, CallStats>, key: string): CallStats {
    let s = map.get(key);
    if (!s) map.set(key, (s = { calls: 0, ms: 0 }));
    return s;
  }
}

function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) if (n !== 'constructor') names.add(n);
  }
  return [...names].filter((n) => typeof (target as Record<string, unknown>)[n] === 'function');
}
