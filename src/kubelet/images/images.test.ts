import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { buildBusyboxLayout, dockerArchive, ociArchive, requireTools } from '../runtime/oci/test-support';
import { createImageService, defaultPullPolicy, endpointsFor, isImageError, normalizeReference, parseRegistries, authFromDockerConfig } from './index';
import { tarEntry } from './tar';
import { unpackLayer } from './unpack';

const work = mkdtempSync(join(tmpdir(), 'berth-img-'));
chmodSync(work, 0o755);
let layout = '';

before(async () => {
  await requireTools(['umoci', 'skopeo', 'busybox']);
  layout = await buildBusyboxLayout(work, 'v1', { cmd: ['sh'] });
});
after(() => rmSync(work, { recursive: true, force: true }));

test('references normalise like docker/distribution', () => {
  const cases = [
    { in: 'busybox', want: 'docker.io/library/busybox:latest', policy: 'Always' },
    { in: 'busybox:1.36', want: 'docker.io/library/busybox:1.36', policy: 'IfNotPresent' },
    { in: 'nginx/nginx-ingress:3', want: 'docker.io/nginx/nginx-ingress:3', policy: 'IfNotPresent' },
    { in: 'localhost:5000/app', want: 'localhost:5000/app:latest', policy: 'Always' },
    { in: 'index.docker.io/library/redis:7', want: 'docker.io/library/redis:7', policy: 'IfNotPresent' },
    { in: `quay.io/a/b@sha256:${'a'.repeat(64)}`, want: `quay.io/a/b@sha256:${'a'.repeat(64)}`, policy: 'IfNotPresent' },
  ];
  for (const c of cases) {
    assert.equal(normalizeReference(c.in), c.want, `${c.in}: got ${normalizeReference(c.in)}`);
    assert.equal(defaultPullPolicy(c.in), c.policy, `${c.in}: pull policy`);
  }
  for (const bad of ['Busybox', 'a b', 'x@sha256:short', '']) assert.throws(() => normalizeReference(bad), (e) => isImageError(e) && e.reason === 'InvalidImageName', `${bad} is invalid`);
});

test('registries.yaml: mirrors, fallback, credentials', () => {
  const cfg = parseRegistries('mirrors:\n  docker.io:\n    endpoint: ["http://127.0.0.1:5000", "mirror.example/v2/proxy"]\nconfigs:\n  "127.0.0.1:5000":\n    auth: {username: u, password: p}\n    tls: {insecure_skip_verify: true}\n');
  const cases = [
    { name: 'mirrors then Docker Hub', reg: 'docker.io', off: false, want: ['http://127.0.0.1:5000/v2', 'https://mirror.example/v2/proxy', 'https://registry-1.docker.io/v2'] },
    { name: 'mirrors only', reg: 'docker.io', off: true, want: ['http://127.0.0.1:5000/v2', 'https://mirror.example/v2/proxy'] },
    { name: 'other registry over https', reg: 'quay.io', off: false, want: ['https://quay.io/v2'] },
    { name: 'loopback registry over http', reg: '127.0.0.1:9000', off: false, want: ['http://127.0.0.1:9000/v2'] },
  ];
  for (const c of cases) {
    const got = endpointsFor(cfg, c.reg, c.off).map((e) => e.base);
    assert.deepEqual(got, c.want, `${c.name}: got ${got.join(' ')}`);
  }
  assert.deepEqual(cfg.configs['127.0.0.1:5000'], { auth: { username: 'u', password: 'p', auth: undefined, identitytoken: undefined }, tls: { insecureSkipVerify: true, caFile: undefined, certFile: undefined, keyFile: undefined } });
  assert.throws(() => parseRegistries('mirrors:\n  docker.io:\n    endpoint: 5\n'), /mirrors.docker.io.endpoint/);
  const dcj = JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('a:b').toString('base64') }, 'reg.example:5000': { username: 'x', password: 'y' } } });
  assert.equal(authFromDockerConfig(dcj, 'docker.io')?.auth, Buffer.from('a:b').toString('base64'), 'Docker Hub key form');
  assert.equal(authFromDockerConfig(dcj, 'reg.example:5000')?.username, 'x', 'host key');
  assert.equal(authFromDockerConfig(dcj, 'other.example'), undefined, 'no match');
});

