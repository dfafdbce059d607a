// The resolv.conf the kubelet writes into a pod, after upstream's pkg/kubelet/network/dns (GetPodDNS):
//
//   policy                    nameservers         search                                         options
//   ClusterFirst              clusterDNS          <ns>.svc.D svc.D D + host search domains      ndots:5
//   ClusterFirst + hostNetwork   → as Default
//   ClusterFirstWithHostNet   clusterDNS          as ClusterFirst                                ndots:5
//   Default                   host's              host's                                         host's
//   None                      (only dnsConfig)
//
// then pod.spec.dnsConfig is appended (nameservers and searches without duplicates; options merged by
// name, the pod's winning), and the result is trimmed to upstream's limits (3 nameservers, 32 search
// domains, 2048 characters of search line). With no clusterDNS configured, ClusterFirst falls back to
// Default, as the kubelet does. Lines are written search, nameserver, options (containerd's order).

export interface PodDnsConfig {
  nameservers?: string[];
  searches?: string[];
  options?: Array<{ name: string; value?: string }>;
}

export interface PodResolvConfOptions {
  dnsPolicy?: string;
  dnsConfig?: PodDnsConfig;
  namespace: string;
  clusterDomain?: string;
  /** The cluster DNS server address(es) (the kube-dns ClusterIP, or where the DNS server listens). */
  clusterDNS?: string | string[];
  /** Text of the host's /etc/resolv.conf. */
  hostResolvConf?: string;
  hostNetwork?: boolean;
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;

/** Nameservers, search domains and options of a resolv.conf text (the last `search`/`domain` line wins). */
export function parseResolvConf(text: string): { nameservers: string[]; searches: string[]; options: string[] } {
  const nameservers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') searches = rest.map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') options.push(...rest);
  }
  return { nameservers, searches, options };
}

const dedupe = (xs: string[]): string[] => [...new Set(xs.filter((x) => x !== ''))];

function mergeOptions(base: string[], extra: Array<{ name: string; value?: string }>): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0]!, o);
  for (const o of extra) byName.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
  return [...byName.values()];
}

export function podResolvConf(o: PodResolvConfOptions): string {
  const domain = (o.clusterDomain ?? 'cluster.local').replace(/\.$/, '');
  const clusterDNS = (Array.isArray(o.clusterDNS) ? o.clusterDNS : o.clusterDNS ? [o.clusterDNS] : []).filter((x) => x);
  const host = parseResolvConf(o.hostResolvConf ?? '');
  let policy = o.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirst' && o.hostNetwork) policy = 'Default';
  if ((policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') && clusterDNS.length === 0) policy = 'Default';

  let nameservers: string[] = [], searches: string[] = [], options: string[] = [];
  if (policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') {
    nameservers = clusterDNS;
    searches = domain ? [`${o.namespace}.svc.${domain}`, `svc.${domain}`, domain, ...host.searches] : host.searches;
    options = ['ndots:5'];
  } else if (policy === 'Default') {
    ({ nameservers, searches, options } = host);
  } else if (policy !== 'None') {
    throw new Error(`unsupported dnsPolicy ${JSON.stringify(policy)}: want ClusterFirst, ClusterFirstWithHostNet, Default or None`);
  }
  if (o.dnsConfig) {
    nameservers = [...nameservers, ...(o.dnsConfig.nameservers ?? [])];
    searches = [...searches, ...(o.dnsConfig.searches ?? [])];
    options = mergeOptions(options, o.dnsConfig.options ?? []);
  }
  nameservers = dedupe(nameservers).slice(0, MAX_NAMESERVERS);
  searches = dedupe(searches).slice(0, MAX_SEARCHES);
  while (searches.join(' ').length > MAX_SEARCH_CHARS) searches.pop();

  let out = '';
  if (searches.length) out += `search ${searches.join(' ')}\n`;
  for (const ns of nameservers) out += `nameserver ${ns}\n`;
  if (options.length) out += `options ${options.join(' ')}\n`;
  return out;
}
