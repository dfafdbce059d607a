// Pod volumes (pkg/apis/core/validation: ValidateVolumes, validateVolumeSource and the common sources).

import { type FieldError, duplicate, forbidden, invalid, notSupported, required } from './field-error';
import { isDNS1123Label, nameIsDNSSubdomain } from './names';
import { parseQuantity, isNegative } from './quantity';
import type { VolumeMap } from './containers';
import { type Obj, arr, child, index, num, obj, objs, str } from './util';

/** Every volume source field, in upstream's checking order; the second element is the path used in errors. */
const SOURCES: Array<[string, string]> = [
  ['emptyDir', 'emptyDir'], ['hostPath', 'hostPath'], ['gitRepo', 'gitRepo'], ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'], ['secret', 'secret'], ['nfs', 'nfs'], ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'], ['flocker', 'flocker'], ['persistentVolumeClaim', 'persistentVolumeClaim'], ['rbd', 'rbd'],
  ['cinder', 'cinder'], ['cephfs', 'cephFS'], ['quobyte', 'quobyte'], ['downwardAPI', 'downwarAPI'], ['fc', 'fc'],
  ['flexVolume', 'flexVolume'], ['configMap', 'configMap'], ['azureFile', 'azureFile'], ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'], ['portworxVolume', 'portworxVolume'], ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'], ['projected', 'projected'], ['scaleIO', 'scaleIO'], ['csi', 'csi'], ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const SUBSCRIPT_RE = /^metadata\.(annotations|labels)\['.*'\]$/;
const DOWNWARD_VOLUME_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

function validateMode(v: unknown, path: string, errs: FieldError[]): void {
  const m = num(v);
  if (m !== undefined && (m > 0o777 || m < 0)) errs.push(invalid(path, m, FILE_MODE_ERROR));
}

function validatePathNoBacksteps(p: string, path: string, errs: FieldError[]): void {
  if (p.split('/').includes('..')) errs.push(invalid(path, p, "must not contain '..'"));
}

/** ValidateLocalNonReservedPath: relative, no '..' element, not starting with '..'. */
function validateLocalNonReservedPath(p: string, path: string, errs: FieldError[]): void {
  if (p.startsWith('/')) errs.push(invalid(path, p, 'must be a relative path'));
  validatePathNoBacksteps(p, path, errs);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(invalid(path, p, "must not start with '..'"));
}

function validateKeyToPaths(items: unknown, path: string, errs: FieldError[]): void {
  objs(items).forEach((kp, i) => {
    const ip = index(path, i);
    if (str(kp.key).length === 0) errs.push(required(child(ip, 'key')));
    if (str(kp.path).length === 0) errs.push(required(child(ip, 'path')));
    validateLocalNonReservedPath(str(kp.path), child(ip, 'path'), errs);
    validateMode(kp.mode, child(ip, 'mode'), errs);
  });
}

function validateDownwardFiles(items: unknown, path: string, errs: FieldError[]): void {
  for (const f of objs(items)) {
    if (str(f.path).length === 0) errs.push(required(child(path, 'path')));
    validateLocalNonReservedPath(str(f.path), child(path, 'path'), errs);
    const fr = obj(f.fieldRef);
    if (fr) {
      const fp = child(path, 'fieldRef');
      const p = str(fr.fieldPath);
      if (str(fr.apiVersion).length === 0) errs.push(required(child(fp, 'apiVersion')));
      else if (p.length === 0) errs.push(required(child(fp, 'fieldPath')));
      else if (!SUBSCRIPT_RE.test(p) && !DOWNWARD_VOLUME_PATHS.includes(p)) {
        errs.push(notSupported(child(fp, 'fieldPath'), p, DOWNWARD_VOLUME_PATHS));
      }
      if (obj(f.resourceFieldRef)) errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
    } else if (obj(f.resourceFieldRef)) {
      const rf = obj(f.resourceFieldRef) ?? {};
      if (str(rf.containerName).length === 0) errs.push(required(child(child(path, 'resourceFieldRef'), 'containerName')));
      else if (str(rf.resource).length === 0) errs.push(required(child(child(path, 'resourceFieldRef'), 'resource')));
    } else {
      errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
    }
    validateMode(f.mode, child(path, 'mode'), errs);
  }
}

