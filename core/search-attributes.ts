/**
 * Baton's search attributes: registered on the embedded server at start, upserted by the issue
 * workflow when its stage or state changes, so the Web UI can filter (`BatonStage="review"`).
 * The SQLite dev server allows 10 Keyword attributes per namespace; Baton uses six.
 * Sandbox-safe.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const BatonStage = defineSearchAttributeKey('BatonStage', SearchAttributeType.KEYWORD);
export const BatonTracker = defineSearchAttributeKey('BatonTracker', SearchAttributeType.KEYWORD);
export const BatonIssue = defineSearchAttributeKey('BatonIssue', SearchAttributeType.KEYWORD);
export const BatonState = defineSearchAttributeKey('BatonState', SearchAttributeType.KEYWORD);
export const BatonStatus = defineSearchAttributeKey('BatonStatus', SearchAttributeType.KEYWORD);
export const BatonDeployment = defineSearchAttributeKey('BatonDeployment', SearchAttributeType.KEYWORD);

export const batonSearchAttributes = [BatonStage, BatonTracker, BatonIssue, BatonState, BatonStatus, BatonDeployment];
