/**
 * How every route plugin answers: the JSON error envelope (server/contract.ts) and `route`, which
 * registers a handler together with a 405 for the path's other methods, so a wrong method gets an
 * envelope that says so instead of Fastify's generic 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { ApiErrors, errorEnvelope, type ApiErrorCode } from '../contract.js';

export const ALL_METHODS: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function sendError(reply: FastifyReply, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(ApiErrors[code]).type('application/json; charset=utf-8').send(errorEnvelope(code, message));
}

/** Register `method url`, and a 405 for every other method on the same path. */
export function route(app: FastifyInstance, method: 'GET' | 'POST', url: string, handler: (req: FastifyRequest, reply: FastifyReply) => unknown): void {
  app.route({ method, url, handler: handler as never });
  app.route({
    method: ALL_METHODS.filter((m) => m !== method),
    url,
    handler: (_req, reply) => sendError(reply, 'method_not_allowed', 'Method not allowed'),
  });
}
