// HorizontalPodAutoscaler (autoscaling/v2 and autoscaling/v1 shapes): port of printHorizontalPodAutoscaler
// and formatHPAMetrics from Kubernetes' pkg/printers/internalversion (v1.32). A v1 object is read the way
// upstream converts it to the internal type: targetCPUUtilizationPercentage is one cpu Utilization metric.

import { DOC } from './descriptions';
import { AGE_COL, NAME_COL, col } from './types';
import type { Printer } from './types';
import { age, arr, int, isNum, nameOf, obj, quantity, str } from './util';
import type { Obj } from './util';

const UNKNOWN = '<unknown>';

function present(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

/** A set optional field (a non-nil pointer in Go). */
function set(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** External/Object metrics: 'cur/target (avg)' for AverageValue targets, else 'cur/target'. */
function valueMetric(source: Obj, status: Obj | undefined): string {
  const target = obj(source['target']);
  const current = status === undefined ? undefined : obj(status['current']);
  if (set(target['averageValue'])) {
    const cur = current !== undefined && set(current['averageValue']) ? quantity(current['averageValue']) : UNKNOWN;
    return `${cur}/${quantity(target['averageValue'])} (avg)`;
  }
  const cur = current !== undefined ? quantity(current['value']) : UNKNOWN;
  return `${cur}/${quantity(target['value'])}`;
}

/** Resource/ContainerResource metrics: 'cpu: cur/target' with values or utilisation percentages. */
function resourceMetric(source: Obj, status: Obj | undefined): string {
  const name = str(source['name']);
  const target = obj(source['target']);
  const current = status === undefined ? undefined : obj(status['current']);
  if (set(target['averageValue'])) {
    const cur = current !== undefined ? quantity(current['averageValue']) : UNKNOWN;
    return `${name}: ${cur}/${quantity(target['averageValue'])}`;
  }
  const cur = current !== undefined && isNum(current['averageUtilization']) ? `${int(current['averageUtilization'])}%` : UNKNOWN;
  const tgt = isNum(target['averageUtilization']) ? `${int(target['averageUtilization'])}%` : '<auto>';
  return `${name}: ${cur}/${tgt}`;
}

/** The status entry at index i for a metric source field, if set (upstream pairs specs and statuses by index). */
function statusAt(statuses: readonly unknown[], i: number, field: string): Obj | undefined {
  if (i >= statuses.length) return undefined;
  const s = obj(statuses[i])[field];
  return present(s) ? obj(s) : undefined;
}

function formatMetrics(specs: readonly unknown[], statuses: readonly unknown[]): string {
  if (specs.length === 0) return '<none>';
  const list: string[] = [];
  const max = 2;
  for (let i = 0; i < specs.length && list.length < max; i++) {
    const spec = obj(specs[i]);
    switch (spec['type']) {
      case 'External':
        list.push(valueMetric(obj(spec['external']), statusAt(statuses, i, 'external')));
        break;
      case 'Object':
        list.push(valueMetric(obj(spec['object']), statusAt(statuses, i, 'object')));
        break;
      case 'Pods': {
        const st = statusAt(statuses, i, 'pods');
        const cur = st !== undefined ? quantity(obj(st['current'])['averageValue']) : UNKNOWN;
        list.push(`${cur}/${quantity(obj(obj(spec['pods'])['target'])['averageValue'])}`);
        break;
      }
      case 'Resource':
        list.push(resourceMetric(obj(spec['resource']), statusAt(statuses, i, 'resource')));
        break;
      case 'ContainerResource':
        list.push(resourceMetric(obj(spec['containerResource']), statusAt(statuses, i, 'containerResource')));
        break;
      default:
        list.push('<unknown type>');
    }
  }
  const ret = list.join(', ');
  return specs.length > max ? `${ret} + ${specs.length - max} more...` : ret;
}

function targets(spec: Obj, status: Obj): string {
  if (Array.isArray(spec['metrics'])) return formatMetrics(spec['metrics'] as unknown[], arr(status['currentMetrics']));
  // autoscaling/v1
  const target = spec['targetCPUUtilizationPercentage'];
  if (!isNum(target)) return '<none>';
  const current = status['currentCPUUtilizationPercentage'];
  return `cpu: ${isNum(current) ? `${int(current)}%` : UNKNOWN}/${int(target)}%`;
}

export const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    NAME_COL,
    col('Reference', 'string', DOC.hpaScaleTargetRef),
    col('Targets', 'string', DOC.hpaMetrics),
    col('MinPods', 'string', DOC.hpaMinReplicas),
    col('MaxPods', 'string', DOC.hpaMaxReplicas),
    col('Replicas', 'string', DOC.hpaCurrentReplicas),
    AGE_COL,
  ],
  cells(o, now) {
    const spec = obj(o['spec']);
    const status = obj(o['status']);
    const ref = obj(spec['scaleTargetRef']);
    return [
      nameOf(o),
      `${str(ref['kind'])}/${str(ref['name'])}`,
      targets(spec, status),
      String(int(spec['minReplicas'], 1)),
      int(spec['maxReplicas']),
      int(status['currentReplicas']),
      age(o, now),
    ];
  },
};