function validateProjected(src: Obj, path: string, errs: FieldError[]): void {
  validateMode(src.defaultMode, child(path, 'defaultMode'), errs);
  const allPaths = new Set<string>();
  objs(src.sources).forEach((s, i) => {
    const sp = index(child(path, 'sources'), i);
    let n = 0;
    for (const kind of ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle']) {
      const v = obj(s[kind]);
      if (!v) continue;
      n++;
      const kp = child(sp, kind);
      if (kind === 'secret' || kind === 'configMap') {
        if (str(v.name).length === 0) errs.push(required(child(kp, 'name')));
        validateKeyToPaths(v.items, child(kp, 'items'), errs);
        for (const it of objs(v.items)) {
          const p = str(it.path);
          if (p.length === 0) continue;
          if (allPaths.has(p)) errs.push(invalid(path, str(v.name), 'conflicting duplicate paths'));
          allPaths.add(p);
        }
      } else if (kind === 'downwardAPI') {
        validateDownwardFiles(v.items, kp, errs);
      } else if (kind === 'serviceAccountToken') {
        const exp = num(v.expirationSeconds);
        if (exp !== undefined && exp < 600) errs.push(invalid(child(kp, 'expirationSeconds'), exp, 'may not specify a duration less than 10 minutes'));
        else if (exp !== undefined && exp > 2 ** 32) errs.push(invalid(child(kp, 'expirationSeconds'), exp, 'may not specify a duration larger than 2^32 seconds'));
        if (str(v.path).length === 0) errs.push(required(child(kp, 'path')));
      }
    }
    if (n > 1) errs.push(forbidden(sp, 'may not specify more than 1 volume type per source'));
  });
}

function validateSource(v: Obj, vp: string, errs: FieldError[]): void {
  let n = 0;
  for (const [f, errPath] of SOURCES) {
    const src = v[f];
    if (src === undefined || src === null) continue;
    if (n > 0) {
      errs.push(forbidden(child(vp, errPath), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    const s = obj(src) ?? {};
    const p = child(vp, f);
    switch (f) {
      case 'emptyDir': {
        if (s.sizeLimit !== undefined) {
          const q = parseQuantity(s.sizeLimit);
          if (!q || isNegative(q)) errs.push(forbidden(child(p, 'sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
        }
        if (s.medium !== undefined && !['', 'Memory', 'HugePages'].includes(str(s.medium)) && !str(s.medium).startsWith('HugePages-')) {
          errs.push(notSupported(child(p, 'medium'), s.medium, ['', 'HugePages', 'Memory']));
        }
        break;
      }
      case 'hostPath': {
        const hp = str(s.path);
        if (hp.length === 0) {
          errs.push(required(child(p, 'path')));
          break;
        }
        validatePathNoBacksteps(hp, child(p, 'path'), errs);
        const t = s.type;
        if (t !== undefined && t !== null && !HOST_PATH_TYPES.includes(str(t))) errs.push(notSupported(child(p, 'type'), t, HOST_PATH_TYPES));
        break;
      }
      case 'secret':
        if (str(s.secretName).length === 0) errs.push(required(child(p, 'secretName')));
        validateMode(s.defaultMode, child(p, 'defaultMode'), errs);
        validateKeyToPaths(s.items, child(p, 'items'), errs);
        break;
      case 'configMap':
        if (str(s.name).length === 0) errs.push(required(child(p, 'name')));
        validateMode(s.defaultMode, child(p, 'defaultMode'), errs);
        validateKeyToPaths(s.items, child(p, 'items'), errs);
        break;
      case 'persistentVolumeClaim':
        if (str(s.claimName).length === 0) errs.push(required(child(p, 'claimName')));
        break;
      case 'downwardAPI':
        validateMode(s.defaultMode, child(p, 'defaultMode'), errs);
        validateDownwardFiles(s.items, p, errs);
        break;
      case 'projected':
        validateProjected(s, p, errs);
        break;
      case 'nfs': {
        if (str(s.server).length === 0) errs.push(required(child(p, 'server')));
        if (str(s.path).length === 0) errs.push(required(child(p, 'path')));
        if (!str(s.path).startsWith('/')) errs.push(invalid(child(p, 'path'), str(s.path), 'must be an absolute path'));
        break;
      }
      case 'csi': {
        const d = str(s.driver);
        if (d.length === 0) errs.push(required(child(p, 'driver')));
        else for (const m of nameIsDNSSubdomain(d.toLowerCase(), false)) errs.push(invalid(child(p, 'driver'), d, m));
        break;
      }
      case 'gitRepo':
        if (str(s.repository).length === 0) errs.push(required(child(p, 'repository')));
        break;
      case 'ephemeral':
        if (!obj(s.volumeClaimTemplate)) errs.push(required(child(p, 'volumeClaimTemplate')));
        break;
      case 'image':
        if (str(s.reference).length === 0) errs.push(required(child(p, 'reference')));
        break;
      default:
        break;
    }
  }
  if (n === 0) errs.push(required(vp, 'must specify a volume type'));
}

/** ValidateVolumes: names are DNS-1123 labels and unique, each volume has exactly one source. Returns the valid names. */
export function validateVolumes(volumes: unknown, path: string, errs: FieldError[]): VolumeMap {
  const vols: VolumeMap = new Map();
  arr(volumes).forEach((raw, i) => {
    const v = obj(raw) ?? {};
    const vp = index(path, i);
    const el: FieldError[] = [];
    validateSource(v, vp, el);
    const name = str(v.name);
    if (name.length === 0) el.push(required(child(vp, 'name')));
    else for (const m of isDNS1123Label(name)) el.push(invalid(child(vp, 'name'), name, m));
    if (vols.has(name)) el.push(duplicate(child(vp, 'name'), name));
    if (el.length === 0) vols.set(name, v);
    else errs.push(...el);
  });
  return vols;
}
