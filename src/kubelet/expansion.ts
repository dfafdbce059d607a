// `$(VAR)` expansion in command, args and env values, as upstream's third_party/forked/golang/expansion:
// `$(NAME)` becomes the value when NAME is defined, stays as written otherwise; `$$` is an escaped `$`.

export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name ? lookup(name) : undefined;
      out += v ?? input.slice(i, close + 1);
      i = close + 1;
    } else {
      out += ch + next;
      i += 2;
    }
  }
  return out;
}
