// Test support: the upstream round-trip fixtures in ../shared/k8s-api-v1.32/fixtures (not shipped).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../util/package-root';
import type { GroupVersionKind } from './types';

export const FIXTURES_DIR = join(packageRoot(), '..', 'shared', 'k8s-api-v1.32', 'fixtures');
export const HAVE_FIXTURES = existsSync(FIXTURES_DIR);

/** 'apps.v1.Deployment.json' → apps/v1 Deployment; 'core.v1.Pod.json' → core group ''. */
export function fixtureGvk(file: string): GroupVersionKind {
  const parts = file.replace(/\.(json|pb|yaml)$/, '').split('.');
  const kind = parts.pop() ?? '';
  const version = parts.pop() ?? '';
  const group = parts.join('.');
  return { group: group === 'core' ? '' : group, version, kind };
}

/** Fixture file names with the given extension ('json' or 'pb'); empty when the fixtures are absent. */
export function fixtureFiles(ext: 'json' | 'pb'): string[] {
  if (!HAVE_FIXTURES) return [];
  return readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith(`.${ext}`))
    .sort();
}
