/**
 * Does a model endpoint answer? One HTTP request with a short deadline; any HTTP status counts as
 * an answer (the endpoint is up), while refused, unresolved or silent connections do not. Used by
 * the agent backends' preflight checks.
 */
export type EndpointProbe = { reachable: true; status: number } | { reachable: false; cause: string };

function networkCause(err: unknown, url: string, timeoutMs: number): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { name?: string }).name;
  if (code === 'ECONNREFUSED') return `${url} refuses connections (nothing listens there)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${new URL(url).hostname} does not resolve (no DNS or no network)`;
  if (code === 'TimeoutError' || code === 'AbortError' || code === 'UND_ERR_CONNECT_TIMEOUT') return `${url} did not answer within ${timeoutMs} ms`;
  if (code === 'ECONNRESET') return `${url} closed the connection`;
  return `${url} cannot be reached (${cause?.message ?? (err instanceof Error ? err.message : String(err))})`;
}

/** GET `url` (headers as given); never throws. */
export async function probeEndpoint(url: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<EndpointProbe> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel().catch(() => undefined);
    return { reachable: true, status: res.status };
  } catch (err) {
    return { reachable: false, cause: networkCause(err, url, timeoutMs) };
  }
}
