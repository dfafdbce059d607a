import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildArgv, NO_COMMAND_MESSAGE, resolveExecutable } from './argv';

test('buildArgv follows Kubernetes command/args rules without image metadata', () => {
  const cases = [
    { name: 'command only', command: ['sh', '-c', 'x'], args: undefined, want: ['sh', '-c', 'x'] },
    { name: 'command + args', command: ['sh'], args: ['-c', 'x'], want: ['sh', '-c', 'x'] },
    { name: 'args alone are the argv', command: undefined, args: ['sleep', '1'], want: ['sleep', '1'] },
    { name: 'empty command, args', command: [], args: ['echo'], want: ['echo'] },
  ];
  for (const c of cases) {
    const r = buildArgv(c.command, c.args);
    assert.deepEqual(r, { ok: true, argv: c.want }, `${c.name}: got ${JSON.stringify(r)}`);
  }
  assert.deepEqual(buildArgv(undefined, undefined), { ok: false, message: NO_COMMAND_MESSAGE }, 'neither: clear error');
  assert.deepEqual(buildArgv([], []), { ok: false, message: NO_COMMAND_MESSAGE }, 'both empty: clear error');
});

test('resolveExecutable', () => {
  const cases = [
    { name: 'bare name in PATH', in: 'sh', path: '/usr/bin:/bin', ok: true },
    { name: 'absolute', in: '/bin/sh', path: '', ok: true },
    { name: 'relative with slash', in: './sh', path: '', cwd: '/bin', ok: true },
    { name: 'missing bare name', in: 'foo-nope', path: '/usr/bin', ok: false, message: 'exec: "foo-nope": executable file not found in $PATH' },
    { name: 'missing path', in: '/nope/foo', path: '', ok: false, message: 'exec: "/nope/foo": stat /nope/foo: no such file or directory' },
    { name: 'not executable', in: 'passwd', path: '/etc', ok: false, message: 'exec: "passwd": executable file not found in $PATH' },
  ];
  for (const c of cases) {
    const r = resolveExecutable(c.in, c.path, c.cwd ?? '/');
    assert.equal(r.ok, c.ok, `${c.name}: got ${JSON.stringify(r)}`);
    if (!r.ok) assert.equal(r.message, c.message, `${c.name}: got ${r.message}`);
  }
});
