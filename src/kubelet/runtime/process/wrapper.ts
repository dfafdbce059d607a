// The tiny shell that runs every container process (about 1 MB of dash):
//  - joins the container's cgroups by writing its own pid to each cgroup.procs BEFORE the command
//    runs (no race with a write after spawn);
//  - stays the parent of the command and writes its exit status to a file, so the status survives a
//    kubelet restart (an adopted process is no longer the kubelet's child);
//  - traps TERM/INT/HUP with a no-op (a trap, not an ignore, so the command still gets default
//    dispositions): a SIGTERM to the process group reaches the command and the shell outlives it.
// Arguments: $1 exit file ('' for none), $2 ':'-separated cgroup.procs files, then the argv to run.
export const RUN_WRAPPER = [
  'x=$1; p=$2; shift 2',
  'trap : TERM INT HUP',
  'IFS=:; for f in $p; do echo $$ > "$f" || { echo "berth: cannot join cgroup $f" >&2; exit 125; }; done; unset IFS',
  '"$@"',
  'c=$?',
  '[ -n "$x" ] && echo $c > "$x"',
  'exit $c',
].join('\n');

/** For exec: join the container's cgroups, then become the command. Arguments: $1 procs files, then argv. */
export const EXEC_WRAPPER = [
  'p=$1; shift',
  'IFS=:; for f in $p; do echo $$ > "$f" || exit 125; done; unset IFS',
  'exec "$@"',
].join('\n');
