/**
 * Memory figures: this process's RSS (the in-process Baton worker, its client and the bench itself)
 * sampled on a timer with a peak per phase, and the Temporal server's RSS from /proc on Linux.
 */
import { readFile } from 'node:fs/promises';

const MiB = 1024 * 1024;

/** `VmRSS` and `VmHWM` (peak RSS) of a /proc/<pid>/status text, in MiB; null when absent. */
export function parseProcStatus(text: string): { rssMiB: number | null; hwmMiB: number | null } {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
    return m ? Number(m[1]) / 1024 : null;
  };
  return { rssMiB: field('VmRSS'), hwmMiB: field('VmHWM') };
}

/** A process's memory from /proc (null off Linux or once the process is gone). */
export async function procMemory(pid: number): Promise<{ rssMiB: number | null; hwmMiB: number | null } | null> {
  try {
    return parseProcStatus(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

export interface MemoryFigures {
  worker: {
    /** Highest sampled RSS over the whole bench, MiB. */
    peakMiB: number;
    /** Highest sampled RSS per phase, MiB. */
    peakByPhaseMiB: Record<string, number>;
    /** RSS when the last phase ended, MiB. */
    endMiB: number;
    samples: number;
  };
  server: {
    pid: number;
    /** Highest sampled VmRSS, MiB. */
    peakSampledMiB: number | null;
    /** The kernel's own high-water mark (VmHWM) at the end, MiB. */
    hwmMiB: number | null;
    endMiB: number | null;
  } | null;
}

/**
 * Samples this process (and the server, once `watchServer` names it) every `everyMs` until
 * `finish()`; `phase(name)` starts a new per-phase peak.
 */
export function startMemorySampler(options: { everyMs?: number } = {}) {
  let serverPid: number | undefined;
  const peakByPhase: Record<string, number> = {};
  let phase = 'startup';
  let peak = 0;
  let samples = 0;
  let serverPeak: number | null = null;
  let reading = false;

  const sample = async () => {
    const rss = process.memoryUsage().rss / MiB;
    samples += 1;
    peak = Math.max(peak, rss);
    peakByPhase[phase] = Math.max(peakByPhase[phase] ?? 0, rss);
    if (serverPid && !reading) {
      reading = true;
      const server = await procMemory(serverPid);
      reading = false;
      if (server?.rssMiB != null) serverPeak = Math.max(serverPeak ?? 0, server.rssMiB);
    }
  };
  const timer = setInterval(() => void sample(), options.everyMs ?? 200);
  timer.unref();
  void sample();

  return {
    watchServer(pid: number): void {
      serverPid = pid;
    },
    phase(name: string): void {
      phase = name;
      void sample();
    },
    /** Stop sampling and return the figures (RSS "end" is taken now). */
    async finish(): Promise<MemoryFigures> {
      clearInterval(timer);
      await sample();
      const endMiB = process.memoryUsage().rss / MiB;
      const server = serverPid ? await procMemory(serverPid) : null;
      return {
        worker: { peakMiB: peak, peakByPhaseMiB: { ...peakByPhase }, endMiB, samples },
        server: serverPid
          ? { pid: serverPid, peakSampledMiB: serverPeak, hwmMiB: server?.hwmMiB ?? null, endMiB: server?.rssMiB ?? null }
          : null,
      };
    },
  };
}
