/**
 * A trivial workflow for infrastructure tests: upserts Baton's stage search attribute, then waits
 * for a `finish` signal, so a test can observe it in visibility while it runs. Sandbox-safe.
 */
import { condition, defineSignal, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { BatonStage } from '../../core/search-attributes.js';

export const finishSignal = defineSignal<[string]>('finish');

/** Sets `BatonStage` to `stage`, waits for `finish`, returns `<greeting>, <finish arg>`. */
export async function trivialWorkflow(input: { greeting: string; stage: string }): Promise<string> {
  upsertSearchAttributes([{ key: BatonStage, value: input.stage }]);
  let finishedWith: string | undefined;
  setHandler(finishSignal, (name) => {
    finishedWith = name;
  });
  await condition(() => finishedWith !== undefined);
  return `${input.greeting}, ${finishedWith}`;
}
