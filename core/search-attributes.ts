/**
 * Baton's search attributes: registered on the embedded server at start, upserted by the issue
 * workflow when its stage or state changes, so the Web UI can filter (`BatonStage="review"`).
 * The SQLite dev server allows 10 Keyword attributes per namespace; Baton uses six, plus one
 * KeywordList.
 * Sandbox-safe.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const BatonStage = defineSearchAttributeKey('BatonStage', SearchAttributeType.KEYWORD);
export const BatonTracker = defineSearchAttributeKey('BatonTracker', SearchAttributeType.KEYWORD);
export const BatonIssue = defineSearchAttributeKey('BatonIssue', SearchAttributeType.KEYWORD);
export const BatonState = defineSearchAttributeKey('BatonState', SearchAttributeType.KEYWORD);
export const BatonStatus = defineSearchAttributeKey('BatonStatus', SearchAttributeType.KEYWORD);
export const BatonDeployment = defineSearchAttributeKey('BatonDeployment', SearchAttributeType.KEYWORD);

/**
 * The issue's pull request, by `owner/name#number` and by `owner/name@branch` (a KeywordList: one
 * value matches either): the Web UI filters `BatonPR = "acme/app#12"`, and a code host webhook
 * finds the issue workflow to wake by the pull request or branch its event names.
 */
export const BatonPR = defineSearchAttributeKey('BatonPR', SearchAttributeType.KEYWORD_LIST);

export const batonSearchAttributes = [BatonStage, BatonTracker, BatonIssue, BatonState, BatonStatus, BatonDeployment, BatonPR];
