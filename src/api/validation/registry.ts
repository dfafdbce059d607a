// Per-kind validation rules, keyed by `<group>/<kind>` (core group = '').

import type { FieldError } from './field-error';
import type { NameFn } from './names';
import type { Obj } from './util';

export interface ValidationContext {
  namespaced: boolean;
  subresource?: string;
}

export interface KindRules {
  /** Name format for metadata.name / generateName. */
  nameFn: NameFn;
  /** Create-only review kinds (SubjectAccessReview, TokenReview, ...): no ObjectMeta rules. */
  noMeta?: boolean;
  /** Spec/body rules, run on create and (after the metadata update rules) on update. */
  spec?(o: Obj, errs: FieldError[], ctx: ValidationContext, old?: Obj): void;
  /** Extra update rules (immutable fields). Runs after spec. */
  update?(o: Obj, old: Obj, errs: FieldError[], ctx: ValidationContext): void;
  /** Replaces the whole create path (Pods). */
  create?(o: Obj, ctx: ValidationContext): FieldError[];
  /** Replaces the whole update path (Pods). */
  fullUpdate?(o: Obj, old: Obj, ctx: ValidationContext): FieldError[];
  /** Rules for the status subresource beyond metadata (optional). */
  status?(o: Obj, old: Obj, errs: FieldError[]): void;
}

export type RulesTable = ReadonlyMap<string, KindRules>;
