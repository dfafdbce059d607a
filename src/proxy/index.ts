// Public surface of the service proxy.
export { runProxy, type ProxyMode, type RunProxyOptions } from './run-proxy';
export { buildServicePorts, usableEndpoints, SERVICE_NAME_LABEL } from './service-map';
export type { Endpoint, EndpointSlice, Proxier, Service, ServicePortInfo } from './types';
