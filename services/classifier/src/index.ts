export * from './classifier-worker';
export * from './classify.step';
