/**
 * One Baton turn on the Responses API: the user message, then model ↔ tool round trips until the
 * model answers without a tool call, the round-trip bound is reached, a request fails, or the
 * turn's signal fires. The history stays well-formed whatever happens: a response's items are
 * appended only once it completed, and every call in them gets an answer (a "not run" one when
 * the turn stops first), so the next turn can continue the same conversation.
 */
import type OpenAI from 'openai';
import type { Response, ResponseCreateParamsStreaming, ResponseInputItem, ResponseOutputItem } from 'openai/resources/responses/responses';
import { ErrorCategory, oneLine } from '../../../core/errors.js';
import { describeModelError, rejectsEncryptedReasoning, replayableItems, toolCallsOf, toolOutputItem, userMessage, type ModelToolCall } from './conversation.js';

/** How a turn ended. */
export type TurnEnding =
  | { outcome: 'completed' }
  | { outcome: 'failed' | 'cancelled'; category: ErrorCategory; message: string };

/** Everything except `input` and `stream`, rebuilt for each request. */
export type ModelRequest = Omit<ResponseCreateParamsStreaming, 'input' | 'stream'>;

export interface TurnLoopDeps {
  client: OpenAI;
  /** Where requests go, for error messages. */
  endpoint: string;
  /** The request for the current session state (model, tools, instructions, include …). */
  request(): ModelRequest;
  /** The conversation so far; the loop appends to it. */
  history: ResponseInputItem[];
  /** Fires when the turn must stop; {@link TurnLoopDeps.stopped} says why. */
  signal: AbortSignal;
  /** Why the signal fired (cancelled, timed out). */
  stopped(): Extract<TurnEnding, { outcome: 'failed' | 'cancelled' }>;
  /** Model ↔ tool round trips allowed in one turn. */
  maxToolRoundTrips: number;
  /** Retries the SDK makes for 408/409/429/5xx and connection errors. */
  maxRetries: number;
  /** Per-request timeout until the response starts (ms). */
  requestTimeoutMs: number;
  /** Every streamed event (keeps the silence timer fresh). */
  onStreamEvent(): void;
  /** Each completed response (usage, assistant messages). */
  onResponse(response: Response): void;
  /** The model asked not to be sent `reasoning.encrypted_content` again. */
  onEncryptedReasoningRejected(): void;
  /** Run one tool call; never rejects for anything the model did. */
  runTool(call: ModelToolCall): Promise<{ success: boolean; output: string }>;
}

/** A failure the loop names itself (a stream that failed or ended early). */
class TurnFailure extends Error {
  constructor(
    readonly category: ErrorCategory,
    message: string,
  ) {
    super(message);
  }
}

const NOT_RUN = { success: false, output: 'Not run: the turn was stopped before this tool call ran.' };

/** Run one turn with `prompt` as the user message. Never rejects. */
export async function runTurnLoop(deps: TurnLoopDeps, prompt: string): Promise<TurnEnding> {
  deps.history.push(userMessage(prompt));
  for (let roundTrip = 0; roundTrip <= deps.maxToolRoundTrips; roundTrip++) {
    if (deps.signal.aborted) return deps.stopped();
    let response: Response;
    try {
      response = await requestResponse(deps);
    } catch (err) {
      if (deps.signal.aborted) return deps.stopped();
      if (err instanceof TurnFailure) return { outcome: 'failed', category: err.category, message: err.message };
      return { outcome: 'failed', ...describeModelError(err, deps.endpoint) };
    }
    deps.history.push(...replayableItems(response.output));
    deps.onResponse(response);
    const calls = toolCallsOf(response.output);
    if (calls.length === 0) return { outcome: 'completed' };
    if (roundTrip === deps.maxToolRoundTrips) {
      calls.forEach((call) => deps.history.push(toolOutputItem(call, NOT_RUN)));
      return {
        outcome: 'failed',
        category: ErrorCategory.turnFailed,
        message: `the model was still calling tools after ${deps.maxToolRoundTrips} round trips in one turn; the turn was stopped`,
      };
    }
    for (const call of calls) {
      const result = deps.signal.aborted ? NOT_RUN : await deps.runTool(call);
      deps.history.push(toolOutputItem(call, result));
    }
  }
  return deps.stopped();
}

/** One streamed request; resolves with the completed response. */
async function requestResponse(deps: TurnLoopDeps): Promise<Response> {
  try {
    return await streamOnce(deps);
  } catch (err) {
    if (!deps.signal.aborted && rejectsEncryptedReasoning(err) && deps.request().include?.length) {
      deps.onEncryptedReasoningRejected();
      return streamOnce(deps);
    }
    throw err;
  }
}

async function streamOnce(deps: TurnLoopDeps): Promise<Response> {
  const stream = await deps.client.responses.create(
    { ...deps.request(), input: deps.history, stream: true },
    { signal: deps.signal, maxRetries: deps.maxRetries, timeout: deps.requestTimeoutMs },
  );
  const done: ResponseOutputItem[] = [];
  let completed: Response | undefined;
  // The SDK ends the iteration quietly when the signal aborts it; the caller checks the signal.
  for await (const event of stream) {
    deps.onStreamEvent();
    switch (event.type) {
      case 'response.output_item.done':
        done.push(event.item);
        break;
      case 'response.completed':
        completed = event.response;
        break;
      case 'response.failed': {
        const error = event.response.error;
        throw new TurnFailure(ErrorCategory.turnFailed, oneLine(`the model reported the response failed${error ? ` (${error.code}): ${error.message}` : ''}`, 500));
      }
      case 'response.incomplete': {
        const reason = event.response.incomplete_details?.reason ?? 'no reason given';
        throw new TurnFailure(ErrorCategory.turnFailed, `the model stopped before finishing its response (${reason})`);
      }
      case 'error':
        throw new TurnFailure(ErrorCategory.turnFailed, oneLine(`the model stream reported an error${event.code ? ` (${event.code})` : ''}: ${event.message}`, 500));
      default:
        break;
    }
  }
  if (deps.signal.aborted) throw new TurnFailure(ErrorCategory.turnCancelled, 'stopped');
  if (!completed) throw new TurnFailure(ErrorCategory.responseError, 'the model stream ended before `response.completed`; the server closed the connection early');
  // Some servers send the items only as `output_item.done` events.
  return completed.output.length > 0 || done.length === 0 ? completed : { ...completed, output: done };
}
