// The protobufjs root of the Kubernetes v1.32 messages, built once from src/api/generated/proto.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { packageRoot } from '../../util/package-root';

let root: protobuf.Root | undefined;

/** The descriptor root; parsed on the first call (about 0.1 MB of JSON). */
export function loadProtoRoot(): protobuf.Root {
  if (!root) {
    const file = join(packageRoot(), 'src', 'api', 'generated', 'proto.json');
    root = protobuf.Root.fromJSON(JSON.parse(readFileSync(file, 'utf8')) as protobuf.INamespace);
    root.resolveAll();
  }
  return root;
}
