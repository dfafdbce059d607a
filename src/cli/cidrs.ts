// Checks of the cluster's two address ranges, so a bad flag fails at start with one line.
import { CidrSet } from '../controllers/nodeipam/nodeipam';
import { parseCidr } from '../apiserver/registry/allocator';

/** Throws a one-line message when a range is not IPv4 CIDR or the pod and service ranges overlap. */
export function checkCidrs(clusterCidr: string, serviceCidr: string): void {
  let pods: CidrSet;
  try {
    pods = new CidrSet(clusterCidr, 24);
  } catch (e) {
    throw new Error(`invalid --cluster-cidr "${clusterCidr}": ${(e as Error).message}`);
  }
  let svc: ReturnType<typeof parseCidr>;
  try {
    svc = parseCidr(serviceCidr);
  } catch (e) {
    throw new Error(`invalid --service-cidr "${serviceCidr}": ${(e as Error).message}`);
  }
  const podEnd = pods.base + pods.size * 256;
  const svcEnd = svc.base + svc.size;
  if (pods.base < svcEnd && svc.base < podEnd) throw new Error(`--cluster-cidr ${clusterCidr} overlaps --service-cidr ${serviceCidr}`);
}
