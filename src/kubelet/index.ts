// Public surface of the kubelet (node agent).
export { runKubelet, type KubeletOptions, type KubeletHandle } from './kubelet';
export { runAgentCommand } from './agent-command';
export { runHollowNodes, type HollowNodesOptions } from './hollow';
export { KUBELET_VERSION, POD_NETWORK_ANNOTATION } from './node-status';
export type { Taint, LogFn } from './types';