test('layers unpack into overlay format: whiteouts and opaque dirs hide lower layers', async (t) => {
  const dir = join(work, 'unpack');
  const l1 = join(dir, 'l1');
  const l2 = join(dir, 'l2');
  mkdirSync(l1, { recursive: true });
  mkdirSync(l2, { recursive: true });
  const tar = (...e: Buffer[]): Buffer => Buffer.concat([...e, Buffer.alloc(1024)]);
  await unpackLayer(Readable.from([gzipSync(tar(
    tarEntry({ name: 'dir/', type: 'dir' }), tarEntry({ name: 'dir/a' }, Buffer.from('a')), tarEntry({ name: 'dir/b' }, Buffer.from('b')),
    tarEntry({ name: 'gone.txt' }, Buffer.from('x')), tarEntry({ name: 'keep.txt', mode: 0o750 }, Buffer.from('keep')),
  ))]), l1);
  const r2 = await unpackLayer(Readable.from([tar(
    tarEntry({ name: './dir/', type: 'dir' }), tarEntry({ name: 'dir/.wh..wh..opq' }), tarEntry({ name: 'dir/c' }, Buffer.from('c')),
    tarEntry({ name: '.wh.gone.txt' }), tarEntry({ name: 'link', type: 'symlink', linkname: '/keep.txt' }),
    tarEntry({ name: 'hard', type: 'hardlink', linkname: 'dir/c' }),
  )]), l2);
  assert.match(r2.diffId, /^sha256:[a-f0-9]{64}$/, 'diffID of the uncompressed stream');
  const cases = [
    { name: 'whiteout is a 0/0 char device', ok: lstatSync(join(l2, 'gone.txt')).isCharacterDevice() && lstatSync(join(l2, 'gone.txt')).rdev === 0 },
    { name: 'mode kept', ok: (statSync(join(l1, 'keep.txt')).mode & 0o777) === 0o750 },
    { name: 'symlink target kept', ok: readlinkSync(join(l2, 'link')) === '/keep.txt' },
    { name: 'hardlink shares the inode', ok: statSync(join(l2, 'hard')).ino === statSync(join(l2, 'dir', 'c')).ino },
  ];
  for (const c of cases) assert.ok(c.ok, c.name);
  const target = join(dir, 'merged');
  mkdirSync(target);
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${l2}:${l1}`, target]);
  t.after(() => execFileSync('umount', [target]));
  assert.deepEqual(readdirSync(join(target, 'dir')), ['c'], 'opaque dir hides the lower layer');
  assert.deepEqual(readdirSync(target).sort(), ['dir', 'hard', 'keep.txt', 'link'], 'whiteout hides gone.txt');
  const evil = join(dir, 'evil');
  mkdirSync(evil);
  await unpackLayer(Readable.from([tar(tarEntry({ name: '../../escape' }, Buffer.from('x')))]), evil);
  assert.deepEqual([existsSync(join(evil, 'escape')), existsSync(join(dir, 'escape')), existsSync(join(work, 'escape'))], [true, false, false], '"../" is resolved inside the layer root');
  await assert.rejects(unpackLayer(Readable.from([tar(tarEntry({ name: 'l', type: 'symlink', linkname: '/etc' }), tarEntry({ name: 'l/x' }, Buffer.from('x')))]), evil), /non-directory/, 'no writes through a symlink');
});

test('archives import (OCI and Docker), list, remove, GC by disk usage', async () => {
  const svc = createImageService({ dataDir: join(work, 'svc') });
  const oci = await ociArchive(layout, 'v1', join(work, 'oci.tar'), 'busybox:1.36');
  const docker = await dockerArchive(layout, 'v1', join(work, 'docker.tar'), 'example.com/bb:2');
  const [a] = await svc.importArchive(oci);
  const [b] = await svc.importArchive(docker);
  assert.deepEqual(a?.repoTags, ['docker.io/library/busybox:1.36'], `OCI archive tags: got ${JSON.stringify(a?.repoTags)}`);
  assert.equal(b?.id, a?.id, 'same config → same image id');
  assert.deepEqual(svc.status('example.com/bb:2')?.config.cmd, ['sh'], 'config kept');
  assert.ok(existsSync(join(work, 'svc', 'images', 'layers', (a?.layers[0] ?? '').replace('sha256:', ''), 'bin', 'busybox')), 'layer unpacked');
  assert.equal(svc.remove('busybox:1.36'), true, 'untag');
  assert.ok(svc.status('example.com/bb:2'), 'the image keeps its other tag');
  const usage = { capacityBytes: 1000, usedBytes: 900 };
  const cases = [
    { name: 'below the high watermark: nothing', used: 800, inUse: [] as string[], removed: 0 },
    { name: 'in use: kept', used: 900, inUse: ['example.com/bb:2'], removed: 0 },
    { name: 'above: unused image removed', used: 900, inUse: [], removed: 1 },
  ];
  for (const c of cases) {
    const r = svc.gc({ diskUsage: () => ({ ...usage, usedBytes: c.used }), inUse: c.inUse });
    assert.equal(r.removed.length, c.removed, `${c.name}: got ${r.removed.length} removed`);
  }
  assert.deepEqual(svc.list(), [], 'GC removed the image');
  assert.deepEqual(readdirSync(join(work, 'svc', 'images', 'layers')), [], 'and its layers');
  assert.deepEqual(readdirSync(join(work, 'svc', 'images', 'blobs', 'sha256')), [], 'and its blobs');
});

test('pull answers a Bearer challenge with imagePullSecrets credentials', async (t) => {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  const manifestDigest = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'v1')?.digest ?? '';
  const blob = (d: string): Buffer => readFileSync(join(layout, 'blobs', 'sha256', d.replace('sha256:', '')));
  const seen: string[] = [];
  const srv = http.createServer((req, res) => {
    const url = req.url ?? '';
    seen.push(`${url.split('?')[0]} ${req.headers.authorization?.split(' ')[0] ?? '-'}`);
    if (url.startsWith('/token')) {
      const ok = req.headers.authorization === `Basic ${Buffer.from('alice:s3cret').toString('base64')}` && url.includes('scope=repository%3Ateam%2Fbb%3Apull');
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"token":"tok-1"}' : '{}');
      return;
    }
    if (req.headers.authorization !== 'Bearer tok-1') {
      const port = (srv.address() as { port: number }).port;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test",scope="repository:team/bb:pull"` }).end();
      return;
    }
    const m = /^\/v2\/team\/bb\/(manifests|blobs)\/(.+)$/.exec(url);
    if (m?.[1] === 'manifests' && (m[2] === '1.0' || m[2] === manifestDigest)) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(blob(manifestDigest));
    } else if (m?.[1] === 'blobs') res.writeHead(200).end(blob(m[2] ?? ''));
    else res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => srv.close());
  const host = `127.0.0.1:${(srv.address() as { port: number }).port}`;
  const svc = createImageService({ dataDir: join(work, 'auth') });
  await assert.rejects(svc.pull(`${host}/team/bb:1.0`), (e) => isImageError(e) && e.reason === 'ErrImagePull' && /token request/.test(e.message), 'no credentials → ErrImagePull');
  const secret = JSON.stringify({ auths: { [host]: { username: 'alice', password: 's3cret' } } });
  const img = await svc.pull(`${host}/team/bb:1.0`, { auth: { dockerConfigJsons: [secret] } });
  assert.deepEqual(img.repoDigests, [`${host}/team/bb@${manifestDigest}`], 'repo digest recorded');
  assert.ok(seen.includes('/token Basic') && seen.some((s) => s.endsWith('Bearer')), `token flow: got ${seen.join(', ')}`);
});
