// The protobufjs root of the Kubernetes v1.32 messages, built once from src/api/generated/proto.json.
// protobufjs itself is loaded on first use too (50-130 ms), so API server start-up does not pay for it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type protobuf from 'protobufjs';
import { packageRoot } from '../../util/package-root';

let root: protobuf.Root | undefined;

/** The descriptor root; parsed on the first call (about 0.1 MB of JSON). */
export function loadProtoRoot(): protobuf.Root {
  if (!root) {
    const pb = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
    const file = join(packageRoot(), 'src', 'api', 'generated', 'proto.json');
    root = pb.Root.fromJSON(JSON.parse(readFileSync(file, 'utf8')) as protobuf.INamespace);
    root.resolveAll();
  }
  return root;
}
