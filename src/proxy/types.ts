// The slices of core/v1 Service and discovery.k8s.io/v1 EndpointSlice the proxy reads, and the proxy's own
// normalised view of them (ServicePortInfo), which both modes consume.
import type { KubeObject } from '../client';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePortSpec {
  name?: string;
  protocol?: Protocol;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
}

export interface Service extends KubeObject {
  spec?: {
    type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
    clusterIP?: string;
    clusterIPs?: string[];
    ports?: ServicePortSpec[];
    externalIPs?: string[];
    sessionAffinity?: 'None' | 'ClientIP';
    loadBalancerClass?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    externalTrafficPolicy?: 'Cluster' | 'Local';
    internalTrafficPolicy?: 'Cluster' | 'Local';
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string; ipMode?: string }> } };
}

export interface EndpointSlice extends KubeObject {
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    nodeName?: string;
    zone?: string;
  }>;
  ports?: Array<{ name?: string; protocol?: Protocol; port?: number }>;
}

/** One backend of one service port. */
export interface Endpoint {
  ip: string;
  port: number;
  /** ready=true. Not ready but serving+terminating endpoints are used only when no ready one exists. */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

/**
 * One (service, port) as the proxy sees it: what to listen on or match, and where to send it.
 * `clusterEndpoints`/`localEndpoints` are already filtered (ready, else serving+terminating) — modes do
 * not re-apply endpoint conditions.
 */
export interface ServicePortInfo {
  /** `namespace/name:portName` (portName may be empty). Stable identity across syncs. */
  key: string;
  namespace: string;
  name: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  nodePort?: number;
  externalIPs: string[];
  /** Addresses served for type=LoadBalancer (the node's address, like k3s' ServiceLB). */
  loadBalancerIPs: string[];
  /** Session affinity timeout in seconds when sessionAffinity=ClientIP. */
  affinityTimeoutSeconds?: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  /** Endpoints for traffic with Cluster policy. */
  clusterEndpoints: Endpoint[];
  /** Endpoints on this node, for Local policies. */
  localEndpoints: Endpoint[];
}

export type LogFn = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;

/** A proxy mode: receives the full desired state on every sync (level-based) and makes it so. */
export interface Proxier {
  readonly mode: 'iptables' | 'userspace';
  /** Applies the desired state. Must be idempotent; unchanged services cost (almost) nothing. */
  sync(state: ServicePortInfo[]): Promise<void>;
  /** Removes everything this proxier installed (rules, listeners). Existing proxied connections may finish. */
  cleanup(): Promise<void>;
  /** What is installed now, as text naming each service port (`namespace/name:port`), for tests and debugging. */
  describe(): Promise<string>;
}
