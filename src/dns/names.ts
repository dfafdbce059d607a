// Well-known names of cluster DNS objects.
export const DNS_SERVICE_NAMESPACE = 'kube-system';
export const DNS_SERVICE_NAME = 'kube-dns';
export const DEFAULT_DNS_SERVICE_IP = '10.43.0.10';
