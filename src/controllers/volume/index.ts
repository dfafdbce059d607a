// Public surface of the volume controllers: the PV binder (registered as `persistentvolume-binder` in
// ../registry.ts) and the local-path provisioner, which runs with a node.
export { volumeController, volumeControllerWith, type VolumeControllerOptions } from './volume';
export {
  ANN_LOCAL_PATH_NODE, defaultStorageClass, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER, runLocalPathProvisioner, type LocalPathOptions,
} from './local-path';
export type { PersistentVolume, PersistentVolumeClaim, StorageClass } from './types';
export { ANN_BIND_COMPLETED, ANN_SELECTED_NODE, claimClass, volumeClass } from './types';
// the matching rules the scheduler's VolumeBinding shares with the binder
export { compareQuantity, findBestMatch, isVolumeBoundToClaim, requestOf, volumeFitsNode, type NodeInfo } from './matching';
