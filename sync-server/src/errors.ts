/**
 * Errors that reach a client. Services throw `ApiError`; the error handler turns it into
 * Dintero's body `{error:{message,code}}` with the status given here.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly errors?: ReadonlyArray<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (code: string, message: string): ApiError => new ApiError(400, code, message);
export const unauthorized = (code: string, message: string): ApiError => new ApiError(401, code, message);
export const forbidden = (code: string, message: string): ApiError => new ApiError(403, code, message);
export const notFound = (code: string, message: string): ApiError => new ApiError(404, code, message);
export const conflict = (code: string, message: string): ApiError => new ApiError(409, code, message);
export const tooManyRequests = (code: string, message: string): ApiError => new ApiError(429, code, message);
