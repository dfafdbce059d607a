// The two small shell programs of the oci driver.
//
// SHIM (host side, /bin/sh): the parent of `runc run` (foreground), so runc stays our child and its exit
// status, the container's, lands in an exit file that outlives a kubelet restart. It traps TERM/INT/HUP
// with a no-op so it outlives runc. Arguments: $1 exit file, then the runc argv.
//
// INIT (container side, run by the host's static busybox bind-mounted at /.berth/busybox): PID 1 of the
// container. A PID 1 ignores signals it has no handler for, so a container whose program does not trap
// SIGTERM would only stop at SIGKILL; like `docker run --init` (tini) this init forwards TERM/INT/HUP/
// QUIT/USR1/USR2 to the program, reaps orphans, and exits with the program's status (143 after SIGTERM).
// Before starting it checks argv[0] the way Go's exec.LookPath does and, if missing, writes the error
// Kubernetes shows to /.berth/start-error and exits 128 (the driver reports a StartError).
// Arguments: the container's argv.
export const SHIM = [
  'x=$1; shift',
  'trap : TERM INT HUP',
  '"$@"',
  'c=$?',
  'echo $c > "$x"',
  'exit $c',
].join('\n');

export const INIT_PATH = '/.berth/busybox';
export const START_ERROR_FILE = '/.berth/start-error';

export const INIT = [
  'n=$1',
  'case "$n" in',
  `  */*) [ -f "$n" ] && [ -x "$n" ] || { printf 'exec: "%s": stat %s: no such file or directory' "$n" "$n" > ${START_ERROR_FILE}; exit 128; } ;;`,
  '  *) f=; IFS=:; for d in $PATH; do [ -f "${d:-.}/$n" ] && [ -x "${d:-.}/$n" ] && { f="${d:-.}/$n"; break; }; done; unset IFS',
  `     [ -n "$f" ] || { printf 'exec: "%s": executable file not found in $PATH' "$n" > ${START_ERROR_FILE}; exit 128; }`,
  '     shift; set -- "$f" "$@" ;;',
  'esac',
  'c=',
  'for s in TERM INT HUP QUIT USR1 USR2; do trap "[ -n \\"\\$c\\" ] && kill -$s \\$c 2>/dev/null" $s; done',
  'exec 3<&0',
  '"$@" <&3 3<&- &',
  'c=$!',
  'exec 3<&-',
  'while :; do',
  '  wait $c; s=$?',
  '  kill -0 $c 2>/dev/null || exit $s',
  'done',
].join('\n');
