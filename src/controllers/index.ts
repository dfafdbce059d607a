// Public surface of the controller manager.
import { CONTROLLERS } from './registry';
import { runControllers as runWith, type RunControllersOptions } from './runner/run-controllers';

export { CONTROLLERS } from './registry';
export { createControllerMetrics, type ControllerMetrics } from './runner/metrics';
export { startController, type RunningController, type StartControllerOptions } from './runner/runner';
export type { Controller, ControllerContext, ControllerFactory, Log, LogLevel, Request, Result } from './runner/types';
export type { RunControllersOptions } from './runner/run-controllers';

/**
 * Runs the controller manager (all controllers, or `opts.controllers`) until `opts.signal` aborts, under
 * Lease-based leader election unless `leaderElect: false`.
 */
export function runControllers(opts: RunControllersOptions): Promise<void> {
  return runWith({ ...opts, registry: opts.registry ?? CONTROLLERS });
}
