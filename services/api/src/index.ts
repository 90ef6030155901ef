export * from './api-app';
export { authorize, signedIn, type SignedIn } from './access/authentication';
export { ensureDemoUsers } from './access/user-accounts';
export { ApiError, ERRORS, type ErrorCode } from './errors';
