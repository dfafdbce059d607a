// Pods: port of printPod from Kubernetes' pkg/printers/internalversion (v1.32), including the STATUS
// reason logic (Init:N/M, Init:<reason>, CrashLoopBackOff, Completed, Terminating, Unknown for
// NodeLost pods being deleted, SchedulingGated) and RESTARTS with its '(5m ago)' suffix.

import { DOC } from './descriptions';
import { AGE_COL, NAME_COL, col } from './types';
import type { Printer, RowCondition } from './types';
import { humanDuration } from './duration';
import { age, arr, int, meta, obj, parseTime, str } from './util';
import type { Obj } from './util';

const SUCCEEDED: RowCondition[] = [
  Object.freeze({ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }),
];
const FAILED: RowCondition[] = [
  Object.freeze({ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }),
];

/** node.NodeUnreachablePodReason */
const NODE_LOST = 'NodeLost';

function present(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

/** Later of `cur` and the lastState.terminated.finishedAt of a container status (NaN = zero time). */
function laterRestart(cur: number, status: Obj): number {
  const term = obj(status['lastState'])['terminated'];
  if (!present(term)) return cur;
  const t = parseTime(obj(term)['finishedAt']);
  if (Number.isNaN(t)) return cur;
  return Number.isNaN(cur) || t > cur ? t : cur;
}

function isRestartableInit(initContainers: readonly unknown[], name: unknown): boolean {
  for (const c of initContainers) {
    const x = obj(c);
    if (x['name'] === name) return x['restartPolicy'] === 'Always';
  }
  return false;
}

function conditionTrue(conditions: readonly unknown[], type: string): boolean {
  for (const c of conditions) {
    const x = obj(c);
    if (x['type'] === type) return x['status'] === 'True';
  }
  return false;
}

/** `Signal:N` / `ExitCode:N` (with prefix) for a terminated state without a reason. */
function terminatedReason(term: Obj, prefix: string): string {
  const reason = str(term['reason']);
  if (reason !== '') return prefix + reason;
  const signal = int(term['signal']);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${int(term['exitCode'])}`;
}

function podCells(o: Obj, now: number): unknown[] {
  const m = meta(o);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const containers = arr(spec['containers']);
  const initContainers = arr(spec['initContainers']);
  const conditions = arr(status['conditions']);

  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = containers.length;
  let readyContainers = 0;
  let lastRestart = NaN;
  let lastRestartableInitRestart = NaN;

  const phase = str(status['phase']);
  let reason = phase;
  if (str(status['reason']) !== '') reason = str(status['reason']);

  for (const c of conditions) {
    const x = obj(c);
    if (x['type'] === 'PodScheduled' && x['reason'] === 'SchedulingGated') reason = 'SchedulingGated';
  }

  for (const c of initContainers) {
    if (obj(c)['restartPolicy'] === 'Always') totalContainers++;
  }

  let initializing = false;
  const initStatuses = arr(status['initContainerStatuses']);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = obj(initStatuses[i]);
    const rc = int(cs['restartCount']);
    restarts += rc;
    lastRestart = laterRestart(lastRestart, cs);
    const restartable = isRestartableInit(initContainers, cs['name']);
    if (restartable) {
      restartableInitRestarts += rc;
      lastRestartableInitRestart = laterRestart(lastRestartableInitRestart, cs);
    }
    const state = obj(cs['state']);
    const termRaw = state['terminated'];
    const term = obj(termRaw);
    const waiting = obj(state['waiting']);
    if (present(termRaw) && int(term['exitCode']) === 0) continue;
    if (restartable && cs['started'] === true) {
      if (cs['ready'] === true) readyContainers++;
      continue;
    }
    if (present(termRaw)) {
      reason = terminatedReason(term, 'Init:');
    } else if (present(state['waiting']) && str(waiting['reason']) !== '' && waiting['reason'] !== 'PodInitializing') {
      reason = `Init:${str(waiting['reason'])}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(conditions, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = arr(status['containerStatuses']);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = obj(statuses[i]);
      restarts += int(cs['restartCount']);
      lastRestart = laterRestart(lastRestart, cs);
      const state = obj(cs['state']);
      const waitingReason = str(obj(state['waiting'])['reason']);
      const termRaw = state['terminated'];
      if (present(state['waiting']) && waitingReason !== '') {
        reason = waitingReason;
      } else if (present(termRaw)) {
        reason = terminatedReason(obj(termRaw), '');
      } else if (cs['ready'] === true && present(state['running'])) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed but another still runs is Running (or NotReady).
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = typeof m['deletionTimestamp'] === 'string' && m['deletionTimestamp'] !== '';
  if (deleting && status['reason'] === NODE_LOST) {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && !Number.isNaN(lastRestart)) {
    restartsText = `${restarts} (${humanDuration(now - lastRestart)} ago)`;
  }

  // Wide columns.
  const podIPs = arr(status['podIPs']);
  let podIP = podIPs.length > 0 ? str(obj(podIPs[0])['ip']) : str(status['podIP']);
  if (podIP === '') podIP = '<none>';
  const nodeName = str(spec['nodeName']) || '<none>';
  const nominated = str(status['nominatedNodeName']) || '<none>';
  let readinessGates = '<none>';
  const gates = arr(spec['readinessGates']);
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const g of gates) {
      const type = obj(g)['conditionType'];
      for (const c of conditions) {
        const x = obj(c);
        if (x['type'] === type) {
          if (x['status'] === 'True') trueConditions++;
          break;
        }
      }
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  return [
    str(m['name']),
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsText,
    age(o, now),
    podIP,
    nodeName,
    nominated,
    readinessGates,
  ];
}

export const podPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'string', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COL,
    col('IP', 'string', DOC.podIP, 1),
    col('Node', 'string', DOC.nodeName, 1),
    col('Nominated Node', 'string', DOC.nominatedNodeName, 1),
    col('Readiness Gates', 'string', DOC.readinessGates, 1),
  ],
  cells: podCells,
  conditions(o: Obj): RowCondition[] | undefined {
    const phase = obj(o['status'])['phase'];
    if (phase === 'Succeeded') return SUCCEEDED;
    if (phase === 'Failed') return FAILED;
    return undefined;
  },
};
