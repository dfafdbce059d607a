import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isConfigMapKey, isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isIP, isQualifiedName, isRelaxedEnvVarName, isValidLabelValue, isValidPortName } from './names';

describe('name checks', () => {
  const cases: Array<{ name: string; fn: (s: string) => string[]; input: string; want: string[] }> = [
    { name: 'subdomain ok', fn: isDNS1123Subdomain, input: 'a.b-c', want: [] },
    {
      name: 'label with dots',
      fn: isDNS1123Label,
      input: 'a.b',
      want: ['must not contain dots'],
    },
    // Go's RegexError really puts two spaces before "or" between examples.
    {
      name: 'label uppercase',
      fn: isDNS1123Label,
      input: 'A',
      want: [
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: 'dns1035 starting with digit',
      fn: isDNS1035Label,
      input: '1abc',
      want: [
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    { name: 'qualified name with prefix', fn: isQualifiedName, input: 'example.com/MyName', want: [] },
    { name: 'qualified name empty prefix', fn: isQualifiedName, input: '/a', want: ['prefix part must be non-empty'] },
    { name: 'label value empty ok', fn: isValidLabelValue, input: '', want: [] },
    { name: 'port name too long', fn: isValidPortName, input: 'abcdefghijklmnop', want: ['must be no more than 15 characters'] },
    { name: 'port name digits only', fn: isValidPortName, input: '8080', want: ['must contain at least one letter (a-z)'] },
    { name: 'env name relaxed', fn: isRelaxedEnvVarName, input: '1-A.b', want: [] },
    { name: 'env name with =', fn: isRelaxedEnvVarName, input: 'A=B', want: ["a valid environment variable name must consist only of printable ASCII characters other than '='"] },
    { name: 'configmap key ..', fn: isConfigMapKey, input: '..a', want: ["must not start with '..'"] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = c.fn(c.input);
      assert.deepEqual(got, c.want, `got ${JSON.stringify(got)} want ${JSON.stringify(c.want)}`);
    });
  }
  it('IP syntax', () => {
    for (const ok of ['10.0.0.1', '::1', '2001:db8::ffff', '::ffff:1.2.3.4']) assert.ok(isIP(ok), ok);
    for (const bad of ['10.0.0', '1.2.3.256', 'abc', '1::2::3', '']) assert.ok(!isIP(bad), bad);
  });
});
