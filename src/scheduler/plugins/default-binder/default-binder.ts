// DefaultBinder: POST pods/binding through the API.
import type { BindPlugin, Handle } from '../../framework';

export const NAME = 'DefaultBinder';

export function createDefaultBinder(_args: unknown, h: Handle): BindPlugin {
  return {
    name: NAME,
    async bind(pod, nodeName) {
      await h.bind(pod, nodeName);
      return undefined;
    },
  };
}
