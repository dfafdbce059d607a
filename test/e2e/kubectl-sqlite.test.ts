// kubectl end to end against `berth server` on the embedded sqlite store.
import { kubectlSuite } from './kubectl-suite';

kubectlSuite('sqlite', async () => ['--datastore', 'sqlite']);
