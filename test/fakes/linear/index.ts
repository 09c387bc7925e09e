/** The Linear fake: a schema-validating local GraphQL server for adapter and pipeline tests. */
export { startLinearFake, type LinearFake, type LinearFakeOptions, type LinearFault, type RecordedRequest } from './server.js';
export { LinearFakeStore, type IssueSpec, type IssueSnapshot } from './store.js';
export { loadLinearSchema, buildLinearSdl } from './schema-from-sdk.js';
