// Public surface of the client library. Other folders import only from here (and from './testing' in tests).
export { realClock, FakeClock, flush, type Clock } from './clock';
export {
  ApiError, apiErrorFrom, apiErrorFromStatus, isAlreadyExists, isConflict, isExpired, isForbidden, isGone, isInvalid,
  isNotFound, isTooManyRequests, type Status, type StatusCause, type StatusDetails,
} from './errors';
export { loadKubeconfig, parseKubeconfig, type ClientConfig } from './kubeconfig';
export { createTransport, type RawRequest, type RawResponse, type Transport } from './transport';
export {
  createClient, readJsonLines, type Client, type DeleteOptions, type ListOptions, type PatchOptions, type PatchType,
  type ResourceClient, type WatchOptions, type WriteOptions,
} from './client';
export { collectionPath, objectPath, resourceRef, Resources, type ResourceRef } from './resource-ref';
export { objectKey, splitKey, type KubeObject, type ListMeta, type ObjectList, type ObjectMeta, type OwnerReference, type WatchEvent } from './types';
export { fieldValue, parseFieldSelector, parseLabelSelector, selectorFromLabels, type Selector } from './selector';
export { createIndexer, NAMESPACE_INDEX, type IndexFunc, type Indexer, type Lister } from './indexer';
export { createReflector, type Reflector, type ReflectorOptions, type ReflectorSink } from './reflector';
export {
  createInformer, deletedObject, isTombstone, type EventHandlers, type Informer, type InformerOptions, type Tombstone,
} from './informer';
export { createSharedInformerFactory, type InformerSelector, type SharedInformerFactory } from './shared-informer-factory';
export { TokenBucket } from './token-bucket';
export {
  bucketRateLimiter, defaultControllerRateLimiter, exponentialFailureRateLimiter, fastSlowRateLimiter, maxOfRateLimiter,
  type RateLimiter,
} from './rate-limiters';
export { createWorkQueue, type WorkQueue, type WorkQueueOptions } from './workqueue';
export {
  createLeaseLock, microTime, recordFromSpec, specFromRecord, type LeaderElectionRecord, type Lease, type LeaseSpec, type ResourceLock,
} from './lease-lock';
export { runLeaderElection, type LeaderElectionOptions } from './leader-election';
export { createEventRecorder, type EventRecorder, type EventRecorderOptions, type EventType } from './event-recorder';
