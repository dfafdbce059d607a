// One-line logs on stderr: `<time> <level> <component>: message`. Never pass secrets to it.
import type { LogLevel } from '../apiserver/server';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createLogger(component: string, level: LogLevel): (l: LogLevel, msg: string) => void {
  const max = ORDER[level];
  return (l, msg) => {
    if (ORDER[l] > max) return;
    process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${component}: ${msg}\n`);
  };
}
