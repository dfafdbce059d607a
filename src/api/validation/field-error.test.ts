import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  GoLiteral, duplicate, errorBody, formatFieldError, forbidden, invalid, invalidMessage, notSupported, required, toCauses, tooLong, tooMany,
} from './field-error';

describe('formatFieldError', () => {
  const cases = [
    { name: 'required without detail', e: required('spec.containers'), want: 'spec.containers: Required value' },
    { name: 'required with detail', e: required('metadata.name', 'name or generateName is required'), want: 'metadata.name: Required value: name or generateName is required' },
    { name: 'invalid string is quoted', e: invalid('metadata.name', 'Bad_Name', 'detail'), want: 'metadata.name: Invalid value: "Bad_Name": detail' },
    { name: 'invalid number is bare', e: invalid('spec.replicas', -1, 'must be greater than or equal to 0'), want: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0' },
    { name: 'invalid null prints "null"', e: invalid('spec.x', null, 'd'), want: 'spec.x: Invalid value: "null": d' },
    { name: 'string escapes', e: invalid('f', 'a"b\\c\n', 'd'), want: 'f: Invalid value: "a\\"b\\\\c\\n": d' },
    {
      name: 'not supported lists quoted values',
      e: notSupported('spec.restartPolicy', 'Sometimes', ['Always', 'OnFailure', 'Never']),
      want: 'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    },
    { name: 'duplicate', e: duplicate('spec.containers[1].name', 'a'), want: 'spec.containers[1].name: Duplicate value: "a"' },
    { name: 'forbidden', e: forbidden('metadata.namespace', 'not allowed on this type'), want: 'metadata.namespace: Forbidden: not allowed on this type' },
    { name: 'too long omits the value', e: tooLong('metadata.annotations', 'x', 262144), want: 'metadata.annotations: Too long: must have at most 262144 bytes' },
    { name: 'too many prints the count', e: tooMany('spec.x', 5, 3), want: 'spec.x: Too many: 5: must have at most 3 items' },
    { name: 'go map value', e: invalid('l', { b: '2', a: '1' }, 'd'), want: 'l: Invalid value: map[string]string{"a":"1", "b":"2"}: d' },
    { name: 'go literal verbatim', e: invalid('s', new GoLiteral('v1.LabelSelector{}'), 'd'), want: 's: Invalid value: v1.LabelSelector{}: d' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = formatFieldError(c.e);
      assert.equal(got, c.want, `got ${got} want ${c.want}`);
    });
  }
});

describe('invalidMessage', () => {
  it('single error has no brackets', () => {
    const got = invalidMessage('Pod', 'x', [required('spec.containers')]);
    assert.equal(got, 'Pod "x" is invalid: spec.containers: Required value');
  });
  it('several errors are bracketed and deduplicated', () => {
    const e = required('spec.containers');
    const got = invalidMessage('Pod', 'x', [e, forbidden('spec', 'no'), e]);
    assert.equal(got, 'Pod "x" is invalid: [spec.containers: Required value, spec: Forbidden: no]');
  });
  it('non-core kinds are qualified by group when given', () => {
    const got = invalidMessage('Deployment', 'web', [required('spec.selector')], 'apps');
    assert.equal(got, 'Deployment.apps "web" is invalid: spec.selector: Required value');
  });
  it('no errors gives the bare head', () => {
    assert.equal(invalidMessage('Pod', 'x', []), 'Pod "x" is invalid');
  });
});

describe('toCauses', () => {
  it('carries reason, body without the field, and field', () => {
    const got = toCauses([invalid('metadata.name', 'A', 'bad')]);
    assert.deepEqual(got, [{ reason: 'FieldValueInvalid', message: 'Invalid value: "A": bad', field: 'metadata.name' }]);
    assert.equal(errorBody(required('x')), 'Required value');
  });
});
