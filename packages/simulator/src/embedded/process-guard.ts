// Kills the process groups we started when this process ends, however it ends: normal exit, process.exit(),
// Ctrl-C (SIGINT), SIGTERM or SIGHUP. (A SIGKILL of this process cannot be caught; the DynamoDB Local wrapper
// covers that case itself by watching its stdin pipe, see dynamodb-local.ts.)

const TERMINATING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type TerminatingSignal = (typeof TERMINATING_SIGNALS)[number];

/** Each guarded group with what to clean up once it is killed (e.g. its private temporary folder). */
const guardedGroups = new Map<number, (() => void) | undefined>();
let installed = false;

/** Synchronous on purpose: an "exit" listener cannot wait for anything. */
export function killProcessGroup(processGroupId: number): void {
  try {
    process.kill(-processGroupId, "SIGKILL");
  } catch (error) {
    // ESRCH: the group is already gone, which is the outcome we want.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function killAllGuarded(): void {
  for (const [group, cleanUp] of guardedGroups) {
    killProcessGroup(group);
    try {
      cleanUp?.();
    } catch {
      // Best effort while this process ends: a folder that cannot be removed must not stop the other groups' kill.
    }
  }
  guardedGroups.clear();
}

function onExit(): void {
  killAllGuarded();
}

function onSignal(signal: TerminatingSignal): void {
  killAllGuarded();
  uninstall();
  // Listening to a signal replaces Node's default of dying from it. When nobody else listens, restore that default
  // by raising the signal again, so Ctrl-C still ends the program (with the usual 128+n status).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

const signalListeners = new Map<TerminatingSignal, () => void>(
  TERMINATING_SIGNALS.map((signal) => [signal, () => onSignal(signal)]),
);

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", onExit);
  for (const [signal, listener] of signalListeners) process.on(signal, listener);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener("exit", onExit);
  for (const [signal, listener] of signalListeners) process.removeListener(signal, listener);
}

/**
 * Kill this process group (SIGKILL) when the current process exits or is told to terminate, then run `cleanUp`
 * (synchronous: an "exit" listener cannot wait).
 */
export function guardProcessGroup(processGroupId: number, cleanUp?: () => void): void {
  guardedGroups.set(processGroupId, cleanUp);
  install();
}

/** The group was stopped on purpose; once nothing is guarded, the signal listeners go so default behaviour returns. */
export function releaseProcessGroup(processGroupId: number): void {
  guardedGroups.delete(processGroupId);
  if (guardedGroups.size === 0) uninstall();
}
