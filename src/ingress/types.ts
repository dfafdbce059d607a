// The slices of networking.k8s.io/v1, core/v1 and discovery.k8s.io/v1 objects the ingress controller reads.
import type { KubeObject } from '../client';

export interface IngressBackend {
  service?: { name: string; port?: { number?: number; name?: string } };
  resource?: { apiGroup?: string; kind: string; name: string };
}

export interface HTTPIngressPath {
  path?: string;
  pathType?: string;
  backend: IngressBackend;
}

export interface Ingress extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: Array<{ hosts?: string[]; secretName?: string }>;
    rules?: Array<{ host?: string; http?: { paths: HTTPIngressPath[] } }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export interface IngressClass extends KubeObject {
  spec?: { controller?: string };
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    ports?: Array<{ name?: string; protocol?: string; port: number; targetPort?: number | string }>;
  };
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean } }>;
  ports?: Array<{ name?: string; port?: number; protocol?: string }>;
}

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export type LogFn = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;
