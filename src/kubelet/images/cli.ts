// `berth images import FILE [--name NAME] | ls | rm REF… | tag REF NAME | pull REF | gc`
// (--data-dir: the kubelet's data dir, default ${XDG_DATA_HOME:-~/.local/share}/berth/agent, the embedded
// agent of `berth server`; images live in <data-dir>/images; --registries FILE for pull.)
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isImageError } from './errors';
import { createImageService } from './image-service';
import type { ImageRecord } from './image-store';

const USAGE = `usage: berth images [--data-dir DIR] [--registries FILE] COMMAND
  import FILE [--name NAME]   import an OCI (oci-layout/index.json) or Docker (manifest.json) archive
  ls                          list images
  rm REF...                   remove images (a tag untags; the image goes with its last tag)
  tag REF NAME                add a name to an image
  pull REF                    pull from a registry (mirrors and credentials from --registries)
  gc [--high N] [--low N]     remove unused images when disk usage is above N% (default 85 → 80)`;

function parse(args: string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else flags[a.slice(2)] = args[++i] ?? '';
    } else rest.push(a);
  }
  return { flags, rest };
}

function human(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) n /= 1000, u++;
  return `${n.toFixed(u === 0 ? 0 : 1)}${units[u]}`;
}

function table(images: ImageRecord[]): string {
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const img of images) {
    const id = img.id.replace(/^sha256:/, '').slice(0, 13);
    const names = img.repoTags.length ? img.repoTags : ['<none>:<none>'];
    for (const n of names) {
      const colon = n.lastIndexOf(':');
      rows.push([n.slice(0, colon), n.slice(colon + 1), id, human(img.size)]);
    }
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((v, c) => v.padEnd((widths[c] ?? 0) + 3)).join('').trimEnd()).join('\n') + '\n';
}

/** Runs `berth images …`; resolves with the exit code (errors are printed, never thrown). */
export async function runImagesCommand(args: string[]): Promise<number> {
  const { flags, rest } = parse(args);
  const [cmd, ...operands] = rest;
  if (!cmd || flags.help !== undefined || cmd === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return cmd ? 0 : 2;
  }
  const dataDir = resolve(flags['data-dir'] || join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'berth', 'agent'));
  const svc = createImageService({ dataDir, ...(flags.registries ? { registriesFile: flags.registries } : {}) });
  try {
    switch (cmd) {
      case 'import': {
        const file = operands[0];
        if (!file) throw new Error('import: missing FILE');
        const recs = await svc.importArchive(resolve(file), flags.name ? { baseName: flags.name } : undefined);
        for (const r of recs) process.stdout.write(`imported ${r.repoTags.join(', ') || '<unnamed>'} (${r.id})\n`);
        return 0;
      }
      case 'ls':
      case 'list':
        process.stdout.write(table(svc.list()));
        return 0;
      case 'rm':
      case 'remove': {
        if (!operands.length) throw new Error('rm: missing REF');
        let code = 0;
        for (const ref of operands) {
          if (svc.remove(ref)) process.stdout.write(`removed ${ref}\n`);
          else {
            process.stderr.write(`berth images rm: no such image: ${ref}\n`);
            code = 1;
          }
        }
        return code;
      }
      case 'tag': {
        const [src, dst] = operands;
        if (!src || !dst) throw new Error('tag: usage: tag REF NAME');
        svc.tag(src, dst);
        return 0;
      }
      case 'pull': {
        const ref = operands[0];
        if (!ref) throw new Error('pull: missing REF');
        const r = await svc.pull(ref);
        process.stdout.write(`pulled ${r.repoTags.join(', ')} (${r.id})\n`);
        return 0;
      }
      case 'gc': {
        const r = svc.gc({ ...(flags.high ? { highThresholdPercent: Number(flags.high) } : {}), ...(flags.low ? { lowThresholdPercent: Number(flags.low) } : {}) });
        process.stdout.write(`removed ${r.removed.length} image(s), freed ${human(r.freedBytes)}\n`);
        return 0;
      }
      default:
        process.stderr.write(`berth images: unknown command "${cmd}"\n${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    process.stderr.write(`berth images ${cmd}: ${isImageError(err) ? `${err.reason}: ` : ''}${(err as Error).message}\n`);
    return 1;
  }
}
