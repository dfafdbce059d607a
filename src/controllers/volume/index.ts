// Public surface of the volume controllers: the PV binder (registered as `persistentvolume-binder` in
// ../registry.ts) and the local-path provisioner, which runs with a node.
export { volumeController, volumeControllerWith, type VolumeControllerOptions } from './volume';
export {
  ANN_LOCAL_PATH_NODE, defaultStorageClass, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER, runLocalPathProvisioner, type LocalPathOptions,
} from './local-path';
export type { PersistentVolume, PersistentVolumeClaim, StorageClass } from './types';
