// The committed src/api/generated files must be what scripts/gen-api-schema.ts writes today (catches an edit
// of inline-fields.ts or the generator without regenerating).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packageRoot } from '../../util/package-root';
import { HAVE_FIXTURES } from './test-fixtures';

describe('generated API data', { skip: HAVE_FIXTURES ? false : 'no ../shared protos' }, () => {
  it('matches a fresh run of scripts/gen-api-schema.ts', () => {
    const root = packageRoot();
    const out = mkdtempSync(join(tmpdir(), 'berth-gen-'));
    try {
      const protoDir = join(root, '..', 'shared', 'k8s-api-v1.32', 'proto');
      execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'gen-api-schema.ts'), protoDir, out], { cwd: root, stdio: 'pipe' });
      for (const f of ['schemas.json', 'proto.json']) {
        const fresh = readFileSync(join(out, f));
        const committed = readFileSync(join(root, 'src', 'api', 'generated', f));
        assert.ok(fresh.equals(committed), `${f} is stale: regenerate with node --import tsx scripts/gen-api-schema.ts`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
