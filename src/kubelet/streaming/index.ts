// Public surface of the kubelet's streaming server side: exec, attach and port-forward over WebSocket and
// SPDY/3.1, as kubectl and client-node speak them. See README.md for the protocols and frame layouts.
export { handleExecUpgrade, handleAttachUpgrade } from './remote-command-handler';
export { handlePortForwardUpgrade, PORT_FORWARD_PROTOCOL, SPDY_TUNNEL_PROTOCOL } from './port-forward-handler';
export type {
  AttachTarget, ExecTarget, PortForwardTarget, RemoteCommandOptions, StreamingLog, StreamingOptions,
} from './types';
export { parseRemoteCommandOptions, upgradeKind } from './upgrade';
export { WEBSOCKET_REMOTE_COMMAND_PROTOCOLS, SPDY_REMOTE_COMMAND_PROTOCOLS } from './remote-command';
export { WEBSOCKET_PORT_FORWARD_PROTOCOLS } from './port-forward-ws';
