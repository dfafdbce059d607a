// The autoscaling/v2 HorizontalPodAutoscaler and autoscaling/v1 Scale shapes the controller reads and writes.
import type { KubeObject, ObjectMeta } from '../../client';
import type { Condition } from '../common/types';

export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue';
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

export interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
}

export interface MetricValueStatus {
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

export interface MetricStatus {
  type: MetricSpec['type'] | '';
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
}

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: ScalingPolicy[];
}

export interface HPA extends KubeObject {
  metadata: ObjectMeta;
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: MetricSpec[];
    behavior?: { scaleUp?: ScalingRules; scaleDown?: ScalingRules };
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: MetricStatus[] | null;
    conditions?: Condition[];
  };
}

/** autoscaling/v1 Scale, the scale subresource of every scalable workload. */
export interface Scale extends KubeObject {
  metadata: ObjectMeta;
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}
