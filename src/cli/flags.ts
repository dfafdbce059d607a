// A small flag parser with Kubernetes-style flags: --name value, --name=value, booleans as --flag or
// --flag=false. Unknown flags and missing values are clear one-line errors.

export interface FlagSpec {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'list';
  default?: string | number | boolean;
  help: string;
}

export class FlagError extends Error {
  override name = 'FlagError';
}

export type Flags = Record<string, string | number | boolean | string[] | undefined>;

export function parseFlags(args: string[], specs: FlagSpec[]): { flags: Flags; rest: string[]; help: boolean } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags: Flags = {};
  for (const s of specs) if (s.default !== undefined) flags[s.name] = s.default;
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new FlagError(`unknown flag: --${name}`);
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (spec.type === 'boolean') {
      if (value === undefined) flags[name] = true;
      else if (value === 'true' || value === 'false') flags[name] = value === 'true';
      else throw new FlagError(`invalid value "${value}" for --${name}: want true or false`);
      continue;
    }
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: --${name}`);
    }
    if (spec.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new FlagError(`invalid value "${value}" for --${name}: want a number`);
      flags[name] = n;
    } else if (spec.type === 'list') {
      const prev = (flags[name] as string[] | undefined) ?? [];
      flags[name] = [...prev, ...value.split(',').filter(Boolean)];
    } else flags[name] = value;
  }
  return { flags, rest, help };
}

export function flagHelp(specs: FlagSpec[]): string {
  return specs
    .map((s) => {
      const left = `  --${s.name}${s.type === 'boolean' ? '' : ` ${s.type === 'number' ? 'N' : 'VALUE'}`}`;
      const def = s.default !== undefined && s.default !== '' && s.default !== false ? ` (default ${String(s.default)})` : '';
      return `${left.padEnd(32)} ${s.help}${def}`;
    })
    .join('\n');
}
