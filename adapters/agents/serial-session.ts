/**
 * The shared frame of sessions that run one turn at a time in this process (command, openai):
 * a second concurrent `runTurn` is a Baton bug, and `close()` aborts the turn in progress and
 * waits for it to settle. Subclasses implement `playTurn` and watch `closing.signal`.
 */
import { BatonError, ErrorCategory } from '../../core/errors.js';
import type { AgentSession, TurnInput, TurnResult } from './types.js';

export abstract class SerialTurnSession implements AgentSession {
  /** Aborted by `close()`; a running turn must stop when it fires. */
  protected readonly closing = new AbortController();
  private running: Promise<TurnResult> | undefined;

  abstract get pid(): number | undefined;

  protected abstract playTurn(input: TurnInput): Promise<TurnResult>;

  runTurn(input: TurnInput): Promise<TurnResult> {
    if (this.running) {
      return Promise.reject(new BatonError(ErrorCategory.internal, `${this.constructor.name} runs one turn at a time; this is a bug in Baton`));
    }
    const run = this.playTurn(input).finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.running?.catch(() => undefined);
  }
}
