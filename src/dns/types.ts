// The slices of core/v1 and discovery.k8s.io/v1 objects the DNS server reads.
import type { KubeObject } from '../client';

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    ports?: ServicePort[];
    publishNotReadyAddresses?: boolean;
    selector?: Record<string, string>;
  };
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: Array<{
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    hostname?: string;
    nodeName?: string;
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }>;
  ports?: Array<{ name?: string; port?: number; protocol?: string }>;
}

export interface Pod extends KubeObject {
  spec?: { hostname?: string; subdomain?: string; hostNetwork?: boolean };
  status?: { podIP?: string; podIPs?: Array<{ ip: string }>; phase?: string };
}

export type LogFn = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;
