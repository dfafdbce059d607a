// Test helpers for any component: an in-memory fake API server and a condition waiter.
export { startFakeApiServer, type FakeApiServer } from './fake-apiserver';
export { FakeStore } from './fake-store';
export { waitFor } from './wait';
