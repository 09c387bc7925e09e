/**
 * JSON Schemas of Symphony's HTTP API (SPEC §13.7, the suggested response shapes), written from the
 * spec's text and examples — not from Baton's own contract — so a test can check that Baton's API
 * answers in Symphony's shape, field for field. Extra fields are allowed (§13.7: "Implementations
 * may add fields"); every field the spec shows is required with the type it shows.
 */
const tokens = {
  type: 'object',
  required: ['input_tokens', 'output_tokens', 'total_tokens'],
  properties: { input_tokens: { type: 'integer', minimum: 0 }, output_tokens: { type: 'integer', minimum: 0 }, total_tokens: { type: 'integer', minimum: 0 } },
};
const time = { type: 'string', format: 'date-time' };
const nullableTime = { anyOf: [time, { type: 'null' }] };
const nullableString = { type: ['string', 'null'] };

const runningRow = {
  type: 'object',
  required: ['issue_id', 'issue_identifier', 'state', 'session_id', 'turn_count', 'last_event', 'last_message', 'started_at', 'last_event_at', 'tokens'],
  properties: {
    issue_id: { type: 'string' },
    issue_identifier: { type: 'string' },
    state: { type: 'string' },
    session_id: nullableString,
    // §13.3: "each running row should include turn_count"
    turn_count: { type: 'integer', minimum: 0 },
    last_event: nullableString,
    last_message: nullableString,
    started_at: time,
    last_event_at: nullableTime,
    tokens,
  },
};

const retryRow = {
  type: 'object',
  required: ['issue_id', 'issue_identifier', 'attempt', 'due_at', 'error'],
  properties: { issue_id: { type: 'string' }, issue_identifier: { type: 'string' }, attempt: { type: 'integer', minimum: 0 }, due_at: nullableTime, error: nullableString },
};

export const stateSchema = {
  type: 'object',
  required: ['generated_at', 'counts', 'running', 'retrying', 'codex_totals', 'rate_limits'],
  properties: {
    generated_at: time,
    counts: { type: 'object', required: ['running', 'retrying'], properties: { running: { type: 'integer' }, retrying: { type: 'integer' } } },
    running: { type: 'array', items: runningRow },
    retrying: { type: 'array', items: retryRow },
    codex_totals: {
      type: 'object',
      required: ['input_tokens', 'output_tokens', 'total_tokens', 'seconds_running'],
      properties: { ...tokens.properties, seconds_running: { type: 'number', minimum: 0 } },
    },
    rate_limits: { type: ['object', 'null'] },
  },
};

export const issueSchema = {
  type: 'object',
  required: ['issue_identifier', 'issue_id', 'status', 'workspace', 'attempts', 'running', 'retry', 'logs', 'recent_events', 'last_error', 'tracked'],
  properties: {
    issue_identifier: { type: 'string' },
    issue_id: { type: 'string' },
    status: { type: 'string' },
    workspace: { type: 'object', required: ['path'], properties: { path: nullableString } },
    attempts: { type: 'object', required: ['restart_count', 'current_retry_attempt'], properties: { restart_count: { type: 'integer' }, current_retry_attempt: { type: 'integer' } } },
    running: {
      anyOf: [
        {
          type: 'object',
          required: ['session_id', 'turn_count', 'state', 'started_at', 'last_event', 'last_message', 'last_event_at', 'tokens'],
          properties: { session_id: nullableString, turn_count: { type: 'integer' }, state: { type: 'string' }, started_at: time, last_event: nullableString, last_message: nullableString, last_event_at: nullableTime, tokens },
        },
        { type: 'null' },
      ],
    },
    retry: { type: ['object', 'null'] },
    logs: { type: 'object', required: ['codex_session_logs'], properties: { codex_session_logs: { type: 'array' } } },
    recent_events: { type: 'array', items: { type: 'object', required: ['at', 'event', 'message'], properties: { at: time, event: { type: 'string' }, message: nullableString } } },
    last_error: nullableString,
    tracked: { type: 'object' },
  },
};

export const refreshSchema = {
  type: 'object',
  required: ['queued', 'coalesced', 'requested_at', 'operations'],
  properties: { queued: { type: 'boolean' }, coalesced: { type: 'boolean' }, requested_at: time, operations: { type: 'array', items: { type: 'string' } } },
};

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};
