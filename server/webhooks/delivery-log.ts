/**
 * The deliveries already acted on, bounded: providers redeliver on timeouts and an attacker may
 * replay a captured request, and either should cost at most one refresh.
 */
export class DeliveryLog {
  private readonly keys = new Map<string, true>();

  constructor(private readonly capacity = 2048) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('DeliveryLog capacity must be a positive integer');
  }

  /** Record `key`; false when it was already recorded. The oldest key goes once the log is full. */
  add(key: string): boolean {
    if (this.keys.has(key)) {
      // Refresh recency so a delivery replayed often stays remembered.
      this.keys.delete(key);
      this.keys.set(key, true);
      return false;
    }
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }

  /** Forget `key` (the refresh it triggered failed, so a redelivery should be acted on). */
  delete(key: string): void {
    this.keys.delete(key);
  }

  get size(): number {
    return this.keys.size;
  }
}
