/**
 * One place that turns any failure into Dintero's error body `{error:{message,code,errors?}}`.
 * 5xx details stay in the log, never in the response.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError } from '../errors.ts';

interface ErrorBody {
  error: { message: string; code?: string; errors?: ReadonlyArray<Record<string, unknown>> };
}

const body = (message: string, code: string, errors?: ReadonlyArray<Record<string, unknown>>): ErrorBody => ({
  error: errors === undefined ? { message, code } : { message, code, errors },
});

/** Fastify's own client-side failures (bad JSON, too large, wrong content type) keep their status. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BODY_INVALID',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BODY_INVALID',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BODY_INVALID',
};

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    if (error instanceof ApiError) {
      return reply.status(error.statusCode).send(body(error.message, error.code, error.errors));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((v) => ({
        path: `${v.instancePath.replace(/^\//, '').replaceAll('/', '.')}`,
        message: v.message ?? 'invalid',
        in: error.validationContext ?? 'body',
      }));
      const first = errors[0];
      const where = first === undefined ? '' : `${first.in}${first.path === '' ? '' : `.${first.path}`}: `;
      return reply.status(400).send(body(`${where}${first?.message ?? 'invalid request'}`, 'VALIDATION_ERROR', errors));
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      const code = 'code' in error && typeof error.code === 'string' ? (FASTIFY_CODES[error.code] ?? error.code) : 'BAD_REQUEST';
      // JSON parse errors arrive as a SyntaxError with statusCode 400.
      return reply.status(status).send(body(error instanceof SyntaxError ? 'request body is not valid JSON' : error.message, code));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(body('internal server error', 'INTERNAL_ERROR'));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(body(`no route ${request.method} ${request.url.split('?')[0] ?? ''}`, 'NOT_FOUND'));
  });
}
