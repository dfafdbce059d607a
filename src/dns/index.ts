// Public surface of cluster DNS.
export { runDns, ensureDnsService, DEFAULT_DNS_SERVICE_IP, DNS_SERVICE_NAME, DNS_SERVICE_NAMESPACE, type RunDnsOptions } from './run';
export { publishDnsEndpoint, dnsEndpointSlice, DNS_MANAGED_BY } from './publish-endpoint';
export { podResolvConf, parseResolvConf, type PodDnsConfig, type PodResolvConfOptions } from './resolv-conf';
export { createClusterZone, reverseName, reverseToIP, podIndexers, serviceIndexers, sliceIndexers, type ClusterZone, type ZoneAnswer } from './cluster-zone';
export { createQueryHandler, listenDns, type ListenAddress, type QueryHandler } from './server';
export { createForwarder, nameserversOf, parseUpstream, type Forwarder, type Upstream } from './forwarder';
export {
  buildQuery, createTcpDeframer, decodeMessage, encodeMessage, frameTcp, RCode, RRClass, RRType,
  type DnsMessage, type Question, type RecordData, type ResourceRecord,
} from './wire';
