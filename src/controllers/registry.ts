// Every controller of the manager, by the name `--controllers` and `runControllers({ controllers })` use.
import type { ControllerFactory } from './runner/types';

export const CONTROLLERS: Record<string, ControllerFactory> = {};
