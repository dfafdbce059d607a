// Public surface of the ingress controller.
export { runIngress, ensureIngressClass, INGRESS_CLASS, INGRESS_CONTROLLER, type RunIngressOptions } from './run';
export { buildRoutingTable, isOurs, matchRoute, pathSegments, type Backend, type Route, type RoutingTable } from './routing';
export { createBackendResolver, type BackendResolver, type Target } from './backends';
export { createIngressProxy, forwardHeaders, type IngressProxy, type ListenerInfo } from './proxy';
