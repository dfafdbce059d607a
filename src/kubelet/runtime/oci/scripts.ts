// The two small shell programs of the oci driver.
//
// SHIM (host side, /bin/sh): the parent of `runc run` (foreground), so runc stays our child and its exit
// status, the container's, lands in an exit file that outlives a kubelet restart. It traps TERM/INT/HUP
// with a no-op so it outlives runc. Arguments: $1 exit file, then the runc argv.
//
// INIT (container side, run by the host's static busybox bind-mounted at /.berth/busybox): PID 1 of the
// container. A PID 1 ignores signals it has no handler for, so a container whose program does not trap
// SIGTERM would only stop at SIGKILL; like `docker run --init` (tini) this init forwards TERM/INT/HUP/
// QUIT/USR1/USR2 (and WINCH, for containers on a terminal) to the program, reaps orphans, and exits with the program's status (143 after SIGTERM).
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
/** Where INIT records the program's exit status (read by RUN_TTY, which is not runc's parent). */
export const EXIT_STATUS_FILE = '/.berth/exit-status';

export const INIT = [
  'n=$1',
  'case "$n" in',
  `  */*) [ -f "$n" ] && [ -x "$n" ] || { printf 'exec: "%s": stat %s: no such file or directory' "$n" "$n" > ${START_ERROR_FILE}; exit 128; } ;;`,
  '  *) f=; IFS=:; for d in $PATH; do [ -f "${d:-.}/$n" ] && [ -x "${d:-.}/$n" ] && { f="${d:-.}/$n"; break; }; done; unset IFS',
  `     [ -n "$f" ] || { printf 'exec: "%s": executable file not found in $PATH' "$n" > ${START_ERROR_FILE}; exit 128; }`,
  '     shift; set -- "$f" "$@" ;;',
  'esac',
  'c=',
  'for s in TERM INT HUP QUIT USR1 USR2 WINCH; do trap "[ -n \\"\\$c\\" ] && kill -$s \\$c 2>/dev/null" $s; done',
  'exec 3<&0',
  '"$@" <&3 3<&- &',
  'c=$!',
  'exec 3<&-',
  'while :; do',
  '  wait $c; s=$?',
  `  kill -0 $c 2>/dev/null || { echo $s > ${EXIT_STATUS_FILE}; exit $s; }`,
  'done',
].join('\n');

// EXEC_TTY_HOST (host side, on the pty): starts `runc exec --detach` (its stdio, the pty, goes straight to
// the process), forwards the terminal's INT/QUIT/HUP to the process group, and waits until the process is
// gone: its exit file appears, or it is dead or a zombie (a detached exec is not our child). Exits with
// the command's status (137 when the process died without writing one).
// Arguments: $1 runc's pid file, $2 the exit file on the host, then the runc argv.
export const EXEC_TTY_HOST = [
  'f=$1; x=$2; shift 2',
  '"$@" || exit $?',
  'p=$(cat "$f") || exit 126',
  'for s in INT QUIT HUP; do trap "kill -$s -$p 2>/dev/null" $s; done',
  'alive() { [ -r /proc/$p/stat ] && ! grep -q "^[^)]*) Z" /proc/$p/stat 2>/dev/null; }',
  'while [ ! -s "$x" ] && alive; do sleep 0.05; done',
  'c=$(cat "$x" 2>/dev/null)',
  'exit ${c:-137}',
].join('\n');

// EXEC_TTY_CONTAINER (container side, /.berth/busybox sh): runs the command as its child so it can record
// its exit status in $1 (under /.berth, the host's berthDir). Arguments: $1 exit file, then the argv.
export const EXEC_TTY_CONTAINER = [
  'x=$1; shift',
  '"$@"',
  'c=$?',
  'echo $c > "$x.tmp" && mv "$x.tmp" "$x"',
  'exit $c',
].join('\n');

// RUN_TTY (host side, on the pty of a tty: true container): `runc create` is always detached, so it hands
// its stdio (the pty) to the container's init as is (`runc run` in the foreground would relay through
// pipes of its own); then `runc start`. It forwards the terminal's INT/QUIT/HUP to the init (which passes
// them on) and waits for the container to end: INIT's exit-status file appears, or the init is dead or a
// zombie. Exits with the program's status (137 when the init died without writing one).
// Arguments: $1 the exit-status file on the host, $2 the pid file, $3 runc, $4 its --root, $5 its --log,
// $6 the bundle, $7 the container id.
export const RUN_TTY = [
  'x=$1; f=$2; r=$3; root=$4; log=$5; b=$6; id=$7',
  'rm -f "$x"',
  '"$r" --root "$root" --log "$log" --log-format json create --bundle "$b" --pid-file "$f" "$id" || exit $?',
  '"$r" --root "$root" --log "$log" --log-format json start "$id" || exit $?',
  'p=$(cat "$f") || exit 126',
  'for s in INT QUIT HUP; do trap "kill -$s $p 2>/dev/null" $s; done',
  'alive() { [ -r /proc/$p/stat ] && ! grep -q "^[^)]*) Z" /proc/$p/stat 2>/dev/null; }',
  'while [ ! -s "$x" ] && alive; do sleep 0.05; done',
  'c=$(cat "$x" 2>/dev/null)',
  'exit ${c:-137}',
].join('\n');
