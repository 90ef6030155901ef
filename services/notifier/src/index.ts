export * from './alert-recorder';
export * from './alert-rules';
