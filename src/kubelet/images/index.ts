// Public surface of the kubelet's image service (see README.md).
export { createImageService, mountedLayers } from './image-service';
export type { ImageService, ImageServiceOptions, GcOptions, GcResult, Logger } from './image-service';
export type { ImageRecord, ImageConfig } from './image-store';
export { parseImageConfig } from './image-store';
export { ImageError, isImageError } from './errors';
export type { ImageErrorReason } from './errors';
export { parseReference, formatReference, normalizeReference, defaultPullPolicy } from './reference';
export type { ImageRef } from './reference';
export { parseRegistries, loadRegistries, endpointsFor, authFromDockerConfig } from './registries';
export type { RegistriesConfig, RegistryAuth, RegistryTLS, Endpoint } from './registries';
export type { PullAuth } from './pull';
export { runImagesCommand } from './cli';
