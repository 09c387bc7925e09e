/**
 * Which host a worker is: workspaces live on one host, and the issue workflow pins an issue's
 * workspace activities to that host's own task queue (`<queue>@<host>`). The id is stable across
 * restarts of a worker on the same machine, so a restarted worker picks its workspaces up again.
 */
import { hostname } from 'node:os';

export function hostId(env: NodeJS.ProcessEnv = process.env): string {
  return (env.BATON_HOST_ID?.trim() || hostname()).replace(/[^A-Za-z0-9._-]/g, '_');
}

export function hostTaskQueue(sharedQueue: string, host: string = hostId()): string {
  return `${sharedQueue}@${host}`;
}
